import Board
import Foundation
import Testing

/// The coder → QA loop run by the real watcher: verdicts with findings, a fix and a pass, an unreadable verdict
/// that stops for a person, missing evidence sent back to the same gate, and follow-up tickets.
@Suite(.serialized)
struct ReviewLoopTests {
    /// A coder that fixes what the review found once the findings reach it, and a reviewer whose behaviour
    /// depends on the ticket's title. Both read their gate from MISSION_GATE and work in the ticket's worktree.
    static let agent = #"""
        #!/bin/sh
        prompt="$1"
        title=$(head -n 1 "$prompt")
        end() { printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "%s"%s}\n' "$MISSION_TICKET" "$MISSION_NONCE" "$1" "$2"; }
        if [ "$MISSION_GATE" = implement ]; then
          if grep -q "an empty line crashes it" "$prompt"; then echo "guarded" > fixed; fi
          echo "work" >> parser.txt
          end "implemented" ', "evidence": {"tests": "swift test: 3 passed, 0 failed"}'
          exit 0
        fi
        risk=', "evidence": {"remaining_risk": "none found"}'
        case "$title" in
          *mumble*) end "reviewed" ', "verdict": "looks fine I guess"' ;;
          *forget*)
            if grep -q "Missing evidence: remaining_risk" "$prompt"; then end "reviewed" ', "verdict": "pass"'"$risk"
            else end "reviewed" ', "verdict": "pass"'; fi ;;
          *follow*) end "reviewed" ', "verdict": "pass", "follow_ups": [{"title": "Parse CRLF files", "description": "seen in review"}]'"$risk" ;;
          *)
            if [ -f fixed ]; then end "reviewed" ', "verdict": "pass"'"$risk"
            else end "reviewed" ', "verdict": "return_for_fixes", "findings": ["Parser.swift:40: an empty line crashes it"]'"$risk"; fi ;;
        esac
        """#

    static func board(titles: [String]) throws -> (Sandbox, [String: String], allow: [String]) {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let agent = try sandbox.fakeAgent("review-agent.sh", Self.agent)
        try sandbox.write("board/roles.yaml", """
            roles:
              coder: {profiles: [fake], permission: write, evidence: [change, tests]}
              qa: {profiles: [fake], permission: read, evidence: [verdict, remaining_risk]}
            """)
        try sandbox.useDefaultWorkflow("code")
        try sandbox.write("board/workflows.yaml", """
            workflows:
              code:
                max_rounds: 3
                gates:
                  - {name: implement, role: coder}
                  - {name: review, role: qa, on_fail: implement}
            """)
        try sandbox.git("commit", "-q", "-am", "a review loop").expectSuccess()
        var ids: [String: String] = [:]
        for title in titles {
            ids[title] = try sandbox.newTicket(title)
        }
        return (sandbox, ids, ["--allow", agent])
    }

    @Test func aRejectionGoesBackWithTheFindingsAndTheFixPasses() throws {
        let (sandbox, ids, allow) = try Self.board(titles: ["Guard the parser"])
        let id = try #require(ids["Guard the parser"])
        try sandbox.reconcile(allow, times: 2)             // implement; review returns it
        var status = try sandbox.ticketStatus(id)
        #expect(status.status == .queued && status.gate == "implement" && status.round == 2)
        let review = try sandbox.packet(id, "0002-review.yaml")
        #expect(review.verdict?.decision == .returnForFixes)
        #expect(review.verdict?.findings == ["Parser.swift:40: an empty line crashes it"])
        #expect(review.reported?["remaining_risk"] == "none found")
        // `mission show` says why it came back.
        let shown = try sandbox.mission("show", id).expectSuccess().stdout
        #expect(shown.contains("0002-review.yaml  session at review via fake  ok: reviewed\n      verdict: return_for_fixes\n"
                               + "      - Parser.swift:40: an empty line crashes it\n"), "\(shown)")

        try sandbox.reconcile(allow, times: 2)             // implement with the findings; review passes
        status = try sandbox.ticketStatus(id)
        #expect(status.status == .done)
        let fix = try sandbox.packet(id, "0003-implement.yaml")
        #expect(fix.change?.files?.contains("fixed") == true)
        #expect(fix.reported?["tests"] == "swift test: 3 passed, 0 failed")
        #expect(try sandbox.packet(id, "0004-review.yaml").verdict?.decision == .pass)
        // The fix's prompt carried the finding.
        let session = try #require(fix.session)
        #expect(try sandbox.read(".git/mission/sessions/\(session)/prompt.md").contains("an empty line crashes it"))
    }

    @Test func anUnreadableVerdictStopsForAPersonWithItsText() throws {
        let (sandbox, ids, allow) = try Self.board(titles: ["mumble about it"])
        let id = try #require(ids["mumble about it"])
        try sandbox.reconcile(allow, times: 2)
        let status = try sandbox.ticketStatus(id)
        #expect(status.status == .blocked)
        #expect(status.blockedReason?.contains("looks fine I guess") == true)
        let packet = try sandbox.packet(id, "0002-review.yaml")
        #expect(packet.terminal?.rootCause == "unreadable_verdict")
        #expect(packet.terminal?.safeRetry?.allowed == false)
        // Never read as a rejection, never retried.
        try sandbox.reconcile(allow, times: 1)
        #expect(try sandbox.ticketStatus(id).status == .blocked)
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(id)/evidence/0003-implement.yaml"))
    }

    @Test func aDoneWithoutTheRolesEvidenceComesBackToTheSameGate() throws {
        let (sandbox, ids, allow) = try Self.board(titles: ["forget the risk"])
        let id = try #require(ids["forget the risk"])
        try sandbox.reconcile(allow, times: 2)
        var status = try sandbox.ticketStatus(id)
        #expect(status.status == .queued && status.gate == "review" && status.round == 2)
        #expect(try sandbox.packet(id, "0002-review.yaml").terminal?.rootCause == "missing_evidence")
        try sandbox.reconcile(allow, times: 1)
        status = try sandbox.ticketStatus(id)
        #expect(status.status == .done)
    }

    @Test func followUpsAnAgentProposesBecomeDraftTickets() throws {
        let (sandbox, ids, allow) = try Self.board(titles: ["follow the thread"])
        let id = try #require(ids["follow the thread"])
        try sandbox.write("fixed", "")
        try sandbox.git("add", "fixed").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "fixed already").expectSuccess()
        try sandbox.reconcile(allow, times: 2)
        let packet = try sandbox.packet(id, "0002-review.yaml")
        let created = try #require(packet.followUps?.first)
        let spec = try sandbox.read("board/tickets/\(created)/ticket.yaml")
        #expect(spec.contains("title: Parse CRLF files"))
        #expect(spec.contains("state: draft"))
        #expect(spec.contains("parent: \(id)"))
        #expect(try sandbox.mission("check").status == 0)
    }
}
