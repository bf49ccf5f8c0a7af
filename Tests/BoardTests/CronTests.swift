import Board
import Foundation
import Testing

/// A UTC time written `YYYY-MM-DD HH:MM`, optionally `:SS`.
func utc(_ text: String) -> Date {
    let numbers = text.split(whereSeparator: { " -:".contains($0) }).map { Int($0)! }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let components = DateComponents(year: numbers[0], month: numbers[1], day: numbers[2], hour: numbers[3],
                                    minute: numbers[4], second: numbers.count > 5 ? numbers[5] : 0)
    return calendar.date(from: components)!
}

/// `YYYY-MM-DD HH:MM` of a UTC time, for readable failures.
func utcText(_ date: Date?) -> String {
    guard let date else { return "nil" }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "??" }
    let seconds = c.second == 0 ? "" : ":" + two(c.second)
    return "\(c.year!)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))" + seconds
}

@Suite struct CronTests {
    // MARK: Parsing

    @Test(arguments: [
        ("* * * * *", "* * * * *"),
        ("0 6 * * 1", "0 6 * * 1"),
        ("1,15 * * * *", "1,15 * * * *"),
        ("0 9-17 * * 1-5", "0 9-17 * * 1-5"),
        ("*/15 * * * *", "*/15 * * * *"),
        ("10-50/10 * * * *", "10,20,30,40,50 * * * *"),
        ("5/15 * * * *", "5,20,35,50 * * * *"),
        ("0 */6 * * *", "0 */6 * * *"),
        ("0 0,12 * * *", "0 */12 * * *"),
        ("0-59 0-23 * 1-12 *", "* * * * *"),
        ("0 0 1-31 * *", "0 0 1-31 * *"),
        ("0 0 */2 * *", "0 0 */2 * *"),
        ("0 0 * * */2", "0 0 * * */2"),
        ("0 0 1,15 * 1", "0 0 1,15 * 1"),
        ("1,2,3,5,7,8,9 * * * *", "1-3,5,7-9 * * * *"),
        ("0 0 * jan,JUL *", "0 0 * */6 *"),
        ("0 0 * jan,MAR,jul *", "0 0 * 1,3,7 *"),
        ("0 0 * Mar-May mon-FRI", "0 0 * 3-5 1-5"),
        ("0 0 * jan-dec/3 *", "0 0 * */3 *"),
        ("0 0 * * 7", "0 0 * * 0"),
        ("0 0 * * sun,7,0", "0 0 * * 0"),
        ("0 0 * * 5-7", "0 0 * * 0,5,6"),
        ("0 0 * * 0-7", "0 0 * * 0-6"),
        ("00 06 * * *", "0 6 * * *"),
        ("  0\t6  *  * *  ", "0 6 * * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        (" @Daily ", "0 0 * * *"),
    ])
    func parsesEveryFormAndNormalizes(_ expression: String, normalized: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        #expect(schedule.description == normalized)
        // The normalized form means the same schedule.
        #expect(try CronSchedule(parsing: normalized) == schedule)
    }

    @Test func equivalentExpressionsAreEqual() throws {
        #expect(try CronSchedule(parsing: "@daily") == CronSchedule(parsing: "0 0 * * *"))
        #expect(try CronSchedule(parsing: "0 0 * * 7") == CronSchedule(parsing: "0 0 * * SUN"))
        #expect(try CronSchedule(parsing: "*/20 * * * *") == CronSchedule(parsing: "0,20,40 * * * *"))
        // A day of month written as a range is restricted, `*` is not: they differ when day of week is restricted.
        #expect(try CronSchedule(parsing: "0 0 1-31 * 1") != CronSchedule(parsing: "0 0 * * 1"))
    }

    @Test(arguments: [
        ("0 25 * * *", "hour must be 0-23 (found 25)", 2),
        ("60 * * * *", "minute must be 0-59 (found 60)", 0),
        ("* * 0 * *", "day of month must be 1-31 (found 0)", 4),
        ("* * * 13 *", "month must be 1-12 or jan-dec (found 13)", 6),
        ("* * * * 8", "day of week must be 0-7 or sun-sat (found 8)", 8),
        ("0 0 1-40 * *", "day of month must be 1-31 (found 40)", 6),
        ("0 0 1,5,32 * *", "day of month must be 1-31 (found 32)", 8),
        ("99999999999999999999 * * * *", "minute must be 0-59 (found 99999999999999999999)", 0),
        ("*/0 * * * *", "minute step must be at least 1 (found 0)", 2),
        ("*/x * * * *", "minute step must be a number (found 'x')", 2),
        ("0 */ * * *", "a step needs a number after '/' in hour", 3),
        ("0 1/2/3 * * *", "only one step per item in hour", 5),
        ("/5 * * * *", "a step needs a range or '*' before '/' in minute", 0),
        ("1,,2 * * * *", "empty item in the minute list", 2),
        ("0 6, * * *", "empty item in the hour list", 4),
        ("", "cron is empty: write five fields (minute hour day-of-month month day-of-week) or a macro like @daily", 0),
        ("   ", "cron is empty: write five fields (minute hour day-of-month month day-of-week) or a macro like @daily", 0),
        ("0 6 * *", "cron must have five fields (minute hour day-of-month month day-of-week), found 4", 0),
        ("0 6 * * 1 extra", "cron must have five fields (minute hour day-of-month month day-of-week), found 6", 10),
        ("x * * * *", "minute must be a number 0-59 (found 'x')", 0),
        ("0 6 ½ * *", "day of month must be a number 1-31 (found '½')", 4),
        ("0 6 * * monday", "day of week must be 0-7 or sun-sat (found 'monday')", 8),
        ("0 6 * jan-foo *", "month must be 1-12 or jan-dec (found 'foo')", 10),
        ("0 6 * * ü", "day of week must be 0-7 or sun-sat (found 'ü')", 8),
        ("5-1 * * * *", "minute range 5-1 runs backwards: write the smaller value first", 0),
        ("0 6 * * mon-sun", "day of week range mon-sun runs backwards: write the smaller value first", 8),
        ("1-2-3 * * * *", "a range has one '-' (found '1-2-3') in minute", 3),
        ("-5 * * * *", "a range needs a start and an end (found '-5') in minute", 0),
        ("0 6 * * *-5", "day of week must be 0-7 or sun-sat (found '*')", 8),
        ("@fortnightly", "unknown macro '@fortnightly'; known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly", 0),
        ("@reboot", "@reboot is not supported: scheduled jobs run at times, not when the watcher starts", 0),
        ("@daily 0", "@daily stands alone: a macro takes no other fields", 7),
    ])
    func reportsWhatIsWrongAndWhere(_ expression: String, message: String, offset: Int) throws {
        let error = try #require(throws: CronError.self) { try CronSchedule(parsing: expression) }
        #expect(error.message == message)
        #expect(error.offset == offset)
    }

    @Test func misspeltNamesGetADidYouMean() throws {
        let error = try #require(throws: CronError.self) { try CronSchedule(parsing: "0 6 * * mno") }
        #expect(error.hint == "did you mean 'mon'?")
        #expect(error.description == "day of week must be 0-7 or sun-sat (found 'mno'); did you mean 'mon'?")
        let macro = try #require(throws: CronError.self) { try CronSchedule(parsing: "@dayly") }
        #expect(macro.hint == "did you mean '@daily'?")
    }

    // MARK: Times

    @Test(arguments: [
        // Within an hour, at and just past a fire time, and seconds into a minute.
        ("0 6 * * *", "2026-01-05 05:59", "2026-01-05 06:00"),
        ("0 6 * * *", "2026-01-05 06:00", "2026-01-06 06:00"),
        ("* * * * *", "2026-01-05 06:00:30", "2026-01-05 06:01"),
        ("*/15 * * * *", "2026-01-05 10:59:30", "2026-01-05 11:00"),
        ("*/15 * * * *", "2026-01-05 10:15", "2026-01-05 10:30"),
        // Across an hour, a day, a month, a year.
        ("45 * * * *", "2026-01-05 10:50", "2026-01-05 11:45"),
        ("30 23 * * *", "2026-01-05 23:45", "2026-01-06 23:30"),
        ("0 0 1 * *", "2026-01-31 12:00", "2026-02-01 00:00"),
        ("0 0 31 * *", "2026-01-31 01:00", "2026-03-31 00:00"),
        ("0 0 1 1 *", "2026-06-01 00:00", "2027-01-01 00:00"),
        ("59 23 31 12 *", "2026-12-31 23:59", "2027-12-31 23:59"),
        ("0 12 * * 0", "2026-12-27 12:00", "2027-01-03 12:00"),
        // Leap days, including a century that is not a leap year.
        ("0 0 29 2 *", "2025-03-01 00:00", "2028-02-29 00:00"),
        ("0 0 29 2 *", "2096-02-29 00:00", "2104-02-29 00:00"),
        // Both days restricted: either matches.
        ("0 0 13 * 5", "2026-01-10 00:00", "2026-01-13 00:00"),
        ("0 0 13 * 5", "2026-02-01 00:00", "2026-02-06 00:00"),
        ("0 0 13 * 5", "2026-02-13 00:00", "2026-02-20 00:00"),
        ("30 4 1,15 * fri", "2026-03-02 00:00", "2026-03-06 04:30"),
        // Day of month written `*/n`: not restricted, so both must match.
        ("0 0 */2 * 1", "2026-01-01 00:00", "2026-01-05 00:00"),
        ("0 0 29 2 */7", "2026-01-01 00:00", "2032-02-29 00:00"),
        ("0 9-17/4 * * mon-fri", "2026-01-02 17:30", "2026-01-05 09:00"),
        ("@hourly", "2026-01-05 10:00", "2026-01-05 11:00"),
        ("@weekly", "2026-01-05 10:00", "2026-01-11 00:00"),
    ])
    func next(_ expression: String, after: String, expected: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        let found = schedule.next(after: utc(after))
        #expect(utcText(found) == expected)
        if let found { #expect(schedule.matches(found)) }
    }

    @Test(arguments: [
        ("0 6 * * *", "2026-01-05 06:00", "2026-01-05 06:00"),
        ("0 6 * * *", "2026-01-05 06:00:59", "2026-01-05 06:00"),
        ("0 6 * * *", "2026-01-05 05:59", "2026-01-04 06:00"),
        ("*/15 * * * *", "2026-01-05 11:14", "2026-01-05 11:00"),
        ("45 * * * *", "2026-01-05 10:30", "2026-01-05 09:45"),
        ("0 0 31 * *", "2026-03-30 00:00", "2026-01-31 00:00"),
        ("0 0 1 1 *", "2026-06-01 00:00", "2026-01-01 00:00"),
        ("59 23 31 12 *", "2027-01-01 00:00", "2026-12-31 23:59"),
        ("0 0 29 2 *", "2027-01-01 00:00", "2024-02-29 00:00"),
        ("0 0 29 2 *", "2104-01-01 00:00", "2096-02-29 00:00"),
        ("30 4 1,15 * fri", "2026-03-02 00:00", "2026-03-01 04:30"),
        ("0 0 29 2 */7", "2026-01-01 00:00", "2004-02-29 00:00"),
        ("0 9-17/4 * * mon-fri", "2026-01-05 08:59", "2026-01-02 17:00"),
    ])
    func previous(_ expression: String, atOrBefore: String, expected: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        #expect(utcText(schedule.previous(atOrBefore: utc(atOrBefore))) == expected)
    }

    @Test func nextAndPreviousAgreeWithAMinuteByMinuteWalk() throws {
        let start = utc("2026-02-26 22:00")
        for expression in ["*/7 */5 * * *", "13 2,3 */3 * mon", "0 0 1,28-31 * *", "5 4 * * sat,sun", "0 */2 29 2 *"] {
            let schedule = try CronSchedule(parsing: expression)
            var fires: [Date] = []
            for minute in 0..<(60 * 24 * 8) where schedule.matches(start.addingTimeInterval(TimeInterval(minute * 60))) {
                fires.append(start.addingTimeInterval(TimeInterval(minute * 60)))
            }
            var time = start.addingTimeInterval(-1)
            for fire in fires {
                let found = schedule.next(after: time)
                #expect(found == fire, "\(expression): next after \(utcText(time)) is \(utcText(found)), not \(utcText(fire))")
                #expect(schedule.previous(atOrBefore: fire.addingTimeInterval(59)) == fire, "\(expression)")
                time = fire
            }
        }
    }

    @Test(arguments: ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30,31 2 */7"])
    func impossibleSchedulesReturnNilQuickly(_ expression: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(schedule.next(after: utc("2026-01-01 00:00")) == nil)
            #expect(schedule.previous(atOrBefore: utc("2026-01-01 00:00")) == nil)
        }
        #expect(elapsed < .milliseconds(500), "took \(elapsed)")
    }

    @Test func timesAreUTCWhateverTheHostsZone() throws {
        // 06:00 UTC is 07:00 in Berlin in winter and 08:00 in summer; the schedule does not move with it.
        let schedule = try CronSchedule(parsing: "0 6 * * *")
        #expect(schedule.next(after: utc("2026-03-28 12:00")) == utc("2026-03-29 06:00"))
        #expect(schedule.next(after: utc("2026-03-29 06:00")) == utc("2026-03-30 06:00"))
    }

    @Test func datesNoCalendarReachesHaveNoFireTimes() throws {
        let schedule = try CronSchedule(parsing: "* * * * *")
        #expect(schedule.next(after: Date(timeIntervalSince1970: .infinity)) == nil)
        #expect(schedule.previous(atOrBefore: Date(timeIntervalSince1970: .nan)) == nil)
        #expect(schedule.next(after: utc("1969-12-31 23:59")) == utc("1970-01-01 00:00"))
        #expect(schedule.previous(atOrBefore: utc("1969-12-31 23:59:30")) == utc("1969-12-31 23:59"))
    }
}
