import Foundation
import Testing

/// A person's side of a hub: `mission clone` gives the clone its hooks, the board's settings and the runners'
/// refs, and `show`, `log`, `approve` and `merge` work there while a runner does the work.
@Suite(.serialized)
struct HubCloneTests {
    @Test func aPersonsCloneOfAHubHasItsHooksAndTranscriptsAndMergesADoneTicketThere() throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        try sandbox.write("board/workflows.yaml", """
            workflows:
              task:
                gates:
                  - {name: run, role: coder}
                  - {name: release, human: release}
            """)
        try sandbox.git("commit", "-q", "-am", "a release gate").expectSuccess()
        let id = try sandbox.newTicket("Write the result")
        let hub = try sandbox.scratch("hub.git")
        try sandbox.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", hub]).expectSuccess()
        try sandbox.git("push", "-q", hub, "main").expectSuccess()

        let (runner, log) = try HubTests.runner(sandbox, hub, "r1")
        defer { if runner.isRunning { kill(runner.processIdentifier, SIGKILL) } }
        let tail = { String((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(3000) ?? "no log") }
        let waiting = try sandbox.eventually(60) { try HubTests.statuses(sandbox, hub: hub)[id] == "waiting" }
        #expect(waiting, "\(tail())")

        // The clone: hooks, settings, and the runner's transcripts and record under refs/mission/.
        let person = try sandbox.scratch("person")
        let cloned = try sandbox.mission("clone", hub, person, "--json").expectSuccess()
        let report = try JSONSerialization.jsonObject(with: Data(cloned.stdout.utf8)) as? [String: Any]
        #expect((report?["hooks"] as? [String])?.contains("pre-commit") == true, "\(cloned.stdout)")
        #expect(report?["branch"] as? String == "main" && report?["tickets"] as? Int == 1, "\(cloned.stdout)")
        #expect(FileManager.default.isExecutableFile(atPath: "\(person)/.git/hooks/pre-commit"))
        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", person] + arguments).expectSuccess().stdout
        }
        #expect(try git(["config", "mission.branch"]) == "main\n")
        let missionRefs = try git(["for-each-ref", "--format=%(refname)", "refs/mission/"])
        #expect(missionRefs.contains("refs/mission/runners/r1/transcripts")
                && missionRefs.contains("refs/mission/runners/r1/record"), "\(missionRefs)")
        #expect(try git(["config", "--get-all", "remote.origin.fetch"]).contains("+refs/mission/*:refs/mission/*"))
        let shown = try sandbox.mission("show", id, "-C", person).expectSuccess().stdout
        #expect(shown.contains("waiting") && shown.contains("release"), "\(shown)")
        let history = try sandbox.mission("log", id, "-C", person).expectSuccess().stdout
        #expect(history.contains("claim"), "\(history)")
        // A second clone into the same folder is refused, and says why.
        let again = try sandbox.mission("clone", hub, person)
        #expect(again.status != 0 && again.stderr.contains("is not empty"), "\(again.stderr)")

        // The person approves in the clone and pushes; the runner finishes the ticket on the hub.
        try sandbox.mission("approve", id, "--gate", "release", "-C", person).expectSuccess()
        _ = try git(["push", "-q", "origin", "main"])
        let done = try sandbox.eventually(60) { try HubTests.statuses(sandbox, hub: hub)[id] == "done" }
        #expect(done, "\(tail())")
        runner.terminate()
        runner.waitUntilExit()

        // The merge takes the hub's ticket branch (origin/mission/ID), and says what to push.
        _ = try git(["pull", "-q", "--ff-only"])
        let merged = try sandbox.mission("merge", id, "-C", person, "--json").expectSuccess()
        let result = try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [String: Any]
        let push = try #require(result?["push"] as? String, "\(merged.stdout)")
        #expect(push == "git push origin main :mission/\(id)")
        #expect(try String(contentsOfFile: "\(person)/result.txt", encoding: .utf8) == "work by the agent\n")
        #expect(try git(["status", "--porcelain"]).isEmpty)
        _ = try git(["push", "-q", "origin", "main", ":mission/\(id)"])
        let onHub = { (arguments: [String]) throws -> RunResult in try sandbox.run("/usr/bin/git", ["-C", hub] + arguments) }
        #expect(try onHub(["show", "main:result.txt"]).expectSuccess().stdout == "work by the agent\n")
        #expect(try onHub(["rev-parse", "--verify", "-q", "refs/heads/mission/\(id)"]).status != 0)
        #expect(try onHub(["ls-tree", "--name-only", "main:board/tickets/\(id)/evidence"]).expectSuccess().stdout
                    .contains("merge.yaml"))
    }

    /// A runner that fetches only every ten minutes starts a pushed ticket at once when `mission poke` wakes it:
    /// what a git server's push webhook runs on the runner's host.
    @Test func aPokeWakesARunnerThatWouldFetchOnlyEveryTenMinutes() throws {
        let (sandbox, hub, _) = try HubTests.hub(titles: [])
        let (runner, log) = try HubTests.runner(sandbox, hub, "r1", ["--fetch-interval", "600"])
        defer { if runner.isRunning { kill(runner.processIdentifier, SIGKILL) } }
        let tail = { String((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(3000) ?? "no log") }
        let clone = try sandbox.scratch("clone-r1")
        let waiting = sandbox.eventually(30) { FileManager.default.fileExists(atPath: "\(clone)/mission/wake") }
        #expect(waiting, "\(tail())")
        // With no watcher on it (the person's checkout), a poke says so and succeeds.
        let nobody = try sandbox.mission("poke").expectSuccess()
        #expect(nobody.stdout.contains("No watcher is waiting"), "\(nobody.stdout)")

        let id = try sandbox.newTicket("Write the result")
        try sandbox.git("push", "-q", hub, "main").expectSuccess()
        Thread.sleep(forTimeInterval: 2)
        #expect(try HubTests.statuses(sandbox, hub: hub)[id] == "none", "the runner has not fetched yet")
        let poked = try sandbox.mission("poke", "-C", clone, "--json").expectSuccess()
        let report = try JSONSerialization.jsonObject(with: Data(poked.stdout.utf8)) as? [String: Any]
        #expect(report?["poked"] as? Int == 1, "\(poked.stdout)")
        let done = try sandbox.eventually(30) { try HubTests.statuses(sandbox, hub: hub)[id] == "done" }
        #expect(done, "\(tail())")
        runner.terminate()
        runner.waitUntilExit()
    }
}
