import Board
import Control
import Foundation
import Testing

/// Readiness and work order over hand-built snapshots: no files, no git.
@Suite struct ReadinessTests {
    /// A snapshot of tickets given as (id, state, priority, blockers, status, age in hours).
    static func snapshot(_ rows: [(String, DesiredState, Priority, [String], StatusValue?, Int)],
                         archived: [String] = []) -> BoardSnapshot {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let records = rows.map { row in
            TicketRecord(
                id: row.0, folder: "board/tickets/\(row.0)", archived: false, treeID: nil,
                spec: Ticket(id: row.0, title: row.0, priority: row.2, state: row.1, blockedBy: row.3,
                             created: now.addingTimeInterval(TimeInterval(-3_600 * row.5)), acceptance: ["It works."]),
                status: row.4.map { TicketStatus(status: $0) }, evidence: [], notes: [], diagnostics: [],
                locations: SpecLocations())
        }
        return BoardSnapshot(location: BoardLocation(branch: "main"), commit: nil, config: BoardConfig(), tickets: records,
                             archivedFolders: Dictionary(uniqueKeysWithValues: archived.map { ($0, "board/archive/2026/01/\($0)") }),
                             layoutDiagnostics: [])
    }

    @Test(arguments: [
        // state, status, blockers' statuses, ready?
        (DesiredState.ready, nil, [], true),
        (.ready, .queued, [], true),
        (.ready, .running, [], false),
        (.ready, .done, [], false),
        (.ready, .needsInput, [], false),
        (.ready, .blocked, [], false),
        (.draft, nil, [], false),
        (.hold, nil, [], false),
        (.cancelled, nil, [], false),
        (.ready, nil, [StatusValue.done], true),
        (.ready, nil, [.cancelled], true),
        (.ready, nil, [.running], false),
        (.ready, nil, [.done, .failed], false),
    ] as [(DesiredState, StatusValue?, [StatusValue], Bool)])
    func aTicketIsReadyOnlyWhenItsSpecSaysSoAndEveryBlockerIsClosed(
        state: DesiredState, status: StatusValue?, blockers: [StatusValue], ready: Bool
    ) {
        var rows: [(String, DesiredState, Priority, [String], StatusValue?, Int)] = []
        for (index, blocker) in blockers.enumerated() { rows.append(("MC-B\(index)", .ready, .medium, [], blocker, 1)) }
        rows.append(("MC-T", state, .medium, blockers.indices.map { "MC-B\($0)" }, status, 1))
        let snapshot = Self.snapshot(rows)
        #expect(snapshot.isReady(snapshot.ticket("MC-T")!) == ready)
    }

    @Test(arguments: [[], [""], ["  "], [Ticket.placeholderAcceptance], ["  " + Ticket.placeholderAcceptance + " "]])
    func aTicketWithoutWrittenAcceptanceIsNotReadyAndSaysWhatIsMissing(acceptance: [String]) {
        var snapshot = Self.snapshot([("MC-T", .ready, .medium, [], nil, 1)])
        var record = snapshot.ticket("MC-T")!
        record.spec?.acceptance = acceptance
        snapshot.upsert(record)
        #expect(!snapshot.isReady(snapshot.ticket("MC-T")!))
        #expect(!snapshot.isBlocked(snapshot.ticket("MC-T")!))
        let position = snapshot.position(of: snapshot.ticket("MC-T")!)
        #expect(position.nextAction?.what == "write acceptance criteria in ticket.yaml ('mission edit MC-T')")
        #expect(Planner.plan(snapshot, live: [], now: Date(timeIntervalSince1970: 1_800_000_000), limits: PlanLimits(maxWorkers: 2)).isEmpty)
    }

    @Test func aCancelledSpecOrAnArchivedBlockerCountsAsClosedADanglingOneNever() {
        let snapshot = Self.snapshot([
            ("MC-A", .cancelled, .low, [], nil, 1),
            ("MC-T", .ready, .low, ["MC-A", "MC-OLD"], nil, 1),
            ("MC-U", .ready, .low, ["MC-GONE"], nil, 1),
        ], archived: ["MC-OLD"])
        #expect(snapshot.isReady(snapshot.ticket("MC-T")!))
        #expect(!snapshot.isReady(snapshot.ticket("MC-U")!))
        #expect(snapshot.openBlockers(of: snapshot.ticket("MC-U")!) == ["MC-GONE"])
        #expect(snapshot.isBlocked(snapshot.ticket("MC-U")!))
    }

    @Test func theWatchersOrderIsPriorityThenAgeThenID() {
        let snapshot = Self.snapshot([
            ("MC-1", .ready, .low, [], nil, 100),
            ("MC-2", .ready, .urgent, [], nil, 1),
            ("MC-3", .ready, .high, [], nil, 5),
            ("MC-4", .ready, .high, [], nil, 50),
            ("MC-5", .ready, .high, [], nil, 50),
            ("MC-6", .hold, .urgent, [], nil, 500),
        ])
        var filter = TicketFilter()
        filter.readyOnly = true
        #expect(snapshot.tickets(matching: filter).map(\.id) == ["MC-2", "MC-4", "MC-5", "MC-3", "MC-1"])
    }

    @Test func filtersCombine() {
        var snapshot = Self.snapshot([
            ("MC-1", .ready, .low, [], nil, 1),
            ("MC-2", .draft, .low, [], .running, 1),
            ("MC-3", .draft, .low, [], nil, 1),
        ])
        var spec = snapshot.ticket("MC-1")!
        spec.spec?.labels = ["ui", "web"]
        spec.spec?.owner = "luci"
        snapshot.upsert(spec)
        var filter = TicketFilter()
        filter.labels = ["ui"]
        #expect(snapshot.tickets(matching: filter).map(\.id) == ["MC-1"])
        filter = TicketFilter()
        filter.owners = ["luci"]
        #expect(snapshot.tickets(matching: filter).map(\.id) == ["MC-1"])
        filter = TicketFilter()
        filter.statuses = ["none"]
        #expect(snapshot.tickets(matching: filter).map(\.id) == ["MC-1", "MC-3"])
        filter = TicketFilter()
        filter.states = [.draft]
        filter.statuses = ["running"]
        #expect(snapshot.tickets(matching: filter).map(\.id) == ["MC-2"])
    }
}
