import Board
import Testing

@Suite struct ValuesTests {
    @Test(arguments: [("90s", 90), ("30m", 1_800), ("2h", 7_200), ("7d", 604_800), ("2w", 1_209_600)])
    func intervals(text: String, seconds: Int) {
        #expect(Interval(text)?.seconds == seconds)
    }

    @Test(arguments: ["", "h", "0h", "-1h", "2x", "1.5h", "2 h x", "99999999999999999999d", "+5m", "05m", " 2h", "2h "])
    func badIntervals(text: String) {
        #expect(Interval(text) == nil)
    }

    @Test func intervalsFromSecondsUseTheLargestUnit() {
        #expect(Interval(seconds: 2_592_000).text == "30d")
        #expect(Interval(seconds: 90).text == "90s")
        #expect(Interval(seconds: 7_200).text == "2h")
    }

    @Test(arguments: [("123", 123), ("512KB", 524_288), ("20MB", 20_971_520), ("1GB", 1_073_741_824), ("5mb", 5_242_880)])
    func sizes(text: String, bytes: Int) {
        #expect(ByteSize(text)?.bytes == bytes)
    }

    @Test(arguments: ["", "MB", "+5MB", "-1", "5 MB", "5TB", "1.5MB"])
    func badSizes(text: String) {
        #expect(ByteSize(text) == nil)
    }
}
