import Foundation
import Testing

/// Runners on clones of their own, sharing a hub: a bare repository reached by path or through a real `git daemon`
/// on 127.0.0.1. The proof that git's atomic reference update is enough of a lock: no ticket is claimed or run
/// twice, whatever the race, the crash or the partition.
@Suite(.serialized)
struct HubTests {
    /// A board with `titles` as ready tickets and the fake agent, pushed to a bare hub beside the sandbox.
    static func hub(titles: [String]) throws -> (sandbox: Sandbox, hub: String, ids: [String: String]) {
        let (sandbox, ids) = try AgentBoard.make(titles: titles)
        let hub = "\(sandbox.path).tools/hub.git"
        try FileManager.default.createDirectory(atPath: "\(sandbox.path).tools", withIntermediateDirectories: true)
        try sandbox.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", hub]).expectSuccess()
        try sandbox.git("push", "-q", hub, "main").expectSuccess()
        return (sandbox, hub, ids)
    }

    /// Starts a runner of `url` with a clone of its own, named `name`.
    static func runner(_ sandbox: Sandbox, _ url: String, _ name: String, _ extra: [String] = [],
                       environment: [String: String] = [:]) throws -> (Process, String) {
        let log = try sandbox.scratch("runner-\(name).log")
        let process = try sandbox.spawnMission(["watch", "--hub", url, "--clone", try sandbox.scratch("clone-\(name)"),
                                                "--runner", name, "--allow", AgentBoard.agentPath, "--rescan", "2"] + extra,
                                               log: log, environment: environment)
        return (process, log)
    }

    /// The hub's tickets by status, read with `mission list` on the hub itself.
    static func statuses(_ sandbox: Sandbox, hub: String) throws -> [String: String] {
        let listing = try sandbox.mission("list", "-C", hub, "--json").expectSuccess().stdout
        let tickets = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
        var result: [String: String] = [:]
        for ticket in tickets {
            guard let id = ticket["id"] as? String else { continue }
            result[id] = ((ticket["status"] as? [String: Any])?["status"] as? String) ?? "none"
        }
        return result
    }

    /// Four runners through `git daemon`, and eight through a path, all planning the same tickets in the same
    /// order (so every runner goes for the same ticket first): each ticket is claimed once, run once, and has its
    /// one evidence packet, its ticket branch and its transcript on the hub, whose history `git fsck` finds valid.
    @Test(arguments: [("git daemon", 4, 120), ("path", 8, 60)])
    func runnersRaceForEveryTicketAndEachRunsExactlyOnce(transport: String, runners count: Int, tickets: Int) throws {
        let (sandbox, hub, ids) = try Self.hub(titles: (1...tickets).map { "job \($0)" })
        var daemon: GitDaemon?
        if transport == "git daemon" { daemon = try GitDaemon(serving: (hub as NSString).deletingLastPathComponent) }
        defer { daemon?.stop() }
        let url = daemon.map { "\($0.url)/hub.git" } ?? hub
        let runners = try (1...count).map { try Self.runner(sandbox, url, "r\($0)") }
        defer { for (process, _) in runners where process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let done = try sandbox.eventually(240) {
            let statuses = try Self.statuses(sandbox, hub: hub)
            return statuses.count == ids.count && statuses.values.allSatisfy { $0 == "done" }
        }
        for (process, _) in runners { process.terminate() }
        for (process, _) in runners { process.waitUntilExit() }
        let logs = try runners.map { try String(contentsOfFile: $0.1, encoding: .utf8) }
        let open = try Self.statuses(sandbox, hub: hub).filter { $0.value != "done" }
        #expect(done, "not every ticket is done: \(open)\n\(logs.joined(separator: "\n").suffix(4000))")

        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", hub] + arguments).expectSuccess().stdout
        }
        let claims = try git(["log", "--format=%s", "--grep=: claim ", "main"]).split(separator: "\n").map { $0.prefix { $0 != ":" } }
        #expect(claims.count == ids.count && Set(claims).count == ids.count, "\(claims.count) claims of \(Set(claims).count) tickets")
        let transcriptRefs = try git(["for-each-ref", "--format=%(refname)", "refs/mission/runners/"]).split(separator: "\n")
            .filter { $0.hasSuffix("/transcripts") }
        var transcripts: [Substring] = []
        for reference in transcriptRefs {
            transcripts += try git(["ls-tree", "-r", "--name-only", String(reference)]).split(separator: "\n")
        }
        #expect(transcripts.count == ids.count && Set(transcripts.map { $0.prefix { $0 != "/" } }).count == ids.count,
                "\(transcripts.count) transcripts")
        for id in ids.values {
            #expect(try git(["ls-tree", "--name-only", "main:board/tickets/\(id)/evidence"]) == "0001-run.yaml\n", "\(id)")
            #expect(try git(["show", "mission/\(id):result.txt"]) == "work by the agent\n", "\(id)'s branch on the hub")
        }
        #expect(try git(["fsck", "--no-dangling"]).isEmpty)
        // Each runner did its share under its own name, and the claims say who.
        let runnersSeen = Set(try git(["log", "-p", "--format=", "main", "--", "board/tickets"])
            .components(separatedBy: "runner: ").dropFirst().map { $0.prefix { !$0.isWhitespace && $0 != "}" && $0 != "," } })
        #expect(runnersSeen.count > 1, "runners seen in claims: \(runnersSeen)")
    }

    /// A runner killed with SIGKILL mid-session: once its lease ran out (plus the clock tolerance), another runner
    /// takes the ticket over, records the lost runner's session as `runner_lost`, and runs it to the end. The
    /// ticket is claimed twice and ends once.
    @Test func aKilledRunnersTicketIsTakenOverAfterItsLease() throws {
        let (sandbox, hub, ids) = try Self.hub(titles: ["go slow"])
        let id = ids["go slow"]!
        let lease = ["--lease", "10", "--clock-tolerance", "1"]
        let (first, firstLog) = try Self.runner(sandbox, hub, "first", lease)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let claimed = sandbox.eventually(30) {
            ((try? sandbox.run("/usr/bin/git", ["-C", hub, "show", "main:board/tickets/\(id)/status.yaml"]).stdout) ?? "")
                .contains("runner: first")
        }
        #expect(claimed, "\((try? String(contentsOfFile: firstLog, encoding: .utf8)) ?? "")")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        let (second, secondLog) = try Self.runner(sandbox, hub, "second", lease)
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        let done = sandbox.eventually(60) { (try? Self.statuses(sandbox, hub: hub)[id]) == "done" }
        second.terminate()
        second.waitUntilExit()
        #expect(done, "\((try? String(contentsOfFile: secondLog, encoding: .utf8)) ?? "")")

        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", hub] + arguments).expectSuccess().stdout
        }
        #expect(try git(["ls-tree", "--name-only", "main:board/tickets/\(id)/evidence"]) == "0001-run.yaml\n0002-run.yaml\n")
        let lost = try git(["show", "main:board/tickets/\(id)/evidence/0001-run.yaml"])
        #expect(lost.contains("root_cause: runner_lost") && lost.contains("The runner first that held the claim"), "\(lost)")
        let finished = try git(["show", "main:board/tickets/\(id)/evidence/0002-run.yaml"])
        #expect(finished.contains("summary: slow and steady") && finished.contains("runner: second"), "\(finished)")
        let claims = try git(["log", "--format=%s", "--grep=: claim ", "main"]).split(separator: "\n")
        #expect(claims.count == 2, "\(claims)")
    }
}

extension HubTests {
    /// A runner cut off from the hub (its `git daemon` killed) for longer than its lease: the other runner takes the
    /// ticket over; the cut-off one, whose session ended meanwhile, cannot record it then and, once the hub
    /// answers again, sees the takeover and never records it. Then it takes new work as if nothing happened.
    @Test func aRunnerCutOffFromTheHubNeverRecordsOverTheTakeoverAndRejoins() throws {
        let (sandbox, hub, ids) = try Self.hub(titles: ["go slow"])
        let id = ids["go slow"]!
        let folder = (hub as NSString).deletingLastPathComponent
        var daemon = try GitDaemon(serving: folder)
        defer { daemon.stop() }
        let lease = ["--lease", "10", "--clock-tolerance", "1"]
        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", hub] + arguments).expectSuccess().stdout
        }
        let status = { (try? sandbox.run("/usr/bin/git", ["-C", hub, "show", "main:board/tickets/\(id)/status.yaml"]).stdout) ?? "" }
        let (cut, cutLog) = try Self.runner(sandbox, "\(daemon.url)/hub.git", "cut", lease)
        defer { if cut.isRunning { kill(cut.processIdentifier, SIGKILL) } }
        let claimed = sandbox.eventually(30) { status().contains("runner: cut") }
        #expect(claimed, "\((try? String(contentsOfFile: cutLog, encoding: .utf8)) ?? "")")
        daemon.stop()  // the partition: the session goes on, its outcome cannot reach the hub

        let (other, otherLog) = try Self.runner(sandbox, hub, "other", lease)
        defer { if other.isRunning { kill(other.processIdentifier, SIGKILL) } }
        let done = sandbox.eventually(60) { (try? Self.statuses(sandbox, hub: hub)[id]) == "done" }
        #expect(done, "\((try? String(contentsOfFile: otherLog, encoding: .utf8)) ?? "")")
        other.terminate()
        other.waitUntilExit()

        // The hub answers again, on the same address.
        daemon = try GitDaemon(serving: folder, port: daemon.port)
        let said = sandbox.eventually(30) {
            ((try? String(contentsOfFile: cutLog, encoding: .utf8)) ?? "").contains("is not recorded: the board no longer names it")
        }
        let cutSaid = (try? String(contentsOfFile: cutLog, encoding: .utf8)) ?? ""
        #expect(said, "\(cutSaid)")
        #expect(try git(["ls-tree", "--name-only", "main:board/tickets/\(id)/evidence"]) == "0001-run.yaml\n0002-run.yaml\n")
        #expect(try git(["show", "main:board/tickets/\(id)/evidence/0001-run.yaml"]).contains("root_cause: runner_lost"))
        #expect(try git(["show", "main:board/tickets/\(id)/evidence/0002-run.yaml"]).contains("runner: other"))
        #expect(try git(["log", "--format=%s", "--grep=: claim ", "main"]).split(separator: "\n").count == 2)

        // Rejoined: a ticket pushed now is the cut-off runner's to do (the other one stopped).
        try sandbox.git("pull", "-q", "--rebase", hub, "main").expectSuccess()
        let after = try sandbox.newTicket("job after the partition")
        try sandbox.git("push", "-q", hub, "main").expectSuccess()
        let rejoined = sandbox.eventually(30) { (try? Self.statuses(sandbox, hub: hub)[after]) == "done" }
        cut.terminate()
        cut.waitUntilExit()
        #expect(rejoined, "\((try? String(contentsOfFile: cutLog, encoding: .utf8)) ?? "")")
        #expect(try git(["show", "main:board/tickets/\(after)/evidence/0001-run.yaml"]).contains("runner: cut"))
        #expect(try git(["fsck", "--no-dangling"]).isEmpty)
    }
}

extension HubTests {
    /// A hub guarded by `mission init`'s pre-receive hook refuses a broken ticket, a status.yaml written by hand and
    /// a forged evidence packet, each with the file and line, and loses nothing already there; it takes a person's
    /// ticket and a runner's claims and outcomes, pushed through `git daemon`.
    @Test func aGuardedHubRefusesBadPushesAndTakesGoodOnes() throws {
        let (sandbox, hub, _) = try Self.hub(titles: [])
        #expect(try sandbox.mission("init", "-C", hub).expectSuccess().stdout.contains("Installed the pre-receive hook"))
        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", hub] + arguments).expectSuccess().stdout
        }
        let id = try sandbox.newTicket("finish it")
        try sandbox.git("push", "-q", hub, "main").expectSuccess()
        let good = try git(["rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines)

        func refused(_ path: String, _ text: String, saying words: String) throws {
            try sandbox.git("reset", "-q", "--hard", good).expectSuccess()
            try sandbox.write(path, text)
            try sandbox.git("add", "board").expectSuccess()
            try sandbox.git("commit", "-q", "--no-verify", "-m", "by hand").expectSuccess()
            let push = try sandbox.git("push", hub, "main")
            #expect(push.status != 0, "\(path) was taken")
            #expect(push.stderr.contains(words) && push.stderr.contains("\(path):"), "\(push.stderr)")
            #expect(try git(["rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines) == good, "the hub moved")
        }
        try refused("board/tickets/MC-BAD1/ticket.yaml", "id: MC-BAD1\ntitle: [broken\n", saying: "error")
        try refused("board/tickets/\(id)/status.yaml", "status: done\n", saying: "status.yaml is written only by the watcher")
        try refused("board/tickets/\(id)/evidence/0001-run.yaml",
                    "kind: session\nticket: \(id)\ngate: run\nharvested: DONE\nsummary: trust me\n",
                    saying: "evidence is recorded by the watcher")

        // A runner's commits carry mission's trailers: the guard takes them.
        try sandbox.git("reset", "-q", "--hard", good).expectSuccess()
        let daemon = try GitDaemon(serving: (hub as NSString).deletingLastPathComponent)
        defer { daemon.stop() }
        let (runner, log) = try Self.runner(sandbox, "\(daemon.url)/hub.git", "guarded")
        defer { if runner.isRunning { kill(runner.processIdentifier, SIGKILL) } }
        let done = sandbox.eventually(60) { (try? Self.statuses(sandbox, hub: hub)[id]) == "done" }
        runner.terminate()
        runner.waitUntilExit()
        #expect(done, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(try git(["ls-tree", "--name-only", "main:board/tickets/\(id)/evidence"]) == "0001-run.yaml\n")
    }
}

extension HubTests {
    /// Runners announce themselves on the hub (`refs/mission/runners/<runner>/record`): `mission health` there lists
    /// each with its host, labels, profiles and heartbeat, and says when one stopped. A ticket whose `runs_on` asks
    /// for a label goes only to a runner that offers it; the others say what it waits for. The runner's commits
    /// are the runner's, and the agent's work on the ticket branch is the agent's, not the person's.
    @Test func runnersAnnounceThemselvesAndTakeOnlyTheTicketsTheirLabelsServe() throws {
        let (sandbox, hub, ids) = try Self.hub(titles: ["plain job", "gpu job"])
        let gpu = ids["gpu job"]!, plain = ids["plain job"]!
        let spec = "board/tickets/\(gpu)/ticket.yaml"
        try sandbox.write(spec, try sandbox.read(spec) + "runs_on: [gpu]\n")
        try sandbox.git("commit", "-q", "-am", "the gpu job needs a gpu").expectSuccess()
        try sandbox.git("push", "-q", hub, "main").expectSuccess()
        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", hub] + arguments).expectSuccess().stdout
        }
        let health = { () throws -> [String: [String: Any]] in
            let text = try sandbox.mission("health", "-C", hub, "--json").expectSuccess().stdout
            let runners = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["runners"] as? [[String: Any]]
            return Dictionary(uniqueKeysWithValues: (runners ?? []).map { ($0["name"] as? String ?? "?", $0) })
        }

        let (small, smallLog) = try Self.runner(sandbox, hub, "small")
        defer { if small.isRunning { kill(small.processIdentifier, SIGKILL) } }
        let waits = sandbox.eventually(60) {
            (try? Self.statuses(sandbox, hub: hub)[plain]) == "done"
                && ((try? git(["show", "main:board/tickets/\(gpu)/status.yaml"])) ?? "").contains("waits for a runner labelled gpu")
        }
        #expect(waits, "\((try? String(contentsOfFile: smallLog, encoding: .utf8)) ?? "")")
        let announced = sandbox.eventually(30) { (try? health()["small"]?["state"] as? String) == "live" }
        #expect(announced, "\((try? health()) ?? [:])")

        let (big, bigLog) = try Self.runner(sandbox, hub, "big", ["--label", "gpu", "--label", "browser"])
        defer { if big.isRunning { kill(big.processIdentifier, SIGKILL) } }
        let done = sandbox.eventually(60) { (try? Self.statuses(sandbox, hub: hub)[gpu]) == "done" }
        #expect(done, "\((try? String(contentsOfFile: bigLog, encoding: .utf8)) ?? "")")
        #expect(try git(["show", "main:board/tickets/\(gpu)/evidence/0001-run.yaml"]).contains("runner: big"))
        let both = sandbox.eventually(30) { (try? health()["big"]?["labels"] as? [String]) == ["browser", "gpu"] }
        #expect(both, "\((try? health()) ?? [:])")
        let seen = try health()
        #expect(seen["small"]?["labels"] as? [String] == [] && seen["big"]?["profiles"] as? [String] == ["fake"], "\(seen)")
        #expect(seen["big"]?["host"] as? String == ProcessInfo.processInfo.hostName, "\(seen)")

        for runner in [small, big] { runner.terminate() }
        for runner in [small, big] { runner.waitUntilExit() }
        let stopped = try health()
        #expect(stopped["small"]?["state"] as? String == "stopped" && stopped["big"]?["state"] as? String == "stopped",
                "\(stopped)")
        #expect(try sandbox.mission("health", "-C", hub).expectSuccess().stdout.contains("big     stopped"))

        // Who did what: the runners' claims and outcomes are theirs; the agent's change is the agent's.
        let committers = Set(try git(["log", "--format=%an <%ae>", "--grep=Mission-Session", "main"]).split(separator: "\n"))
        #expect(committers == ["mission runner small <small@mission.invalid>", "mission runner big <big@mission.invalid>"],
                "\(committers)")
        let agentCommit = try git(["log", "-1", "--format=%an <%ae>", "mission/\(gpu)"])
        #expect(agentCommit == "fake agent (via mission runner big) <big+fake@mission.invalid>\n", "\(agentCommit)")
    }
}

/// A real `git daemon` serving a folder on 127.0.0.1, pushes allowed, on a free port; stopped by `stop()`.
final class GitDaemon {
    let port: Int
    var url: String { "git://127.0.0.1:\(port)" }

    /// A daemon on `port`, else on a free one.
    init(serving folder: String, port wanted: Int? = nil) throws {
        var chosen: Int?
        var lastError = ""
        for _ in 0..<(wanted == nil ? 20 : 1) {
            let port = wanted ?? Int.random(in: 20_000...60_000)
            // git-daemon itself, not the `git daemon` wrapper, so that SIGTERM reaches the process that listens; its
            // log goes to a file, never to a pipe nobody reads.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/lib/git-core/git-daemon")
            process.arguments = ["--reuseaddr", "--export-all", "--enable=receive-pack", "--base-path=\(folder)",
                                 "--listen=127.0.0.1", "--port=\(port)", folder]
            let log = "\(folder)/git-daemon.log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // Ready once it answers a listing; a port someone else holds makes it exit at once.
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, process.isRunning, !Self.answers(port) { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning, Self.answers(port) {
                chosen = port
                daemon = process
                break
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            lastError = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        guard let chosen else { throw GitDaemonError(message: "git daemon did not start: \(lastError)") }
        port = chosen
    }

    private var daemon: Process?

    func stop() {
        guard let daemon, daemon.isRunning else { return }
        // git-daemon does not stop on SIGTERM while it has children to reap; nothing of it needs to be kept.
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
    }

    deinit { stop() }

    private static func answers(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}

struct GitDaemonError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
