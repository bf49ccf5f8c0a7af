import Board
import Foundation
import Testing

/// Tickets walked through a workflow's gates by the real watcher: an agent gate, a check the watcher runs itself,
/// and a person's sign-off; returns, the round cap, and sign-offs that do not count.
@Suite(.serialized)
struct GateFlowTests {
    /// An agent that fixes what the check asks for once the findings reach its prompt.
    static let agent = #"""
        #!/bin/sh
        if grep -q "fixed is missing" "$1"; then touch fixed; fi
        echo "worked in $(pwd)"
        echo "$MISSION_TICKET" >> work.log
        printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "did the work"}\n' "$MISSION_TICKET" "$MISSION_NONCE"
        """#

    /// A check that passes when the agent left `fixed` in the worktree.
    static let check = #"""
        #!/bin/sh
        if [ -f fixed ]; then echo "all good"; else echo "FAIL: fixed is missing"; exit 1; fi
        """#

    /// A board with an implement → test → release workflow and one ready ticket.
    /// A check that always fails, the same way (`same`) or with new output every time.
    static func failing(same: Bool) -> String {
        same ? "#!/bin/sh\necho 'FAIL: still broken'\nexit 1\n" : "#!/bin/sh\necho \"FAIL: still broken at $(date +%s%N)\"\nexit 1\n"
    }

    static func board(maxRounds: Int = 3, check: String = Self.check) throws -> (Sandbox, id: String, allow: [String]) {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let agent = try sandbox.fakeAgent("gate-agent.sh", Self.agent)
        let check = try sandbox.script("gate-check.sh", check)
        try sandbox.write("board/roles.yaml", "roles:\n  coder:\n    profiles: [fake]\n    permission: write\n")
        try sandbox.useDefaultWorkflow("code")
        try sandbox.write("board/workflows.yaml", """
            workflows:
              code:
                max_rounds: \(maxRounds)
                gates:
                  - {name: implement, role: coder}
                  - {name: test, check: \(check), on_fail: implement, timeout: 30s}
                  - {name: release, human: release, on_fail: implement}
            """)
        try sandbox.git("commit", "-q", "-am", "gates").expectSuccess()
        return (sandbox, try sandbox.newTicket("Make it fixed"), ["--allow", agent, "--allow", check])
    }

    /// Commits a sign-off packet as `mission approve` does, by the given author.
    static func signOff(_ sandbox: Sandbox, _ id: String, number: Int, by: String, email: String, decision: String,
                        note: String? = nil) throws {
        let name = String(format: "%04d-release.yaml", number)
        try sandbox.write("board/tickets/\(id)/evidence/\(name)", """
            kind: signoff
            ticket: \(id)
            gate: release
            signoff:
              by: \(by) <\(email)>
              decision: \(decision)
            \(note.map { "  note: \($0)" } ?? "")
            """)
        try sandbox.run("/usr/bin/git", ["-c", "user.name=\(by)", "-c", "user.email=\(email)", "add", "board"]).expectSuccess()
        var environment = Sandbox.environment
        environment["GIT_AUTHOR_NAME"] = by
        environment["GIT_AUTHOR_EMAIL"] = email
        try sandbox.run("/usr/bin/git", ["commit", "-q", "--no-verify", "-m", "\(id): release \(decision)"],
                        environment: environment).expectSuccess()
    }

    @Test func aFailingCheckReturnsTheTicketWithItsOutputAndTheFixPassesEveryGate() throws {
        let (sandbox, id, allow) = try Self.board()
        try sandbox.reconcile(allow)                       // implement: DONE
        #expect(try sandbox.ticketStatus(id).gate == "test")
        try sandbox.reconcile(allow)                       // test: the check fails
        var status = try sandbox.ticketStatus(id)
        #expect(status.status == .queued && status.gate == "implement" && status.round == 2)
        let failed = try sandbox.packet(id, "0002-test.yaml")
        #expect(failed.kind == .check)
        #expect(failed.checks?.first?.exitCode == 1)
        #expect(failed.verdict?.decision == .fail)
        #expect(failed.verdict?.findings?.contains("FAIL: fixed is missing") == true)

        try sandbox.reconcile(allow)                       // implement again, with the findings: fixes it
        try sandbox.reconcile(allow)                       // test: passes
        #expect(try sandbox.packet(id, "0004-test.yaml").terminal?.rootCause == "check_passed")
        try sandbox.reconcile(allow)                       // release: waits for a person
        status = try sandbox.ticketStatus(id)
        #expect(status.status == .waiting && status.gate == "release")
        #expect(status.nextAction?.who == "release")

        try Self.signOff(sandbox, id, number: 5, by: "Test Person", email: "test@example.com", decision: "approve")
        try sandbox.reconcile(allow)
        status = try sandbox.ticketStatus(id)
        #expect(status.status == .done)
        #expect(try sandbox.git("log", "-1", "--format=%s").stdout.contains("release approved by Test Person"))
        #expect(try sandbox.git("status", "--porcelain").stdout.isEmpty)
    }

    @Test func theRoundCapParksTheTicketForAPersonWithEveryRound() throws {
        let (sandbox, id, allow) = try Self.board(maxRounds: 2, check: Self.failing(same: false))
        try sandbox.reconcile(allow, times: 4)             // implement, test fails, implement, test fails
        let status = try sandbox.ticketStatus(id)
        #expect(status.status == .needsInput)
        let question = try #require(status.question)
        #expect(question.contains("the cap is 2 round(s)"), "\(question)")
        #expect(question.contains("test: fail"))
        #expect(status.nextAction?.what.contains("mission answer") == true)
        // Nothing more runs by itself.
        try sandbox.reconcile(allow)
        #expect(try sandbox.ticketStatus(id).status == .needsInput)
    }

    @Test func theSameFindingsTwiceInARowStopTheLoopEarly() throws {
        let (sandbox, id, allow) = try Self.board(maxRounds: 5, check: Self.failing(same: true))
        try sandbox.reconcile(allow, times: 4)             // implement, test fails, implement, test fails the same way
        let status = try sandbox.ticketStatus(id)
        #expect(status.status == .needsInput)
        #expect(status.question?.contains("The same findings came back twice in a row at test") == true)
    }

    @Test func aSignOffByAnyoneElseDoesNotCountAndTheTicketKeepsWaiting() throws {
        let (sandbox, id, allow) = try Self.board()
        try sandbox.write("fixed", "")  // the check passes at once
        try sandbox.git("add", "fixed").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "fixed already").expectSuccess()
        try sandbox.reconcile(allow, times: 3)             // implement, test, release: waiting
        #expect(try sandbox.ticketStatus(id).status == .waiting)

        // Not an approver.
        try Self.signOff(sandbox, id, number: 3, by: "Mallory", email: "mallory@example.com", decision: "approve")
        try sandbox.reconcile(allow)
        var status = try sandbox.ticketStatus(id)
        #expect(status.status == .waiting)
        #expect(status.nextAction?.what.contains("Mallory <mallory@example.com> is not in the approvers of release") == true)

        // An approver's name in the packet, committed by someone else.
        try Self.signOff(sandbox, id, number: 4, by: "Test Person", email: "test@example.com", decision: "approve")
        try sandbox.git("commit", "-q", "--amend", "--no-edit", "--no-verify", "--author", "Mallory <mallory@example.com>")
            .expectSuccess()
        try sandbox.reconcile(allow)
        status = try sandbox.ticketStatus(id)
        #expect(status.status == .waiting)
        #expect(status.nextAction?.what.contains("was not made by Test Person") == true)

        // A real rejection returns the ticket with the note.
        try Self.signOff(sandbox, id, number: 5, by: "Test Person", email: "test@example.com", decision: "reject",
                         note: "the button is the wrong colour")
        try sandbox.reconcile(allow)
        status = try sandbox.ticketStatus(id)
        #expect(status.status == .queued && status.gate == "implement" && status.round == 2)
    }

    @Test func approveMovesTheTicketOnAndMergeLandsItsBranchOnlyAfterThat() throws {
        let (sandbox, id, allow) = try Self.board()
        try sandbox.write("fixed", "")
        try sandbox.git("add", "fixed").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "fixed already").expectSuccess()
        try sandbox.reconcile(allow, times: 3)             // implement, test, release: waiting
        #expect(try sandbox.ticketStatus(id).status == .waiting)
        // Nothing merges before the approval.
        #expect(try sandbox.mission("merge", id).status != 0)
        var mallory = Sandbox.environment
        mallory["GIT_AUTHOR_NAME"] = "Mallory"
        mallory["GIT_AUTHOR_EMAIL"] = "mallory@example.com"
        #expect(try sandbox.mission("approve", id, "--gate", "release", environment: mallory).status != 0)

        try sandbox.mission("approve", id, "--gate", "release", "--note", "ship it").expectSuccess()
        try sandbox.reconcile(allow)
        #expect(try sandbox.ticketStatus(id).status == .done)
        let merged = try sandbox.mission("merge", id).expectSuccess()
        #expect(merged.stdout.contains("merged mission/\(id) into main"), "\(merged.stdout)")
        // The agent's work is on main now, and the checkout has it.
        #expect(try sandbox.read("work.log") == "\(id)\n")
        #expect(try sandbox.git("show", "main:work.log").stdout == "\(id)\n")
        #expect(try sandbox.git("status", "--porcelain").stdout.isEmpty)
        #expect(try sandbox.git("rev-parse", "--verify", "-q", "mission/\(id)").status != 0)
    }

    /// One agent for every role of the starter `code` workflow, each leaving what its role must.
    static let everyRole = #"""
        #!/bin/sh
        say() { printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "%s"%s}\n' "$MISSION_TICKET" "$MISSION_NONCE" "$1" "$2"; }
        case "$MISSION_ROLE" in
          coder) echo "it works" > feature.txt; say "added feature.txt" ', "evidence": {"tests": "1 passed, 0 failed"}' ;;
          qa) say "reviewed" ', "verdict": "pass", "findings": []' ;;
          validator) say "every criterion holds" ', "evidence": {"remaining_risk": "none found"}' ;;
        esac
        """#

    @Test func aCleanPassGoesThroughEveryGateOfTheCodeWorkflowAndMergesAfterTheRelease() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let agent = try sandbox.fakeAgent("every-role.sh", Self.everyRole)
        let check = try sandbox.script("tests.sh", "#!/bin/sh\ngrep -q works feature.txt && echo '1 passed'\n")
        try sandbox.write("board/roles.yaml", """
            roles:
              coder: {profiles: [fake], permission: write, evidence: [change, tests]}
              qa: {profiles: [fake], permission: read, evidence: [verdict]}
              validator: {profiles: [fake], permission: read, evidence: [remaining_risk]}
            """)
        try sandbox.useDefaultWorkflow("code")
        try sandbox.write("board/workflows.yaml", """
            workflows:
              code:
                max_rounds: 3
                gates:
                  - {name: implement, role: coder}
                  - {name: review, role: qa, on_fail: implement}
                  - {name: test, check: \(check), on_fail: implement, timeout: 30s}
                  - {name: validate, role: validator, on_fail: implement}
                  - {name: release, human: release, on_fail: implement}
            """)
        try sandbox.git("commit", "-q", "-am", "the code workflow").expectSuccess()
        let id = try sandbox.newTicket("Add the feature")
        let allow = ["--allow", agent, "--allow", check]

        for gate in ["review", "test", "validate", "release"] {
            try sandbox.reconcile(allow)
            let status = try sandbox.ticketStatus(id)
            #expect(status.gate == gate && status.round == 1, "\(status)")
        }
        try sandbox.reconcile(allow)                       // release: waits for a person
        #expect(try sandbox.ticketStatus(id).status == .waiting)
        try sandbox.mission("approve", id, "--gate", "release").expectSuccess()
        try sandbox.reconcile(allow)
        #expect(try sandbox.ticketStatus(id).status == .done)

        // Every gate left its packet, each with what its role must leave.
        #expect(try sandbox.packet(id, "0001-implement.yaml").change?.files == ["feature.txt"])
        #expect(try sandbox.packet(id, "0001-implement.yaml").reported?["tests"] == "1 passed, 0 failed")
        #expect(try sandbox.packet(id, "0002-review.yaml").verdict?.decision == .pass)
        #expect(try sandbox.packet(id, "0003-test.yaml").checks?.first?.exitCode == 0)
        #expect(try sandbox.packet(id, "0004-validate.yaml").reported?["remaining_risk"] == "none found")
        #expect(try sandbox.packet(id, "0005-release.yaml").kind == .signoff)

        let merged = try sandbox.mission("merge", id).expectSuccess()
        #expect(merged.stdout.contains("merged mission/\(id) into main"), "\(merged.stdout)")
        #expect(try sandbox.read("feature.txt") == "it works\n")
        #expect(try sandbox.packet(id, "0006-merge.yaml").kind == .merge)
        #expect(try sandbox.git("status", "--porcelain").stdout.isEmpty)
    }

    /// A check gate naming the repository's own script runs it from the ticket's worktree, and only on a host that
    /// allows it by that path: anyone who can push can change it.
    @Test func aCheckScriptInTheRepositoryRunsOnlyWhereTheHostAllowsItsPath() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let agent = try sandbox.fakeAgent("gate-agent.sh", Self.agent)
        try sandbox.write("scripts/check.sh", "#!/bin/sh\necho \"checked in $(pwd)\"\ngrep -q MC- work.log\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(sandbox.path)/scripts/check.sh")
        try sandbox.write("board/roles.yaml", "roles:\n  coder: {profiles: [fake], permission: write}\n")
        try sandbox.useDefaultWorkflow("code")
        try sandbox.write("board/workflows.yaml", """
            workflows:
              code:
                gates:
                  - {name: implement, role: coder}
                  - {name: test, check: ./scripts/check.sh, on_fail: implement, timeout: 30s}
            """)
        try sandbox.git("add", "-A").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "a check in the repository").expectSuccess()
        let ids = try ["Allowed", "Not allowed"].map { try sandbox.newTicket($0) }
        // Implement both; then the check of each, on a host that allows the script and on one that does not.
        try sandbox.mission("hold", ids[1]).expectSuccess()
        try sandbox.reconcile(["--allow", agent, "--allow", "scripts/check.sh"], times: 2)
        let passed = try sandbox.packet(ids[0], "0002-test.yaml")
        #expect(passed.terminal?.rootCause == "check_passed")
        #expect(passed.checks?.first?.outputTail?.contains("/mission/worktrees/") == true
                    && passed.checks?.first?.outputTail?.contains("/\(ids[0])") == true,
                "\(passed.checks?.first?.outputTail ?? "")")
        #expect(try sandbox.ticketStatus(ids[0]).status == .done)

        try sandbox.mission("ready", ids[1]).expectSuccess()
        try sandbox.reconcile(["--allow", agent], times: 2)
        let refused = try sandbox.packet(ids[1], "0002-test.yaml")
        #expect(refused.terminal?.rootCause == "launch_failed")
        #expect(refused.terminal?.summary.contains("./scripts/check.sh is not allowed on this host") == true,
                "\(refused.terminal?.summary ?? "")")
        #expect(try sandbox.ticketStatus(ids[1]).status != .done)
    }
}
