import Foundation

/// Recognising a provider's rate or usage limit in the text a CLI printed, and when it lifts. The CLIs report
/// limits as prose inside their error events (and sometimes on stderr), so one reader serves them all:
///
/// - Claude Code: `Claude AI usage limit reached|1762952400` (reset as epoch seconds), or an API 429
///   `rate_limit_error`;
/// - Codex: `You've hit your usage limit. … try again in 3 days 6 hours 57 minutes.` or
///   `exceeded retry limit, last status: 429 Too Many Requests`;
/// - Gemini: `RESOURCE_EXHAUSTED` / `Quota exceeded …` / `Please retry in 23.5s`;
/// - aider (through litellm): `litellm.RateLimitError: …`.
enum RateLimitText {
    /// Lowercased phrases that mean a rate or usage limit.
    private static let phrases = [
        "usage limit reached", "hit your usage limit", "hit your limit", "rate limit", "rate_limit", "ratelimit",
        "too many requests", "resource_exhausted", "resource exhausted", "quota exceeded", "exceeded your current quota",
        "exhausted your",
    ]

    /// Lowercased phrases after which a relative reset time follows.
    private static let relativeMarkers = [
        "try again in ", "try again after ", "retry in ", "retry after ", "resets in ", "reset in ", "resets after ",
        "reset after ",
    ]

    /// Whether `text` reports a rate or usage limit.
    static func isRateLimit(_ text: String) -> Bool {
        let lower = text.lowercased()
        return phrases.contains { lower.contains($0) } || containsStatus429(lower)
    }

    /// When the limit lifts, if `text` says so in a form that needs no guessing: an epoch after a `|`
    /// (Claude Code), or a duration after "try again in" and the like, counted from `now`. A wall-clock time
    /// without a date or zone ("try again at 3:28 PM") is ambiguous and gives nil.
    static func resetDate(in text: String, now: Date) -> Date? {
        if let bar = text.lastIndex(of: "|") {
            let digits = text[text.index(after: bar)...].prefix { $0.isASCII && $0.isNumber }
            if digits.count >= 9, let value = Double(digits) { return epochDate(value) }
        }
        let lower = text.lowercased()
        for marker in relativeMarkers {
            guard let range = lower.range(of: marker), let seconds = duration(lower[range.upperBound...]) else { continue }
            return now.addingTimeInterval(seconds)
        }
        return nil
    }

    /// An epoch in seconds or, when it is too large to be seconds, milliseconds (CLIs print both).
    static func epochDate(_ value: Double) -> Date {
        Date(timeIntervalSince1970: value > 100_000_000_000 ? value / 1000 : value)
    }

    /// "429" standing alone, not inside a longer number.
    private static func containsStatus429(_ text: String) -> Bool {
        var search = text.startIndex..<text.endIndex
        while let found = text.range(of: "429", range: search) {
            let before = found.lowerBound == text.startIndex ? nil : text[text.index(before: found.lowerBound)]
            let after = found.upperBound == text.endIndex ? nil : text[found.upperBound]
            if !(before?.isNumber ?? false), !(after?.isNumber ?? false) { return true }
            search = found.upperBound..<text.endIndex
        }
        return false
    }

    /// Seconds in a duration such as "3 days 6 hours 57 minutes", "2h30m", "23.5s" or "45 minutes", read
    /// from the start of `text`; nil when none is there.
    private static func duration(_ text: Substring) -> TimeInterval? {
        var rest = text[...]
        var total: TimeInterval = 0
        var found = false
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            if rest.hasPrefix("and ") { rest = rest.dropFirst(4) }
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { break }
            rest = rest.dropFirst(number.count).drop { $0 == " " }
            let unit = rest.prefix { $0.isLetter }
            guard let scale = unitSeconds(String(unit)) else { break }
            total += value * scale
            found = true
            rest = rest.dropFirst(unit.count)
        }
        return found && total > 0 ? total : nil
    }

    /// Seconds in one `unit`, or nil for a word that is not a unit of time.
    private static func unitSeconds(_ unit: String) -> TimeInterval? {
        switch unit {
        case "d", "day", "days": 86_400
        case "h", "hr", "hrs", "hour", "hours": 3_600
        case "m", "min", "mins", "minute", "minutes": 60
        case "s", "sec", "secs", "second", "seconds": 1
        case "ms": 0.001
        default: nil
        }
    }
}
