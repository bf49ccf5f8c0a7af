import Board
import Control
import Foundation
import Testing

/// The workflow state machine: passes, returns, the round cap, and the early stop on repeated findings.
@Suite struct GateTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let workflow: Workflow = try! YAMLDocument.parse(Array("""
        max_rounds: 3
        gates:
          - {name: implement, role: coder}
          - {name: review, role: qa, on_fail: implement}
          - {name: test, check: "make test", on_fail: implement, max_rounds: 2}
          - {name: polish, role: coder}
        """.utf8), file: "workflows.yaml").decode(Workflow.self)

    static func advance(at gate: String, round: Int = 1, _ outcome: GateOutcome, earlier: [String]? = nil) -> TicketStatus {
        let status = TicketStatus(status: .running, gate: gate, round: round, attempt: 2,
                                  session: SessionRef(id: "S-1"), failures: ["exit_nonzero": 1])
        return Gates.advance(status, workflow: workflow, gate: gate, outcome: outcome, earlierFindings: earlier,
                             rounds: ["round 1 at review: returned: tests missing"], owner: "luci", now: now)
    }

    @Test(arguments: [("implement", "review"), ("review", "test"), ("test", "polish")])
    func aPassGoesToTheNextGate(from gate: String, to next: String) {
        let status = Self.advance(at: gate, .passed)
        #expect(status.status == .queued)
        #expect(status.gate == next)
        #expect(status.session == nil && status.attempt == 1 && status.failures.isEmpty)
    }

    @Test func aPassAtTheLastGateClosesTheTicket() {
        let status = Self.advance(at: "polish", .passed)
        #expect(status.status == .done)
        #expect(status.closed == Self.now)
    }

    @Test func aReturnGoesToOnFailAndCountsARound() {
        let status = Self.advance(at: "review", round: 1, .returned(findings: ["no tests for the parser"]))
        #expect(status.status == .queued)
        #expect(status.gate == "implement")
        #expect(status.round == 2)
    }

    @Test func aGateWithoutOnFailGetsTheTicketBackItself() {
        let status = Self.advance(at: "implement", .returned(findings: ["missing evidence: tests"]))
        #expect(status.gate == "implement")
        #expect(status.round == 2)
    }

    @Test func anIncompleteRoundRunsTheSameGateAgain() {
        let status = Self.advance(at: "review", round: 1, .incomplete(findings: ["Missing evidence: remaining_risk."]))
        #expect(status.status == .queued)
        #expect(status.gate == "review")
        #expect(status.round == 2)
    }

    @Test func theRoundCapParksTheTicketWithEveryRound() throws {
        let status = Self.advance(at: "review", round: 3, .returned(findings: ["still no tests"]))
        #expect(status.status == .needsInput)
        #expect(status.gate == "review")
        let question = try #require(status.question)
        #expect(question.contains("the cap is 3 round(s)"))
        #expect(question.contains("1. round 1 at review: returned: tests missing"))
        #expect(question.contains("2. round 3 at review: returned: still no tests"))
        #expect(status.nextAction?.who == "luci")
    }

    @Test func aGatesOwnCapWinsOverTheWorkflows() {
        #expect(Self.advance(at: "test", round: 1, .returned(findings: ["2 failed"])).status == .queued)
        #expect(Self.advance(at: "test", round: 2, .returned(findings: ["1 failed"])).status == .needsInput)
    }

    @Test func theSameFindingsTwiceInARowStopEarly() throws {
        let status = Self.advance(at: "review", round: 1, .returned(findings: ["b", "a"]), earlier: ["a", "b"])
        #expect(status.status == .needsInput)
        #expect(try #require(status.question).contains("same findings came back twice"))
        // Different findings go on.
        #expect(Self.advance(at: "review", round: 1, .returned(findings: ["c"]), earlier: ["a"]).status == .queued)
    }

    @Test func aGateThatLeftTheWorkflowBlocksForAPerson() {
        let status = Self.advance(at: "gone", .passed)
        #expect(status.status == .blocked)
        #expect(status.blockedReason?.contains("gone") == true)
    }
}
