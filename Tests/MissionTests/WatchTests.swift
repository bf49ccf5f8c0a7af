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
        // Mid-session: the agent has started and printed, not merely been claimed.
        let working = sandbox.eventually {
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
        #expect(try sandbox.git("show", "HEAD:board/tickets/\(id)/evidence/0001-run.yaml").stdout.contains("root_cause: worker_died"))
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
