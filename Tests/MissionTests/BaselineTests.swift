import Board
import Foundation
import Testing

/// The baseline through the real watcher: the code branch's code changes, the watcher runs the baseline on it as
/// a ticket, and while its latest run is red no campaign closes.
@Suite(.serialized)
struct BaselineTests {
    /// The whole suite of this repository: it passes once the code has the file `ok`.
    static let suite = "#!/bin/sh\nif [ -f ok ]; then echo '12 passed'; else echo 'FAIL: 3 tests failed (ok is missing)'; exit 1; fi\n"

    static let agent = #"""
        #!/bin/sh
        printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "did it"}\n' "$MISSION_TICKET" "$MISSION_NONCE"
        """#

    @Test("a red baseline keeps a finished campaign open; a fix to the code runs it again, green, and the campaign closes")
    func redThenGreen() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let agent = try sandbox.fakeAgent("baseline-agent.sh", Self.agent)
        let suite = try sandbox.script("baseline-suite.sh", Self.suite)
        try sandbox.write("board/roles.yaml", "roles:\n  coder: {profiles: [fake], permission: write}\n")
        try sandbox.write("board/workflows.yaml", """
            workflows:
              task:
                gates:
                  - {name: run, role: coder}
              baseline:
                max_rounds: 1
                gates:
                  - {name: suite, check: \(suite), timeout: 30s}

            """)
        try sandbox.useDefaultWorkflow("task")
        try sandbox.write("board/mission.yaml", try sandbox.read("board/mission.yaml") + "baseline_workflow: baseline\n")
        try sandbox.git("commit", "-q", "-am", "a baseline").expectSuccess()
        let campaign = try sandbox.newTicket("Release 1", "--kind", "campaign")
        let child = try sandbox.newTicket("Changelog", "--parent", campaign, "--state", "ready")
        let allow = ["--allow", agent, "--allow", suite]
        try sandbox.reconcile(allow, times: 3)

        func baselines() throws -> [String] {
            let listing = try sandbox.mission("list", "--label", "baseline", "--json").expectSuccess().stdout
            let rows = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
            return rows.compactMap { $0["id"] as? String }
        }
        let first = try #require(try baselines().first)
        #expect(try baselines().count == 1)
        #expect(try sandbox.ticketStatus(first).status == .needsInput)
        #expect(try sandbox.ticketStatus(child).status == .done)
        // The child is done, but the baseline is red: the campaign stays open, and the ledger says why.
        #expect((try? sandbox.ticketStatus(campaign))?.status != .done)
        let ledger = try sandbox.mission("ledger").expectSuccess().stdout
        #expect(ledger.hasPrefix("Baseline: RED"), "\(ledger)")
        #expect(ledger.contains("baseline check is red (board/tickets/\(first)/evidence/0001-suite.yaml"), "\(ledger)")
        // A board commit moves the branch but not the code: no new baseline.
        try sandbox.reconcile(allow)
        #expect(try baselines().count == 1)

        // The fix lands on the code branch: a new baseline runs on it, green, and the campaign closes.
        try sandbox.write("ok", "fixed\n")
        try sandbox.git("add", "ok").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "the fix").expectSuccess()
        try sandbox.reconcile(allow, times: 3)
        let runs = try baselines()
        #expect(runs.count == 2)
        let second = try #require(runs.first { $0 != first })
        #expect(try sandbox.ticketStatus(second).status == .done)
        #expect(try sandbox.ticketStatus(first).status == .cancelled)
        #expect(try sandbox.ticketStatus(first).blockedReason?.contains("superseded by the baseline \(second)") == true)
        #expect(try sandbox.ticketStatus(campaign).status == .done)
        #expect(try sandbox.mission("ledger").expectSuccess().stdout.hasPrefix("Baseline: green"))
    }
}
