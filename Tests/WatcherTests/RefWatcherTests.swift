import Foundation
import Glibc
import Testing
@testable import Watcher

/// inotify on a real repository's refs, driven by the real git.
@Suite(.serialized)
struct RefWatcherTests {
    /// A fresh repository with one commit on `main`, removed when `body` returns.
    func withRepository(_ body: (_ work: String, _ gitDirectory: String) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ref-watcher-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        let work = url.resolvingSymlinksInPath().path
        try git(["init", "-q", "-b", "main"], in: work)
        try git(["commit", "-q", "--allow-empty", "-m", "first"], in: work)
        try body(work, "\(work)/.git")
    }

    /// Runs /usr/bin/git in `directory` with a fixed identity and no global or system configuration.
    func git(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "git \(arguments.joined(separator: " ")) failed")
    }

    /// Polls and drains `watcher` until `path` is reported (or a rescan), for at most `timeout` seconds; returns
    /// everything reported meanwhile.
    func waitFor(_ path: String, from watcher: RefWatcher, timeout: TimeInterval = 5) -> RefChange {
        var paths: Set<String> = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var wait = pollfd(fd: watcher.fileDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&wait, 1, 100)
            switch watcher.drain() {
            case .none: continue
            case .rescan: return .rescan
            case .changed(let more): paths.formUnion(more)
            }
            if paths.contains(path) { break }
        }
        return paths.isEmpty ? .none : .changed(paths: paths)
    }

    /// The paths of a `.changed`, or nil.
    func paths(_ change: RefChange) -> Set<String>? {
        if case .changed(let paths) = change { paths } else { nil }
    }

    @Test func nothingHappeningDrainsToNone() throws {
        try withRepository { _, gitDirectory in
            let watcher = try RefWatcher(gitDirectory: gitDirectory)
            var wait = pollfd(fd: watcher.fileDescriptor, events: Int16(POLLIN), revents: 0)
            #expect(poll(&wait, 1, 50) == 0)
            #expect(watcher.drain() == .none)
        }
    }

    @Test func aCommitReportsItsBranch() throws {
        try withRepository { work, gitDirectory in
            let watcher = try RefWatcher(gitDirectory: gitDirectory)
            try git(["commit", "-q", "--allow-empty", "-m", "second"], in: work)
            let change = waitFor("refs/heads/main", from: watcher)
            #expect(paths(change)?.contains("refs/heads/main") == true, "\(change)")
            #expect(change.mayHaveMoved("refs/heads/main"))
            #expect(!change.mayHaveMoved("refs/heads/other"))
            #expect(paths(change)?.contains { $0.hasSuffix(".lock") } == false)
        }
    }

    @Test func aRefInAFolderMadeAfterTheStartIsReported() throws {
        try withRepository { work, gitDirectory in
            let watcher = try RefWatcher(gitDirectory: gitDirectory)
            try git(["update-ref", "refs/heads/feature/deep/x", "HEAD"], in: work)
            let created = waitFor("refs/heads/feature/deep/x", from: watcher)
            #expect(created.mayHaveMoved("refs/heads/feature/deep/x"), "\(created)")

            // The new folder is watched from now on: a second ref in it is seen as it lands.
            try git(["update-ref", "refs/heads/feature/deep/y", "HEAD"], in: work)
            #expect(paths(waitFor("refs/heads/feature/deep/y", from: watcher))?.contains("refs/heads/feature/deep/y") == true)

            // git removes the emptied folders on delete; a folder made again under the same name is watched again.
            try git(["update-ref", "-d", "refs/heads/feature/deep/x"], in: work)
            try git(["update-ref", "-d", "refs/heads/feature/deep/y"], in: work)
            #expect(waitFor("refs/heads/feature/deep/y", from: watcher).mayHaveMoved("refs/heads/feature/deep/y"))
            try git(["update-ref", "refs/heads/feature/deep/z", "HEAD"], in: work)
            #expect(paths(waitFor("refs/heads/feature/deep/z", from: watcher))?.contains("refs/heads/feature/deep/z") == true)
        }
    }

    @Test func packingRefsReportsPackedRefs() throws {
        try withRepository { work, gitDirectory in
            let watcher = try RefWatcher(gitDirectory: gitDirectory)
            try git(["pack-refs", "--all"], in: work)
            let change = waitFor("packed-refs", from: watcher)
            #expect(paths(change)?.contains("packed-refs") == true, "\(change)")
            #expect(change.mayHaveMoved("refs/heads/main"))  // its loose file is gone; the ref lives on
        }
    }

    @Test func lockFilesAndOtherGitFilesAloneReportNothing() throws {
        try withRepository { work, gitDirectory in
            let watcher = try RefWatcher(gitDirectory: gitDirectory)
            // inotify queues events as the system calls return, so what is pending is known once these do.
            for lock in ["refs/heads/main.lock", "refs/heads/new/branch.lock", "packed-refs.lock", "HEAD.lock"] {
                let url = URL(fileURLWithPath: "\(gitDirectory)/\(lock)")
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data("x\n".utf8).write(to: url)  // in place, as git writes a lock file
                try FileManager.default.removeItem(at: url)
            }
            try Data("notes\n".utf8).write(to: URL(fileURLWithPath: "\(work)/notes.txt"))
            try git(["add", "notes.txt"], in: work)  // rewrites .git/index, not a ref
            #expect(watcher.drain() == .none)
        }
    }

    @Test func aMissingGitFolderThrowsAClearError() {
        #expect {
            _ = try RefWatcher(gitDirectory: "/nonexistent-\(UUID().uuidString)/.git")
        } throws: { error in
            let error = error as? RefWatcherError
            return error?.code == ENOENT && error?.description.contains("inotify_add_watch") == true
        }
    }

    @Test func eventsAreParsedFromAnUnalignedBuffer() {
        // Two records as the kernel lays them out, starting one byte into the buffer.
        func record(watch: Int32, mask: UInt32, name: String, length: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            withUnsafeBytes(of: watch.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: mask.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: UInt32(0)) { bytes += $0 }
            withUnsafeBytes(of: UInt32(length).littleEndian) { bytes += $0 }
            let name = Array(name.utf8)
            return bytes + name + [UInt8](repeating: 0, count: length - name.count)
        }
        let buffer = [0xFF] + record(watch: 3, mask: UInt32(IN_MOVED_TO), name: "main", length: 16)
            + record(watch: -1, mask: UInt32(IN_Q_OVERFLOW), name: "", length: 0)
        let events = buffer.withUnsafeBytes { RefWatcher.events(in: UnsafeRawBufferPointer(rebasing: $0.dropFirst())) }
        #expect(events.map(\.watch) == [3, -1])
        #expect(events.map(\.name) == ["main", ""])
        #expect(events.map { $0.has(IN_Q_OVERFLOW) } == [false, true])
        #expect(RefChange.rescan.mayHaveMoved("refs/heads/main"))
        #expect(!RefChange.none.mayHaveMoved("refs/heads/main"))
    }
}
