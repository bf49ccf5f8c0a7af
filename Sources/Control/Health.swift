import Board
import Foundation

/// How the watchers and the runtimes are doing, from the board alone: which runners hold which sessions and
/// whether their leases hold, how each profile's recent sessions ended, which profiles are parked by a rate
/// limit, and how many tickets are in each status. Pure: the caller reads the packets.
public struct HealthReport: Sendable, Equatable {
    /// The order the statuses are counted in, for every view: what runs first, what is finished last.
    public static let statusOrder = ["running", "queued", "failed", "needs_input", "blocked", "waiting", "in_review", "done", "cancelled"]

    /// A session the board says runs.
    public struct Session: Sendable, Equatable {
        public var ticket: String
        public var session: String
        public var gate: String?
        public var profile: String?
        public var runner: String?
        public var pid: Int?
        public var started: Date?
        public var leaseUntil: Date?
        /// Whether its lease ran out: its runner is gone or stalled, and the next watcher to wake settles it.
        public var leaseExpired: Bool
    }

    /// A watcher, by the runner name it claims with: what the board says it runs, and what it announced.
    public struct Runner: Sendable, Equatable {
        public var name: String
        public var sessions: Int
        /// How many of its sessions' leases ran out.
        public var expiredLeases: Int
        /// Its own record (host, labels, profiles, heartbeat); nil for a runner that never wrote one.
        public var record: RunnerRecord?
        /// Whether it lives, by its record: `live`, `silent` (no heartbeat for `HealthReport.silentAfter`),
        /// `stopped` (it said so), or `unknown` (no record).
        public var state: String
    }

    /// How long a runner may go without a heartbeat before it is shown as silent (it renews every 30 s).
    public static let silentAfter: TimeInterval = 120

    /// A root cause and how many sessions ended with it.
    public struct Cause: Sendable, Equatable {
        public var cause: String
        public var count: Int
    }

    /// How one profile's sessions ended within the window.
    public struct ProfileCounts: Sendable, Equatable {
        public var profile: String
        public var ok = 0
        public var warning = 0
        public var error = 0
        /// Root causes of the sessions that did not end ok, most frequent first.
        public var causes: [Cause] = []
        /// When its rate limit resets, if one parks it now.
        public var parkedUntil: Date?
        public var runs: Int { ok + warning + error }
    }

    public var sessions: [Session] = []
    public var runners: [Runner] = []
    public var profiles: [ProfileCounts] = []
    /// Tickets by the watcher's status (`running`, `queued`, …), for the statuses present.
    public var statuses: [String: Int] = [:]
    /// Where the window starts: packets that ended before it are not counted.
    public var since: Date

    /// The tickets whose packets can fall in the window: those the watcher wrote to since `since` (a packet is
    /// written with its status), so a caller reads no more packets than it must.
    public static func ticketsToRead(_ snapshot: BoardSnapshot, since: Date) -> [TicketRecord] {
        snapshot.tickets.filter { !$0.archived && ($0.status?.updated ?? .distantPast) >= since && !$0.evidence.isEmpty }
    }

    /// The report for `snapshot` at `now`, counting the session packets in `packets` that ended at or after
    /// `since`. Profiles of runtimes.yaml with nothing to count are listed too, with zeros.
    /// `runners` are the runner records (`RunnerRecords.read`): each is listed, with or without sessions.
    public static func make(_ snapshot: BoardSnapshot, packets: [EvidencePacket], since: Date, now: Date,
                            runners records: [RunnerRecord] = []) -> HealthReport {
        var report = HealthReport(since: since)
        for record in snapshot.tickets where !record.archived {
            guard let status = record.status else { continue }
            report.statuses[status.status.rawValue, default: 0] += 1
            guard status.status == .running, let session = status.session else { continue }
            report.sessions.append(Session(
                ticket: record.id, session: session.id, gate: status.gate, profile: session.profile, runner: session.runner,
                pid: session.pid, started: session.started, leaseUntil: session.leaseUntil,
                leaseExpired: session.leaseUntil.map { $0 < now } ?? false))
        }
        report.sessions.sort { ($0.started ?? .distantPast, $0.ticket) < ($1.started ?? .distantPast, $1.ticket) }
        let byRunner = Dictionary(grouping: report.sessions) { $0.runner ?? "(unnamed)" }
        let recordByName = Dictionary(records.map { ($0.runner, $0) }, uniquingKeysWith: { first, _ in first })
        report.runners = Set(byRunner.keys).union(recordByName.keys).sorted().map { name in
            let sessions = byRunner[name] ?? []
            let record = recordByName[name]
            let state = record.map { record in
                record.stopped != nil ? "stopped" : now.timeIntervalSince(record.heartbeat) > silentAfter ? "silent" : "live"
            } ?? "unknown"
            return Runner(name: name, sessions: sessions.count, expiredLeases: sessions.filter(\.leaseExpired).count,
                          record: record, state: state)
        }

        var counts: [String: ProfileCounts] = [:]
        for name in snapshot.config.runtimes.profiles.keys { counts[name] = ProfileCounts(profile: name) }
        var causes: [String: [String: Int]] = [:]
        for packet in packets where packet.kind == .session {
            guard let profile = packet.profile, let terminal = packet.terminal, (packet.ended ?? .distantPast) >= since else {
                continue
            }
            var entry = counts[profile] ?? ProfileCounts(profile: profile)
            switch terminal.status {
            case .ok: entry.ok += 1
            case .warning: entry.warning += 1
            case .error: entry.error += 1
            }
            if terminal.status != .ok { causes[profile, default: [:]][terminal.rootCause ?? "unknown", default: 0] += 1 }
            counts[profile] = entry
        }
        for (profile, reset) in Planner.rateLimitedProfiles(snapshot, now: now) {
            counts[profile, default: ProfileCounts(profile: profile)].parkedUntil = reset
        }
        report.profiles = counts.values.map { entry in
            var entry = entry
            entry.causes = (causes[entry.profile] ?? [:]).map { Cause(cause: $0.key, count: $0.value) }
                .sorted { ($0.count, $1.cause) > ($1.count, $0.cause) }
            return entry
        }.sorted { $0.profile < $1.profile }
        return report
    }
}
