import Board
import Foundation
import Git

/// Many runners' numbers (`mission-bench --hub [--tickets N]`): claims per second through one hub served by a real
/// `git daemon` on 127.0.0.1 with 1, 2, 4 and 8 runners on clones of their own; the time from a person's push of
/// a ready ticket to an agent starting on some runner, for runners that fetch every second (a hub over
/// `git daemon`) and runners the hub's hook pokes (a hub in a folder on this machine); and 60 tickets done by
/// 3 watchers sharing one bare repository.
enum HubBench {
    struct Board {
        let root: String
        let hub: String
        let agent: String
        let ids: [String]
    }

    /// A bare hub at `root/hub.git` with the fast agent of `WatcherBench` and `tickets` ready tickets.
    static func board(tickets: Int, hooks: Bool = false) throws -> Board {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mission-hub-bench-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: "\(root)/started", withIntermediateDirectories: true)
        let agent = "\(root)/agent.sh"
        try WatcherBench.agent.write(toFile: agent, atomically: true, encoding: .utf8)
        chmod(agent, 0o755)
        let hub = "\(root)/hub.git"
        let repository = try Repository.create(at: hub, bare: true)
        try repository.setConfigString("mission.branch", "main")
        try repository.setHead("refs/heads/main")
        let store = BoardStore(repository: repository, location: BoardLocation(branch: "main"), cache: TicketCache())
        try store.commit(message: "bench: a board") { _ in StarterBoard.boardFiles(for: store.location, approver: "bench@example.com") }
        try WatcherBench.configure(repository, agentPath: agent, workers: 8)
        let ids = try (0..<tickets).map { try WatcherBench.newTicket(store, title: "job \($0 + 1)") }
        if hooks {
            let hook = "\(hub)/hooks/post-receive"
            try StarterBoard.file("hooks/post-receive")!.write(toFile: hook, atomically: true, encoding: .utf8)
            chmod(hook, 0o755)
        }
        return Board(root: root, hub: hub, agent: agent, ids: ids)
    }

    /// Starts `argv` with `environment` added, its standard error to `log`.
    static func spawn(_ argv: [String], environment extra: [String: String] = [:], log: String) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let words = argv.map { strdup($0) } + [nil]
        defer { words.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_AUTHOR_NAME"] = "Bench"
        environment["GIT_AUTHOR_EMAIL"] = "bench@example.com"
        environment["GIT_COMMITTER_NAME"] = "Bench"
        environment["GIT_COMMITTER_EMAIL"] = "bench@example.com"
        environment.merge(extra) { $1 }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, words, envp) == 0 else { fatalError("cannot start \(argv[0])") }
        return pid
    }

    static func stop(_ pids: [pid_t]) {
        for pid in pids { kill(pid, SIGTERM) }
        for pid in pids {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// A `git daemon` serving `folder` on a free port of 127.0.0.1 (its pid and port), ready to answer.
    static func gitDaemon(serving folder: String) -> (pid_t, Int) {
        for _ in 0..<20 {
            let port = Int.random(in: 20_000...60_000)
            let pid = spawn(["/usr/lib/git-core/git-daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                             "--base-path=\(folder)", "--listen=127.0.0.1", "--port=\(port)", folder], log: "\(folder)/daemon.log")
            for _ in 0..<50 {
                if git(["ls-remote", "git://127.0.0.1:\(port)/hub.git"]) == 0 { return (pid, port) }
                usleep(50_000)
            }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        fatalError("git daemon did not start")
    }

    /// Runs git, quietly; returns its exit status.
    @discardableResult
    static func git(_ arguments: [String]) -> Int32 {
        let pid = spawn(["/usr/bin/git"] + arguments, log: "/dev/null")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    /// Runners of `url`, each on a clone of its own under `board.root`.
    static func runners(_ count: Int, url: String, board: Board, extra: [String] = []) -> [pid_t] {
        (1...count).map { index in
            spawn([missionBinary, "watch", "--hub", url, "--clone", "\(board.root)/clone-\(index)", "--runner", "r\(index)",
                   "--allow", board.agent, "--rescan", "3600"] + extra,
                  environment: ["MISSION_BENCH_DIR": "\(board.root)/started", "XDG_STATE_HOME": "\(board.root)/state"],
                  log: "\(board.root)/runner-\(index).log")
        }
    }

    /// How many of `ids` are done on the hub.
    static func done(_ ids: [String], hub: String) throws -> Int {
        let repository = try Repository.open(at: hub)
        let snapshot = try BoardStore(repository: repository, location: BoardLocation(branch: "main")).snapshot()
        return ids.filter { snapshot.ticket($0)?.status?.status == .done }.count
    }

    /// When the agent started on `ticket`, if it did.
    static func started(_ ticket: String, board: Board) -> Double? {
        (try? String(contentsOfFile: "\(board.root)/started/\(ticket).started", encoding: .utf8))
            .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    static func run(tickets: Int, latencyRuns: Int) throws {
        say("hub (release build; \(ProcessInfo.processInfo.activeProcessorCount) cores; a hub over git daemon on 127.0.0.1):")
        for count in [1, 2, 4, 8] {
            let board = try board(tickets: tickets)
            defer { try? FileManager.default.removeItem(atPath: board.root) }
            let (daemon, port) = gitDaemon(serving: board.root)
            let start = now()
            let pids = runners(count, url: "git://127.0.0.1:\(port)/hub.git", board: board)
            var finished = 0
            while finished < board.ids.count, now() - start < 900 {
                usleep(200_000)
                finished = try done(board.ids, hub: board.hub)
            }
            let end = now()
            stop(pids + [daemon])
            let first = board.ids.compactMap { started($0, board: board) }.min() ?? start
            say(String(format: "  %d runner(s), %d tickets: %d done in %.1f s from the start (%.1f s from the first agent): %.2f claims/s",
                         count, tickets, finished, end - start, end - first, Double(finished) / (end - first)))
        }
        for poked in [false, true] {
            let board = try board(tickets: 0, hooks: true)
            defer { try? FileManager.default.removeItem(atPath: board.root) }
            var daemon: pid_t?
            var url = board.hub
            if !poked {
                let (pid, port) = gitDaemon(serving: board.root)
                daemon = pid
                url = "git://127.0.0.1:\(port)/hub.git"
            }
            let pids = runners(4, url: url, board: board)
            let person = "\(board.root)/person"
            git(["clone", "-q", board.hub, person])
            usleep(2_000_000)  // the runners have cloned and wait
            var latencies: [Double] = []
            for index in 1...latencyRuns {
                git(["-C", person, "pull", "-q", "--rebase"])
                let repository = try Repository.open(at: person)
                let store = BoardStore(repository: repository, location: BoardLocation(branch: "main"), cache: TicketCache())
                let id = try WatcherBench.newTicket(store, title: "latency \(index)")
                try repository.resetHard(to: try repository.resolve("refs/heads/main"))
                // A runner's push may land between the pull and this push; then pull again and push again.
                var attempts = 0
                while git(["-C", person, "push", "-q", "origin", "main"]) != 0, attempts < 5 {
                    git(["-C", person, "pull", "-q", "--rebase"])
                    attempts += 1
                }
                let pushed = now()
                while started(id, board: board) == nil, now() - pushed < 30 { usleep(5_000) }
                if let at = started(id, board: board) { latencies.append((at - pushed) * 1_000) }
                else { say("  (\(id) was not started within 30 s of its push)") }
                // The next push waits for this ticket's outcome, so it measures an idle hub.
                while try done([id], hub: board.hub) == 0, now() - pushed < 30 { usleep(20_000) }
            }
            stop(pids + (daemon.map { [$0] } ?? []))
            say(String(format: "  push of a ready ticket -> agent started, 4 runners, %@: median %.0f ms (min %.0f, max %.0f, %d runs)",
                         poked ? "a folder hub whose hook pokes them" : "git daemon, fetching every 1 s",
                         median(latencies), latencies.min() ?? 0, latencies.max() ?? 0, latencies.count))
        }
        // Three watchers on one bare repository (no hub): the case of the issue, 60 tickets.
        let shared = try board(tickets: 60)
        defer { try? FileManager.default.removeItem(atPath: shared.root) }
        let start = now()
        let watchers = (1...3).map { index in
            spawn([missionBinary, "watch", "-C", shared.hub, "--allow", shared.agent, "--rescan", "3600"],
                  environment: ["MISSION_BENCH_DIR": "\(shared.root)/started", "XDG_STATE_HOME": "\(shared.root)/state"],
                  log: "\(shared.root)/watcher-\(index).log")
        }
        var finished = 0
        while finished < shared.ids.count, now() - start < 600 {
            usleep(200_000)
            finished = try done(shared.ids, hub: shared.hub)
        }
        let elapsed = now() - start
        stop(watchers)
        say(String(format: "  3 watchers on one bare repository, 60 tickets: %d done in %.1f s", finished, elapsed))
    }
}
