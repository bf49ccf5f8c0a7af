import Board
import Control
import Foundation
import Testing

/// Campaign roll-ups and ticket positions over hand-built snapshots: no files, no git.
@Suite struct CampaignTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let config: BoardConfig = {
        var config = BoardConfig()
        config.workflows = try! YAMLDocument.parse(Array("""
            workflows:
              code:
                max_rounds: 3
                gates:
                  - {name: implement, role: coder}
                  - {name: review, role: qa, on_fail: implement}
                  - {name: test, check: "make test", on_fail: implement}
                  - {name: signoff, human: designer}
                  - {name: validate, role: validator}
            """.utf8), file: "workflows.yaml").decode(WorkflowsFile.self)
        return config
    }()

    /// A ticket: spec fields that matter here, and an optional status.
    static func ticket(_ id: String, kind: TicketKind = .feature, state: DesiredState = .ready, owner: String? = "luci",
                       parent: String? = nil, blockedBy: [String] = [], status: TicketStatus? = nil,
                       archived: Bool = false, hoursOld: Int = 1) -> TicketRecord {
        TicketRecord(
            id: id, folder: archived ? "board/archive/2026/01/\(id)" : "board/tickets/\(id)", archived: archived,
            treeID: nil,
            spec: Ticket(id: id, title: "Title of \(id)", kind: kind, state: state, owner: owner, parent: parent,
                         blockedBy: blockedBy, created: now.addingTimeInterval(TimeInterval(-3_600 * hoursOld)),
                         acceptance: ["It works."]),
            status: status, evidence: [], notes: [], diagnostics: [], locations: SpecLocations())
    }

    static func snapshot(_ records: [TicketRecord]) -> BoardSnapshot {
        BoardSnapshot(location: BoardLocation(branch: "main"), commit: nil, config: config, tickets: records,
                      archivedFolders: Dictionary(uniqueKeysWithValues: records.filter(\.archived).map { ($0.id, $0.folder) }),
                      layoutDiagnostics: [])
    }

    /// A campaign with a child in every kind of place, and tickets that are not its children.
    static let board = snapshot([
        ticket("MC-C", kind: .campaign, state: .draft),
        ticket("MC-ASK", parent: "MC-C", status: TicketStatus(
            status: .needsInput, gate: "review", round: 2, question: "Which parser do we keep?\nDetails follow.",
            nextAction: NextAction(who: "luci", what: "answer with 'mission answer MC-ASK'"))),
        ticket("MC-RUN", parent: "MC-C", status: TicketStatus(
            status: .running, gate: "implement", session: SessionRef(id: "S-1", profile: "codex"))),
        ticket("MC-STOP", parent: "MC-C", status: TicketStatus(
            status: .blocked, gate: "test", blockedReason: "circuit breaker: 2 failures in a row caused by exit_nonzero")),
        ticket("MC-DRAFT", state: .draft, owner: nil, parent: "MC-C"),
        ticket("MC-WAIT", parent: "MC-C", blockedBy: ["MC-OTHER"]),
        ticket("MC-DONE", parent: "MC-C", status: TicketStatus(status: .done, gate: "validate")),
        ticket("MC-DROP", state: .cancelled, parent: "MC-C"),
        ticket("MC-OTHER", status: TicketStatus(status: .running, gate: "implement")),
        ticket("MC-ELSE", parent: "MC-OTHER"),
    ])

    @Test func aRollupCountsItsChildrenByStatusAndNothingElse() throws {
        let rollup = try #require(Campaigns.rollup("MC-C", in: Self.board))
        #expect(rollup.id == "MC-C")
        #expect(rollup.owner == "luci")
        #expect(Set(rollup.children.map(\.id)) == ["MC-ASK", "MC-RUN", "MC-STOP", "MC-DRAFT", "MC-WAIT", "MC-DONE", "MC-DROP"])
        #expect(rollup.counts == ["needs_input": 1, "running": 1, "blocked": 1, "not started": 2, "done": 1,
                                  "cancelled": 1])
        #expect(rollup.closedCount == 2)
        #expect(!rollup.isComplete)
        let drop = try #require(rollup.children.first { $0.id == "MC-DROP" })
        #expect(drop.status == nil && drop.label == "cancelled" && drop.isClosed && drop.blocker == nil)
    }

    @Test func eachOpenChildSaysWhatHoldsItUp() throws {
        let rollup = try #require(Campaigns.rollup("MC-C", in: Self.board))
        func blocker(_ id: String) throws -> CampaignRollup.Blocker {
            try #require(rollup.children.first { $0.id == id }?.blocker, "\(id) has no blocker")
        }
        let ask = try blocker("MC-ASK")
        #expect(ask.gate == "review" && ask.who == "luci" && ask.what == "answer with 'mission answer MC-ASK'")
        #expect(ask.question == "Which parser do we keep?\nDetails follow.")
        #expect(ask.summary == "[review] luci: answer with 'mission answer MC-ASK'; question: Which parser do we keep?")

        let run = try blocker("MC-RUN")
        #expect(run.gate == "implement" && run.who == "codex" && run.what == "work on implement")

        let stop = try blocker("MC-STOP")
        #expect(stop.reason == "circuit breaker: 2 failures in a row caused by exit_nonzero")
        #expect(stop.who == "luci")
        #expect(stop.summary.hasPrefix("[test] luci: circuit breaker: 2 failures in a row caused by exit_nonzero; "
                                       + "then 'mission answer MC-STOP' sends it back to its gate"), "\(stop.summary)")

        let wait = try blocker("MC-WAIT")
        #expect(wait.openBlockers == ["MC-OTHER"])
        #expect(wait.gate == "implement", "not started: the gate it will start at")
        #expect(wait.summary == "[implement] watcher: start implement once MC-OTHER is closed; waits for MC-OTHER")

        let draft = try blocker("MC-DRAFT")
        #expect(draft.who == "a person" && draft.what == "mark it ready: 'mission ready MC-DRAFT'")
        #expect(rollup.children.first { $0.id == "MC-DONE" }?.blocker == nil)
    }

    @Test func aCampaignIsCompleteOnlyWhenEveryChildIsClosed() throws {
        let closed = [
            Self.ticket("MC-C", kind: .campaign),
            Self.ticket("MC-1", parent: "MC-C", status: TicketStatus(status: .done)),
            Self.ticket("MC-2", parent: "MC-C", status: TicketStatus(status: .cancelled)),
            Self.ticket("MC-3", state: .cancelled, parent: "MC-C"),
            Self.ticket("MC-4", parent: "MC-C", status: TicketStatus(status: .done), archived: true),
        ]
        let complete = try #require(Campaigns.rollup("MC-C", in: Self.snapshot(closed)))
        #expect(complete.isComplete)
        #expect(complete.children.count == 4 && complete.closedCount == 4)
        #expect(complete.children.first { $0.id == "MC-4" }?.archived == true)

        for open in [StatusValue.queued, .running, .needsInput, .inReview, .waiting, .blocked, .failed] {
            let one = closed + [Self.ticket("MC-5", parent: "MC-C", status: TicketStatus(status: open))]
            #expect(Campaigns.rollup("MC-C", in: Self.snapshot(one))?.isComplete == false, "\(open)")
        }
        let notStarted = closed + [Self.ticket("MC-5", state: .hold, parent: "MC-C")]
        #expect(Campaigns.rollup("MC-C", in: Self.snapshot(notStarted))?.isComplete == false)

        let empty = try #require(Campaigns.rollup("MC-C", in: Self.snapshot([Self.ticket("MC-C", kind: .campaign)])))
        #expect(empty.children.isEmpty && !empty.isComplete, "a campaign without children is not complete")
    }

    @Test func onlyACampaignHasARollup() {
        #expect(Campaigns.rollup("MC-OTHER", in: Self.board) == nil, "a ticket with children that is not a campaign")
        #expect(Campaigns.rollup("MC-NONE", in: Self.board) == nil)
        #expect(Campaigns.campaigns(in: Self.board) == ["MC-C"])
        let two = Self.snapshot([Self.ticket("MC-B", kind: .campaign), Self.ticket("MC-A", kind: .campaign),
                                 Self.ticket("MC-X")])
        #expect(Campaigns.campaigns(in: two) == ["MC-A", "MC-B"])
    }

    @Test func campaignsInAParentCycleRollUpWithoutEndlessRecursion() throws {
        let cycle = Self.snapshot([
            Self.ticket("MC-A", kind: .campaign, parent: "MC-B"),
            Self.ticket("MC-B", kind: .campaign, parent: "MC-A"),
        ])
        let a = try #require(Campaigns.rollup("MC-A", in: cycle))
        #expect(a.children.map(\.id) == ["MC-B"])
        #expect(cycle.position(of: cycle.ticket("MC-A")!).nextAction?.what == "steer the children: 1 of 1 open ('mission show MC-A')")
        let own = Self.snapshot([Self.ticket("MC-S", kind: .campaign, parent: "MC-S")])
        #expect(Campaigns.rollup("MC-S", in: own)?.children.isEmpty == true, "a campaign is not its own child")
    }

    @Test func aPositionShowsTheGateItsPlaceWhoExecutesAndWhoSteers() throws {
        let board = Self.board
        let ask = board.position(of: try #require(board.ticket("MC-ASK")))
        #expect(ask.gateText == "review 2/5")
        #expect(ask.executorText == "qa" && ask.owner == "luci" && ask.round == 2)
        #expect(ask.nextActionRecorded)

        let run = board.position(of: try #require(board.ticket("MC-RUN")))
        #expect(run.gateText == "implement 1/5" && run.executorText == "coder/codex")
        #expect(!run.nextActionRecorded && run.nextAction == NextAction(who: "codex", what: "work on implement"))

        let stop = board.position(of: try #require(board.ticket("MC-STOP")))
        #expect(stop.gateText == "test 3/5" && stop.executorText == "check")

        let draft = board.position(of: try #require(board.ticket("MC-DRAFT")))
        #expect(draft.gateText == "-" && draft.executorText == "coder" && draft.stage == "draft" && !draft.started)

        let done = board.position(of: try #require(board.ticket("MC-DONE")))
        #expect(done.gateText == "validate 5/5" && done.executorText == "-" && done.nextAction == nil)

        let campaign = board.position(of: try #require(board.ticket("MC-C")))
        #expect(campaign.executorText == "-", "a campaign is steered, not executed")
        #expect(campaign.nextAction == NextAction(who: "luci", what: "steer the children: 5 of 7 open ('mission show MC-C')"))

        let signoff = Self.snapshot([Self.ticket("MC-S", owner: nil, status: TicketStatus(status: .waiting, gate: "signoff"))])
        let waiting = signoff.position(of: try #require(signoff.ticket("MC-S")))
        #expect(waiting.executorText == "human/designer")
        #expect(waiting.nextAction == NextAction(who: "designer", what: "sign off with 'mission approve MC-S --gate signoff'"))

        let moved = Self.snapshot([Self.ticket("MC-M", status: TicketStatus(status: .queued, gate: "gone"))])
        #expect(moved.position(of: try #require(moved.ticket("MC-M"))).gateText == "gone ?/5")
    }

    @Test func anOverdueFlagAndTheTimesComeThrough() throws {
        let due = Self.now.addingTimeInterval(-7_200)
        let snapshot = Self.snapshot([Self.ticket("MC-L", status: TicketStatus(
            status: .running, gate: "implement", updated: Self.now.addingTimeInterval(-9_000), overdue: due))])
        let position = snapshot.position(of: try #require(snapshot.ticket("MC-L")))
        #expect(position.overdue == due)
        #expect(position.since == Self.now.addingTimeInterval(-9_000))
    }

    @Test(arguments: [(0.0, "0s"), (59, "59s"), (60, "1m"), (3_599, "59m"), (3_600, "1h"), (86_399, "23h"),
                      (86_400, "1d"), (13 * 86_400, "13d"), (14 * 86_400, "2w"), (-5, "0s")] as [(Double, String)])
    func agesAreCompact(seconds: Double, text: String) {
        #expect(TicketPosition.compactAge(seconds) == text)
    }
}
