import Foundation
import Testing

/// The watcher daemon against a real repository: commits in, agents out, evidence back.
@Suite(.serialized)
struct WatchTests {
    func status(_ sandbox: Sandbox, _ id: String) -> String {
        (try? sandbox.git("show", "HEAD:board/tickets/\(id)/status.yaml").stdout) ?? ""
    }

    @Test func aCommitMakesAnAgentRunAndSIGTERMStopsTheWatcherCleanly() throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        let log = try sandbox.scratch("watch.log")
        let watcher = try sandbox.spawnMission(["watch", "--allow", AgentBoard.agentPath, "--verbose"], log: log)
        defer { if watcher.isRunning { kill(watcher.processIdentifier, SIGKILL) } }

        // A ticket committed through mission (libgit2, no hook): seen by the branch moving.
        let first = try sandbox.newTicket("finish it")
        let done = sandbox.eventually { status(sandbox, first).contains("status: done") }
        #expect(done, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")

        // A ticket committed with plain git: the post-commit hook pokes the watcher.
        let second = "MC-HOOK"
        try sandbox.write("board/tickets/\(second)/ticket.yaml", "id: \(second)\ntitle: finish it by hook\nstate: ready\n"
                          + "acceptance:\n  - It is finished.\n")
        try sandbox.git("add", "board").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "a ticket by hand").expectSuccess()
        #expect(sandbox.eventually { status(sandbox, second).contains("status: done") })
        #expect(try sandbox.git("status", "--porcelain").stdout == "")

        watcher.terminate()  // SIGTERM
        #expect(sandbox.eventually(5) { !watcher.isRunning })
        #expect(watcher.terminationStatus == 0)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("stopping: 0 session(s) left running"))

        // With no watcher reading the FIFO, the hooks neither block nor fail a person's commit.
        try sandbox.write("notes.txt", "after the watcher\n")
        try sandbox.git("add", "notes.txt").expectSuccess()
        let start = Date()
        try sandbox.git("commit", "-q", "-m", "no watcher now").expectSuccess()
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func killingTheWatcherMidSessionLosesNothingAndRunsNothingTwice() throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        let log = try sandbox.scratch("watch.log")
        var watcher = try sandbox.spawnMission(["watch", "--allow", AgentBoard.agentPath, "--verbose"], log: log)
        let id = try sandbox.newTicket("go slow")
        // Mid-session: the agent has started and printed, not merely been claimed. (A loaded CI machine running
        // the real CLIs alongside once took over 15 s to get there.)
        let working = sandbox.eventually(60) {
            guard let line = status(sandbox, id).split(separator: "\n").first(where: { $0.contains("id: S-") }) else { return false }
            let session = line.split(separator: " ").last.map(String.init) ?? ""
            let output = "\(sandbox.path)/.git/mission/sessions/\(session)/output.log"
            return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("working slowly")
        }
        #expect(working, "watcher log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")\nstatus: \(status(sandbox, id))")
        kill(watcher.processIdentifier, SIGKILL)
        watcher.waitUntilExit()

        // The agent is its own process group: it goes on without the watcher. A new watcher re-attaches.
        watcher = try sandbox.spawnMission(["watch", "--allow", AgentBoard.agentPath], log: log)
        defer { if watcher.isRunning { kill(watcher.processIdentifier, SIGKILL) } }
        #expect(sandbox.eventually(20) { status(sandbox, id).contains("status: done") })
        watcher.terminate()
        watcher.waitUntilExit()

        #expect(try sandbox.git("ls-tree", "--name-only", "HEAD:board/tickets/\(id)/evidence").stdout == "0001-run.yaml\n")
        let packet = try sandbox.git("show", "HEAD:board/tickets/\(id)/evidence/0001-run.yaml").stdout
        #expect(packet.contains("summary: slow and steady"))
        let claims = try sandbox.git("log", "--format=%s", "--grep=claim", "--", "board/tickets/\(id)").stdout
        #expect(claims.split(separator: "\n").count == 1, "claimed more than once: \(claims)")
    }

    @Test func aClaimWithNoSessionBehindItIsSettledAndRetriedAtOnce() throws {
        let (sandbox, ids) = try AgentBoard.make(titles: ["finish it"])
        let id = ids["finish it"]!
        // What a watcher that died between its claim commit and the launch leaves behind.
        try sandbox.write("board/tickets/\(id)/status.yaml", """
            status: running
            gate: run
            session: {id: S-20261122-gone00, profile: fake, runner: elsewhere}
            """)
        try sandbox.git("add", "board").expectSuccess()
        try sandbox.git("commit", "-q", "--no-verify", "-m", "a claim whose watcher died").expectSuccess()

        let log = try sandbox.scratch("watch.log")
        let watcher = try sandbox.spawnMission(["watch", "--allow", AgentBoard.agentPath, "--rescan", "600"], log: log)
        defer { if watcher.isRunning { kill(watcher.processIdentifier, SIGKILL) } }
        // Well before the rescan timer: settling is a change, and a change is planned on at once.
        #expect(sandbox.eventually(10) { status(sandbox, id).contains("status: done") })
        watcher.terminate()
        watcher.waitUntilExit()
        let packets = try sandbox.git("ls-tree", "--name-only", "HEAD:board/tickets/\(id)/evidence").stdout
        #expect(packets == "0001-run.yaml\n0002-run.yaml\n")
        // The claim names another runner and nothing of its session is on this host: that runner is lost.
        #expect(try sandbox.git("show", "HEAD:board/tickets/\(id)/evidence/0001-run.yaml").stdout.contains("root_cause: runner_lost"))
    }

    /// Three watchers on one repository (a checkout, then a bare one), each under a runner name of its own with no
    /// setting: every ticket is claimed and run exactly once, no watcher settles another's live session, and the
    /// index and the worktrees are left clean. (Before runner names were slots, all three planned as the host
    /// name and settled each other's sessions as worker_died, and worktrees failed.)
    @Test(arguments: [false, true]) func threeWatchersOnOneRepositoryRunEveryTicketExactlyOnce(bare: Bool) throws {
        let (sandbox, ids) = try AgentBoard.make(titles: (1...60).map { "job \($0)" })  // a plain title: the agent says DONE
        var repository = sandbox.path
        if bare {
            repository = "\(sandbox.path).hub.git"
            try sandbox.run("/usr/bin/git", ["clone", "-q", "--bare", sandbox.path, repository]).expectSuccess()
            try sandbox.run("/usr/bin/git", ["-C", repository, "config", "mission.branch", "main"]).expectSuccess()
            try sandbox.run("/usr/bin/git", ["-C", repository, "config", "mission.dir", "board"]).expectSuccess()
        }
        defer { if bare { try? FileManager.default.removeItem(atPath: repository) } }
        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", repository] + arguments).expectSuccess().stdout
        }
        let logs = try (1...3).map { try sandbox.scratch("watch-\(bare)-\($0).log") }
        let watchers = try logs.map { log in
            try sandbox.spawnMission(["watch", "-C", repository, "--allow", AgentBoard.agentPath, "--rescan", "2"], log: log)
        }
        defer { for watcher in watchers where watcher.isRunning { kill(watcher.processIdentifier, SIGKILL) } }
        let closed = try sandbox.eventually(120) {
            let listing = try sandbox.mission("list", "-C", repository, "--json").expectSuccess().stdout
            let tickets = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
            return tickets.count == ids.count && tickets.allSatisfy { (($0["status"] as? [String: Any])?["status"] as? String) == "done" }
        }
        for watcher in watchers { watcher.terminate() }
        for watcher in watchers { watcher.waitUntilExit() }
        let said = try logs.map { try String(contentsOfFile: $0, encoding: .utf8) }
        #expect(closed, "not every ticket is done: \(said.joined(separator: "\n").suffix(3000))")

        let runners = Set(said.compactMap { $0.components(separatedBy: " as runner ").dropFirst().first?.prefix { !$0.isWhitespace } })
        #expect(runners.count == 3, "runner names: \(runners)")
        let claims = try git(["log", "--format=%s", "--grep=: claim ", "main"]).split(separator: "\n").map { $0.prefix { $0 != ":" } }
        #expect(claims.count == ids.count && Set(claims).count == ids.count, "\(claims.count) claims of \(Set(claims).count) tickets")
        for id in ids.values {
            #expect(try git(["ls-tree", "--name-only", "main:board/tickets/\(id)/evidence"]) == "0001-run.yaml\n", "\(id)")
        }
        let history = try git(["log", "--format=%B", "main"])
        #expect(!history.contains("worker_died") && !history.contains("worktree_failed"))
        #expect(try git(["worktree", "list", "--porcelain"]).components(separatedBy: "worktree ").count == 2, "ticket worktrees left")
        if !bare { #expect(try git(["status", "--porcelain"]) == "") }
    }

    @Test func hubModeAPushTriggersDispatchAndThePersonPullsTheEvidence() throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        let hub = "\(sandbox.path).hub.git"
        defer { try? FileManager.default.removeItem(atPath: hub) }
        try sandbox.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", hub]).expectSuccess()
        try sandbox.git("remote", "add", "origin", hub).expectSuccess()
        try sandbox.git("push", "-q", "origin", "main").expectSuccess()
        let initHub = try sandbox.mission("init", "-C", hub).expectSuccess()
        #expect(initHub.stdout.contains("Installed the post-receive hook"))

        let log = try sandbox.scratch("hub.log")
        let watcher = try sandbox.spawnMission(["watch", "-C", hub, "--allow", AgentBoard.agentPath, "--verbose"], log: log)
        defer { if watcher.isRunning { kill(watcher.processIdentifier, SIGKILL) } }

        // A person creates a ticket in their clone and pushes it.
        let id = try sandbox.newTicket("finish it")
        try sandbox.git("push", "-q", "origin", "main").expectSuccess()

        let done = sandbox.eventually {
            ((try? sandbox.run("/usr/bin/git", ["-C", hub, "show", "main:board/tickets/\(id)/status.yaml"]).stdout) ?? "")
                .contains("status: done")
        }
        #expect(done, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        watcher.terminate()
        watcher.waitUntilExit()

        // The evidence comes back with a pull; the person's checkout stays clean.
        try sandbox.git("pull", "-q", "--ff-only", "origin", "main").expectSuccess()
        #expect(try sandbox.read("board/tickets/\(id)/status.yaml").contains("status: done"))
        #expect(FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(id)/evidence/0001-run.yaml"))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
    }
}
