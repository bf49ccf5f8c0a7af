import Board
import Control
import Foundation
import Testing

/// A board for planner tests: the starter configuration, decoded from the files `mission init` installs,
/// and tickets built in code. Tickets walk the starter's `code` workflow, the one with a gate of every kind.
struct PlanBoard {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let config: BoardConfig = {
        var config = BoardConfig()
        func document(_ name: String) -> YAMLDocument {
            try! YAMLDocument.parse(Array(StarterBoard.file("board/\(name)")!.utf8), file: name)
        }
        config.settings = try! document("mission.yaml").decode(BoardSettings.self)
        config.settings.defaultWorkflow = "code"
        config.runtimes = try! document("runtimes.yaml").decode(RuntimesFile.self)
        config.roles = try! document("roles.yaml").decode(RolesFile.self)
        config.workflows = try! document("workflows.yaml").decode(WorkflowsFile.self)
        return config
    }()

    var records: [TicketRecord] = []

    /// Adds a ticket; `age` in hours orders tickets of equal priority.
    mutating func add(_ id: String, _ state: DesiredState = .ready, priority: Priority = .medium,
                      blockedBy: [String] = [], status: TicketStatus? = nil, age: Int = 1,
                      workflow: String? = nil, profile: String? = nil, checkIn: String? = nil) {
        records.append(TicketRecord(
            id: id, folder: "board/tickets/\(id)", archived: false, treeID: nil,
            spec: Ticket(id: id, title: id, priority: priority, state: state, workflow: workflow, profile: profile,
                         blockedBy: blockedBy, checkIn: checkIn.flatMap(Interval.init),
                         created: Self.now.addingTimeInterval(TimeInterval(-3_600 * age)), acceptance: ["It works."]),
            status: status, evidence: [], notes: [], diagnostics: [], locations: SpecLocations()))
    }

    var snapshot: BoardSnapshot {
        BoardSnapshot(location: BoardLocation(branch: "main"), commit: nil, config: Self.config, tickets: records,
                      archivedFolders: [:], layoutDiagnostics: [])
    }

    func plan(live: [LiveSession] = [], maxWorkers: Int = 2, perProfile: [String: Int] = [:], runner: String? = nil) -> [Action] {
        Planner.plan(snapshot, live: live, now: Self.now, limits: PlanLimits(maxWorkers: maxWorkers, perProfile: perProfile),
                     runner: runner)
    }
}

@Suite struct PlannerTests {
    @Test func readyTicketsAreDispatchedInPriorityThenAgeOrderWithinMaxWorkers() {
        var board = PlanBoard()
        board.add("MC-LOW", priority: .low, age: 100)
        board.add("MC-URG", priority: .urgent)
        board.add("MC-OLD", priority: .high, age: 50)
        board.add("MC-NEW", priority: .high, age: 5)
        board.add("MC-HOLD", .hold, priority: .urgent)
        board.add("MC-DRAFT", .draft, priority: .urgent)
        #expect(board.plan(maxWorkers: 3) == [
            .dispatch(ticket: "MC-URG", gate: "implement", role: "coder", profile: "codex", attempt: 1),
            .dispatch(ticket: "MC-OLD", gate: "implement", role: "coder", profile: "codex", attempt: 1),
            .dispatch(ticket: "MC-NEW", gate: "implement", role: "coder", profile: "codex", attempt: 1),
        ])
        // Live sessions use up the workers.
        let busy = [LiveSession(ticket: "MC-X", session: "S-1", profile: "claude"),
                    LiveSession(ticket: "MC-Y", session: "S-2", profile: "claude")]
        #expect(board.plan(live: busy, maxWorkers: 3).map(\.ticket) == ["MC-URG"])
        #expect(board.plan(live: busy, maxWorkers: 2).isEmpty)
    }

    @Test func anotherRunnersClaimIsLeftAloneUntilItsLeaseRunsOut() {
        var board = PlanBoard()
        func running(_ runner: String, lease: TimeInterval?) -> TicketStatus {
            TicketStatus(status: .running, gate: "implement", session: SessionRef(
                id: "S-\(runner)", runner: runner, leaseUntil: lease.map { PlanBoard.now.addingTimeInterval($0) }))
        }
        board.add("MC-THEIRS", status: running("b", lease: 60))
        board.add("MC-EXPIRED", status: running("b", lease: -31))
        // Ran out a second ago by our clock: within the clock tolerance (30 s), b's clock may say it holds.
        board.add("MC-SKEWED", status: running("b", lease: -1))
        board.add("MC-NOLEASE", status: running("b", lease: nil))
        board.add("MC-MINE", status: running("a", lease: 60))
        #expect(board.plan(runner: "a") == [
            .settle(ticket: "MC-EXPIRED", session: "S-b"),
            .settle(ticket: "MC-MINE", session: "S-a"),
            .settle(ticket: "MC-NOLEASE", session: "S-b"),
        ])
        // One watcher (no runner name) settles whatever is not live.
        #expect(board.plan().count == 5)
    }

    @Test func aTicketThatRunsOnLabelsGoesOnlyToARunnerWithThemAndWaitsElsewhere() {
        var board = PlanBoard()
        board.add("MC-GPU")
        board.records[0].spec?.runsOn = ["gpu", "linux"]
        board.add("MC-ANY", age: 0)
        let plain = PlanLimits(maxWorkers: 5)
        #expect(Planner.plan(board.snapshot, live: [], now: PlanBoard.now, limits: plain) == [
            .waitForRuntime(ticket: "MC-GPU", reason: "waits for a runner labelled gpu and linux"),
            .dispatch(ticket: "MC-ANY", gate: "implement", role: "coder", profile: "codex", attempt: 1),
        ])
        var partly = plain
        partly.labels = ["gpu"]
        #expect(Planner.plan(board.snapshot, live: [], now: PlanBoard.now, limits: partly).first
                == .waitForRuntime(ticket: "MC-GPU", reason: "waits for a runner labelled linux"))
        var labelled = plain
        labelled.labels = ["gpu", "linux", "browser"]
        #expect(Planner.plan(board.snapshot, live: [], now: PlanBoard.now, limits: labelled).map(\.ticket) == ["MC-GPU", "MC-ANY"])
        // A profile that runs only on other runners is passed over like one this host cannot run.
        labelled.unrunnable = ["codex": "needs a runner labelled macos"]
        #expect(Planner.plan(board.snapshot, live: [], now: PlanBoard.now, limits: labelled).first
                == .dispatch(ticket: "MC-GPU", gate: "implement", role: "coder", profile: "claude", attempt: 1))
    }

    @Test func aRateLimitedProfileIsPassedOverForEveryTicketUntilItResets() {
        var board = PlanBoard()
        board.add("MC-HIT", status: TicketStatus(status: .queued, gate: "implement",
                                                 rateLimits: ["codex": PlanBoard.now.addingTimeInterval(600),
                                                              "gemini": PlanBoard.now.addingTimeInterval(-1)]))
        board.add("MC-OTHER")
        #expect(board.plan(maxWorkers: 5) == [
            .dispatch(ticket: "MC-HIT", gate: "implement", role: "coder", profile: "claude", attempt: 1),
            .dispatch(ticket: "MC-OTHER", gate: "implement", role: "coder", profile: "claude", attempt: 1),
        ])
        // Every profile of the role limited: the ticket waits rather than fails.
        board.records[0].status?.rateLimits = ["codex": PlanBoard.now + 60, "claude": PlanBoard.now + 60, "gemini": PlanBoard.now + 60]
        #expect(board.plan(maxWorkers: 5).isEmpty)
    }

    @Test func aProfileWithoutToolsNeverServesARoleThatChangesCode() throws {
        var board = PlanBoard()
        board.add("MC-A")
        board.add("MC-PINNED", profile: "api")
        var snapshot = board.snapshot
        var api = try YAMLDocument.parse(Array("harness: script\ncommand: [/usr/bin/api-call]\ncapabilities: []\n".utf8),
                                         file: "api").decode(RuntimeProfile.self)
        snapshot.config.runtimes.profiles["api"] = api
        snapshot.config.roles.roles["coder"]?.profiles = ["api", "codex"]
        let plan = Planner.plan(snapshot, live: [], now: PlanBoard.now, limits: PlanLimits(maxWorkers: 5))
        #expect(plan.contains(.dispatch(ticket: "MC-A", gate: "implement", role: "coder", profile: "codex", attempt: 1)))
        #expect(plan.contains { if case .block("MC-PINNED", let why) = $0 { why.contains("needs tools and write") } else { false } })
        // Tools and write declared: it serves.
        api.capabilities = [.tools, .write]
        snapshot.config.runtimes.profiles["api"] = api
        #expect(Planner.plan(snapshot, live: [], now: PlanBoard.now, limits: PlanLimits(maxWorkers: 5)).map(\.self).contains(
            .dispatch(ticket: "MC-A", gate: "implement", role: "coder", profile: "api", attempt: 1)))
    }

    @Test func aCampaignIsNeverDispatchedAndClosesWhenEveryChildHas() {
        var board = PlanBoard()
        board.add("MC-CAMP")
        board.records[0].spec?.kind = .campaign
        board.add("MC-ONE", status: TicketStatus(status: .done))
        board.add("MC-TWO", .cancelled)
        board.records[1].spec?.parent = "MC-CAMP"
        board.records[2].spec?.parent = "MC-CAMP"
        #expect(board.plan().contains(.closeCampaign(ticket: "MC-CAMP", children: 2)))
        #expect(!board.plan().contains { $0.ticket == "MC-CAMP" && $0.startsWork })
        // One child still open: the campaign stays as it is.
        board.records[1].status = TicketStatus(status: .running, session: SessionRef(id: "S-1"))
        #expect(!board.plan().contains { $0.ticket == "MC-CAMP" })
    }

    @Test func aProfileAtItsLimitFallsBackToTheRolesNextProfileOrWaits() {
        var board = PlanBoard()
        board.add("MC-A", priority: .high)
        board.add("MC-B")
        board.add("MC-C", priority: .low, profile: "codex")
        let live = [LiveSession(ticket: "MC-Z", session: "S-1", profile: "codex")]
        #expect(board.plan(live: live, maxWorkers: 5, perProfile: ["codex": 1, "claude": 1]) == [
            .dispatch(ticket: "MC-A", gate: "implement", role: "coder", profile: "claude", attempt: 1),
            .dispatch(ticket: "MC-B", gate: "implement", role: "coder", profile: "gemini", attempt: 1),
        ])  // MC-C is pinned to codex, which is full: it waits.
    }

    @Test func blockedTicketsGoOnByThemselvesWhenEveryBlockerCloses() {
        var board = PlanBoard()
        board.add("MC-A", status: TicketStatus(status: .running, session: SessionRef(id: "S-1")))
        board.add("MC-B", blockedBy: ["MC-A", "MC-C"])
        board.add("MC-C", .cancelled, status: TicketStatus(status: .cancelled))
        let live = [LiveSession(ticket: "MC-A", session: "S-1", profile: "codex")]
        #expect(board.plan(live: live).isEmpty)
        board.records[0].status = TicketStatus(status: .done)
        #expect(board.plan().map(\.ticket) == ["MC-B"])
    }

    @Test func heldCancelledAndDraftTicketsStopTheirSessions() {
        var board = PlanBoard()
        board.add("MC-H", .hold, status: TicketStatus(status: .running, session: SessionRef(id: "S-1")))
        board.add("MC-C", .cancelled, status: TicketStatus(status: .running, session: SessionRef(id: "S-2")))
        board.add("MC-D", .draft, status: TicketStatus(status: .running, session: SessionRef(id: "S-3")))
        board.add("MC-Q", .cancelled)
        let live = [LiveSession(ticket: "MC-H", session: "S-1", profile: "codex"),
                    LiveSession(ticket: "MC-C", session: "S-2", profile: "codex"),
                    LiveSession(ticket: "MC-D", session: "S-3", profile: "codex")]
        #expect(Set(board.plan(live: live)) == [
            .stop(ticket: "MC-H", session: "S-1", reason: .held),
            .stop(ticket: "MC-C", session: "S-2", reason: .cancelled),
            .stop(ticket: "MC-D", session: "S-3", reason: .draft),
            .cancel(ticket: "MC-Q"),
        ])
    }

    @Test func aRunningTicketWithoutALiveSessionIsSettledNeverDispatchedAgain() {
        var board = PlanBoard()
        board.add("MC-A", status: TicketStatus(status: .running, session: SessionRef(id: "S-9")))
        #expect(board.plan() == [.settle(ticket: "MC-A", session: "S-9")])
        #expect(board.plan(live: [LiveSession(ticket: "MC-A", session: "S-9", profile: "codex")]).isEmpty)
    }

    @Test(arguments: [
        // failures streak, attempt, expected
        (["exit_nonzero": 1], 1, Action.dispatch(ticket: "MC-F", gate: "implement", role: "coder", profile: "codex", attempt: 2)),
        (["exit_nonzero": 2], 2, Action.block(ticket: "MC-F", reason: "circuit breaker: 2 failures in a row caused by exit_nonzero")),
        (["idle_timeout": 1], 3, Action.block(ticket: "MC-F", reason: "retries exhausted: 3 attempts at gate implement")),
        ([:], 2, Action.dispatch(ticket: "MC-F", gate: "implement", role: "coder", profile: "codex", attempt: 3)),
    ] as [([String: Int], Int, Action)])
    func failedSessionsFollowTheRetryPolicyAndTheCircuitBreaker(failures: [String: Int], attempt: Int, expected: Action) {
        var board = PlanBoard()
        board.add("MC-F", status: TicketStatus(status: .failed, gate: "implement", attempt: attempt, failures: failures))
        #expect(board.plan() == [expected])
    }

    @Test func gatesOfEachKindBecomeTheirAction() {
        var board = PlanBoard()
        board.add("MC-CHK", status: TicketStatus(status: .queued, gate: "test"))
        board.add("MC-SIGN", status: TicketStatus(status: .queued, gate: "signoff"), workflow: "ui")
        board.add("MC-REV", status: TicketStatus(status: .queued, gate: "review"))
        board.add("MC-NOWF", workflow: "nonexistent")
        #expect(Set(board.plan(maxWorkers: 4)) == [
            .runCheck(ticket: "MC-CHK", gate: "test", command: "make test", attempt: 1),
            .awaitSignoff(ticket: "MC-SIGN", gate: "signoff", group: "designer"),
            .dispatch(ticket: "MC-REV", gate: "review", role: "qa", profile: "claude", attempt: 1),
            .block(ticket: "MC-NOWF", reason: "workflow 'nonexistent' does not exist"),
        ])
    }

    @Test func overdueCheckInsAreFlaggedWithWhoShouldAct() {
        var board = PlanBoard()
        board.add("MC-A", .hold, age: 3, checkIn: "2h")
        board.add("MC-B", .hold, age: 1, checkIn: "2h")
        board.add("MC-C", .cancelled, status: TicketStatus(status: .cancelled), age: 30, checkIn: "1h")
        let flags = board.plan().filter { if case .flagOverdue = $0 { true } else { false } }
        #expect(flags == [.flagOverdue(ticket: "MC-A", due: PlanBoard.now.addingTimeInterval(-3_600),
                                       who: "the ticket's owner")])
    }

    @Test func aNoteAfterTheQuestionSendsTheTicketBackToItsGate() {
        var board = PlanBoard()
        let asked = Date(timeIntervalSince1970: 1_795_342_500)  // 2026-11-22T10:15:00Z
        board.add("MC-Q", status: TicketStatus(status: .needsInput, gate: "review", updated: asked, question: "Which port?"))
        #expect(board.plan().isEmpty)
        board.records[0].notes = ["20261122T101459Z-luci.md"]  // before the question: not an answer
        #expect(board.plan().isEmpty)
        board.records[0].notes = ["20261122T101500Z-luci.md"]  // the same second: an answer
        #expect(board.plan() == [.resume(ticket: "MC-Q", gate: "review")])
        board.records[0].notes.append("20261122T102000Z-luci.md")
        #expect(board.plan() == [.resume(ticket: "MC-Q", gate: "review")])
    }

    @Test func aNoteAfterTheBlockSendsTheTicketBackToItsGate() {
        var board = PlanBoard()
        let blocked = Date(timeIntervalSince1970: 1_795_342_500)  // 2026-11-22T10:15:00Z
        board.add("MC-B", status: TicketStatus(status: .blocked, gate: "implement", attempt: 3, updated: blocked,
                                               blockedReason: "retries exhausted", failures: ["exit_nonzero": 1]))
        #expect(board.plan().isEmpty)
        board.records[0].notes = ["20261122T101000Z-luci.md"]  // a note from before the block
        #expect(board.plan().isEmpty)
        board.records[0].notes.append("20261122T101600Z-luci.md")
        #expect(board.plan() == [.resume(ticket: "MC-B", gate: "implement")])
    }

    @Test func workInProgressIsNeverTouched() {
        var board = PlanBoard()
        for (index, status) in [StatusValue.needsInput, .inReview, .waiting, .blocked, .done].enumerated() {
            board.add("MC-\(index)", status: TicketStatus(status: status))
        }
        #expect(board.plan(maxWorkers: 10).isEmpty)
    }
}

/// Properties over random boards: nothing dispatched twice, limits never exceeded, and every ticket that
/// becomes ready is eventually dispatched.
@Suite struct PlannerPropertyTests {
    /// A small deterministic generator (xorshift64*), so a failing seed can be replayed.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    static func randomBoard(_ random: inout Random) -> PlanBoard {
        var board = PlanBoard()
        let count = Int.random(in: 1...40, using: &random)
        for index in 0..<count {
            // Blockers point only at earlier tickets, so the graph has no cycles.
            let blockers = index == 0 ? [] : (0..<Int.random(in: 0...2, using: &random)).map { _ in
                "MC-\(Int.random(in: 0..<index, using: &random))"
            }
            let state: DesiredState = [.ready, .ready, .ready, .draft, .hold].randomElement(using: &random)!
            let priority = Priority.allCases.randomElement(using: &random)!
            board.add("MC-\(index)", state, priority: priority, blockedBy: Array(Set(blockers)),
                      age: Int.random(in: 0...500, using: &random))
        }
        return board
    }

    @Test(arguments: 0..<200)
    func theWatcherLoopDispatchesEveryReadyTicketExactlyOnceWithinItsLimits(seed: Int) throws {
        var random = Random(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1)
        var board = Self.randomBoard(&random)
        let maxWorkers = Int.random(in: 1...4, using: &random)
        let perProfile = ["codex": Int.random(in: 1...2, using: &random)]
        var live: [LiveSession] = []
        var dispatched: [String: Int] = [:]
        var sessions = 0
        for _ in 0..<500 {
            let actions = board.plan(live: live, maxWorkers: maxWorkers, perProfile: perProfile)
            let starts = actions.filter(\.startsWork)
            #expect(Set(starts.map(\.ticket)).count == starts.count, "a ticket started twice in one plan")
            for action in starts {
                #expect(!live.contains { $0.ticket == action.ticket }, "\(action.ticket) started while it runs")
                guard case .dispatch(let ticket, _, _, let profile, _) = action else { continue }
                let snapshot = board.snapshot
                let blockers = snapshot.ticket(ticket)?.spec?.blockedBy ?? []
                #expect(blockers.allSatisfy { snapshot.ticket($0)?.isClosed == true }, "\(ticket) started before its blockers closed")
                dispatched[ticket, default: 0] += 1
                sessions += 1
                live.append(LiveSession(ticket: ticket, session: "S-\(sessions)", profile: profile))
                let index = board.records.firstIndex { $0.id == ticket }!
                board.records[index].status = TicketStatus(status: .running, session: SessionRef(id: "S-\(sessions)"))
            }
            #expect(live.count <= maxWorkers)
            #expect(live.filter { $0.profile == "codex" }.count <= perProfile["codex"]!)
            if live.isEmpty && starts.isEmpty { break }
            // Some sessions end: their tickets are done.
            let ending = live.filter { _ in Bool.random(using: &random) }
            for session in ending {
                let index = board.records.firstIndex { $0.id == session.ticket }!
                board.records[index].status = TicketStatus(status: .done)
            }
            live.removeAll { session in ending.contains(session) }
        }
        // Every ticket that could ever become ready ran exactly once.
        let snapshot = board.snapshot
        for record in snapshot.tickets {
            let reachable = Self.eventuallyReady(record.id, in: board)
            #expect(dispatched[record.id, default: 0] == (reachable ? 1 : 0), "\(record.id) seed \(seed)")
        }
    }

    /// A ready ticket whose blockers are all either cancelled or themselves eventually done.
    static func eventuallyReady(_ id: String, in board: PlanBoard) -> Bool {
        guard let spec = board.records.first(where: { $0.id == id })?.spec, spec.state == .ready else { return false }
        return spec.blockedBy.allSatisfy { eventuallyReady($0, in: board) }
    }
}
