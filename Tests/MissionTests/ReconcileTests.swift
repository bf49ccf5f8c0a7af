import Board
import Foundation
import Testing

/// One watcher pass against a real repository with a scripted agent that speaks the sentinel format.
@Suite(.serialized)
struct ReconcileTests {
    var agent: String { AgentBoard.agentPath }

    func board() throws -> (Sandbox, [String: String]) {
        try AgentBoard.make(titles: ["finish it", "ask a question", "stay silent", "fail twice", "forge a signal",
                                     "echo the prompt"])
    }

    func status(_ sandbox: Sandbox, _ id: String) throws -> String {
        try sandbox.git("show", "HEAD:board/tickets/\(id)/status.yaml").stdout
    }

    @Test func aPassDispatchesHarvestsAndCommitsEvidenceForEveryEnding() throws {
        let (sandbox, ids) = try board()
        let pass = try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(pass.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("MC-") }.count == 6, "\(pass.stdout)")

        let done = try status(sandbox, ids["finish it"]!)
        #expect(done.contains("status: done"))
        let packet = try sandbox.git("show", "HEAD:board/tickets/\(ids["finish it"]!)/evidence/0001-run.yaml").stdout
        #expect(packet.contains("harvested_signal: DONE"))
        #expect(packet.contains("summary: wrote result.txt"))
        #expect(packet.contains("root_cause: done"))
        #expect(packet.contains("blob: "))

        let question = try status(sandbox, ids["ask a question"]!)
        #expect(question.contains("status: needs_input"))
        #expect(question.contains("question: Which port should it listen on?"))
        #expect(try status(sandbox, ids["stay silent"]!).contains("status: blocked"))
        #expect(try sandbox.git("show", "HEAD:board/tickets/\(ids["stay silent"]!)/evidence/0001-run.yaml").stdout
            .contains("root_cause: no_signal"))
        #expect(try sandbox.git("show", "HEAD:board/tickets/\(ids["forge a signal"]!)/evidence/0001-run.yaml").stdout
            .contains("root_cause: forged_signal"))
        // The agent that echoed its prompt (which explains QUESTION: and DONE:) has said nothing.
        let echo = try sandbox.git("show", "HEAD:board/tickets/\(ids["echo the prompt"]!)/evidence/0001-run.yaml").stdout
        #expect(echo.contains("root_cause: no_signal"))
        #expect(echo.contains("harvested_signal: NONE"))

        // The transcript is on its side ref, not on the board branch, and redacted.
        let transcripts = try sandbox.git("ls-tree", "-r", "--name-only", "refs/mission/transcripts").stdout
        #expect(transcripts.contains("\(ids["finish it"]!)/S-"))
        let logPath = try #require(transcripts.split(separator: "\n").first { $0.hasPrefix(ids["finish it"]!) })
        let transcript = try sandbox.git("show", "refs/mission/transcripts:\(logPath)").stdout
        #expect(transcript.contains("working with OPENAI_API_KEY=[REDACTED]"))
        #expect(!transcript.contains("sk-live"))
        #expect(!packet.contains("sk-live"))
        #expect(!(try sandbox.git("ls-tree", "-r", "--name-only", "HEAD").stdout.contains(".log")))
        // History says who did what; the checkout stays clean.
        let log = try sandbox.mission("log", ids["finish it"]!).expectSuccess().stdout
        #expect(log.contains("Mission-Action: claim"))
        #expect(log.contains("Mission-Signal: DONE"))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
    }

    @Test func anAnsweredQuestionGoesBackToItsGateWithTheAnswerInThePrompt() throws {
        let (sandbox, ids) = try board()
        let id = ids["ask a question"]!
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(try status(sandbox, id).contains("status: needs_input"))
        let notYet = try sandbox.mission("answer", ids["finish it"]!, "nothing was asked")
        #expect(notYet.status == 1)
        #expect(notYet.stderr.contains("has no open question and is not blocked"))

        try sandbox.mission("answer", id, "Port 8080, please.").expectSuccess()
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()  // the watcher sees the answer
        #expect(try status(sandbox, id).contains("status: queued"))
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()  // and dispatches with it
        let done = try status(sandbox, id)
        #expect(done.contains("status: done"), "\(done)")
        #expect(try sandbox.git("show", "HEAD:board/tickets/\(id)/evidence/0002-run.yaml").stdout
            .contains("summary: listening on the port I was told"))
        #expect(try sandbox.mission("log", id).expectSuccess().stdout.contains("Mission-Action: answer"))
    }

    @Test func aPersonsUncommittedEditMakesTheWatcherWaitNeverOverwrite() throws {
        let (sandbox, ids) = try AgentBoard.make(titles: ["finish it"])
        let id = ids["finish it"]!
        let path = "board/tickets/\(id)/status.yaml"
        try sandbox.write(path, "status: queued  # my own draft\n")  // a person's file, not committed
        let first = try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(first.stdout.contains("skipped \(id)"), "\(first.stdout)")
        #expect(first.stdout.contains("uncommitted changes"))
        #expect(try sandbox.read(path) == "status: queued  # my own draft\n")
        #expect(try sandbox.git("show", "HEAD:\(path)").status != 0, "claimed over a person's edit")
        try FileManager.default.removeItem(atPath: "\(sandbox.path)/\(path)")
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(try status(sandbox, id).contains("status: done"))
    }

    @Test func anExecutableTheHostDoesNotAllowNeverRuns() throws {
        let (sandbox, ids) = try board()
        let refused = try sandbox.mission("reconcile", "--once").expectSuccess()  // no --allow
        #expect(refused.stdout.contains("is not allowed on this host"))
        let id = ids["finish it"]!
        // Not blocked: it waits, saying why, for an allow-list entry or another runner that may run it.
        let status = try sandbox.ticketStatus(id)
        #expect(status.status == .queued)
        #expect(status.nextAction?.what.contains("no runtime on this host can serve role coder") == true,
                "\(status.nextAction?.what ?? "no next action")")
        #expect(status.nextAction?.what.contains("is not allowed on this host") == true)
        #expect(try sandbox.git("show", "HEAD:board/tickets/\(id)/evidence/0001-run.yaml").status != 0, "it ran")
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/result.txt"))
        // Once the host allows it, the same ticket runs.
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(try sandbox.ticketStatus(id).status != .queued)
        // A host file that does not parse is an error, not "nothing allowed".
        let config = "\(sandbox.path).tools/config"
        try FileManager.default.createDirectory(atPath: "\(config)/mission", withIntermediateDirectories: true)
        try Data("alow: [x]\n".utf8).write(to: URL(fileURLWithPath: "\(config)/mission/host.yaml"))
        let broken = try sandbox.mission("reconcile", "--once", environment: ["XDG_CONFIG_HOME": config])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("host.yaml:1:1: error: unknown key 'alow'; did you mean 'allow'?"))
    }

    @Test func aFailingTicketRetriesThenTheCircuitBreakerBlocksIt() throws {
        let (sandbox, ids) = try board()
        let id = ids["fail twice"]!
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(try status(sandbox, id).contains("status: failed"))
        #expect(try status(sandbox, id).contains("exit_nonzero: 1"))
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()  // the safe retry
        #expect(try status(sandbox, id).contains("exit_nonzero: 2"))
        #expect(try status(sandbox, id).contains("attempt: 2"))
        let third = try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(!third.stdout.contains(id), "it ran a third time: \(third.stdout)")
        let blocked = try status(sandbox, id)
        #expect(blocked.contains("status: blocked"))
        #expect(blocked.contains("circuit breaker: 2 failures in a row caused by exit_nonzero"))
        #expect(try sandbox.git("ls-tree", "--name-only", "HEAD:board/tickets/\(id)/evidence").stdout
            == "0001-run.yaml\n0002-run.yaml\n")
        // Nothing else is left to do: every other ticket settled in the first pass.
        #expect(try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess().stdout.contains("Nothing to do"))
        #expect(try sandbox.mission("show", id).expectSuccess().stdout.contains("then 'mission answer \(id)' sends it back to its gate"))

        // A person deals with it and says so: the ticket goes back to its gate with a fresh set of retries.
        let answered = try sandbox.mission("answer", id, "The compiler is fixed; try again.").expectSuccess()
        #expect(answered.stdout.contains("fresh set of retries"))
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()  // sees the answer
        let resumed = try sandbox.ticketStatus(id)
        #expect(resumed.status == .queued && resumed.attempt == 1 && resumed.failures.isEmpty && resumed.blockedReason == nil)
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()  // runs again (and fails again)
        let again = try sandbox.packet(id, "0003-run.yaml")
        #expect(again.terminal?.rootCause == "exit_nonzero")
        #expect(try sandbox.read(".git/mission/sessions/\(try #require(again.session))/prompt.md")
            .contains("The compiler is fixed; try again."))
        #expect(try sandbox.ticketStatus(id).status == .failed, "one failure of a fresh streak is retried, not blocked")
    }

    @Test func healthSaysHowEachProfilesSessionsEnded() throws {
        let (sandbox, _) = try AgentBoard.make(titles: ["finish it", "stay silent"])
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        let text = try sandbox.mission("health").expectSuccess().stdout
        #expect(text.contains("Tickets: 1 blocked, 1 done"), "\(text)")
        #expect(text.contains("Runners: none has announced itself or holds a session."), "\(text)")
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("  fake ") }, "\(text)")
        let cells = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(cells == ["fake", "2", "1", "0", "1", "-", "no_signal", "1"], "\(row)")

        let json = try sandbox.mission("health", "--json", "--since", "1h").expectSuccess().stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["window"] as? String == "1h")
        let profiles = try #require(object["profiles"] as? [[String: Any]])
        let fake = try #require(profiles.first { $0["profile"] as? String == "fake" })
        #expect(fake["runs"] as? Int == 2 && fake["error"] as? Int == 1)
        #expect(fake["causes"] as? [String: Int] == ["no_signal": 1])

        let bad = try sandbox.mission("health", "--since", "a week")
        #expect(bad.status == 1 && bad.stderr.contains("--since 'a week' is not a duration"))
    }

    @Test func answerRefusesATicketThatNeitherAsksNorIsBlocked() throws {
        let (sandbox, ids) = try board()
        let refused = try sandbox.mission("answer", ids["finish it"]!, "nothing was asked")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("has no open question and is not blocked"))
    }

    @Test func aNoteThatArrivesWhileTheLastSessionRunsIsRecordedAsUndelivered() throws {
        let (sandbox, ids) = try AgentBoard.make(titles: ["go slow"])
        let id = try #require(ids["go slow"])
        let log = try sandbox.scratch("reconcile.log")
        let pass = try sandbox.spawnMission(["reconcile", "--once", "--allow", agent], log: log)
        #expect(try sandbox.eventually { try status(sandbox, id).contains("status: running") })
        try sandbox.mission("note", id, "Use port 8080, not 3000.").expectSuccess()
        pass.waitUntilExit()
        #expect(pass.terminationStatus == 0)
        let done = try status(sandbox, id)
        #expect(done.contains("status: done"))
        #expect(done.contains("read the notes no agent saw"), "\(done)")
        let packet = try sandbox.git("show", "HEAD:board/tickets/\(id)/evidence/0001-run.yaml").stdout
        #expect(packet.contains("read the notes no agent saw"))
    }

    @Test func aCampaignRollsUpAndClosesWhenItsChildrenAreDone() throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        let campaign = try sandbox.newTicket("Ship the parser", "--kind", "campaign", "--owner", "luci")
        let children = [try sandbox.newTicket("finish part one", "--parent", campaign, "--state", "ready"),
                        try sandbox.newTicket("finish part two", "--parent", campaign, "--state", "ready")]
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        for child in children { #expect(try status(sandbox, child).contains("status: done")) }
        let show = try sandbox.mission("show", campaign).expectSuccess().stdout
        #expect(show.contains("2/2 children closed"), "\(show)")
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(try status(sandbox, campaign).contains("status: done"))
        // The campaign itself never ran.
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(campaign)/evidence"))
    }

    @Test func anOverdueCheckInIsFlaggedOnceWithWhoShouldAct() throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        let long = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3 * 3600))
        try sandbox.write("board/tickets/MC-LATE/ticket.yaml", """
            id: MC-LATE
            title: A ticket that should have shown news
            owner: luci
            check_in: 1h
            created: \(long)
            """)
        try sandbox.git("add", "board").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "an old ticket").expectSuccess()
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        let flagged = try status(sandbox, "MC-LATE")
        #expect(flagged.contains("overdue: "), "\(flagged)")
        #expect(flagged.contains("who: luci"))
        let commits = try sandbox.git("rev-list", "--count", "HEAD").stdout
        try sandbox.mission("reconcile", "--once", "--allow", agent).expectSuccess()
        #expect(try sandbox.git("rev-list", "--count", "HEAD").stdout == commits)  // flagged once, not every pass
        #expect(try sandbox.mission("board").stdout.contains("OVERDUE"))
    }
}
