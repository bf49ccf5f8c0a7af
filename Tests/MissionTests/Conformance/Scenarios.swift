import Board
import Foundation
import Testing

/// The scenarios the scripted model server plays, one per ticket: `[scenario:NAME]` in the ticket's title.
enum Scenario: String, CaseIterable {
    case edit, review, question, echo, ratelimit, overloaded, auth, hang, probe
}

/// One scenario against one CLI: a fresh board from `mission init`, the server, the watcher, and what was
/// committed. Failures are collected (not thrown) so that the suite can say which scenarios passed.
struct ScenarioRun {
    let cli: AgentCLI
    let executable: String
    private(set) var failures: [String] = []
    /// Seconds from one moment to another, for the report: `commit→request`, `commit→evidence`, `429→park`.
    private(set) var timings: [String: Double] = [:]
    /// The CLI's version as the watcher recorded it.
    private(set) var version: String?

    init(cli: AgentCLI, executable: String) {
        self.cli = cli
        self.executable = executable
    }

    mutating func fail(_ message: String) { failures.append(message) }

    mutating func expect(_ condition: Bool, _ message: @autoclosure () throws -> String) {
        if !condition { fail((try? message()) ?? "(the board could not be read)") }
    }

    mutating func play(_ scenario: Scenario) throws {
        let board = try ConformanceBoard(cli: cli, idle: scenario == .hang ? "6s" : "60s")
        switch scenario {
        case .edit: try edit(board)
        case .review: try review(board)
        case .question: try question(board)
        case .echo: try echo(board)
        case .ratelimit: try rateLimit(board)
        case .overloaded: try overloaded(board)
        case .auth: try auth(board)
        case .hang: try hang(board)
        case .probe: try probe(board)
        }
    }

    /// The starter board, one real profile, a one-line ticket: the agent writes a file with its own tool and the
    /// ticket goes through review to done, no person stepping in; the watcher runs as `mission watch`.
    private mutating func edit(_ board: ConformanceBoard) throws {
        let watcher = try board.sandbox.spawnMission(["watch", "--allow", cli.rawValue], log: try board.sandbox.scratch("watch.log"),
                                                     environment: board.environment)
        defer {
            watcher.terminate()
            watcher.waitUntilExit()
        }
        let committed = Date()
        let id = try board.ticket("[scenario:edit] Add conformance.txt saying who wrote it")
        var evidence: Date?
        let finished = board.sandbox.eventually(150) {
            if evidence == nil, (try? board.packet(id, "0001-run.yaml")) != nil { evidence = Date() }
            // A new ticket has no status.yaml until the watcher first writes one.
            return (try? board.status(id))?.status.isClosed ?? false
        }
        expect(finished, "the ticket did not finish: \((try? board.status(id))?.status.rawValue ?? "no status"); \(board.watchLog())")
        if let first = board.server.requests(ticket: id).first?.time { timings["commit→request"] = first.timeIntervalSince(committed) }
        if let evidence { timings["commit→evidence"] = evidence.timeIntervalSince(committed) }

        let packet = try board.packet(id, "0001-run.yaml")
        version = packet.adapter?.version
        expect(packet.harvested == .done, "harvested \(packet.harvested?.rawValue ?? "nothing"): \(board.summary(packet))")
        expect(packet.change?.files?.contains("conformance.txt") == true, "change: \(String(describing: packet.change?.files))")
        expect((packet.change?.insertions ?? 0) >= 1, "no insertions counted")
        if cli.resumes { expect(packet.adapter?.cliSession?.isEmpty == false, "no CLI session id") }
        if cli.reportsUsage { expect((packet.usage?.outputTokens ?? 0) > 0, "no usage: \(String(describing: packet.usage))") }
        if cli == .claude || cli == .aider { expect(packet.usage?.costUSD != nil, "no cost") }
        expect(packet.adapter?.workdir?.contains("/.git/") == false, "worktree under .git: \(packet.adapter?.workdir ?? "")")
        expect(try board.onBranch(id, "conformance.txt") == "written by the agent\n", "the file on the ticket branch")
        let review = try board.packet(id, "0002-review.yaml")
        expect(review.verdict?.decision == .pass, "review: \(board.summary(review))")
        expect(try board.status(id).status == .done, "status \(try board.status(id).status.rawValue)")
    }

    /// A reviewer returns the change with findings; the coder's next round fixes it; the second review passes.
    private mutating func review(_ board: ConformanceBoard) throws {
        let id = try board.ticket("[scenario:review] Add conformance.txt, reviewed")
        try board.reconcile(until: { try board.status(id).status.isClosed }, passes: 6)
        let returned = try board.packet(id, "0002-review.yaml")
        expect(returned.verdict?.decision == .returnForFixes, "first review: \(board.summary(returned))")
        expect(returned.verdict?.findings?.contains { $0.contains("reviewed") } == true,
               "findings: \(String(describing: returned.verdict?.findings))")
        let passed = try board.packet(id, "0004-review.yaml")
        expect(passed.verdict?.decision == .pass, "second review: \(board.summary(passed))")
        expect(try board.onBranch(id, "conformance.txt") == "written by the agent\nreviewed\n", "the fixed file")
        expect(try board.status(id).status == .done, "status \(try board.status(id).status.rawValue)")
    }

    /// The agent asks; a person answers with `mission answer`; the CLI's own session resumes and finishes. The
    /// resumed agent repeats its first session's sentinel (the old nonce is in its context): stale, not forged.
    private mutating func question(_ board: ConformanceBoard) throws {
        let id = try board.ticket("[scenario:question] Add conformance.txt with the port")
        try board.reconcile(until: { try board.status(id).status == .needsInput }, passes: 2)
        let asked = try board.packet(id, "0001-run.yaml")
        expect(asked.harvested == .question, "first session: \(board.summary(asked))")
        expect(try board.status(id).question?.contains("port") == true, "question: \(try board.status(id).question ?? "none")")
        try board.sandbox.mission("answer", id, "Listen on port 8080.").expectSuccess()
        try board.reconcile(until: { try board.status(id).status.isClosed }, passes: 4)
        let resumed = try board.packet(id, "0002-run.yaml")
        expect(resumed.harvested == .done, "resumed session: \(board.summary(resumed))")
        expect(resumed.terminal?.rootCause == "done", "root cause \(resumed.terminal?.rootCause ?? "none")")
        if cli.resumes {
            expect(resumed.adapter?.cliSession == asked.adapter?.cliSession && asked.adapter?.cliSession != nil,
                   "resumed \(resumed.adapter?.cliSession ?? "no session"), asked in \(asked.adapter?.cliSession ?? "no session")")
            let second = board.server.requests(ticket: id).filter { $0.role == "coder" && $0.nonce != asked.nonce }
            expect(second.contains { $0.resumedContext }, "the second session did not carry the first one's conversation")
        }
        expect(try board.onBranch(id, "conformance.txt") == "port 8080\n", "the answer did not reach the agent")
        expect(try board.status(id).status == .done, "status \(try board.status(id).status.rawValue)")
    }

    /// The model repeats its prompt, signal instructions included: that is never a signal, and no forgery.
    private mutating func echo(_ board: ConformanceBoard) throws {
        let id = try board.ticket("[scenario:echo] Repeat the prompt")
        try board.reconcile(until: { (try? board.packet(id, "0001-run.yaml")) != nil }, passes: 1)
        let packet = try board.packet(id, "0001-run.yaml")
        expect(packet.harvested == nil || packet.harvested == SignalValue.none, "harvested \(packet.harvested?.rawValue ?? "")")
        expect(packet.terminal?.rootCause != "done" && packet.terminal?.rootCause != "forged_signal",
               "root cause \(packet.terminal?.rootCause ?? "none")")
    }

    /// A 429 that says when the limit lifts: the profile is parked until then within 30 s of the first 429, no
    /// failed attempt is counted, and the ticket is dispatched again and finishes once the server recovers.
    private mutating func rateLimit(_ board: ConformanceBoard) throws {
        let window = 25.0
        // A CLI that does not say when the limit lifts (Codex prints only the 429) rests the board's stated default.
        try board.sandbox.write("board/mission.yaml", try board.sandbox.read("board/mission.yaml")
            .replacingOccurrences(of: "  circuit_breaker: 2", with: "  circuit_breaker: 2\n  rate_limit_wait: \(Int(window))s"))
        try board.sandbox.git("commit", "-q", "-am", "a short default rest").expectSuccess()
        let id = try board.ticket("[scenario:ratelimit-\(Int(window))] Add conformance.txt after the limit")
        try board.reconcile(until: { try board.status(id).rateLimits[cli.rawValue] != nil }, passes: 1)
        let first = board.server.requests(ticket: id).first?.time
        let status = try board.status(id)
        let packet = try board.packet(id, "0001-run.yaml")
        expect(packet.terminal?.rootCause == "rate_limited", "root cause \(packet.terminal?.rootCause ?? "none"): \(board.summary(packet))")
        guard let first, let park = status.rateLimits[cli.rawValue], let ended = packet.ended else {
            return fail("no park: \(status.rateLimits), first request \(String(describing: first))")
        }
        timings["429→park"] = ended.timeIntervalSince(first)
        expect(ended.timeIntervalSince(first) < 30, "parked \(ended.timeIntervalSince(first)) s after the first 429")
        // The reset as the CLI reported it (Claude Code waits the provider's retry-after plus its own jitter).
        expect(park >= first.addingTimeInterval(window - 3) && park <= first.addingTimeInterval(window + 12),
               "parked until \(park), the server's reset was \(first.addingTimeInterval(window))")
        expect(status.failures.isEmpty && status.attempt <= 1, "a failed attempt was counted: \(status.failures), attempt \(status.attempt)")
        expect(status.status == .queued, "status \(status.status.rawValue)")
        // While parked nothing is dispatched; once the reset passed the ticket goes on.
        try board.reconcileOnce()
        expect((try? board.packet(id, "0002-run.yaml")) == nil, "dispatched while parked")
        Thread.sleep(until: park.addingTimeInterval(1))
        try board.reconcile(until: { (try? board.packet(id, "0002-run.yaml")) != nil }, passes: 2)
        let again = try board.packet(id, "0002-run.yaml")
        expect(again.harvested == .done, "after the reset: \(board.summary(again))")
    }

    /// 529 Overloaded: a transient failure under the retry policy, noticed from the stream, not the idle limit.
    private mutating func overloaded(_ board: ConformanceBoard) throws {
        let id = try board.ticket("[scenario:overloaded] Add conformance.txt while overloaded")
        let started = Date()
        try board.reconcile(until: { (try? board.packet(id, "0001-run.yaml")) != nil }, passes: 1)
        timings["run"] = Date().timeIntervalSince(started)
        let packet = try board.packet(id, "0001-run.yaml")
        expect(packet.terminal?.rootCause == "provider_unavailable", "root cause \(packet.terminal?.rootCause ?? "none"): \(board.summary(packet))")
        expect(packet.terminal?.safeRetry?.allowed == true, "not a safe retry: \(board.summary(packet))")
        expect(Date().timeIntervalSince(started) < 45, "took \(Date().timeIntervalSince(started)) s to notice")
        expect(try board.status(id).status == .failed, "status \(try board.status(id).status.rawValue)")
    }

    /// 401: blocked at once with a credentials root cause, and never retried.
    private mutating func auth(_ board: ConformanceBoard) throws {
        let id = try board.ticket("[scenario:auth] Add conformance.txt without credentials")
        try board.reconcile(until: { try board.status(id).status == .blocked }, passes: 2)
        let packet = try board.packet(id, "0001-run.yaml")
        expect(packet.terminal?.rootCause == "auth_failed", "root cause \(packet.terminal?.rootCause ?? "none"): \(board.summary(packet))")
        expect(packet.terminal?.safeRetry?.allowed != true, "retried bad credentials")
        expect(try board.status(id).status == .blocked, "status \(try board.status(id).status.rawValue)")
        expect((try? board.packet(id, "0002-run.yaml")) == nil, "a second session ran")
    }

    /// The server stops streaming mid-answer: the idle limit ends the session, and nothing of it is left running.
    private mutating func hang(_ board: ConformanceBoard) throws {
        let id = try board.ticket("[scenario:hang] Add conformance.txt from a server that hangs")
        try board.reconcile(until: { (try? board.packet(id, "0001-run.yaml")) != nil }, passes: 1)
        let packet = try board.packet(id, "0001-run.yaml")
        expect(packet.terminal?.rootCause == "idle_time", "root cause \(packet.terminal?.rootCause ?? "none"): \(board.summary(packet))")
        expect(!board.server.requests(ticket: id).isEmpty, "the CLI never reached the server")
        let left = ConformanceBoard.processes(under: packet.adapter?.workdir ?? "/nonexistent")
        expect(left.isEmpty, "still running in the worktree: \(left)")
    }

    /// `mission runtimes --check --probe`: the doctor sends one trivial prompt through the real CLI.
    private mutating func probe(_ board: ConformanceBoard) throws {
        let result = try board.sandbox.mission("runtimes", "--check", "--probe", "--json", "--allow", cli.rawValue,
                                               environment: board.environment)
        expect(result.status == 0, "exit \(result.status): \(result.all)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let profile = (report?["profiles"] as? [[String: Any]])?.first { $0["name"] as? String == cli.rawValue }
        let probe = profile?["probe"] as? [String: Any]
        expect(probe?["ok"] as? Bool == true, "probe: \(String(describing: probe)) \(result.stderr)")
        expect((probe?["detail"] as? String)?.contains("ok") == true, "answer: \(String(describing: probe?["detail"]))")
        if let seconds = probe?["seconds"] as? Double { timings["probe"] = seconds }
        expect(!board.server.requests().isEmpty, "the probe never reached the server")
    }
}
