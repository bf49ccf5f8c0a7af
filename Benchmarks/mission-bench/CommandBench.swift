import Board
import Foundation
import Git

/// The commands people and agents call in loops, each as a whole process, side by side with plain git on the same
/// board in the same run (`mission-bench --commands [--sizes 1000,10000,100000] [--runs N] [--keep]`).
///
/// Each board is a checkout (working files, index and hooks, as `mission init` leaves them) of N active tickets,
/// the same shape as the default suite's, its objects packed. Every number is the median of `runs` runs of a warm process (the first
/// run, which fills the ticket cache, is not counted); memory is the process's peak resident size.
enum CommandBench {
    struct Measure {
        var name: String
        var ms: Double
        var megabytes: Double
        var peer: String?
        var peerMs: Double?
    }

    static func run(sizes: [Int], runs: Int, keep: Bool) throws {
        say("mission-bench --commands: median of \(runs) warm runs per command, whole processes, release build, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        var table: [(size: Int, measures: [Measure])] = []
        for size in sizes {
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("mission-commands-\(size)-\(UUID().uuidString.prefix(6))").path
            defer { if !keep { try? FileManager.default.removeItem(atPath: path) } }
            let started = Date()
            let ids = try checkoutBoard(tickets: size, at: path)
            say("\n\(size) tickets (board built in \(Int(Date().timeIntervalSince(started))) s\(keep ? ", kept at \(path)" : ""))")
            let measures = try measure(path: path, ids: ids, runs: runs)
            for item in measures {
                var line = "  " + item.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(format: "%8.1f ms %6.0f MB", item.ms, item.megabytes)
                if let peer = item.peer, let peerMs = item.peerMs {
                    line += String(format: "   %@ %.1f ms: %.2f×", peer, peerMs, item.ms / max(peerMs, 0.001))
                }
                say(line)
            }
            table.append((size, measures))
        }
        guard table.count > 1 else { return }
        say("\ngrowth (ms)")
        say("  " + "command".padding(toLength: 28, withPad: " ", startingAt: 0)
            + table.map { "\($0.size)".padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
        for (index, item) in table[0].measures.enumerated() {
            say("  " + item.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + table.map { String(format: "%-10.1f", $0.measures[index].ms) }.joined())
        }
    }

    /// A checkout of a board of `tickets` active tickets on `main`, hooks installed by `mission init`.
    static func checkoutBoard(tickets: Int, at path: String) throws -> [String] {
        let (_, _, ids) = try buildBoard(active: tickets, archived: 0, at: path, bare: false)
        // Packed, as a board that has lived is, and with no gc of git's own starting in the middle of a measurement.
        for arguments in [["symbolic-ref", "HEAD", "refs/heads/main"], ["gc", "-q"], ["reset", "-q", "--hard"],
                          ["config", "user.name", "Bench"], ["config", "user.email", "bench@example.com"],
                          ["config", "gc.auto", "0"]] {
            guard spawn("/usr/bin/git", arguments, in: path).status == 0 else { fatalError("git \(arguments) failed") }
        }
        guard spawn(missionBinary, ["init"], in: path).status == 0 else { fatalError("mission init failed") }
        return ids
    }

    static func measure(path: String, ids: [String], runs: Int) throws -> [Measure] {
        let git = "/usr/bin/git"
        // The blobs every listing reads: each active ticket's spec and status, fed to one `git cat-file --batch`.
        let blobsFile = path + "/.git/bench-blobs"
        let listing = spawn(git, ["ls-tree", "-r", "HEAD", "board/tickets/"], in: path, capture: true)
        let blobs = listing.output.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: "\t", maxSplits: 1)
            guard fields.count == 2, fields[1].hasSuffix("/ticket.yaml") || fields[1].hasSuffix("/status.yaml") else { return nil }
            return String(fields[0].split(separator: " ")[2])
        }
        _ = FileManager.default.createFile(atPath: blobsFile, contents: Data((blobs.joined(separator: "\n") + "\n").utf8))
        let catFile = timed(runs) { spawn(git, ["cat-file", "--batch"], in: path, input: blobsFile) }

        func mission(_ arguments: [String], expect: Int32 = 0) -> (ms: Double, megabytes: Double) {
            _ = spawn(missionBinary, arguments, in: path)  // warm: the first run fills the cache
            let time = timed(runs) {
                let result = spawn(missionBinary, arguments, in: path)
                if result.status != expect {
                    fatalError("mission \(arguments.joined(separator: " ")) exited \(result.status), expected \(expect)")
                }
                return result
            }
            return (time.ms, peakMemory(missionBinary, arguments, in: path) ?? time.megabytes)
        }
        var measures: [Measure] = []
        let version = mission(["--version"])
        let gitVersion = timed(runs) { spawn(git, ["--version"], in: path) }
        measures.append(Measure(name: "--version", ms: version.ms, megabytes: version.megabytes,
                                peer: "git --version", peerMs: gitVersion.ms))
        for arguments in [["list", "--ready"], ["list", "--ready", "--json"], ["list"], ["board"]] {
            let result = mission(arguments)
            measures.append(Measure(name: arguments.joined(separator: " "), ms: result.ms, megabytes: result.megabytes,
                                    peer: "cat-file --batch", peerMs: catFile.ms))
        }
        let show = mission(["show", ids[ids.count / 2]])
        let gitShow = timed(runs) { spawn(git, ["show", "HEAD:board/tickets/\(ids[ids.count / 2])/ticket.yaml"], in: path) }
        measures.append(Measure(name: "show ID", ms: show.ms, megabytes: show.megabytes, peer: "git show HEAD:spec",
                                peerMs: gitShow.ms))
        let check = mission(["check"])
        let status = timed(runs) { spawn(git, ["status", "--porcelain"], in: path) }
        measures.append(Measure(name: "check", ms: check.ms, megabytes: check.megabytes, peer: "git status",
                                peerMs: status.ms))

        // The pre-commit hook, run as git runs it, with one ticket's spec edited and staged.
        let edited = "board/tickets/\(ids[1])/ticket.yaml"
        let original = try String(contentsOfFile: "\(path)/\(edited)", encoding: .utf8)
        try original.replacingOccurrences(of: "priority: ", with: "priority: urgent\n#was: ")
            .write(toFile: "\(path)/\(edited)", atomically: true, encoding: .utf8)
        _ = spawn(git, ["add", edited], in: path)
        let hookPath = "\(path)/.git/hooks/pre-commit"
        _ = spawn(hookPath, [], in: path)
        let hook = timed(runs) {
            let result = spawn(hookPath, [], in: path)
            if result.status != 0 { fatalError("the pre-commit hook refused a valid edit") }
            return result
        }
        let commit = timed(1) { spawn(git, ["commit", "-q", "--no-verify", "-m", "bench: one edit"], in: path) }
        measures.append(Measure(name: "pre-commit hook, one ticket", ms: hook.ms, megabytes: hook.megabytes,
                                peer: "git commit --no-verify", peerMs: commit.ms))

        // `new`, commit included, against `git add && git commit` of one new file in the same checkout.
        var counter = 0
        let new = timed(runs) {
            counter += 1
            return spawn(missionBinary, ["new", "Bench ticket \(counter)", "--no-edit"], in: path)
        }
        let plain = timed(runs) {
            counter += 1
            let file = "bench-\(counter).txt"
            _ = FileManager.default.createFile(atPath: "\(path)/\(file)", contents: Data("one file \(counter)\n".utf8))
            let add = spawn(git, ["add", file], in: path)
            let commit = spawn(git, ["commit", "-q", "--no-verify", "-m", "bench: \(file)"], in: path)
            return Spawned(status: commit.status, ms: add.ms + commit.ms, megabytes: max(add.megabytes, commit.megabytes), output: "")
        }
        measures.append(Measure(name: "new, commit included", ms: new.ms, megabytes: new.megabytes,
                                peer: "git add && git commit", peerMs: plain.ms))
        return measures
    }

    /// The peak resident memory of one run in MB, as /usr/bin/time reports it. A child spawned from this process
    /// is charged the bench's own memory (its board) before it execs, so wait4's figure is too high on a large board;
    /// `time` is a small process of its own.
    static func peakMemory(_ executable: String, _ arguments: [String], in directory: String) -> Double? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { return nil }
        let report = "\(directory)/.git/bench-time"
        _ = spawn("/usr/bin/time", ["-f", "%M", "-o", report, executable] + arguments, in: directory)
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.map { $0 / 1024 }
    }

    struct Spawned {
        var status: Int32
        var ms: Double
        var megabytes: Double
        var output: String
    }

    /// The median time and the peak memory of `runs` runs of `body`.
    static func timed(_ runs: Int, _ body: () -> Spawned) -> (ms: Double, megabytes: Double) {
        let results = (0..<max(1, runs)).map { _ in body() }
        return (median(results.map(\.ms)), results.map(\.megabytes).max() ?? 0)
    }

    /// Runs `executable` in `directory` (standard input from `input`, else /dev/null; output to /dev/null unless
    /// captured) and returns its exit status, wall time and peak resident memory (from wait4's rusage).
    static func spawn(_ executable: String, _ arguments: [String], in directory: String, input: String? = nil,
                      capture: Bool = false) -> Spawned {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        let scratch = FileManager.default.fileExists(atPath: "\(directory)/.git") ? "\(directory)/.git" : directory
        let outputPath = "\(scratch)/bench-stdout"
        posix_spawn_file_actions_addopen(&actions, 1, capture ? outputPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "\(scratch)/bench-stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // The bench is one thread: the child inherits the working directory set here.
        guard chdir(directory) == 0 else { fatalError("cannot enter \(directory)") }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_AUTHOR_NAME"] = "Bench"
        environment["GIT_AUTHOR_EMAIL"] = "bench@example.com"
        environment["GIT_COMMITTER_NAME"] = "Bench"
        environment["GIT_COMMITTER_EMAIL"] = "bench@example.com"
        environment["PATH"] = "\((missionBinary as NSString).deletingLastPathComponent):\(environment["PATH"] ?? "/usr/bin:/bin")"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        var status: Int32 = 0
        var usage = rusage()
        let elapsed = milliseconds {
            guard posix_spawn(&pid, executable, &actions, nil, argv, envp) == 0 else { fatalError("cannot spawn \(executable)") }
            _ = wait4(pid, &status, 0, &usage)
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = capture ? ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "") : ""
        return Spawned(status: code, ms: elapsed, megabytes: Double(usage.ru_maxrss) / 1024, output: output)
    }
}
