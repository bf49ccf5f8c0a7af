import Foundation

/// A cron schedule in the standard five-field syntax, `minute hour day-of-month month day-of-week`, read in UTC.
///
/// Each field is `*`, a number, a range `1-5`, a step `*/15`, `10-50/10` or `5/15` (5 to the field's end), or a
/// comma list of those. Months may be written `jan`–`dec` and days of the week `sun`–`sat`, in any case; day of
/// week 7 is Sunday, like 0. The macros `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`)
/// and `@hourly` stand for their five-field forms.
///
/// Days follow crontab(5): when both day of month and day of week are restricted (neither is written `*` or
/// `*/n`), a day matches when *either* does; otherwise both must match. So `0 0 1,15 * 1` runs on the 1st, the
/// 15th and every Monday, while `0 0 * * 1` runs on Mondays only.
///
/// Every time is UTC: `0 6 * * *` fires at 06:00 UTC whatever the host's time zone, so a schedule never
/// skips or repeats a run at a daylight-saving change.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// Minutes that match, bits 0–59.
    private let minutes: UInt64
    /// Hours that match, bits 0–23.
    private let hours: UInt64
    /// Days of the month that match, bits 1–31.
    private let daysOfMonth: UInt64
    /// Months that match, bits 1–12.
    private let months: UInt64
    /// Days of the week that match, bits 0–6, Sunday is 0.
    private let daysOfWeek: UInt64
    /// Whether day of month was written as something other than `*` or `*/n` (the crontab(5) rule for days).
    private let daysOfMonthRestricted: Bool
    /// Whether day of week was written as something other than `*` or `*/n`.
    private let daysOfWeekRestricted: Bool

    /// Parses a five-field expression or a macro; leading, trailing and repeated spaces or tabs are allowed.
    /// The error says what is wrong and at which offset of `expression`.
    public init(parsing expression: String) throws(CronError) {
        let text = Array(expression.unicodeScalars)
        var tokens: [(start: Int, scalars: ArraySlice<Unicode.Scalar>)] = []
        var index = 0
        while index < text.count {
            if text[index] == " " || text[index] == "\t" {
                index += 1
                continue
            }
            let start = index
            while index < text.count, text[index] != " ", text[index] != "\t" { index += 1 }
            tokens.append((start, text[start..<index]))
        }
        guard let first = tokens.first else {
            throw CronError("cron is empty: write five fields (minute hour day-of-month month day-of-week) or a macro like @daily",
                            at: 0)
        }
        if first.scalars.first == "@" {
            let name = String(String.UnicodeScalarView(first.scalars))
            guard tokens.count == 1 else {
                throw CronError("\(name) stands alone: a macro takes no other fields", at: tokens[1].start)
            }
            guard let fields = Self.macros.first(where: { $0.names.contains(name.lowercased()) })?.fields else {
                if name.lowercased() == "@reboot" {
                    throw CronError("@reboot is not supported: scheduled jobs run at times, not when the watcher starts",
                                    at: first.start)
                }
                let known = Self.macros.flatMap(\.names)
                throw CronError("unknown macro '\(name)'; known: \(known.joined(separator: ", "))", at: first.start,
                                hint: Suggest.closest(to: name, in: known).map { "did you mean '\($0)'?" })
            }
            try self.init(parsing: fields)
            return
        }
        guard tokens.count == 5 else {
            let message = "cron must have five fields (minute hour day-of-month month day-of-week), found \(tokens.count)"
            throw CronError(message, at: tokens.count > 5 ? tokens[5].start : 0)
        }
        var masks: [UInt64] = []
        var restricted: [Bool] = []
        for (token, field) in zip(tokens, Field.allCases) {
            let parsed = try field.parse(token.scalars, at: token.start)
            masks.append(parsed.mask)
            restricted.append(parsed.restricted)
        }
        self.init(masks: masks, daysOfMonthRestricted: restricted[2], daysOfWeekRestricted: restricted[4])
    }

    /// A schedule of parsed fields, in order.
    private init(masks: [UInt64], daysOfMonthRestricted: Bool, daysOfWeekRestricted: Bool) {
        minutes = masks[0]
        hours = masks[1]
        daysOfMonth = masks[2]
        months = masks[3]
        daysOfWeek = masks[4]
        self.daysOfMonthRestricted = daysOfMonthRestricted
        self.daysOfWeekRestricted = daysOfWeekRestricted
    }

    /// The macros and what they stand for.
    private static let macros: [(names: [String], fields: String)] = [
        (["@yearly", "@annually"], "0 0 1 1 *"),
        (["@monthly"], "0 0 1 * *"),
        (["@weekly"], "0 0 * * 0"),
        (["@daily", "@midnight"], "0 0 * * *"),
        (["@hourly"], "0 * * * *"),
    ]

    /// The normalized five-field expression: numbers only, Sunday as 0, three or more consecutive values as a
    /// range, a full field as `*` and an even step from the start as `*/n`. The day fields keep the difference
    /// between `*` and a written range such as `1-31`, which matters for the day rule. Macros are shown
    /// expanded. Parsing it gives an equal schedule.
    public var description: String {
        [
            Field.minute.describe(minutes, restricted: true),
            Field.hour.describe(hours, restricted: true),
            Field.dayOfMonth.describe(daysOfMonth, restricted: daysOfMonthRestricted),
            Field.month.describe(months, restricted: true),
            Field.dayOfWeek.describe(daysOfWeek, restricted: daysOfWeekRestricted),
        ].joined(separator: " ")
    }

    // MARK: Times

    /// The first time strictly after `date` at which the schedule fires (always on a whole minute, UTC);
    /// nil when it never fires again, as for `0 0 31 2 *`.
    ///
    /// Steps by month, then day, then hour and minute, using bit masks, so the cost does not grow with the gap
    /// between runs. The calendar repeats itself every 400 years, so a schedule that does not fire within 400
    /// years never fires: the search stops there.
    public func next(after date: Date) -> Date? {
        guard let minute = Self.minuteIndex(of: date) else { return nil }
        let start = Self.civil(minute: minute + 1)
        var (year, month, day) = (start.year, start.month, start.day)
        var fromTime: Int? = start.minuteOfDay
        for _ in 0...(Self.searchYears * 12) {
            if months & (1 << UInt64(month)) != 0 {
                var candidates = dayMask(year: year, month: month) & ~((1 << UInt64(day)) - 1)
                while candidates != 0 {
                    let found = candidates.trailingZeroBitCount
                    let from = found == day ? fromTime ?? 0 : 0
                    if let time = firstTime(atOrAfter: from) {
                        return Self.date(year: year, month: month, day: found, minuteOfDay: time)
                    }
                    candidates &= candidates - 1
                }
            }
            month += 1
            if month > 12 { month = 1; year += 1 }
            day = 1
            fromTime = nil
        }
        return nil
    }

    /// The last time at or before `date` at which the schedule fired (always on a whole minute, UTC); nil when
    /// it never fired within the 400 years before, which means it never fires at all.
    public func previous(atOrBefore date: Date) -> Date? {
        guard let minute = Self.minuteIndex(of: date) else { return nil }
        let start = Self.civil(minute: minute)
        var (year, month, day) = (start.year, start.month, start.day)
        var toTime: Int? = start.minuteOfDay
        for _ in 0...(Self.searchYears * 12) {
            if months & (1 << UInt64(month)) != 0 {
                var candidates = dayMask(year: year, month: month) & ((2 << UInt64(day)) - 1)
                while candidates != 0 {
                    let found = 63 - candidates.leadingZeroBitCount
                    let end = found == day ? toTime ?? Self.lastMinuteOfDay : Self.lastMinuteOfDay
                    if let time = lastTime(atOrBefore: end) {
                        return Self.date(year: year, month: month, day: found, minuteOfDay: time)
                    }
                    candidates &= ~(1 << UInt64(found))
                }
            }
            month -= 1
            if month < 1 { month = 12; year -= 1 }
            day = 31
            toTime = nil
        }
        return nil
    }

    /// Whether the schedule fires in the minute (UTC) that holds `date`.
    public func matches(_ date: Date) -> Bool {
        guard let minute = Self.minuteIndex(of: date) else { return false }
        let (year, month, day, time) = Self.civil(minute: minute)
        return months & (1 << UInt64(month)) != 0 && dayMask(year: year, month: month) & (1 << UInt64(day)) != 0
            && hours & (1 << UInt64(time / 60)) != 0 && minutes & (1 << UInt64(time % 60)) != 0
    }

    /// The days of `month` of `year` that match, bits 1…(days in the month), with the crontab(5) rule for
    /// day of month and day of week.
    private func dayMask(year: Int, month: Int) -> UInt64 {
        let length = Self.daysIn(year: year, month: month)
        let valid: UInt64 = ((1 << UInt64(length + 1)) - 1) & ~1
        // Day d of the month falls on weekday (first + d - 1) % 7: rotate the weekday bits so bit k is the weekday
        // of day k + 1, repeat them over five weeks, and shift so bit d is day d.
        let first = Self.weekday(ofDay: Self.days(year: year, month: month, day: 1))
        let rotated = ((daysOfWeek >> UInt64(first)) | (daysOfWeek << UInt64(7 - first))) & 0x7F
        let weekdays = (rotated | rotated << 7 | rotated << 14 | rotated << 21 | rotated << 28) << 1
        if daysOfMonthRestricted && daysOfWeekRestricted {
            return (daysOfMonth | weekdays) & valid
        }
        return daysOfMonth & weekdays & valid
    }

    /// The first matching minute of a day at or after `minuteOfDay`, as a minute of the day.
    private func firstTime(atOrAfter minuteOfDay: Int) -> Int? {
        let hour = minuteOfDay / 60
        if hours & (1 << UInt64(hour)) != 0 {
            let later = minutes & ~((1 << UInt64(minuteOfDay % 60)) - 1)
            if later != 0 { return hour * 60 + later.trailingZeroBitCount }
        }
        let laterHours = hours & ~((2 << UInt64(hour)) - 1)
        guard laterHours != 0 else { return nil }
        return laterHours.trailingZeroBitCount * 60 + minutes.trailingZeroBitCount
    }

    /// The last matching minute of a day at or before `minuteOfDay`, as a minute of the day.
    private func lastTime(atOrBefore minuteOfDay: Int) -> Int? {
        let hour = minuteOfDay / 60
        if hours & (1 << UInt64(hour)) != 0 {
            let earlier = minutes & ((2 << UInt64(minuteOfDay % 60)) - 1)
            if earlier != 0 { return hour * 60 + 63 - earlier.leadingZeroBitCount }
        }
        let earlierHours = hours & ((1 << UInt64(hour)) - 1)
        guard earlierHours != 0 else { return nil }
        return (63 - earlierHours.leadingZeroBitCount) * 60 + 63 - minutes.leadingZeroBitCount
    }

    // MARK: Calendar arithmetic (proleptic Gregorian, UTC)

    /// How far the search for a time goes: the Gregorian calendar, weekdays included, repeats every 400 years.
    private static let searchYears = 400
    private static let lastMinuteOfDay = 24 * 60 - 1

    /// Minutes since 1970-01-01 00:00 UTC of the minute holding `date`; nil for dates no calendar reaches.
    private static func minuteIndex(of date: Date) -> Int? {
        let seconds = date.timeIntervalSince1970
        // About ±300,000 years: far beyond any real date, far within Int.
        guard seconds.isFinite, abs(seconds) < 1e13 else { return nil }
        return Int((seconds / 60).rounded(.down))
    }

    /// The date, month, day and minute of the day of a minute since the epoch.
    private static func civil(minute: Int) -> (year: Int, month: Int, day: Int, minuteOfDay: Int) {
        let day = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440
        let (year, month, dayOfMonth) = civil(day: day)
        return (year, month, dayOfMonth, minute - day * 1440)
    }

    /// The UTC instant of a minute of a day.
    private static func date(year: Int, month: Int, day: Int, minuteOfDay: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval((days(year: year, month: month, day: day) * 1440 + minuteOfDay) * 60))
    }

    /// Days since 1970-01-01 of a date (Howard Hinnant's `days_from_civil`).
    private static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civil(day: Int) -> (year: Int, month: Int, day: Int) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth)
    }

    /// The weekday of a day since 1970-01-01, Sunday 0 (the epoch was a Thursday).
    private static func weekday(ofDay day: Int) -> Int {
        ((day % 7) + 11) % 7
    }

    private static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A cron expression that cannot be parsed: what is wrong, and where.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. `hour must be 0-23 (found 25)`.
    public var message: String
    /// Where in the expression, in Unicode scalars from its start (0-based), so that a column can be computed the
    /// way `SourceLocation` counts them.
    public var offset: Int
    /// A suggestion such as "did you mean 'mon'?", if there is one.
    public var hint: String?

    /// An error saying `message` about the scalar at `offset`.
    public init(_ message: String, at offset: Int, hint: String? = nil) {
        self.message = message
        self.offset = offset
        self.hint = hint
    }

    /// The message, followed by `; hint` when there is one.
    public var description: String { hint.map { "\(message); \($0)" } ?? message }
}

// MARK: Fields

extension CronSchedule {
    /// One of the five fields, with its bounds and names.
    private enum Field: CaseIterable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day of month"
            case .month: "month"
            case .dayOfWeek: "day of week"
            }
        }

        /// The values allowed as written (7 is allowed for Sunday).
        var bounds: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// The values a schedule holds (Sunday only as 0).
        var stored: ClosedRange<Int> { self == .dayOfWeek ? 0...6 : bounds }

        /// Names by value, starting at the first value; empty for fields without names.
        var names: [String] {
            switch self {
            case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            default: []
            }
        }

        /// "0-23", or "1-12 or jan-dec".
        var allowed: String {
            let numbers = "\(bounds.lowerBound)-\(bounds.upperBound)"
            guard let first = names.first, let last = names.last else { return numbers }
            return "\(numbers) or \(first)-\(last)"
        }

        /// The field's values as a mask, and whether it is restricted (not `*` or `*/n`).
        func parse(_ text: ArraySlice<Unicode.Scalar>, at start: Int) throws(CronError) -> (mask: UInt64, restricted: Bool) {
            var mask: UInt64 = 0
            var itemStart = text.startIndex
            while true {
                let itemEnd = text[itemStart...].firstIndex(of: ",") ?? text.endIndex
                mask |= try parseItem(text[itemStart..<itemEnd], at: start + itemStart - text.startIndex)
                guard itemEnd < text.endIndex else { break }
                itemStart = itemEnd + 1
            }
            let unrestricted = text.first == "*" && !text.contains(",")
            return (mask, !unrestricted)
        }

        /// One item of a list: `*`, `5`, `1-5`, with an optional `/step`.
        private func parseItem(_ item: ArraySlice<Unicode.Scalar>, at offset: Int) throws(CronError) -> UInt64 {
            func position(_ index: Int) -> Int { offset + index - item.startIndex }
            guard !item.isEmpty else { throw CronError("empty item in the \(name) list", at: offset) }
            var base = item
            var step = 1
            if let slash = item.firstIndex(of: "/") {
                base = item[..<slash]
                let digits = item[(slash + 1)...]
                if let extra = digits.firstIndex(of: "/") {
                    throw CronError("only one step per item in \(name)", at: position(extra))
                }
                guard !digits.isEmpty else { throw CronError("a step needs a number after '/' in \(name)", at: position(slash)) }
                guard let value = Self.number(digits) else {
                    throw CronError("\(name) step must be a number (found '\(Self.text(digits))')", at: position(slash + 1))
                }
                guard value >= 1 else {
                    throw CronError("\(name) step must be at least 1 (found \(Self.text(digits)))", at: position(slash + 1))
                }
                step = value
            }
            let low: Int, high: Int
            if base.count == 1, base.first == "*" {
                (low, high) = (stored.lowerBound, stored.upperBound)
            } else if base.isEmpty {
                throw CronError("a step needs a range or '*' before '/' in \(name)", at: offset)
            } else if let dash = base.firstIndex(of: "-") {
                let first = base[..<dash], second = base[(dash + 1)...]
                if let extra = second.firstIndex(of: "-") {
                    throw CronError("a range has one '-' (found '\(Self.text(base))') in \(name)", at: position(extra))
                }
                guard !first.isEmpty, !second.isEmpty else {
                    throw CronError("a range needs a start and an end (found '\(Self.text(base))') in \(name)", at: offset)
                }
                low = try value(first, at: position(first.startIndex))
                high = try value(second, at: position(second.startIndex))
                guard low <= high else {
                    throw CronError("\(name) range \(Self.text(base)) runs backwards: write the smaller value first", at: offset)
                }
            } else {
                low = try value(base, at: offset)
                // `5/15` runs from 5 to the field's end; a lone value without a step is just itself.
                high = item.count == base.count ? low : stored.upperBound
            }
            var mask: UInt64 = 0
            for value in stride(from: low, through: high, by: step) {
                mask |= 1 << UInt64(self == .dayOfWeek && value == 7 ? 0 : value)
            }
            return mask
        }

        /// A number within the bounds, or a name for months and days of the week.
        private func value(_ text: ArraySlice<Unicode.Scalar>, at offset: Int) throws(CronError) -> Int {
            let written = Self.text(text)
            if text.allSatisfy({ ("0"..."9").contains($0) }) {
                guard let number = Self.number(text), bounds.contains(number) else {
                    throw CronError("\(name) must be \(allowed) (found \(written))", at: offset)
                }
                return number
            }
            if let index = names.firstIndex(of: written.lowercased()) {
                return index + bounds.lowerBound
            }
            let wanted = names.isEmpty ? "a number \(allowed)" : "\(allowed)"
            throw CronError("\(name) must be \(wanted) (found '\(written)')", at: offset,
                            hint: Suggest.closest(to: written, in: names).map { "did you mean '\($0)'?" })
        }

        /// The field written back: `*`, `*/n`, or values and ranges.
        func describe(_ mask: UInt64, restricted: Bool) -> String {
            let values = stored.filter { mask & (1 << UInt64($0)) != 0 }
            let full = values.count == stored.count
            let evenStep: Int? = {
                guard values.first == stored.lowerBound else { return nil }
                guard values.count > 1 else { return stored.count }
                let step = values[1] - values[0]
                let even = zip(values, values.dropFirst()).allSatisfy { $1 - $0 == step }
                return even && values.last! + step > stored.upperBound ? step : nil
            }()
            if !restricted {
                // Only `*` and `*/n` are unrestricted, and they always give an even step from the start.
                return full ? "*" : "*/\(evenStep ?? 1)"
            }
            if self != .dayOfMonth && self != .dayOfWeek {
                if full { return "*" }
                if let step = evenStep, values.count > 1 { return "*/\(step)" }
            }
            var parts: [String] = []
            var index = 0
            while index < values.count {
                var end = index
                while end + 1 < values.count, values[end + 1] == values[end] + 1 { end += 1 }
                if end - index >= 2 {
                    parts.append("\(values[index])-\(values[end])")
                } else {
                    parts += values[index...end].map(String.init)
                }
                index = end + 1
            }
            return parts.joined(separator: ",")
        }

        /// Digits as a number; nil for anything else, or for a number too large to hold.
        private static func number(_ digits: ArraySlice<Unicode.Scalar>) -> Int? {
            guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
            return Int(text(digits))
        }

        private static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
            String(String.UnicodeScalarView(scalars))
        }
    }
}
