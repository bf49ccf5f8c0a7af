import Foundation

/// Whether a harness's CLI is installed and which version it is: checked before a profile is offered work, and
/// recorded in evidence.
public struct PreflightReport: Sendable, Hashable {
    /// The harness.
    public var harness: String
    /// The command as the profile names it.
    public var command: String
    /// Where it was found; nil when it is missing.
    public var resolvedPath: String?
    /// The first line `--version` printed, when it ran and succeeded.
    public var version: String?
    /// Why it is missing or why the version is unknown.
    public var problem: String?
    /// What the harness offers.
    public var capabilities: HarnessCapabilities

    /// Whether the executable was found.
    public var isFound: Bool { resolvedPath != nil }
}

/// Checking harnesses' executables.
public enum Preflight {
    /// Looks for `command` on `path` (as `Launcher` would) and asks it for its version, waiting at most
    /// `timeout` seconds. `environment` is what the version check runs with (PATH is set to `path`: CLIs
    /// written in Node or Python find their interpreter through it). Blocks the calling thread.
    public static func check(_ harness: any Harness, command: String, path: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             timeout: TimeInterval = 5) -> PreflightReport {
        var report = PreflightReport(harness: harness.name, command: command, capabilities: harness.capabilities)
        do throws(LaunchError) {
            report.resolvedPath = try Launcher.resolve(command, path: path)
        } catch {
            report.problem = error.message
            return report
        }
        var variables = environment
        variables["PATH"] = path
        switch run([report.resolvedPath ?? command, "--version"], environment: variables, timeout: timeout) {
        case .success(let (status, output)):
            let first = output.split(whereSeparator: \.isNewline).lazy
                .map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
            if status == 0, let first {
                report.version = first
            } else {
                report.problem = "\(command) --version exited with status \(status)" + (first.map { ": \($0)" } ?? "")
            }
        case .failure(let problem):
            report.problem = problem.message
        }
        return report
    }

    /// Runs `argv` with stdin closed and stdout and stderr captured (at most 64 KiB), in its own process group,
    /// killing the group at `timeout`. The process is always reaped.
    static func run(_ argv: [String], environment: [String: String],
                    timeout: TimeInterval) -> Result<(status: Int32, output: String), LaunchError> {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            return .failure(LaunchError(message: "cannot create a pipe: \(String(cString: strerror(errno)))"))
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Not inherited by processes other threads start meanwhile: only dup2 below gives the child its copy.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Launcher.spawnSetSID)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        close(writeEnd)
        guard spawned == 0 else {
            return .failure(LaunchError(message: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))"))
        }

        let deadline = Date().addingTimeInterval(timeout)
        let output = readOutput(readEnd, of: pid, deadline: deadline, limit: 64 << 10)
        // Wait for the leader to exit without reaping it: until reaped its pid, and so its group id, cannot be
        // reused, so killing the group (a grandchild left behind, or all of it when too slow) is always safe.
        while Processes.startTime(of: pid) != nil, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let finished = Processes.startTime(of: pid) == nil
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard finished else {
            let limit = String(format: "%g", timeout)
            return .failure(LaunchError(message: "\(argv[0]) --version did not finish within \(limit) s"))
        }
        let exit: Int32 = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return .success((exit, String(decoding: output, as: UTF8.self)))
    }

    /// What `fd` yields until end of file, `deadline`, or `limit` bytes, whichever comes first; or until nothing
    /// more comes once process `pid` has exited (a grandchild, or a process another thread started, may hold
    /// the pipe open long after the output is complete).
    private static func readOutput(_ fd: Int32, of pid: pid_t, deadline: Date, limit: Int) -> [UInt8] {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while output.count < limit {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 0.1) * 1000) + 1)
            if ready < 0, errno == EINTR { continue }
            if ready == 0 {
                if Processes.startTime(of: pid) == nil { break }  // exited, and its output is drained
                continue
            }
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            output += buffer.prefix(count)
        }
        return output
    }
}
