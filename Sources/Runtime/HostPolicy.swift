import Board
import Foundation

/// Which executables may run on this host. Anyone who can push can edit the board's runtime profiles, so the
/// host that runs the watcher decides, from outside the repository: `--allow` flags, `MISSION_ALLOW`
/// (colon-separated), and `allow:` in `$XDG_CONFIG_HOME/mission/host.yaml` (default `~/.config/…`).
/// Nothing is allowed by default.
public struct HostPolicy: Sendable, Hashable {
    /// Allowed commands: an absolute path allows exactly that file; a bare name allows that name found on PATH; a
    /// relative path (`./scripts/check.sh`) allows the repository's own file at that path in the ticket's worktree.
    public var allowed: [String]
    /// Where this host keeps ticket worktrees, when it says: `MISSION_WORKTREE_ROOT`, else `worktree_root:` in the
    /// host file. It wins over the board's `worktree_root` (see `TicketWorktrees`).
    public var worktreeRoot: String?
    /// What this host offers that tickets and profiles may ask for with `runs_on` (`gpu`, `macos`, `browser`):
    /// `--label` flags, `MISSION_LABELS` (comma-separated) and `labels:` in the host file. A runner announces them.
    public var labels: [String]
    /// Who the watcher's commits are by on this host (`identity: {name, email}` in the host file, or
    /// `MISSION_COMMITTER_NAME` and `MISSION_COMMITTER_EMAIL`); nil leaves it to the runner's default.
    public var identity: CommitIdentity?

    /// A policy allowing `allowed`.
    public init(allowed: [String], worktreeRoot: String? = nil, labels: [String] = [], identity: CommitIdentity? = nil) {
        self.allowed = allowed
        self.worktreeRoot = worktreeRoot
        self.labels = labels
        self.identity = identity
    }

    /// Whether `command` (the executable a profile runs, as it writes it) is installed and allowed on this host:
    /// the one answer the watcher's fallback and `mission runtimes` give. A relative path resolves against
    /// `directory` when given.
    public func check(command: String, path: String, relativeTo directory: String? = nil) -> ExecutableCheck {
        do throws(LaunchError) {
            let resolved = try Launcher.resolve(command, path: path, relativeTo: directory)
            return ExecutableCheck(command: command, path: resolved, allowed: permits(command: command, resolved: resolved))
        } catch {
            return ExecutableCheck(command: command, allowed: !command.isEmpty && permits(command: command, resolved: command),
                                   notFound: error.message)
        }
    }

    /// Whether `command` (as the profile writes it), resolved to `executable`, may run.
    public func permits(command: String, resolved executable: String) -> Bool {
        allowed.contains { entry in
            if entry.hasPrefix("/") { return entry == executable }
            // A path in the repository only matches the same path, written the same way or with `./`.
            if entry.contains("/") {
                return command.contains("/") && Self.repositoryPath(entry).map { $0 == Self.repositoryPath(command) } ?? false
            }
            // A bare name only matches a profile that also names it bare (found on PATH), never a path in the repo.
            return !command.contains("/") && entry == command
        }
    }

    /// A relative path as a path inside the repository (`./a/./b` is `a/b`); nil for an absolute path, an empty
    /// one, or one with `..`, which could leave the worktree.
    static func repositoryPath(_ path: String) -> String? {
        guard !path.hasPrefix("/") else { return nil }
        let parts = path.split(separator: "/").filter { $0 != "." }
        guard !parts.isEmpty, !parts.contains("..") else { return nil }
        return parts.joined(separator: "/")
    }

    /// The host file's path for `environment`.
    public static func hostFile(_ environment: [String: String]) -> String {
        let base = environment["XDG_CONFIG_HOME"] ?? "\(environment["HOME"] ?? NSHomeDirectory())/.config"
        return "\(base)/mission/host.yaml"
    }

    /// The host's policy: `extra` (from flags), `MISSION_ALLOW`, and the host file. A host file that does not
    /// parse is an error, not an empty list: a typo must not silently change what may run.
    public static func load(extra: [String] = [], labels extraLabels: [String] = [],
                            environment: [String: String]) throws(Diagnostic) -> HostPolicy {
        var allowed = extra
        allowed += (environment["MISSION_ALLOW"] ?? "").split(separator: ":").map(String.init)
        var labels = extraLabels + (environment["MISSION_LABELS"] ?? "").split(separator: ",").map(String.init)
        var worktreeRoot = environment["MISSION_WORKTREE_ROOT"].flatMap { $0.isEmpty ? nil : $0 }
        var identity = environment["MISSION_COMMITTER_NAME"].flatMap { name in
            environment["MISSION_COMMITTER_EMAIL"].map { CommitIdentity(name: name, email: $0) }
        }
        let path = hostFile(environment)
        if let data = FileManager.default.contents(atPath: path) {
            let file = try YAMLDocument.parse([UInt8](data), file: path).decode(HostFile.self)
            allowed += file.allow ?? []
            labels += file.labels ?? []
            worktreeRoot = worktreeRoot ?? file.worktreeRoot
            identity = identity ?? file.identity
        }
        let cleaned = labels.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return HostPolicy(allowed: allowed.filter { !$0.isEmpty }, worktreeRoot: worktreeRoot,
                          labels: Array(Set(cleaned)).sorted(), identity: identity)
    }

    /// The `runs_on` labels of `wanted` this host lacks; empty when it has them all.
    public func missingLabels(_ wanted: [String]) -> [String] {
        wanted.filter { !labels.contains($0) }
    }

    /// `host.yaml`.
    struct HostFile: Decodable {
        var allow: [String]?
        var worktreeRoot: String?
        var labels: [String]?
        var identity: CommitIdentity?
        enum CodingKeys: String, CodingKey, CaseIterable { case allow, worktreeRoot = "worktree_root", labels, identity }
    }
}

/// Whether one executable can run on this host: found, and allowed (`HostPolicy.check`).
public struct ExecutableCheck: Sendable, Hashable {
    /// The executable as the profile names it.
    public var command: String
    /// Where it was found; nil when it was not.
    public var path: String?
    /// Whether this host allows it.
    public var allowed: Bool
    /// Why it was not found.
    public var notFound: String?

    /// Why it cannot run here, in the words the watcher uses for a ticket that waits; nil when it can.
    public var reason: String? {
        if path == nil { return "\(command) is not installed on this host" }
        return allowed ? nil : "\(command) is not allowed on this host"
    }
}
