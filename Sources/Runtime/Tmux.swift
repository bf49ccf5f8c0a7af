import Foundation

/// Live terminal sessions on a tmux server of mission's own (its own socket, never a person's default server):
/// the ground an interactive agent runs on (issue 16). A session runs one program, given as an argv and started
/// without a shell, in its own process group as every tmux pane is. Text reaches it through a tmux paste buffer,
/// never through a shell or typed key names, so no byte of a prompt is interpreted. A pane whose program ended
/// stays (`remain-on-exit`), so its exit status can be read before the session is closed.
public struct Tmux: Sendable {
    /// The server's socket.
    public let socket: String
    /// The tmux executable.
    public let executable: String

    /// What went wrong running tmux.
    public struct Failure: Error, CustomStringConvertible {
        public let command: [String]
        public let status: Int32
        public let message: String
        public var description: String { "tmux \(command.joined(separator: " ")) exited \(status): \(message)" }
    }

    /// A pane's program: its pid, whether it ended, and its exit status once tmux has it (a moment after the end).
    public struct Pane: Sendable, Equatable {
        public let pid: Int32
        public let dead: Bool
        public let exitStatus: Int32?
    }

    /// The tmux on PATH, if any.
    public static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/tmux" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A server on `socket` (created on first use, with mission's settings) run by `executable`.
    public init(socket: String, executable: String) {
        self.socket = socket
        self.executable = executable
    }

    /// Starts session `name` running `argv` in `directory`, detached, `width`×`height`, with `environment` added
    /// to the server's. Fails when a session of that name exists.
    public func start(_ name: String, argv: [String], directory: String, environment: [String: String] = [:],
                      width: Int = 200, height: Int = 50) throws {
        guard let program = argv.first, !program.isEmpty else { throw Failure(command: [], status: -1, message: "no program to start") }
        // The settings are read when this starts the server: written here, the one command that can start it.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        if FileManager.default.contents(atPath: configFile) != Data(Self.configuration.utf8) {
            try Data(Self.configuration.utf8).write(to: URL(fileURLWithPath: configFile), options: .atomic)
        }
        var arguments = ["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "-c", directory]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["-e", "\(key)=\(value)"] }
        // Two or more words after the options are an argv tmux executes directly; a lone word would go to a shell,
        // so a program without arguments is started through env.
        arguments += ["--"] + (argv.count > 1 ? argv : ["/usr/bin/env", program])
        try run(arguments)
    }

    /// Whether session `name` exists.
    public func exists(_ name: String) -> Bool {
        (try? run(["has-session", "-t", "=\(name)"])) != nil
    }

    /// The names of the server's sessions (none when the server is not running).
    public func sessions() -> [String] {
        guard let output = try? run(["list-sessions", "-F", "#{session_name}"]) else { return [] }
        return output.split(separator: "\n").map(String.init)
    }

    /// The state of session `name`'s pane.
    public func pane(_ name: String) throws -> Pane {
        let output = try run(["display-message", "-p", "-t", "=\(name):", "#{pane_pid} #{pane_dead} #{pane_dead_status}"])
        let fields = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard fields.count >= 2, let pid = Int32(fields[0]) else {
            throw Failure(command: ["display-message"], status: 0, message: "cannot read the pane of \(name): \(output)")
        }
        let dead = fields[1] == "1"
        return Pane(pid: pid, dead: dead, exitStatus: dead && fields.count > 2 ? Int32(fields[2]) : nil)
    }

    /// Delivers `text` to session `name` as pasted input (bracketed, as a terminal pastes), then presses Enter
    /// when `submit`. The text goes through a named buffer, byte for byte.
    public func deliver(_ text: String, to name: String, submit: Bool = true) throws {
        let buffer = "mission-\(name)"
        try run(["load-buffer", "-b", buffer, "-"], input: Data(text.utf8))
        try run(["paste-buffer", "-d", "-p", "-b", buffer, "-t", "=\(name):"])
        if submit { try run(["send-keys", "-t", "=\(name):", "Enter"]) }
    }

    /// The last `lines` lines of session `name`'s pane, its scroll-back included, with wrapped lines joined.
    public func capture(_ name: String, lines: Int = 200) throws -> String {
        try run(["capture-pane", "-p", "-J", "-S", "-\(lines)", "-t", "=\(name):"])
    }

    /// Closes session `name`, ending its program (tmux hangs up its terminal); nothing when it is gone already.
    public func kill(_ name: String) {
        _ = try? run(["kill-session", "-t", "=\(name)"])
    }

    /// Stops the whole server and every session on it.
    public func stopServer() {
        _ = try? run(["kill-server"])
    }

    /// The argv that attaches a person's terminal to session `name`, read-only unless `writable`.
    public func attachArguments(_ name: String, writable: Bool = false) -> [String] {
        [executable, "-S", socket, "attach-session", "-t", "=\(name)"] + (writable ? [] : ["-r"])
    }

    /// The folder of the socket, which holds the server's settings and each command's scratch files.
    private var folder: String { (socket as NSString).deletingLastPathComponent }
    private var configFile: String { "\(folder)/tmux.conf" }

    /// The settings the server starts with: panes stay after their program ends, a long scroll-back, no status line.
    static let configuration = """
        set -g remain-on-exit on
        set -g history-limit 50000
        set -g status off
        set -g exit-empty on

        """

    /// Runs one tmux command on this server and returns its standard output; throws on a non-zero exit.
    @discardableResult
    func run(_ arguments: [String], input: Data? = nil) throws -> String {
        let folder = self.folder
        mkdir(folder, 0o700)  // the scratch files below live beside the socket; an existing folder is fine
        // Spawned here with every signal at its default (`Launcher.resetSignals`), and with output in files rather
        // than pipes: `new-session` starts the server, which keeps what it inherited open, so a pipe would never
        // reach its end.
        let scratch = "\(folder)/run-\(UUID().uuidString)"
        let inputPath = scratch + ".in", outputPath = scratch + ".out", errorPath = scratch + ".err"
        defer { for path in [inputPath, outputPath, errorPath] { unlink(path) } }
        if let input { try input.write(to: URL(fileURLWithPath: inputPath)) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input == nil ? "/dev/null" : inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable, "-S", socket, "-f", configFile] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment["TMUX"] = nil  // run from inside a person's tmux, talk to this server all the same
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        // No signal blocked or ignored that this process blocks or ignores: the server tmux forks inherits them.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        Launcher.resetSignals(&attributes)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw Failure(command: arguments, status: -1, message: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let out = FileManager.default.contents(atPath: outputPath) ?? Data()
        let err = FileManager.default.contents(atPath: errorPath) ?? Data()
        guard exitStatus == 0 else {
            throw Failure(command: arguments, status: exitStatus,
                          message: String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
