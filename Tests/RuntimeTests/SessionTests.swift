import Foundation
import Runtime
import Testing

/// Sessions as real processes: output straight to a file, limits enforced on the whole process group,
/// and a restarted watcher finding out how a session ended.
/// The suites whose tests start real process trees and read their signals, one at a time: a test here changes how
/// this whole test process treats SIGTERM for a moment, which must not overlap a tmux server being started.
@Suite(.serialized) enum ProcessTrees {}

extension ProcessTrees {
@Suite(.serialized) final class SessionTests {
    let root: String
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sessions-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Launches `/bin/sh -c script` (standing in for an agent CLI) in `root`.
    func launch(_ script: String, id: String = "S-1") throws -> SessionHandle {
        try Launcher.launch(id: id, argv: ["/bin/sh", "-c", script], workingDirectory: root,
                            environment: ["PATH": "/usr/bin:/bin"], directory: SessionDirectory(path: "\(root)/\(id)"))
    }

    func output(_ handle: SessionHandle) throws -> String {
        try String(contentsOfFile: SessionDirectory(path: handle.directory).output, encoding: .utf8)
    }

    @Test func outputGoesToTheFileStdoutAndStderrAndTheExitStatusIsKept() throws {
        let handle = try launch("echo working; echo oops >&2; pwd; exit 3")
        #expect(Monitor.wait(for: handle, limits: .init(wall: 10), isChild: true) == .exited(3))
        #expect(try output(handle) == "working\noops\n\(root)\n")
        #expect(Monitor.recordedEnd(SessionDirectory(path: handle.directory)) == .exited(3))
        let clean = try launch("echo fine", id: "S-2")
        #expect(Monitor.wait(for: clean, limits: .init(), isChild: true) == .exited(0))
    }

    /// A session starts with every signal at its default, whatever its launcher ignores: `mission watch` ignores
    /// SIGTERM and SIGINT (a dispatch source takes them), and an agent that inherited that shrugged off the SIGTERM
    /// that stops its group.
    @Test func aSessionDoesNotInheritIgnoredSignals() throws {
        let previous = signal(SIGTERM, SIG_IGN)
        defer { signal(SIGTERM, previous) }
        // The session's own shell reads what it was given: SigIgn is the mask of ignored signals (SIGTERM is bit 15).
        let handle = try launch("grep '^SigIgn' /proc/self/status; sleep 30")
        usleep(300_000)
        kill(-handle.pid, SIGTERM)
        #expect(Monitor.wait(for: handle, limits: .init(wall: 10), isChild: true) == .signaled(SIGTERM), "SIGTERM stopped it")
        let mask = try output(handle).split(separator: "\t").last.map { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) } ?? nil
        let ignored = try #require(mask)
        #expect(ignored & (1 << (UInt64(SIGTERM) - 1)) == 0, "SIGTERM is not ignored in the session")
    }

    @Test func aCommandKilledBySignalIsReportedAsSuch() throws {
        let handle = try launch("kill -9 $$")
        #expect(Monitor.wait(for: handle, limits: .init(wall: 10), isChild: true) == .signaled(9))
    }

    @Test func theWallLimitKillsTheWholeProcessGroupGrandchildrenIncluded() throws {
        let handle = try launch("sleep 60 & echo $! > grandchild.pid; echo started; sleep 60")
        let start = Date()
        #expect(Monitor.wait(for: handle, limits: .init(wall: 0.5), isChild: true) == .killed(.wall))
        #expect(Date().timeIntervalSince(start) < 5)
        let pidText = try String(contentsOfFile: "\(root)/grandchild.pid", encoding: .utf8)
        let grandchild = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(Processes.startTime(of: grandchild) == nil, "the agent's own child survived")
        #expect(!Processes.isAlive(handle))
    }

    @Test func theIdleLimitKillsASessionThatStopsPrinting() throws {
        let handle = try launch("echo one; sleep 60")
        #expect(Monitor.wait(for: handle, limits: .init(wall: 30, idle: 0.4), isChild: true) == .killed(.idle))
        #expect(try output(handle) == "one\n")
    }

    /// The limit is checked every poll, so a flood overshoots by what it writes in one poll interval; once the
    /// group is dead the output is cut back to the limit, with a line that says so.
    @Test func anOutputFloodIsStoppedAndCutAtItsLimit() throws {
        let handle = try launch("while :; do echo 'flood flood flood flood flood flood flood flood'; done")
        #expect(Monitor.wait(for: handle, limits: .init(wall: 30, outputBytes: 200_000), isChild: true) == .killed(.output))
        let output = try #require(FileManager.default.contents(atPath: SessionDirectory(path: handle.directory).output))
        let marker = "\n[mission: output stopped at its limit of 200000 bytes]\n"
        #expect(output.count == 200_000 + marker.utf8.count, "\(output.count) bytes")
        #expect(String(decoding: output.suffix(marker.utf8.count), as: UTF8.self) == marker)
        #expect(String(decoding: output.prefix(48), as: UTF8.self) == "flood flood flood flood flood flood flood flood\n")
        #expect(!Processes.isAlive(handle))
    }

    @Test func aMissingExecutableOrFolderIsALaunchFailureAndNothingRuns() throws {
        #expect(throws: LaunchError.self) {
            try Launcher.launch(id: "S-9", argv: ["no-such-agent-cli"], workingDirectory: root,
                                environment: ["PATH": "/usr/bin:/bin"], directory: SessionDirectory(path: "\(root)/S-9"))
        }
        do {
            _ = try Launcher.launch(id: "S-8", argv: ["/bin/true"], workingDirectory: "\(root)/missing",
                                    environment: [:], directory: SessionDirectory(path: "\(root)/S-8"))
            Issue.record("launched in a missing folder")
        } catch {
            #expect(error.message.contains("does not exist"))
        }
    }

    @Test func aRestartedWatcherReattachesAndLearnsTheEndFromTheFiles() throws {
        let handle = try launch("echo half; sleep 0.5; echo done; exit 4")
        // Not the parent: it sees the process by pid and start time, then the exit file.
        #expect(Reaper.settle(handle) == .alive)
        let end = Monitor.wait(for: handle, limits: .init(wall: 10), isChild: false)
        #expect(end == .exited(4))
        guard case .ended(let settled, let tail) = Reaper.settle(handle) else {
            Issue.record("still alive")
            return
        }
        #expect(settled == .exited(4))
        #expect(tail == ["half", "done"])
        var status: Int32 = 0
        waitpid(handle.pid, &status, 0)  // this test process is the real parent: reap the zombie
    }

    @Test func aReusedPidIsNotMistakenForTheSession() throws {
        let handle = try launch("sleep 5")
        var stranger = handle
        stranger.pidStart += 1  // same pid, another process
        #expect(!Processes.isAlive(stranger))
        guard case .ended(let end, _) = Reaper.settle(stranger) else {
            Issue.record("a stranger was taken for the session")
            return
        }
        #expect(end == .vanished)  // the real session has written no exit file: nothing says how it ended
        Monitor.killGroup(stranger, isChild: false)  // refuses to signal a process that is not the session
        #expect(Processes.isAlive(handle))
        Monitor.killGroup(handle, isChild: true)
        #expect(!Processes.isAlive(handle))
    }

    @Test func tailReadsTheLastLinesOnly() throws {
        let path = "\(root)/big.log"
        let text = (1...10_000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(Reaper.tail(path, lines: 3) == ["line 9998", "line 9999", "line 10000"])
        #expect(Reaper.tail("\(root)/none.log", lines: 3) == [])
    }
}
}
