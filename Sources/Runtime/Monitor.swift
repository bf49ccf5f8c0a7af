import Foundation

/// Watching a session until it ends, enforcing its limits. Blocks the calling thread: run it off the
/// cooperative pool.
public enum Monitor {
    /// Waits for `handle` to end. `isChild` says this process launched it (so it reaps it with waitpid and
    /// learns its status directly); a restarted watcher passes false and learns the status from the exit file.
    /// On a broken limit the whole process group is killed: the agent's own tools die with it.
    public static func wait(for handle: SessionHandle, limits: SessionLimits, isChild: Bool,
                            poll: TimeInterval = 0.05, now: () -> Date = Date.init) -> SessionEnd {
        var watch = Watch(handle: handle, limits: limits, isChild: isChild, now: now())
        while true {
            if let end = watch.check(now: now()) { return end }
            Thread.sleep(forTimeInterval: poll)
        }
    }

    /// One session being watched without blocking: call `check` whenever convenient (a daemon watching many
    /// sessions from one thread does it on every tick).
    public struct Watch: Sendable {
        /// The session.
        public let handle: SessionHandle
        /// Its limits.
        public let limits: SessionLimits
        /// Whether this process launched it (and so reaps it).
        public let isChild: Bool
        private var lastSize = -1
        private var lastOutput: Date

        /// Starts watching `handle` at `now`.
        public init(handle: SessionHandle, limits: SessionLimits, isChild: Bool, now: Date) {
            self.handle = handle
            self.limits = limits
            self.isChild = isChild
            self.lastOutput = now
        }

        /// How the session ended, killing its group when it broke a limit; nil while it runs within them.
        public mutating func check(now: Date) -> SessionEnd? {
            let directory = SessionDirectory(path: handle.directory)
            if let end = Monitor.ended(handle, directory: directory, isChild: isChild) { return end }
            let size = fileSize(directory.output)
            if size != lastSize {
                lastSize = size
                lastOutput = now
            }
            var breach: LimitBreach?
            if let limit = limits.outputBytes, size > limit { breach = .output }
            else if let wall = limits.wall, now.timeIntervalSince(handle.started) > wall { breach = .wall }
            else if let idle = limits.idle, now.timeIntervalSince(lastOutput) > idle { breach = .idle }
            guard let breach else { return nil }
            killGroup(handle, isChild: isChild)
            if breach == .output, let limit = limits.outputBytes { Monitor.cut(directory.output, at: limit) }
            return .killed(breach)
        }
    }

    /// Stops a session: SIGTERM to its process group, then SIGKILL after `grace`; reaps it when ours.
    public static func killGroup(_ handle: SessionHandle, isChild: Bool, grace: TimeInterval = 2) {
        guard isChild || Processes.isAlive(handle) else { return }  // never signal a reused pid
        kill(-handle.pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if isChild {
                var status: Int32 = 0
                if waitpid(handle.pid, &status, WNOHANG) == handle.pid { return sweep(handle) }
            } else if !Processes.isAlive(handle) {
                return sweep(handle)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(-handle.pid, SIGKILL)
        if isChild {
            var status: Int32 = 0
            waitpid(handle.pid, &status, 0)
        }
        sweep(handle)
    }

    /// Kills what is left of the group once its leader is gone (a grandchild that ignored SIGTERM).
    private static func sweep(_ handle: SessionHandle) {
        kill(-handle.pid, SIGKILL)
    }

    /// How the session ended, or nil while it runs.
    static func ended(_ handle: SessionHandle, directory: SessionDirectory, isChild: Bool) -> SessionEnd? {
        if isChild {
            var status: Int32 = 0
            guard waitpid(handle.pid, &status, WNOHANG) == handle.pid else { return nil }
            sweep(handle)
            if status & 0x7F == 0 { return decode(exitCode: (status >> 8) & 0xFF) }
            return .signaled(status & 0x7F)
        }
        guard !Processes.isAlive(handle) else { return nil }
        sweep(handle)
        return recordedEnd(directory)
    }

    /// The end the wrapper recorded, or `.vanished` when it recorded none.
    public static func recordedEnd(_ directory: SessionDirectory) -> SessionEnd {
        guard let text = try? String(contentsOfFile: directory.exitStatus, encoding: .utf8),
              let code = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return .vanished }
        return decode(exitCode: code)
    }

    /// A shell reports a command killed by signal N as status 128 + N.
    static func decode(exitCode: Int32) -> SessionEnd {
        (129...192).contains(exitCode) ? .signaled(exitCode - 128) : .exited(exitCode)
    }

    /// Cuts a flooded output file back to `limit` bytes once its writers are dead, saying so at its end: a flood
    /// overshoots the limit by what it wrote between two checks, and none of that is kept or committed.
    static func cut(_ path: String, at limit: Int) {
        guard fileSize(path) > limit, truncate(path, off_t(limit)) == 0,
              let file = FileHandle(forWritingAtPath: path) else { return }
        defer { try? file.close() }
        _ = try? file.seekToEnd()
        try? file.write(contentsOf: Data("\n[mission: output stopped at its limit of \(limit) bytes]\n".utf8))
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}

/// Settling sessions the board believes are running, after a watcher restart.
public enum Reaper {
    /// What became of a session.
    public enum Finding: Sendable, Hashable {
        /// It still runs and is ours: re-attach.
        case alive
        /// It ended, with what was last printed.
        case ended(SessionEnd, tail: [String])
    }

    /// Looks at `handle` without being its parent.
    public static func settle(_ handle: SessionHandle, tailLines: Int = 20) -> Finding {
        if Processes.isAlive(handle) { return .alive }
        let directory = SessionDirectory(path: handle.directory)
        return .ended(Monitor.recordedEnd(directory), tail: tail(directory.output, lines: tailLines))
    }

    /// The last `lines` lines of a file, reading only its end.
    public static func tail(_ path: String, lines: Int, maxBytes: Int = 64 << 10) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        return Array(text.outputLines().map(String.init)
            .reversed().drop { $0.isEmpty }.prefix(lines).reversed())
    }
}
