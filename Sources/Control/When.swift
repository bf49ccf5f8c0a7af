import Foundation

/// Dates and times as every view prints them: the terminal's and the console's.
public enum When {
    /// `2026-11-22 10:15 UTC`: minutes are enough for a person; always UTC, so two people read the same time.
    public static func short(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)) UTC"
    }

    /// `2026-11-22 10:15 UTC (3h ago)`.
    public static func ago(_ date: Date, now: Date) -> String {
        "\(short(date)) (\(TicketPosition.compactAge(now.timeIntervalSince(date))) ago)"
    }

    /// `since 2026-11-22 10:15 UTC (3h ago)`.
    public static func since(_ date: Date, now: Date) -> String {
        "since " + ago(date, now: now)
    }
}
