import Actions
import ArgumentParser
import Board
import Control
import Foundation

/// `mission health`: the runners and their sessions and leases, how each runtime profile's recent sessions
/// ended, which profiles a rate limit parks, and the tickets by status.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", 
        abstract: "Runners, running sessions and their leases, and how each runtime profile's recent sessions ended.",
        discussion: """
            Read from the board alone: status.yaml says what runs where and until when its lease holds; the \
            evidence packets of the window say how sessions ended. A lease that ran out means its watcher is \
            gone or stalled: the next watcher to wake settles the session.
            """)

    @OptionGroup var board: BoardOptions

    @Option(help: "How far back to count sessions (30m, 12h, 7d).")
    var since = "7d"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            guard let window = Interval(since) else {
                throw MissionFailure("--since '\(since)' is not a duration: write a number and a unit, like 30m, 12h or 7d")
            }
            let now = Date()
            let reading = try BoardContext.open(board).health(window: window, now: now)
            for problem in reading.problems { Output.error("warning: \(Output.visible(problem))") }
            let report = reading.report
            if json { try Output.json(HealthView(report: report, window: window.text)) }
            else { print(Self.render(report, window: window.text, now: now)) }
        }
    }

    static func render(_ report: HealthReport, window: String, now: Date) -> String {
        var out: [String] = []
        let statuses = HealthReport.statusOrder.compactMap { name in report.statuses[name].map { "\($0) \(name)" } }
        out.append("Tickets: " + (statuses.isEmpty ? "none started" : statuses.joined(separator: ", ")))

        out.append("")
        if report.runners.isEmpty {
            out.append("Runners: none has announced itself or holds a session.")
        } else {
            out.append("Runners:")
            var rows = [["RUNNER", "STATE", "HOST", "HEARTBEAT", "LOAD", "LABELS", "PROFILES", "LEASES"]]
            for runner in report.runners {
                let leases = runner.sessions == 0 ? "-" : runner.expiredLeases == 0 ? "hold"
                    : "\(runner.expiredLeases) ran out: the next watcher to wake settles them"
                let record = runner.record
                let labels = record.map { $0.labels.isEmpty ? "-" : $0.labels.joined(separator: ",") } ?? "?"
                // A record is anyone's push away from holding escape codes: shown as plain text.
                rows.append([runner.name, runner.state, record?.host ?? "?",
                             record.map { "\(TicketPosition.compactAge(now.timeIntervalSince($0.heartbeat))) ago" } ?? "never",
                             record.map { "\(runner.sessions)/\($0.maxWorkers)" } ?? "\(runner.sessions)", labels,
                             record.map { $0.profiles.isEmpty ? "none" : $0.profiles.joined(separator: ",") } ?? "?", leases]
                    .map { Output.visible($0) })
            }
            out += Output.table(rows).map { "  " + $0 }
            out.append("")
        }
        if !report.sessions.isEmpty {
            out.append("Sessions running:")
            var rows = [["TICKET", "GATE", "PROFILE", "RUNNER", "PID", "STARTED", "LEASE"]]
            for session in report.sessions {
                let lease = session.leaseUntil.map { until in
                    session.leaseExpired ? "ran out \(TicketPosition.compactAge(now.timeIntervalSince(until))) ago"
                        : "holds \(TicketPosition.compactAge(until.timeIntervalSince(now))) more"
                } ?? "-"
                rows.append([session.ticket, session.gate ?? "-", session.profile ?? "-", session.runner ?? "-",
                             session.pid.map(String.init) ?? "-",
                             session.started.map { "\(TicketPosition.compactAge(now.timeIntervalSince($0))) ago" } ?? "-",
                             lease])
            }
            out += Output.table(rows).map { "  " + $0 }
        }

        out.append("")
        out.append("Profiles, sessions ended in the last \(window):")
        if report.profiles.isEmpty {
            out.append("  no runtime profiles")
        } else {
            var rows = [["PROFILE", "RUNS", "OK", "WARN", "ERROR", "PARKED", "WHY NOT OK"]]
            for profile in report.profiles {
                let causes = profile.causes.map { "\($0.cause) \($0.count)" }.joined(separator: ", ")
                rows.append([profile.profile, "\(profile.runs)", "\(profile.ok)", "\(profile.warning)", "\(profile.error)",
                             profile.parkedUntil.map { "until \(When.short($0))" } ?? "-", causes.isEmpty ? "-" : causes])
            }
            out += Output.table(rows).map { "  " + $0 }
        }
        return out.joined(separator: "\n")
    }
}

/// `mission health --json`.
struct HealthView: Encodable {
    let report: HealthReport
    let window: String

    enum Keys: String, CodingKey { case since, window, statuses, runners, sessions, profiles }
    enum RunnerKeys: String, CodingKey {
        case name, state, sessions, expiredLeases = "expired_leases", host, pid, labels, profiles
        case maxWorkers = "max_workers", following, hub, started, heartbeat, stopped
    }
    enum SessionKeys: String, CodingKey {
        case ticket, session, gate, profile, runner, pid, started, leaseUntil = "lease_until", leaseExpired = "lease_expired"
    }
    enum ProfileKeys: String, CodingKey { case profile, runs, ok, warning, error, causes, parkedUntil = "parked_until" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(report.since, forKey: .since)
        try c.encode(window, forKey: .window)
        try c.encode(report.statuses, forKey: .statuses)
        var runners = c.nestedUnkeyedContainer(forKey: .runners)
        for runner in report.runners {
            var r = runners.nestedContainer(keyedBy: RunnerKeys.self)
            try r.encode(runner.name, forKey: .name)
            try r.encode(runner.sessions, forKey: .sessions)
            try r.encode(runner.expiredLeases, forKey: .expiredLeases)
            try r.encode(runner.state, forKey: .state)
            if let record = runner.record {
                try r.encode(record.host, forKey: .host)
                try r.encode(record.pid, forKey: .pid)
                try r.encode(record.labels, forKey: .labels)
                try r.encode(record.profiles, forKey: .profiles)
                try r.encode(record.maxWorkers, forKey: .maxWorkers)
                try r.encode(record.sessions, forKey: .following)
                try r.encode(record.hub, forKey: .hub)
                try r.encode(record.started, forKey: .started)
                try r.encode(record.heartbeat, forKey: .heartbeat)
                try r.encode(record.stopped, forKey: .stopped)
            }
        }
        var sessions = c.nestedUnkeyedContainer(forKey: .sessions)
        for session in report.sessions {
            var s = sessions.nestedContainer(keyedBy: SessionKeys.self)
            try s.encode(session.ticket, forKey: .ticket)
            try s.encode(session.session, forKey: .session)
            try s.encode(session.gate, forKey: .gate)
            try s.encode(session.profile, forKey: .profile)
            try s.encode(session.runner, forKey: .runner)
            try s.encode(session.pid, forKey: .pid)
            try s.encode(session.started, forKey: .started)
            try s.encode(session.leaseUntil, forKey: .leaseUntil)
            try s.encode(session.leaseExpired, forKey: .leaseExpired)
        }
        var profiles = c.nestedUnkeyedContainer(forKey: .profiles)
        for profile in report.profiles {
            var p = profiles.nestedContainer(keyedBy: ProfileKeys.self)
            try p.encode(profile.profile, forKey: .profile)
            try p.encode(profile.runs, forKey: .runs)
            try p.encode(profile.ok, forKey: .ok)
            try p.encode(profile.warning, forKey: .warning)
            try p.encode(profile.error, forKey: .error)
            try p.encode(Dictionary(uniqueKeysWithValues: profile.causes.map { ($0.cause, $0.count) }), forKey: .causes)
            try p.encode(profile.parkedUntil, forKey: .parkedUntil)
        }
    }
}
