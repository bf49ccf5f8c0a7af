import Board
import Foundation
import Git

/// How the repository grows (`mission-bench --growth [--tickets N] [--sessions N]`): every ticket of a board of N
/// tickets goes through `sessions` sessions, each committed as the watcher commits one (a claim that sets the
/// status running; an outcome that writes the status, an evidence packet and the transcript on its side ref),
/// through the library's own `BoardStore`. Prints the time per commit, the loose objects' size as written, and the
/// size once `git gc` packed them. `--sample N` runs the sessions on the first N tickets only: the cost of a commit
/// on a large board, without committing ten sessions of every one of its tickets.
enum GrowthBench {
    static func run(tickets: Int, sessions: Int, sample: Int?) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mission-growth-\(UUID().uuidString.prefix(6))").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (repository, _, ids) = try buildBoard(active: tickets, archived: 0, at: path, readyShare: true)
        _ = CommandBench.spawn("/usr/bin/git", ["gc", "-q"], in: path)  // the board as it starts: packed
        let start = try size(path)
        let location = BoardLocation(branch: "main")
        let store = BoardStore(repository: repository, location: location, cache: TicketCache())
        store.signer = CommitIdentity(name: "Bench", email: "bench@example.com")
        let working = Array(ids.prefix(sample ?? ids.count))
        say("mission-bench --growth: \(tickets) tickets, \(working.count) of them × \(sessions) sessions, 2 board commits and a transcript each, "
            + "release build, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        var times: [Double] = []
        let transcript = Array((0..<80).map { "line \($0) of what the agent printed while it worked on the ticket\n" }.joined().utf8)
        for round in 0..<sessions {
            for (index, id) in working.enumerated() {
                let folder = location.ticketFolder(id)
                let session = "S-20261201-\(round)-\(index)"
                times.append(try milliseconds {
                    try store.commit(message: "\(id): claim (\(session))") { _ in
                        [.write(path: "\(folder)/status.yaml", bytes: Array("""
                            status: running
                            gate: implement
                            round: \(round + 1)
                            attempt: 1
                            updated: 2026-12-01T10:00:00Z
                            session: {id: \(session), profile: codex, runner: bench, pid: \(1000 + index), started: 2026-12-01T10:00:00Z}

                            """.utf8))]
                    }
                })
                let blob = try store.storeOnSideRef([(path: "\(id)/\(session).log", bytes: transcript + Array(session.utf8))],
                                                    reference: "refs/mission/transcripts", message: "\(id): transcript")[0]
                times.append(try milliseconds {
                    try store.commit(message: "\(id): implement -> review (DONE)") { _ in
                        [.write(path: "\(folder)/status.yaml", bytes: Array("""
                            status: queued
                            gate: review
                            round: \(round + 1)
                            attempt: 1
                            updated: 2026-12-01T10:05:00Z

                            """.utf8)),
                         .write(path: "\(folder)/evidence/\(String(format: "%04d", round + 1))-implement.yaml", bytes: Array("""
                            kind: session
                            ticket: \(id)
                            gate: implement
                            role: coder
                            session: \(session)
                            profile: codex
                            started: 2026-12-01T10:00:00Z
                            ended: 2026-12-01T10:05:00Z
                            exit_code: 0
                            signal: DONE
                            summary: did round \(round + 1) of the work on \(id)
                            change: {branch: mission/\(id), files: 3, insertions: 40, deletions: 2}
                            terminal: {status: ok, summary: done, root_cause: done}
                            transcript: {blob: \(blob.hex), tail: the last lines of output}

                            """.utf8))]
                    }
                })
            }
        }
        let loose = try size(path) - start
        let gc = milliseconds { _ = CommandBench.spawn("/usr/bin/git", ["gc", "-q"], in: path) }
        let packed = try size(path) - start
        let count = working.count * sessions
        say(String(format: "  %d commits, median %.2f ms each (p90 %.2f ms)", times.count, median(times),
                   times.sorted()[times.count * 9 / 10]))
        say(String(format: "  objects as written (loose): %.1f MB, %.1f KB per session", loose / 1_048_576, loose / 1024 / Double(count)))
        say(String(format: "  after git gc (%.1f s): %.1f MB packed, %.0f bytes per session; the whole repository %.1f MB",
                   gc / 1000, packed / 1_048_576, packed / Double(count), try size(path) / 1_048_576))
    }

    /// Bytes under the repository's objects folder.
    static func size(_ path: String) throws -> Double {
        let objects = "\(path)/objects"
        var total = 0
        for file in FileManager.default.subpaths(atPath: objects) ?? [] {
            var info = stat()
            if stat("\(objects)/\(file)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { total += Int(info.st_size) }
        }
        return Double(total)
    }
}
