import Foundation

/// Starting sessions: each in its own session and process group, with its output going straight to a file.
public enum Launcher {
    /// `posix_spawn`'s flag for a new session (glibc's POSIX_SPAWN_SETSID, not imported into Swift).
    static let spawnSetSID: Int16 = 0x80

    /// Gives a child started with `attributes` every signal at its default and none blocked, adding `flags`.
    /// A spawned program inherits what its parent ignores and blocks: `mission watch` ignores SIGTERM and SIGINT
    /// (a dispatch source takes them), so without this every agent it started shrugged off the SIGTERM that stops
    /// its group, and a tmux server started from a thread that blocks SIGCHLD never learns how its panes end.
    static func resetSignals(_ attributes: inout posix_spawnattr_t, flags: Int16 = 0) {
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGCHLD, SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, flags | Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    }

    /// The wrapper around every runtime: it changes into the working directory, runs the command given as its
    /// positional parameters (never interpolated, so no text of ours or the ticket's is parsed by a shell)
    /// and records the exit status in a file, so that a watcher that is not its parent can still learn it.
    static let wrapper = #"cd "$MISSION_WORKDIR" || exit 126; "$@"; status=$?; echo "$status" > "$MISSION_EXIT_FILE"; exit "$status""#

    /// Linux's limit on one argument (MAX_ARG_STRLEN, 32 pages): a prompt given as an option's value must fit.
    static let argumentLimit = 128 * 1024

    /// Starts `argv` in `workingDirectory` with exactly `environment`, writing everything it prints to the
    /// session folder's `output.log`, with standard input read from the file `stdin` (nil: /dev/null) and, for a
    /// CLI that takes its prompt only as an option's value, `promptArgument` read now and appended. Fails when
    /// the executable cannot be found or run, or the prompt cannot be read or is too long for one argument.
    public static func launch(id: String, argv: [String], workingDirectory: String, environment: [String: String],
                              directory: SessionDirectory, stdin: String? = nil, promptArgument: PromptArgument? = nil,
                              now: Date = Date()) throws(LaunchError) -> SessionHandle {
        guard let command = argv.first, !command.isEmpty else { throw LaunchError(message: "the profile names no command") }
        let executable = try resolve(command, path: environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workingDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LaunchError(message: "the working directory \(workingDirectory) does not exist")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        } catch {
            throw LaunchError(message: "cannot create the session folder \(directory.path): \(error.localizedDescription)")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Agent CLIs that take their prompt on standard input (claude -p, codex exec -, gemini) read it from
        // the prompt file: the prompt never passes through argv.
        if let stdin, !FileManager.default.isReadableFile(atPath: stdin) {
            throw LaunchError(message: "cannot read the standard input file \(stdin)")
        }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory.output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        resetSignals(&attributes, flags: spawnSetSID)

        var variables = environment
        variables["MISSION_WORKDIR"] = workingDirectory
        variables["MISSION_EXIT_FILE"] = directory.exitStatus
        var arguments = ["/bin/sh", "-c", wrapper, "mission-session", executable] + argv.dropFirst()
        if let promptArgument { arguments.append(try promptArgument.argument(limit: argumentLimit)) }
        let cArguments = arguments.map { strdup($0) } + [nil]
        let cEnvironment = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else {
            throw LaunchError(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        // The start time exists as soon as the process does; a command that already exited is a zombie until
        // reaped, and since we are its parent its pid cannot be reused meanwhile.
        guard let start = Processes.startTime(of: pid, includingZombies: true) else {
            throw LaunchError(message: "\(executable) exited before it could be recorded")
        }
        let handle = SessionHandle(id: id, pid: pid, pidStart: start, directory: directory.path, started: now)
        if let data = try? JSONEncoder().encode(handle) {
            _ = FileManager.default.createFile(atPath: directory.record, contents: data)
        }
        return handle
    }

    /// The executable's path: as given when it holds a slash (a relative one inside `directory`, the folder it will
    /// run in, when given), else found on `path`.
    public static func resolve(_ command: String, path: String, relativeTo directory: String? = nil)
        throws(LaunchError) -> String {
        if command.contains("/") {
            let file = if let directory, !command.hasPrefix("/") {
                URL(fileURLWithPath: command, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardized.path
            } else {
                command
            }
            guard FileManager.default.isExecutableFile(atPath: file) else {
                throw LaunchError(message: "executable not found or not executable: \(file)")
            }
            return file
        }
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw LaunchError(message: "executable not found on PATH: \(command)")
    }
}

/// Facts about processes, read from /proc.
public enum Processes {
    /// A process's start time in clock ticks since boot, or nil when there is no such process (or it is a zombie,
    /// unless `includingZombies`).
    public static func startTime(of pid: Int32, includingZombies: Bool = false) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
              let text = String(data: data, encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces and parentheses): state is field 3, start time 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, includingZombies || (fields[0] != "Z" && fields[0] != "X") else { return nil }
        return UInt64(fields[19])
    }

    /// Whether the session's group leader is the same process that was launched and still runs.
    public static func isAlive(_ handle: SessionHandle) -> Bool {
        startTime(of: handle.pid) == handle.pidStart
    }
}
