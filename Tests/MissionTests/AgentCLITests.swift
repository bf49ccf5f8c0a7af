import Board
import Foundation
import Testing

/// The watcher driving agent CLIs through their harnesses, end to end: the fakes in RuntimeTests/Fakes are
/// installed under the real CLIs' names and replay recorded sessions in each CLI's own output format.
@Suite(.serialized)
struct AgentCLITests {
    static let fakes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RuntimeTests/Fakes").path

    /// A board whose coder role is served by `claude`, then `codex`, both fakes, and one ready ticket.
    static func board() throws -> (Sandbox, id: String, bin: String) {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let bin = try sandbox.scratch("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(bin)/ssh", withDestinationPath: "\(fakes)/fake-ssh")
        for cli in ["claude", "codex"] {
            try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(cli)", withDestinationPath: "\(fakes)/fake-agent")
        }
        let env = "[FAKE_SCENARIO_claude, FAKE_SCENARIO_codex, FAKE_RECORDINGS, FAKE_LIVE, FAKE_EDIT, FAKE_EARLIER_NONCE]"
        try sandbox.write("board/runtimes.yaml", """
            profiles:
              claude:
                harness: claude-code
                command: [claude, -p, --output-format, stream-json, --verbose]
                provider: anthropic
                model: claude-sonnet-4-5
                capabilities: [tools, write]
                env: \(env)
                limits: {wall: 30s}
              codex:
                harness: codex
                command: [codex, exec, --json]
                provider: openai
                capabilities: [tools, write]
                env: \(env)
                limits: {wall: 30s}
            """)
        try sandbox.useTaskWorkflow(profiles: ["claude", "codex"])
        try sandbox.git("commit", "-q", "-am", "agent CLIs").expectSuccess()
        return (sandbox, try sandbox.newTicket("Teach the harvester about echoes"), bin)
    }

    /// One pass of the watcher; `earlierNonce` is the nonce a `resumed` recording repeats.
    static func reconcile(_ sandbox: Sandbox, bin: String, scenarios: [String: String], earlierNonce: String? = nil) throws {
        var environment = ["PATH": "\(bin):/usr/bin:/bin", "FAKE_RECORDINGS": fakes, "FAKE_LIVE": "1", "FAKE_EDIT": "notes.txt"]
        environment["FAKE_EARLIER_NONCE"] = earlierNonce
        for (cli, scenario) in scenarios { environment["FAKE_SCENARIO_\(cli)"] = scenario }
        try sandbox.mission("reconcile", "--once", "--allow", "\(bin)/claude", "--allow", "\(bin)/codex",
                            "--allow", "\(bin)/ssh", environment: environment).expectSuccess()
    }

    @Test func aClaudeSessionLeavesItsSessionUsageAndCodeChangeInTheEvidence() throws {
        let (sandbox, id, bin) = try Self.board()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "success"])
        let packet = try sandbox.packet(id, "0001-run.yaml")
        #expect(packet.harvested == .done)
        #expect(packet.terminal?.rootCause == "done")
        let adapter = try #require(packet.adapter)
        #expect(adapter.harness == "claude-code")
        #expect(adapter.executable == "\(bin)/claude")
        #expect(adapter.version == "2.0.37 (Claude Code)")
        #expect(adapter.argv.first == "claude" && adapter.argv.contains("stream-json"))
        #expect(adapter.cliSession == "5f3c1a2e-8d4b-4c7e-9a61-2b0e7d9f4c10")
        #expect(adapter.model == "claude-sonnet-4-5-20250929")
        // The worktree is outside the git folder (agents refuse to write under .git), in the host's state folder.
        #expect(adapter.workdir?.hasPrefix(sandbox.root.appendingPathExtension("state").path + "/mission/worktrees/") == true,
                "\(adapter.workdir ?? "no workdir")")
        #expect(adapter.workdir?.hasSuffix("/\(id)") == true)
        #expect(adapter.workdir?.contains("/.git/") == false)
        #expect((packet.usage?.outputTokens ?? 0) > 0)
        #expect(packet.usage?.costUSD != nil)
        // What the agent left in its worktree is committed on the ticket branch and counted.
        let change = try #require(packet.change)
        #expect(change.branch == "mission/\(id)")
        #expect(change.files == ["notes.txt"])
        #expect(change.insertions == 1)
        #expect(try sandbox.git("show", "mission/\(id):notes.txt").expectSuccess().stdout == "edited by claude\n")
        // The ticket closed: its worktree is gone, its unmerged branch stays.
        #expect(!FileManager.default.fileExists(atPath: try #require(adapter.workdir)))
        #expect(try sandbox.git("rev-parse", "--verify", "-q", "mission/\(id)").status == 0)
        #expect(try sandbox.git("status", "--porcelain").stdout.isEmpty)
    }

    @Test func theAnswerToAQuestionResumesTheCLISessionThatAskedIt() throws {
        let (sandbox, id, bin) = try Self.board()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "question"])
        let asked = try sandbox.packet(id, "0001-run.yaml")
        #expect(asked.terminal?.rootCause == "question")
        #expect(asked.adapter?.argv.contains("--resume") == false)
        let session = try #require(asked.adapter?.cliSession)

        try sandbox.mission("answer", id, "Use port 8080.").expectSuccess()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "success"])  // sees the answer
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "success"])  // dispatches with it
        let answered = try sandbox.packet(id, "0002-run.yaml")
        #expect(answered.harvested == .done)
        let argv = try #require(answered.adapter?.argv)
        let flag = try #require(argv.firstIndex(of: "--resume"))
        #expect(argv.dropFirst(flag + 1).first == session)
        #expect(try sandbox.read("board/tickets/\(id)/status.yaml").contains("status: done"))
    }

    @Test func aResumedSessionThatRepeatsTheFirstSessionsSignalEndsWithItsOwnAndNoForgery() throws {
        let (sandbox, id, bin) = try Self.board()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "question"])
        let asked = try sandbox.packet(id, "0001-run.yaml")
        #expect(asked.terminal?.rootCause == "question")
        let earlier = try #require(asked.nonce, "the packet keeps the void nonce")

        // The resumed conversation prints the first session's QUESTION sentinel (its nonce), then its own DONE.
        try sandbox.mission("answer", id, "The workflow's limit wins.").expectSuccess()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "resumed"], earlierNonce: earlier)
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "resumed"], earlierNonce: earlier)
        let answered = try sandbox.packet(id, "0002-run.yaml")
        #expect(answered.adapter?.argv.contains("--resume") == true)
        let session = try #require(answered.session)
        let output = try sandbox.read(".git/mission/sessions/\(session)/output.log")
        #expect(output.contains(#""mission_signal\": \"QUESTION\", \"ticket\": \"\#(id)\", \"nonce\": \"\#(earlier)\""#))

        // Its own signal counts; the old one is neither its signal nor a forgery: the ticket goes on.
        #expect(answered.harvested == .done)
        #expect(answered.summary == "the workflow's retry limit applies, as answered")
        #expect(answered.terminal?.rootCause == "done" && answered.terminal?.status == .ok)
        let terminal = try #require(answered.terminal)
        #expect(!terminal.summary.contains("forged"))
        #expect(terminal.nextActions?.contains { $0.contains("forged") } == false)
        let nonce = try #require(answered.nonce)
        #expect(nonce != earlier)
        let status = try sandbox.read("board/tickets/\(id)/status.yaml")
        #expect(status.contains("status: done") && !status.contains("blocked"))

        // Its prompt said that the earlier nonce is void and gave the new one.
        let prompt = try sandbox.read(".git/mission/sessions/\(session)/prompt.md")
        #expect(prompt.contains("is void now"))
        #expect(prompt.contains("This session's nonce is \(nonce) and your last line must carry it."))
        #expect(!prompt.contains(earlier))
    }

    @Test func aQuestionAnsweredOnAnotherProfileStartsAFreshSession() throws {
        let (sandbox, id, bin) = try Self.board()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "question"])
        try sandbox.mission("answer", id, "Use port 8080.").expectSuccess()
        try sandbox.mission("switch", id, "--profile", "codex").expectSuccess()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["codex": "success"])
        try Self.reconcile(sandbox, bin: bin, scenarios: ["codex": "success"])
        let answered = try sandbox.packet(id, "0002-run.yaml")
        #expect(answered.profile == "codex" && answered.harvested == .done)
        #expect(answered.adapter?.argv.contains("resume") == false)
    }

    @Test func aRateLimitedProfileHandsTheTicketToTheNextWithoutCountingAFailure() throws {
        let (sandbox, id, bin) = try Self.board()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "ratelimit", "codex": "success"])
        let limited = try sandbox.packet(id, "0001-run.yaml")
        #expect(limited.terminal?.rootCause == "rate_limited")
        #expect(limited.terminal?.status == .warning)
        let status = try sandbox.read("board/tickets/\(id)/status.yaml")
        #expect(status.contains("status: queued"))
        #expect(status.contains("rate_limits:") && status.contains("claude:"))
        #expect(!status.contains("failures:\n  rate_limited"))

        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "ratelimit", "codex": "success"])
        let served = try sandbox.packet(id, "0002-run.yaml")
        #expect(served.profile == "codex")
        #expect(served.adapter?.harness == "codex")
        #expect(served.harvested == .done)
        #expect(served.adapter?.passedOver?.count == 1)
        #expect(served.adapter?.passedOver?.first?.hasPrefix("claude: rate limited until") == true)
        #expect(served.adapter?.switchedFrom == "claude")
        #expect(try sandbox.read("board/tickets/\(id)/status.yaml").contains("status: done"))
        // The next round continued in the same worktree, on the same branch.
        #expect(served.adapter?.workdir == limited.adapter?.workdir)
        #expect(served.change?.base == limited.change?.head)
        #expect(try sandbox.git("show", "mission/\(id):notes.txt").expectSuccess().stdout == "edited by claude\nedited by codex\n")
    }

    @Test func aSwitchedTicketRunsItsNextRoundOnTheNewProfileWithTheHistory() throws {
        let (sandbox, id, bin) = try Self.board()
        try sandbox.write("board/workflows.yaml",
                          "workflows:\n  task:\n    gates:\n      - {name: run, role: coder}\n      - {name: polish, role: coder}\n")
        try sandbox.git("commit", "-q", "-am", "two rounds").expectSuccess()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "success"])
        #expect(try sandbox.packet(id, "0001-run.yaml").profile == "claude")

        try sandbox.mission("switch", id, "--profile", "codex").expectSuccess()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["codex": "success"])
        let second = try sandbox.packet(id, "0002-polish.yaml")
        #expect(second.profile == "codex")
        #expect(second.adapter?.switchedFrom == "claude")
        #expect(second.adapter?.workdir == (try sandbox.packet(id, "0001-run.yaml")).adapter?.workdir)
        // The new runtime's prompt carries the first round forward.
        let session = try #require(second.session)
        let prompt = try sandbox.read(".git/mission/sessions/\(session)/prompt.md")
        #expect(prompt.contains("run: session by the coder on claude, signal DONE"))
        #expect(prompt.contains("Earlier sessions ran on claude; you run on codex."))
        #expect(try sandbox.git("show", "mission/\(id):notes.txt").expectSuccess().stdout == "edited by claude\nedited by codex\n")
    }

    @Test(arguments: [("build-box", "done"), ("unreachable-box", "host_unreachable")])
    func anSSHProfileRunsTheCLIOnItsHostOrSaysTheHostIsUnreachable(host: String, rootCause: String) throws {
        let (sandbox, id, bin) = try Self.board()
        try sandbox.write("board/runtimes.yaml", """
            profiles:
              remote:
                harness: ssh
                host: \(host)
                command: [codex, exec, --json]
                env: [FAKE_SCENARIO_codex, FAKE_RECORDINGS, FAKE_LIVE, FAKE_EDIT]
                limits: {wall: 30s}
            """)
        try sandbox.write("board/roles.yaml", "roles:\n  coder:\n    profiles: [remote]\n    permission: write\n")
        try sandbox.git("commit", "-q", "-am", "a remote profile").expectSuccess()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["codex": "success"])
        let packet = try sandbox.packet(id, "0001-run.yaml")
        #expect(packet.adapter?.harness == "ssh")
        #expect(packet.adapter?.argv.first == "ssh")
        #expect(packet.terminal?.rootCause == rootCause)
        if rootCause == "host_unreachable" {
            #expect(packet.terminal?.safeRetry?.allowed == true)
            #expect(packet.transcript?.tail?.contains("Could not resolve hostname") == true)
        }
    }

    @Test func anAPIErrorReportedAsSuccessIsAFailureNotADone() throws {
        let (sandbox, id, bin) = try Self.board()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "api-error"])
        let packet = try sandbox.packet(id, "0001-run.yaml")
        #expect(packet.harvested == SignalValue.none)
        #expect(packet.terminal?.status == .error)
        #expect(["runtime_error", "exit_nonzero"].contains(packet.terminal?.rootCause ?? ""))
    }

    @Test func aPromptEchoInTheStreamIsNeverASignal() throws {
        let (sandbox, id, bin) = try Self.board()
        try Self.reconcile(sandbox, bin: bin, scenarios: ["claude": "echo"])
        let packet = try sandbox.packet(id, "0001-run.yaml")
        #expect(packet.harvested == .done)  // the final answer's, not the echoed QUESTION: in the prompt
    }
}
