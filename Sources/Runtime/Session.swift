import Foundation

/// Where a session keeps its files: `output.log` (everything the runtime printed, written by the process
/// itself, not through a pipe), `exit` (its exit status, written by the wrapper when it exits on its own)
/// and `session.json` (what is needed to find it again after a watcher restart).
public struct SessionDirectory: Sendable, Hashable {
    /// The folder.
    public let path: String

    /// A session folder.
    public init(path: String) { self.path = path }

    /// The runtime's output.
    public var output: String { "\(path)/output.log" }
    /// The exit status, once the wrapped process exited by itself.
    public var exitStatus: String { "\(path)/exit" }
    /// The session record.
    public var record: String { "\(path)/session.json" }
}

/// A launched session as a restarted watcher finds it again: the process group leader's pid and its start
/// time (so a reused pid is never mistaken for the session), and where its files are.
public struct SessionHandle: Sendable, Hashable, Codable {
    /// The session id.
    public var id: String
    /// The process group leader (the wrapper), whose pid is also the group id.
    public var pid: Int32
    /// The leader's start time in clock ticks since boot, from /proc.
    public var pidStart: UInt64
    /// The session folder.
    public var directory: String
    /// When it started.
    public var started: Date
}

/// How long and how much a session may run.
public struct SessionLimits: Sendable, Hashable, Codable {
    /// Wall-clock time.
    public var wall: TimeInterval?
    /// Time without new output.
    public var idle: TimeInterval?
    /// Bytes of output.
    public var outputBytes: Int?

    /// Limits as given; nil means none.
    public init(wall: TimeInterval? = nil, idle: TimeInterval? = nil, outputBytes: Int? = nil) {
        self.wall = wall
        self.idle = idle
        self.outputBytes = outputBytes
    }
}

/// How a session ended, as far as processes go (the harvester reads what it said).
public enum SessionEnd: Sendable, Hashable {
    /// It exited with this status.
    case exited(Int32)
    /// It was killed by this signal, not by us.
    case signaled(Int32)
    /// We killed its process group because it broke a limit.
    case killed(LimitBreach)
    /// It is gone and nothing says how it ended (the watcher was not its parent and no exit file exists).
    case vanished
}

/// Which limit a session broke.
public enum LimitBreach: String, Sendable, Hashable, Codable {
    case wall = "wall_time", idle = "idle_time", output = "output_flood"
}

/// Launch failures: nothing ran.
public struct LaunchError: Error, Sendable, CustomStringConvertible {
    /// What failed, in plain words.
    public let message: String

    /// A launch failure.
    public init(message: String) { self.message = message }
    /// A description for people.
    public var description: String { message }
}
