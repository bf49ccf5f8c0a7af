import Board
import Control
import Foundation
import Testing

/// `mission health` from the board alone: runners and their leases, how each profile's sessions ended within
/// the window, the profiles a rate limit parks, tickets by status.
@Suite struct HealthTests {
    static let now = PlanBoard.now

    static func packet(_ profile: String, _ status: OutcomeStatus, _ cause: String, hoursAgo: Double,
                       kind: EvidenceKind = .session) -> EvidencePacket {
        EvidencePacket(kind: kind, ticket: "MC-X", gate: "implement", profile: profile,
                       ended: now.addingTimeInterval(-3_600 * hoursAgo),
                       terminal: TerminalState(status: status, summary: "s", rootCause: cause, safeRetry: nil,
                                               stopCondition: nil, humanInputRequired: nil, nextActions: nil))
    }

    @Test func runnersSessionsLeasesAndProfileCounts() throws {
        var board = PlanBoard()
        func running(_ id: String, runner: String, lease: TimeInterval, started: TimeInterval) -> TicketStatus {
            TicketStatus(status: .running, gate: "implement",
                         session: SessionRef(id: "S-\(id)", profile: "codex", runner: runner, pid: 42,
                                             started: Self.now.addingTimeInterval(started),
                                             leaseUntil: Self.now.addingTimeInterval(lease)))
        }
        board.add("MC-A", status: running("A", runner: "vm-a", lease: 300, started: -60))
        board.add("MC-B", status: running("B", runner: "vm-b", lease: -120, started: -900))
        board.add("MC-C", status: running("C", runner: "vm-a", lease: 600, started: -30))
        board.add("MC-D", status: TicketStatus(status: .queued, rateLimits: ["claude": Self.now.addingTimeInterval(1_800)]))
        board.add("MC-E", status: TicketStatus(status: .blocked))
        board.add("MC-F")  // not started: no status

        let packets = [
            Self.packet("codex", .ok, "done", hoursAgo: 1),
            Self.packet("codex", .error, "exit_nonzero", hoursAgo: 2),
            Self.packet("codex", .error, "exit_nonzero", hoursAgo: 3),
            Self.packet("codex", .error, "idle_time", hoursAgo: 4),
            Self.packet("claude", .warning, "rate_limited", hoursAgo: 1),
            Self.packet("claude", .ok, "done", hoursAgo: 200),                    // before the window
            Self.packet("codex", .ok, "check_passed", hoursAgo: 1, kind: .check),  // a check is no profile's session
        ]
        let report = HealthReport.make(board.snapshot, packets: packets, since: Self.now.addingTimeInterval(-7 * 86_400),
                                       now: Self.now)

        #expect(report.statuses == ["running": 3, "queued": 1, "blocked": 1])
        #expect(report.sessions.map(\.ticket) == ["MC-B", "MC-A", "MC-C"], "oldest first")
        #expect(report.sessions.map(\.leaseExpired) == [true, false, false])
        #expect(report.runners.map { "\($0.name) \($0.sessions) \($0.expiredLeases)" } == ["vm-a 2 0", "vm-b 1 1"])

        let codex = try #require(report.profiles.first { $0.profile == "codex" })
        #expect((codex.runs, codex.ok, codex.warning, codex.error) == (4, 1, 0, 3))
        #expect(codex.causes.map(\.cause) == ["exit_nonzero", "idle_time"] && codex.causes.map(\.count) == [2, 1])
        #expect(codex.parkedUntil == nil)
        let claude = try #require(report.profiles.first { $0.profile == "claude" })
        #expect((claude.runs, claude.warning) == (1, 1))
        #expect(claude.parkedUntil == Self.now.addingTimeInterval(1_800))
        // Every profile of runtimes.yaml is listed, in name order, even with nothing to count.
        #expect(report.profiles.map(\.profile) == ["claude", "codex", "gemini", "shell"])
        #expect(report.profiles.first { $0.profile == "gemini" }?.runs == 0)
    }

    @Test func onlyTicketsTheWatcherWroteToInTheWindowAreRead() {
        var board = PlanBoard()
        board.add("MC-OLD", status: TicketStatus(status: .done, updated: Self.now.addingTimeInterval(-30 * 86_400)))
        board.add("MC-NEW", status: TicketStatus(status: .done, updated: Self.now.addingTimeInterval(-3_600)))
        board.add("MC-NONE", status: TicketStatus(status: .queued, updated: Self.now))
        for index in board.records.indices { board.records[index].evidence = ["0001-implement.yaml"] }
        board.records[2].evidence = []
        let read = HealthReport.ticketsToRead(board.snapshot, since: Self.now.addingTimeInterval(-7 * 86_400))
        #expect(read.map(\.id) == ["MC-NEW"])
    }
}
