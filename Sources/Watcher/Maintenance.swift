import Foundation

/// Keeps the repository packed. Every commit writes its trees as loose objects, and at ten thousand tickets a
/// board commit writes some 300 KB of them; libgit2 never packs, so a watcher's repository would grow by that
/// much per commit for ever (mission-bench --growth: 79 KB per session at 1,000 tickets, 25 MB once packed).
/// Git's own `git gc --auto` does what git does after its porcelain commands: nothing until there are enough
/// loose objects (`gc.auto`, 6,700 by default), then a pack, safely beside concurrent writers. It runs in the
/// background at most once per `interval`, one at a time, and is reaped on a later tick.
final class Maintenance {
    private let gitDirectory: String
    private let interval: TimeInterval
    private var lastStart = Date.distantPast
    private var running: Process?

    init(gitDirectory: String, interval: TimeInterval = 600) {
        self.gitDirectory = gitDirectory
        self.interval = interval
    }

    /// The git executable on PATH, if there is one.
    static let git: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { "\($0)/git" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts `git gc --auto` when the last one finished and `interval` has passed since it started; returns
    /// whether it started one. Never fails the watcher: a gc that cannot start is tried again next interval.
    @discardableResult
    func tick(now: Date = Date()) -> Bool {
        if let running, running.isRunning { return false }
        running = nil
        guard now.timeIntervalSince(lastStart) >= interval, let git = Self.git else { return false }
        lastStart = now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: git)
        // Not detached (git's default for --auto): the gc stays this watcher's child, to reap or stop.
        process.arguments = ["--git-dir=\(gitDirectory)", "-c", "gc.autoDetach=false", "gc", "--auto", "--quiet"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        running = process
        return true
    }

    /// Waits for a gc still running to finish.
    func finish() {
        running?.waitUntilExit()
        running = nil
    }

    /// Stops a gc still running and reaps it (the watcher is stopping): git leaves the repository whole when a gc
    /// is interrupted, and the next one finishes the work.
    func stop() {
        running?.terminate()
        finish()
    }
}
