import Board
import Control
import Foundation
import Git

/// The watcher's numbers (`mission-bench --watcher`): latency from a commit to the agent starting, the cost of
/// an evidence commit, the planning work of a wake, and throughput with four workers.
enum WatcherBench {
    /// An agent that notes when it started (for latency) and reports DONE at once.
    static let agent = #"""
        #!/bin/sh
        date +%s.%N > "$MISSION_BENCH_DIR/$MISSION_TICKET.started"
        printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "ok"}\n' "$MISSION_TICKET" "$MISSION_NONCE"
        """#

    static func configure(_ repository: Repository, agentPath: String, workers: Int) throws {
        // The code the agents work on lives on its own branch, as on a team's board branch: a ticket's worktree
        // checks out the code, not the 10,000 ticket folders.
        let me = Signature(name: "Bench", email: "bench@example.com", date: Date())
        var code: [TreeEdit] = []
        for file in ["README.md", "Sources/App/main.swift", "Tests/AppTests/AppTests.swift"] {
            code.append(.write(path: file, blob: try repository.writeBlob(Array("// \(file)\n".utf8))))
        }
        let codeCommit = try repository.createCommit(tree: try repository.updateTree(nil, applying: code), parents: [],
                                                      author: me, committer: me, message: "code\n")
        try repository.updateReference("refs/heads/code", to: codeCommit, expecting: nil, logMessage: "bench")
        try repository.setConfigString("mission.codeBranch", "code")
        let location = BoardLocation(branch: "main")
        let store = BoardStore(repository: repository, location: location, cache: TicketCache())
        try store.commit(message: "bench: the agent") { snapshot in
            let settings = try String(decoding: repository.blob(repository.entry(at: location.path(.settings),
                in: repository.commit(snapshot.commit!).tree)!.id), as: UTF8.self)
                .replacingOccurrences(of: "max_workers: 2", with: "max_workers: \(workers)")
            return [
                .write(path: location.path(.settings), bytes: Array(settings.utf8)),
                .write(path: location.path(.runtimes), bytes: Array("profiles:\n  bench:\n    harness: script\n    command: [\(agentPath)]\n    env: [MISSION_BENCH_DIR]\n".utf8)),
                .write(path: location.path(.roles), bytes: Array("roles:\n  coder: {profiles: [bench]}\n".utf8)),
                .write(path: location.path(.workflows), bytes: Array("workflows:\n  code:\n    gates:\n      - {name: run, role: coder}\n".utf8)),
            ]
        }
    }

    static func spawnWatcher(_ repository: String, agentPath: String, benchDir: String) -> pid_t {
        var pid: pid_t = 0
        let words: [String] = [missionBinary, "watch", "-C", repository, "--allow", agentPath, "--rescan", "3600"]
        let argv = words.map { strdup($0) } + [nil]
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_AUTHOR_NAME"] = "Bench"
        environment["GIT_AUTHOR_EMAIL"] = "bench@example.com"
        environment["MISSION_BENCH_DIR"] = benchDir
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        posix_spawn(&pid, missionBinary, nil, nil, argv, envp)
        argv.forEach { free($0) }
        envp.forEach { free($0) }
        return pid
    }

    static func poke(_ repository: Repository) {
        let fd = open("\(repository.gitDirectory)/mission/wake", O_WRONLY | O_NONBLOCK)
        if fd >= 0 {
            _ = write(fd, "x", 1)
            close(fd)
        }
    }

    static func newTicket(_ store: BoardStore, title: String) throws -> String {
        let id = TicketID.mint(prefix: "MC", existing: try store.snapshot(.listing).allIDs, minimumLength: 4)
        let ticket = Ticket(id: id, title: title, state: .ready, workflow: "code", created: Date(), acceptance: ["It is finished."])
        try store.commit(message: "\(id): new") { _ in
            [.write(path: "\(store.location.ticketFolder(id))/ticket.yaml",
                    bytes: Array(TicketTemplate.render(StarterBoard.file("templates/ticket.yaml")!, ticket: ticket).utf8))]
        }
        return id
    }

    static func run(runs: Int, quick: Bool) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mission-watch-bench-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let agentPath = "\(root)/agent.sh"
        try Data(agent.utf8).write(to: URL(fileURLWithPath: agentPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: agentPath)
        setenv("GIT_AUTHOR_NAME", "Bench", 1)
        setenv("GIT_AUTHOR_EMAIL", "bench@example.com", 1)

        // 1. Commit to agent started, with the hook's poke, on a 10,000-ticket board (none of them ready).
        let (repository, _, _) = try buildBoard(active: 10_000, archived: 0, at: "\(root)/latency", readyShare: false)
        try configure(repository, agentPath: agentPath, workers: 4)
        let store = BoardStore(repository: repository, location: BoardLocation(branch: "main"), cache: TicketCache())
        let watcher = spawnWatcher(repository.gitDirectory, agentPath: agentPath, benchDir: root)
        Thread.sleep(forTimeInterval: 3)  // its first pass reads the board cold
        var latencies: [Double] = []
        for index in 0..<runs {
            let id = try newTicket(store, title: "latency \(index)")
            // From the commit landing (the moment a hook runs) to the agent's first instruction.
            let start = Date().timeIntervalSince1970
            poke(repository)
            let marker = "\(root)/\(id).started"
            // The agent's shell creates the file before `date` writes it: wait for a whole line.
            let deadline = Date().addingTimeInterval(30)
            var started: Double?
            while started == nil, Date() < deadline {
                started = (try? String(contentsOfFile: marker, encoding: .utf8)).flatMap { text in
                    text.hasSuffix("\n") ? Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) : nil
                }
                if started == nil { usleep(1_000) }
            }
            if let started { latencies.append((started - start) * 1_000) } else { say("no start seen for \(id)") }
            Thread.sleep(forTimeInterval: 0.5)  // let its outcome land
        }
        kill(watcher, SIGTERM)
        var status: Int32 = 0
        waitpid(watcher, &status, 0)

        // 2. An evidence commit: status + packet in the ticket's folder, transcript blob on the side ref, from the
        // board the watcher holds (brought forward by what changed, as the reconciler does before every commit).
        var board = try store.snapshot()
        let ticket = board.tickets[board.tickets.count / 2]
        var evidence: [Double] = []
        for index in 0..<runs {
            evidence.append(try milliseconds {
                board = try store.refreshed(board)
                let blob = try repository.writeBlob(Array(String(repeating: "transcript line\n", count: 200).utf8))
                let parent = try repository.referenceTarget("refs/mission/transcripts")
                let tree = try repository.updateTree(try parent.map { try repository.commit($0).tree },
                                                     applying: [.write(path: "\(ticket.id)/S-\(index).log", blob: blob)])
                let me = try store.identity()
                let side = try repository.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: me, committer: me, message: "t\n")
                try repository.updateReference("refs/mission/transcripts", to: side, expecting: parent, logMessage: "bench")
                let status = try YAMLWriting.encode(TicketStatus(status: .done, gate: "run", updated: Date()))
                let packet = try YAMLWriting.encode(EvidencePacket(kind: .session, ticket: ticket.id, gate: "run", summary: "ok",
                                                                   transcript: TranscriptRef(blob: blob.hex, tail: "ok")))
                try store.commit(message: "\(ticket.id): evidence", reusing: board) { _ in
                    [.write(path: "\(ticket.folder)/status.yaml", bytes: status),
                     .write(path: "\(ticket.folder)/evidence/\(String(format: "%04d", index + 1))-run.yaml", bytes: packet)]
                }
            })
        }

        // 3. A wake after a commit touching one ticket on a 100,000-ticket board (10,000 active): read the tip,
        // compare trees, re-read the changed ticket, check references again, plan.
        let (big, _, _) = try buildBoard(active: 10_000, archived: 90_000, at: "\(root)/big", readyShare: false)
        let location = BoardLocation(branch: "main")
        let bigStore = BoardStore(repository: big, location: location, cache: TicketCache())
        var bigBoard = try bigStore.snapshot()
        var wakes: [Double] = []
        for index in 0..<runs {
            let touched = bigBoard.tickets[(index * 997) % bigBoard.tickets.count]
            let status = try YAMLWriting.encode(TicketStatus(status: .queued, gate: "run", updated: Date()))
            try bigStore.commit(message: "\(touched.id): touched", reusing: bigBoard) { _ in
                [.write(path: "\(touched.folder)/status.yaml", bytes: status)]
            }
            wakes.append(try milliseconds {
                bigBoard = try bigStore.refreshed(bigBoard)
                _ = Planner.plan(bigBoard, live: [], now: Date(), limits: PlanLimits(bigBoard.config))
            })
        }
        if quick {
            report(latencies: latencies, evidence: evidence, wakes: wakes, flow: nil)
            return
        }

        // 4. 1,000 ready tickets through the trivial agent with 4 workers.
        let (flow, _, ids) = try buildBoard(active: 1_000, archived: 0, at: "\(root)/flow", readyShare: true)
        try configure(flow, agentPath: agentPath, workers: 4)
        let flowStore = BoardStore(repository: flow, location: location, cache: TicketCache())
        let started = Date()
        let flowWatcher = spawnWatcher(flow.gitDirectory, agentPath: agentPath, benchDir: root)
        var done = 0
        while done < ids.count, Date().timeIntervalSince(started) < 900 {
            Thread.sleep(forTimeInterval: 1)
            done = try flowStore.snapshot().tickets.filter { $0.status?.status == .done }.count
        }
        let elapsed = Date().timeIntervalSince(started)
        kill(flowWatcher, SIGTERM)
        waitpid(flowWatcher, &status, 0)
        let final = try flowStore.snapshot()
        let once = final.tickets.filter { $0.evidence.count == 1 }.count
        let claims = try flow.log(from: try flowStore.tip()!, touching: [location.ticketsFolder])
            .filter { $0.trailers.contains { $0.key == "Mission-Action" && $0.value == "claim" } }.count

        report(latencies: latencies, evidence: evidence, wakes: wakes, flow: (done, elapsed, once, claims))
    }

    static func report(latencies: [Double], evidence: [Double], wakes: [Double],
                       flow: (done: Int, elapsed: Double, once: Int, claims: Int)?) {
        say("")
        say("watcher (release build, median of \(latencies.count)):")
        say(String(format: "  commit -> agent started, hook poke, 10,000-ticket board: %.1f ms (min %.1f, max %.1f)",
                     median(latencies), latencies.min() ?? 0, latencies.max() ?? 0))
        say(String(format: "  evidence commit (status + packet + transcript blob on its ref), 10,000 tickets: %.1f ms", median(evidence)))
        say(String(format: "  wake after a commit touching one ticket, 100,000 tickets (10,000 active): %.1f ms", median(wakes)))
        if let flow {
            say(String(format: "  1,000 tickets, 4 workers: %d done in %.1f s (%.1f tickets/s); exactly one packet: %d; claims: %d",
                         flow.done, flow.elapsed, Double(flow.done) / flow.elapsed, flow.once, flow.claims))
        }
    }
}
