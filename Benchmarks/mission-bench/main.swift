// The benchmark suite: `swift run -c release mission-bench [--sizes 1000,10000,100000] [--runs N]`.
// Builds boards in temporary repositories and prints a table of timings (median of runs) and peak memory.
import Board
import Control
import Foundation
import Git

/// Prints `line` and flushes it, so a long run's lines reach a log or a pipe as they come.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

struct Arguments {
    var sizes: [(active: Int, archived: Int)] = [(1_000, 0), (10_000, 0), (10_000, 90_000)]
    var runs = 5
    var keep = false
    var watcher = false
    var quick = false
    var hub = false
    var console = false
    var ledger = false
    var commands = false
    var growth = false
    var sessions = 10
    var sample: Int?
    var sizesGiven = false
    var tickets: Int?

    init() {
        var iterator = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--keep": keep = true
            case "--watcher": watcher = true
            case "--quick": quick = true
            case "--hub": hub = true
            case "--console": console = true
            case "--ledger": ledger = true
            case "--commands": commands = true
            case "--growth": growth = true
            case "--sessions": sessions = Int(iterator.next() ?? "") ?? sessions
            case "--sample": sample = Int(iterator.next() ?? "")
            case "--tickets": tickets = Int(iterator.next() ?? "")
            case "--sizes":
                sizesGiven = true
                sizes = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }.map { total in
                    total > 10_000 ? (10_000, total - 10_000) : (total, 0)
                }
            default:
                print("usage: mission-bench [--sizes 1000,10000,100000] [--runs N] [--keep] [--watcher [--quick]] [--hub [--tickets N] [--runs N]] [--console [--tickets N] [--runs N]] [--ledger [--tickets N]] [--commands [--sizes 1000,10000] [--runs N] [--keep]] [--growth [--tickets N] [--sessions N] [--sample N]]")
                exit(2)
            }
        }
    }
}

/// Milliseconds of wall time `body` takes.
func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

/// Peak resident memory in MB of this process or of its finished children.
func peakMegabytes(children: Bool) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// The `mission` binary built beside this one.
let missionBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mission").path

/// Runs `mission` and returns its wall time in ms; fails loudly on a non-zero exit (except for `check`).
/// Spawns with posix_spawn and waits with waitpid: Foundation's Process polls for exit in 50 ms steps
/// on Linux, which would swamp what is measured.
func runMission(_ arguments: [String], in directory: String) -> Double {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let errorPath = "\(directory)/.bench-stderr"
    posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = ([missionBinary] + arguments + ["-C", directory]).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_AUTHOR_NAME"] = "Bench"
    environment["GIT_AUTHOR_EMAIL"] = "bench@example.com"
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { envp.forEach { free($0) } }
    var pid: pid_t = 0
    var status: Int32 = 0
    let elapsed = milliseconds {
        guard posix_spawn(&pid, missionBinary, &actions, nil, argv, envp) == 0 else { fatalError("cannot spawn mission") }
        waitpid(pid, &status, 0)
    }
    let exited = (status & 0x7f) == 0, code = (status >> 8) & 0xff
    if !(exited && code == 0) && arguments.first != "check" {
        let text = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        fatalError("mission \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
    }
    return elapsed
}

/// A board of `active` tickets and `archived` archived ones in a new bare repository.
func buildBoard(active: Int, archived: Int, at path: String, readyShare: Bool? = nil,
                packets: Bool = false, bare: Bool = true) throws -> (Repository, ObjectID, [String]) {
    let repository = try Repository.create(at: path, bare: bare)
    try repository.setConfigString("mission.branch", "main")
    try repository.setConfigString("mission.dir", "board")
    let location = BoardLocation(branch: "main")
    var edits: [TreeEdit] = []
    for change in StarterBoard.boardFiles(for: location, approver: "bench@example.com") {
        if case .write(let path, let bytes) = change { edits.append(.write(path: path, blob: try repository.writeBlob(bytes))) }
    }
    var generator = SystemRandomNumberGenerator()
    var ids: Set<String> = []
    var ordered: [String] = []
    for _ in 0..<(active + archived) {
        let id = TicketID.mint(prefix: "MC", existing: ids, minimumLength: 4, using: &generator)
        ids.insert(id)
        ordered.append(id)
    }
    let priorities = ["low", "medium", "high", "urgent"]
    let states = ["draft", "ready", "ready", "hold"]
    for (index, id) in ordered.enumerated() {
        let isArchived = index >= active
        let folder = isArchived ? location.archivedFolder(id, year: 2025, month: 1 + index % 12) : location.ticketFolder(id)
        var blockers = ""
        if !isArchived, index % 10 == 3, index > 0, readyShare == nil { blockers = "blocked_by: [\(ordered[index - 1])]\n" }
        let spec = """
            # yaml-language-server: $schema=../../schemas/ticket.schema.json
            id: \(id)
            title: Benchmark ticket number \(index) with a realistic title
            kind: feature
            priority: \(priorities[index % 4])
            state: \(isArchived ? "ready" : readyShare.map { $0 ? "ready" : "draft" } ?? states[index % 4])
            workflow: code
            owner: person\(index % 7)
            assignee: coder
            labels: [area\(index % 5), bench]
            \(blockers)created: 2026-11-01T10:00:00Z
            acceptance:
              - The thing works.
              - It is tested.
            description: |
              A description of ticket \(index), a few lines long,
              as people write them.

            """
        edits.append(.write(path: "\(folder)/ticket.yaml", blob: try repository.writeBlob(Array(spec.utf8))))
        if readyShare == nil && (isArchived || index % 2 == 0) {
            let status = isArchived
                ? "status: done\ngate: validate\nround: 1\nattempt: 1\nupdated: 2025-06-01T00:00:00Z\nclosed: 2025-06-01T00:00:00Z\n"
                : "status: \(index % 4 == 0 ? "running" : "queued")\ngate: implement\nround: 1\nattempt: 1\nupdated: 2026-11-20T00:00:00Z\n"
            edits.append(.write(path: "\(folder)/status.yaml", blob: try repository.writeBlob(Array(status.utf8))))
        }
        if index % 5 == 0 {
            edits.append(.write(path: "\(folder)/notes/20261120T100000Z-bench.md", blob: try repository.writeBlob(Array("A note.\n".utf8))))
        }
        if packets {
            // The evidence a ticket through implement, review and test leaves: one packet per gate.
            for (number, gate) in ["implement", "review", "test"].enumerated() where number <= index % 4 {
                let kind = gate == "test" ? "check" : "session"
                let cause = gate == "test" ? "check_passed" : "done"
                let verdict = gate == "review" ? "verdict: {decision: pass}\n" : ""
                let packet = "kind: \(kind)\nticket: \(id)\ngate: \(gate)\nsession: S-\(index)-\(number)\n"
                    + "started: 2026-11-20T10:00:00Z\nended: 2026-11-20T10:05:00Z\nsummary: did the work on ticket \(index)\n"
                    + "terminal: {status: ok, summary: done, root_cause: \(cause)}\n\(verdict)"
                    + "transcript: {blob: 4b825dc642cb6eb9a060e54bf8d69288fbee4904, tail: the last lines of output}\n"
                edits.append(.write(path: "\(folder)/evidence/000\(number + 1)-\(gate).yaml", blob: try repository.writeBlob(Array(packet.utf8))))
            }
        }
    }
    let tree = try repository.updateTree(nil, applying: edits)
    let me = Signature(name: "Bench", email: "bench@example.com", date: Date())
    let commit = try repository.createCommit(tree: tree, parents: [], author: me, committer: me, message: "bench board\n")
    try repository.updateReference("refs/heads/main", to: commit, expecting: nil, logMessage: "bench")
    return (repository, commit, ordered)
}

let arguments = Arguments()
guard FileManager.default.isExecutableFile(atPath: missionBinary) else {
    print("mission binary not found at \(missionBinary); build with: swift build -c release")
    exit(1)
}
if arguments.watcher {
    try WatcherBench.run(runs: arguments.runs, quick: arguments.quick)
    exit(0)
}
if arguments.hub {
    try HubBench.run(tickets: arguments.tickets ?? 100, latencyRuns: max(arguments.runs, 5))
    exit(0)
}
if arguments.growth {
    try GrowthBench.run(tickets: arguments.tickets ?? 1_000, sessions: arguments.sessions, sample: arguments.sample)
    exit(0)
}
if arguments.commands {
    let sizes = arguments.sizesGiven ? arguments.sizes.map { $0.active + $0.archived } : [1_000, 10_000]
    try CommandBench.run(sizes: sizes, runs: arguments.runs, keep: arguments.keep)
    exit(0)
}
if arguments.ledger {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mission-ledger-bench-\(UUID().uuidString.prefix(6))").path
    defer { if !arguments.keep { try? FileManager.default.removeItem(atPath: path) } }
    let size = arguments.tickets ?? 10_000
    _ = try buildBoard(active: size, archived: 0, at: path, packets: true)
    say("mission-bench --ledger: \(size) tickets with up to 3 packets each, median of \(arguments.runs), release build, "
        + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
    let first = runMission(["ledger"], in: path)
    let warm = median((0..<arguments.runs).map { _ in runMission(["ledger"], in: path) })
    let json = median((0..<arguments.runs).map { _ in runMission(["ledger", "--json"], in: path) })
    say(String(format: "  mission ledger, first run:   %8.1f ms", first))
    say(String(format: "  mission ledger, warm:        %8.1f ms", warm))
    say(String(format: "  mission ledger --json, warm: %8.1f ms", json))
    if arguments.keep { say("  the board: \(path)") }
    exit(0)
}
if arguments.console {
    try ConsoleBench.run(tickets: arguments.tickets ?? 10_000, runs: max(arguments.runs, 5))
    exit(0)
}
print("mission-bench: median of \(arguments.runs) runs, release build, \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("")
let header = ["board", "cold load", "warm load", "ready (lib)", "new (lib)", "list --ready", "check", "show", "new",
              "peak MB"]
print(header.map { $0.padding(toLength: 14, withPad: " ", startingAt: 0) }.joined())

for size in arguments.sizes {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mission-bench-\(UUID().uuidString.prefix(8))").path
    defer { if !arguments.keep { try? FileManager.default.removeItem(atPath: path) } }
    let (repository, commit, ids) = try buildBoard(active: size.active, archived: size.archived, at: path)
    let location = BoardLocation(branch: "main")

    var cold: [Double] = []
    for _ in 0..<max(1, arguments.runs / 2) {
        cold.append(try milliseconds {
            _ = try BoardLoader.load(repository: repository, commit: commit, location: location, cache: TicketCache())
        })
    }
    let cache = TicketCache()
    _ = try BoardLoader.load(repository: repository, commit: commit, location: location, cache: cache)
    var warm: [Double] = []
    for _ in 0..<arguments.runs {
        warm.append(try milliseconds {
            _ = try BoardLoader.load(repository: repository, commit: commit, location: location, cache: cache)
        })
    }
    var ready: [Double] = []
    for _ in 0..<arguments.runs {
        ready.append(try milliseconds {
            let snapshot = try BoardLoader.load(repository: repository, commit: commit, location: location, cache: cache)
            var filter = TicketFilter()
            filter.readyOnly = true
            precondition(!snapshot.tickets(matching: filter).isEmpty)
        })
    }
    // What `mission new --no-edit` does, in process: listing, mint, render, validate, commit.
    let store = BoardStore(repository: repository, location: location, cache: TicketCache())
    let me = Signature(name: "Bench", email: "bench@example.com", date: Date())
    setenv("GIT_AUTHOR_NAME", me.name, 1)
    setenv("GIT_AUTHOR_EMAIL", me.email, 1)
    let template = StarterBoard.file("templates/ticket.yaml")!
    var newTicket: [Double] = []
    for index in 0..<arguments.runs {
        newTicket.append(try milliseconds {
            let snapshot = try store.snapshot(.listing)
            let id = TicketID.mint(prefix: "MC", existing: snapshot.allIDs, minimumLength: 4)
            let bytes = Array(TicketTemplate.render(template, ticket: Ticket(id: id, title: "In process \(index)")).utf8)
            precondition(snapshot.checking(spec: bytes, id: id, folder: location.ticketFolder(id)).isEmpty)
            try store.commit(message: "\(id): new", reusing: snapshot) { _ in
                [.write(path: "\(location.ticketFolder(id))/ticket.yaml", bytes: bytes)]
            }
        })
    }
    let list = (0..<arguments.runs).map { _ in runMission(["list", "--ready"], in: path) }
    let check = (0..<max(1, arguments.runs / 2)).map { _ in runMission(["check"], in: path) }
    let show = (0..<arguments.runs).map { index in runMission(["show", ids[index * 7 % size.active]], in: path) }
    let new = (0..<arguments.runs).map { index in runMission(["new", "Bench \(index)", "--no-edit"], in: path) }
    let peak = max(peakMegabytes(children: true), peakMegabytes(children: false))
    let name = size.archived > 0 ? "\(size.active + size.archived) (\(size.active) active)" : "\(size.active)"
    let row = [name] + [median(cold), median(warm), median(ready), median(newTicket), median(list), median(check),
                        median(show), median(new)]
        .map { String(format: "%.1f ms", $0) } + [String(format: "%.0f", peak)]
    print(row.map { $0.padding(toLength: 14, withPad: " ", startingAt: 0) }.joined())
}
print("""

    cold/warm load: BoardLoader over the commit's tree with an empty / a filled in-memory cache.
    ready (lib): warm load + the ready filter, in process (what a resident watcher pays).
    new (lib): listing, mint, render, validate and commit, in process.
    list --ready, check, show, new: the real mission binary, process start included, with its on-disk
    cache (the first list run fills it; the median is of warm runs).
    """)
