import Foundation

extension Invocation {
    /// The environment a session gets: `base` (PATH, HOME, the watcher's MISSION_* variables), each variable the
    /// invocation names taken from `host` (the watcher's own environment) when set there, and the values the
    /// harness sets itself.
    public func environment(base: [String: String], host: [String: String]) -> [String: String] {
        var variables = base
        for name in environmentNames { if let value = host[name] { variables[name] = value } }
        variables.merge(environment) { _, harness in harness }
        return variables
    }

    /// The file standard input reads, or nil for none.
    public var stdinPath: String? {
        if case .file(let path) = stdin { path } else { nil }
    }
}

extension Launcher {
    /// Starts `invocation` as session `id`: its argv as it is (plus its prompt argument), its standard input, and exactly `environment`
    /// (see `Invocation.environment(base:host:)`).
    public static func launch(id: String, invocation: Invocation, workingDirectory: String, environment: [String: String],
                              directory: SessionDirectory, now: Date = Date()) throws(LaunchError) -> SessionHandle {
        try launch(id: id, argv: invocation.argv, workingDirectory: workingDirectory, environment: environment,
                   directory: directory, stdin: invocation.stdinPath, promptArgument: invocation.promptArgument, now: now)
    }
}
