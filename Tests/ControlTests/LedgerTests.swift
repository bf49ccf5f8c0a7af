import Board
import Control
import Foundation
import Testing

/// The status ledger over hand-built snapshots and packets: every mark must follow from the evidence.
@Suite struct LedgerTests {
    static let config: BoardConfig = {
        var config = BoardConfig()
        config.workflows = try! YAMLDocument.parse(Array("""
            workflows:
              code:
                class: code-only
                gates:
                  - {name: implement, role: coder}
                  - {name: review, role: qa, on_fail: implement}
                  - {name: test, check: "make test", on_fail: implement}
                  - {name: release, human: release, on_fail: implement}
              ui:
                class: ui
                gates:
                  - {name: implement, role: coder}
                  - {name: review, role: qa, on_fail: implement}
                  - {name: test, check: "make test", on_fail: implement}
                  - {name: release, human: release, on_fail: implement}
              task:
                gates:
                  - {name: run, role: coder}
                  - {name: review, role: qa, on_fail: run}
            """.utf8), file: "workflows.yaml").decode(WorkflowsFile.self)
        config.roles = try! YAMLDocument.parse(Array("""
            roles:
              coder: {profiles: [p], permission: write}
              qa: {profiles: [p], permission: read}
            """.utf8), file: "roles.yaml").decode(RolesFile.self)
        return config
    }()

    static func ticket(_ id: String, workflow: String = "code", kind: TicketKind = .feature, state: DesiredState = .ready,
                       parent: String? = nil, status: TicketStatus? = nil) -> TicketRecord {
        TicketRecord(
            id: id, folder: "board/tickets/\(id)", archived: false, treeID: nil,
            spec: Ticket(id: id, title: "Title of \(id)", kind: kind, state: state, workflow: workflow, parent: parent,
                         acceptance: ["It works."]),
            status: status, evidence: [], notes: [], diagnostics: [], locations: SpecLocations())
    }

    static func snapshot(_ records: [TicketRecord]) -> BoardSnapshot {
        BoardSnapshot(location: BoardLocation(branch: "main"), commit: nil, config: config, tickets: records,
                      archivedFolders: [:], layoutDiagnostics: [])
    }

    /// A session packet at `gate` that ended with DONE, with `verdict` when given.
    static func session(_ gate: String, verdict: VerdictDecision? = nil) -> EvidencePacket {
        var packet = EvidencePacket(kind: .session, ticket: "T", gate: gate)
        packet.terminal = TerminalState(status: .ok, summary: "done", rootCause: "done", safeRetry: nil, stopCondition: nil,
                                        humanInputRequired: nil, nextActions: nil)
        packet.verdict = verdict.map { Verdict(decision: $0, findings: $0 == .pass ? nil : ["fix it"]) }
        return packet
    }

    static func check(_ gate: String, passed: Bool) -> EvidencePacket {
        var packet = EvidencePacket(kind: .check, ticket: "T", gate: gate)
        packet.terminal = TerminalState(status: passed ? .ok : .warning, summary: "checked",
                                        rootCause: passed ? "check_passed" : "check_failed", safeRetry: nil,
                                        stopCondition: nil, humanInputRequired: nil, nextActions: nil)
        return packet
    }

    static func signoff(_ gate: String, _ decision: SignoffDecision) -> EvidencePacket {
        EvidencePacket(kind: .signoff, ticket: "T", gate: gate, signoff: Signoff(by: "Pat <pat@example.com>", decision: decision))
    }

    static func numbered(_ packets: [EvidencePacket]) -> [Ledger.Fact] {
        packets.enumerated().map { Ledger.Fact(name: String(format: "%04d-", $0.offset + 1) + $0.element.gate + ".yaml", packet: $0.element) }
    }

    static let fullRun = numbered([session("implement"), session("review", verdict: .pass), check("test", passed: true),
                                   signoff("release", .approve)])

    @Test("a done code-only ticket with every gate passed is DONE; its docs and browser columns are n/a, never a false no")
    func doneCodeOnly() {
        let record = Self.ticket("MC-A", status: TicketStatus(status: .done, gate: "release"))
        let row = Ledger.row(record, in: Self.snapshot([record]), packets: Self.fullRun)
        #expect(row.status == .done)
        #expect(row.cells[.code]?.mark == .yes)
        #expect(row.cells[.code]?.proof == "0001-implement.yaml")
        #expect(row.cells[.tests]?.mark == .yes)
        #expect(row.cells[.review]?.mark == .yes)
        #expect(row.cells[.signoff]?.mark == .yes)
        #expect(row.cells[.signoff]?.proof == "0004-release.yaml")
        #expect(row.cells[.browser]?.mark == .notApplicable)
        #expect(row.cells[.docs]?.mark == .notApplicable)
    }

    @Test("a ui ticket needs the browser column though its workflow has no browser gate: it can never be DONE, and says why")
    func uiWithoutBrowserGate() {
        let record = Self.ticket("MC-U", workflow: "ui", status: TicketStatus(status: .done, gate: "release"))
        let row = Ledger.row(record, in: Self.snapshot([record]), packets: Self.fullRun)
        #expect(row.cells[.browser]?.mark == .no)
        #expect(row.cells[.browser]?.why == "workflow 'ui' has no gate that proves it")
        #expect(row.status == .inProgress)
        #expect(row.reason?.contains("browser") == true)
    }

    @Test("a return at review sends the ticket back: the code column is partial until implement passes again")
    func reopened() {
        let packets = Self.numbered([Self.session("implement"), Self.session("review", verdict: .returnForFixes)])
        let record = Self.ticket("MC-R", status: TicketStatus(status: .queued, gate: "implement", round: 2))
        let row = Ledger.row(record, in: Self.snapshot([record]), packets: packets)
        #expect(row.cells[.code]?.mark == .partial)
        #expect(row.cells[.code]?.why == "passed, then sent back to implement")
        #expect(row.cells[.review]?.mark == .no)
        #expect(row.status == .inProgress)
    }

    @Test("merged with the sign-off still open is SHIPPED PARTIAL, naming what is open")
    func shippedPartial() {
        var packets = Self.numbered([Self.session("implement"), Self.session("review", verdict: .pass), Self.check("test", passed: true)])
        packets.append(Ledger.Fact(name: "0004-merge.yaml", packet: EvidencePacket(kind: .merge, ticket: "T", gate: "merge")))
        let record = Self.ticket("MC-S", status: TicketStatus(status: .waiting, gate: "release"))
        let row = Ledger.row(record, in: Self.snapshot([record]), packets: packets)
        #expect(row.status == .shippedPartial)
        #expect(row.reason == "merged; still open: signoff")
    }

    @Test("blocked and waiting tickets say why; an untouched one is NOT STARTED; a cancelled one CANCELLED")
    func otherStates() {
        let blocked = Self.ticket("MC-B", status: TicketStatus(status: .blocked, gate: "test", blockedReason: "the check hangs"))
        let asked = Self.ticket("MC-Q", status: TicketStatus(status: .needsInput, gate: "implement", question: "Which port?\nMore."))
        let fresh = Self.ticket("MC-N")
        let dropped = Self.ticket("MC-X", state: .cancelled)
        let board = Self.snapshot([blocked, asked, fresh, dropped])
        #expect(Ledger.row(blocked, in: board, packets: []).status == .blocked)
        #expect(Ledger.row(blocked, in: board, packets: []).reason == "the check hangs")
        #expect(Ledger.row(asked, in: board, packets: []).reason == "waits for an answer: Which port?")
        #expect(Ledger.row(fresh, in: board, packets: []).status == .notStarted)
        #expect(Ledger.row(dropped, in: board, packets: []).status == .cancelled)
        #expect(Ledger.row(fresh, in: board, packets: []).cells[.code]?.mark == .no)
    }

    @Test("a campaign rolls up its children and is DONE only when they are and the baseline is green")
    func campaign() {
        let done = TicketStatus(status: .done, gate: "release")
        let board = Self.snapshot([
            Self.ticket("MC-C", kind: .campaign, state: .draft),
            Self.ticket("MC-1", parent: "MC-C", status: done),
            Self.ticket("MC-2", parent: "MC-C", status: done),
            Self.ticket("MC-3", state: .cancelled, parent: "MC-C"),
            Self.ticket("MC-OUT"),
        ])
        let packets = { (record: TicketRecord) in record.id == "MC-1" || record.id == "MC-2" ? Self.fullRun : [] }
        let green = Ledger.Baseline(green: true, proof: "board/baseline/evidence/0002-baseline.yaml", commit: "abc1234", summary: nil)
        let rows = Ledger.rows(board, baseline: green, packets: packets)
        #expect(rows.map(\.id).sorted() == ["MC-C", "MC-OUT"])
        let campaign = rows.first { $0.id == "MC-C" }
        #expect(campaign?.children.map(\.id).sorted() == ["MC-1", "MC-2", "MC-3"])
        #expect(campaign?.status == .done)
        #expect(campaign?.cells[.code]?.mark == .yes)
        #expect(campaign?.cells[.browser]?.mark == .notApplicable)

        let red = Ledger.Baseline(green: false, proof: "board/baseline/evidence/0003-baseline.yaml", commit: "def5678", summary: "2 failed")
        let held = Ledger.rows(board, campaign: "MC-C", baseline: red, packets: packets)
        #expect(held.map(\.id) == ["MC-C"])
        #expect(held.first?.status == .blocked)
        #expect(held.first?.reason?.contains("baseline check is red (board/baseline/evidence/0003-baseline.yaml at def5678)") == true)
    }

    @Test("a gate's ledger key names its column; without it an agent gate's role decides: write is code, read is review")
    func columns() {
        let roles = Self.config.roles
        #expect(Ledger.column(of: Gate(name: "g", role: "coder"), roles: roles) == .code)
        #expect(Ledger.column(of: Gate(name: "g", role: "qa"), roles: roles) == .review)
        #expect(Ledger.column(of: Gate(name: "g", check: "make"), roles: roles) == .tests)
        #expect(Ledger.column(of: Gate(name: "g", human: "release"), roles: roles) == .signoff)
        #expect(Ledger.column(of: Gate(name: "g", role: "qa", ledger: .browser), roles: roles) == .browser)
        // A failed check and a rejection prove nothing.
        #expect(!Ledger.passed(Self.check("test", passed: false)))
        #expect(!Ledger.passed(Self.signoff("release", .reject)))
        #expect(!Ledger.passed(Self.session("review", verdict: .fail)))
    }
}
