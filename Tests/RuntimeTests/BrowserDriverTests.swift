import Foundation
import Runtime
import Testing

@Suite struct BrowserDriverTests {
    @Test("the driver the binary carries is scripts/browser (run scripts/embed-browser-driver if not)")
    func embeddedDriverMatchesTheScript() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/browser")
        let text = try String(contentsOf: script, encoding: .utf8)
        // The generator appends the closing delimiter on a line of its own: the script's last newline is the literal's.
        #expect(BrowserCheck.driver + "\n" == text)
    }
}
