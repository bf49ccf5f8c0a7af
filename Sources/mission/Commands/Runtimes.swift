import Actions
import ArgumentParser
import Board
import Dispatch
import Foundation
import Git
import Runtime
import Synchronization

/// `mission runtimes`: every runtime profile, what it offers, who uses it, and whether it can run on this host.
struct Runtimes: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runtimes", 
        abstract: "List the runtime profiles: harness, command, capabilities, limits, roles, and whether each can run here.",
        discussion: """
            Each profile's executable is looked up on PATH as the watcher looks it up, and checked against this \
            host's allow-list (--allow, MISSION_ALLOW, the host file). Only an allowed executable is asked for its \
            --version: anyone who can push can edit runtimes.yaml, so nothing else is run. A missing executable is \
            information, not a failure; an error in runtimes.yaml or roles.yaml exits 1.
            """)

    @OptionGroup var board: BoardOptions

    @OptionGroup var host: HostOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Check whether each profile can serve work on this host (executable, allow-list, credentials, sandbox, worktree root); exits 1 when one that serves a role cannot.")
    var check = false

    @Flag(help: "With --check: send one trivial prompt through each profile's real CLI and report the round trip.")
    var probe = false

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let snapshot = try context.listing()
            let environment = ProcessInfo.processInfo.environment
            let policy = try host.policy(environment)
            let report = try RuntimesReport.make(snapshot, policy: policy, environment: environment,
                                                 checkout: context.repository.workingDirectory)
            if check || probe {
                let doctor = RuntimesCheck.make(report, snapshot: snapshot, repository: context.repository, policy: policy,
                                                environment: environment, probe: probe)
                if json { try Output.json(doctor) } else { doctor.printText() }
                if !doctor.passed { throw ExitCode.failure }
                return
            }
            if json { try Output.json(report) } else { report.printText() }
            if report.problems.contains(where: { $0.severity == .error }) {
                Output.error("error: the runtime configuration has errors; see the problems listed")
                throw ExitCode.failure
            }
        }
    }
}

/// The `runtimes` listing: built once, printed as text or JSON. The JSON keys are stable; absent values are null.
struct RuntimesReport: Encodable {
    /// One profile.
    struct Profile: Encodable {
        var name: String
        var harness: String
        var harnessKnown: Bool
        var command: [String]
        /// What the harness runs for it (nil when it cannot build one), with `{prompt_file}` left in place.
        var invocation: InvocationReport?
        var provider: String?
        var model: String?
        var output: String?
        var host: String?
        var env: [String]
        var capabilities: [String]
        var harnessCapabilities: [String]
        var limits: Limits
        var executable: Executable
        var allowed: Bool
        var roles: [RoleUse]

        /// Whether the watcher could start it on this host: a known harness, found and allowed.
        var runnable: Bool { harnessKnown && executable.found && allowed }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(name, forKey: "name")
            try c.encode(harness, forKey: "harness")
            try c.encode(harnessKnown, forKey: "harness_known")
            try c.encode(command, forKey: "command")
            try c.encode(invocation, forKey: "invocation")
            try c.encode(provider, forKey: "provider")
            try c.encode(model, forKey: "model")
            try c.encode(output, forKey: "output")
            try c.encode(host, forKey: "host")
            try c.encode(env, forKey: "env")
            try c.encode(capabilities, forKey: "capabilities")
            try c.encode(harnessCapabilities, forKey: "harness_capabilities")
            try c.encode(limits, forKey: "limits")
            try c.encode(executable, forKey: "executable")
            try c.encode(allowed, forKey: "allowed")
            try c.encode(runnable, forKey: "runnable")
            try c.encode(roles, forKey: "roles")
        }
    }

    /// The command a harness builds from a profile: its argv, and the file standard input reads (the prompt, for
    /// the CLIs that take it there). `{prompt_file}` stands for the session's prompt file.
    struct InvocationReport: Encodable {
        var argv: [String]
        var stdin: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(argv, forKey: "argv")
            try c.encode(stdin, forKey: "stdin")
        }

        /// `claude -p … < {prompt_file}`: the words joined as they are (no shell ever parses them).
        var text: String { argv.joined(separator: " ") + (stdin.map { " < \($0)" } ?? "") }
    }

    /// A profile's limits as written (`60m`, `50MB`).
    struct Limits: Encodable {
        var wall: String?
        var idle: String?
        var output: String?
        var concurrency: Int?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(wall, forKey: "wall")
            try c.encode(idle, forKey: "idle")
            try c.encode(output, forKey: "output")
            try c.encode(concurrency, forKey: "concurrency")
        }

        /// `wall 60m, idle 10m, …`, or `no limits`.
        var text: String {
            let parts = [wall.map { "wall \($0)" }, idle.map { "idle \($0)" }, output.map { "output \($0)" },
                         concurrency.map { "concurrency \($0)" }].compactMap { $0 }
            return parts.isEmpty ? "no limits" : parts.joined(separator: ", ")
        }
    }

    /// The executable this host would start for a profile, and what the preflight found.
    struct Executable: Encodable {
        /// As the profile names it (`ssh` for the ssh harness, which runs the profile's command remotely).
        var command: String
        var found: Bool
        var path: String?
        var version: String?
        /// Why it is missing, or why there is no version.
        var problem: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(command, forKey: "command")
            try c.encode(found, forKey: "found")
            try c.encode(path, forKey: "path")
            try c.encode(version, forKey: "version")
            try c.encode(problem, forKey: "problem")
        }
    }

    /// A role that lists a profile, and where in its fallback order (1 is tried first).
    struct RoleUse: Encodable {
        var role: String
        var position: Int
    }

    /// One role of roles.yaml.
    struct RoleEntry: Encodable {
        var name: String
        var permission: String
        var profiles: [String]
        /// Its profiles that can run on this host, in fallback order.
        var runnable: [String]
    }

    /// Something wrong with the configuration or this host.
    struct Problem: Encodable {
        var severity: Diagnostic.Severity
        var message: String
        var hint: String?
        /// `file:line:column`, when the problem is in a file.
        var location: String?

        init(_ diagnostic: Diagnostic) {
            severity = diagnostic.severity
            message = diagnostic.message
            hint = diagnostic.hint
            location = diagnostic.location.description
        }

        init(warning message: String) {
            severity = .warning
            self.message = message
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(severity.rawValue, forKey: "severity")
            try c.encode(message, forKey: "message")
            try c.encode(hint, forKey: "hint")
            try c.encode(location, forKey: "location")
        }

        /// A compiler-style line.
        var text: String {
            (location.map { "\($0): " } ?? "") + "\(severity.rawValue): \(message)" + (hint.map { "; \($0)" } ?? "")
        }
    }

    var profiles: [Profile]
    var roles: [RoleEntry]
    var problems: [Problem]
    /// The PATH executables are looked up on.
    var path: String
    /// This host's allow-list: flags, MISSION_ALLOW, then the host file.
    var allow: [String]
    /// The host file's path (it may not exist).
    var hostFile: String

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(profiles, forKey: "profiles")
        try c.encode(roles, forKey: "roles")
        try c.encode(problems, forKey: "problems")
        try c.encode(path, forKey: "path")
        try c.encode(allow, forKey: "allow")
        try c.encode(hostFile, forKey: "host_file")
    }
}

extension RuntimesReport {
    /// The report for `snapshot` on this host. Fails when runtimes.yaml is missing or either it or roles.yaml
    /// does not load: there is nothing to list then. Runs each allowed executable's `--version`, at once.
    /// `checkout` is the repository's working folder, where a profile's relative path is looked for (a ticket's
    /// worktree holds the same file at the ticket's commit).
    static func make(_ snapshot: BoardSnapshot, policy: HostPolicy, environment: [String: String],
                     checkout: String?) throws -> RuntimesReport {
        let config = snapshot.config
        let location = snapshot.location
        let files = [location.path(.runtimes), location.path(.roles)]
        let broken = config.diagnostics.filter { files.contains($0.location.file) && $0.severity == .error }
        if !broken.isEmpty {
            throw MissionFailure("the runtime configuration does not load:\n  "
                                 + broken.map(\.description).joined(separator: "\n  "))
        }
        guard let runtimesDocument = config.documents[.runtimes] else {
            throw MissionFailure("\(location.path(.runtimes)) is missing: the board has no runtime profiles\n  "
                                 + "see docs/runtimes.md for how to write one")
        }
        let rolesDocument = config.documents[.roles]
        // Both files are mappings people ordered; list them in that order, not alphabetically.
        let profileNames = config.runtimes.profiles.keys.sorted { a, b in
            let (la, lb) = (runtimesDocument.keyLocation(of: [.key("profiles"), .key(a)])?.line ?? .max,
                            runtimesDocument.keyLocation(of: [.key("profiles"), .key(b)])?.line ?? .max)
            return (la, a) < (lb, b)
        }
        let roleNames = config.roles.roles.keys.sorted { a, b in
            let (la, lb) = (rolesDocument?.keyLocation(of: [.key("roles"), .key(a)])?.line ?? .max,
                            rolesDocument?.keyLocation(of: [.key("roles"), .key(b)])?.line ?? .max)
            return (la, a) < (lb, b)
        }

        let path = environment["PATH"] ?? "/usr/bin:/bin"  // what the watcher gives its sessions
        var profiles: [Profile] = []
        var problems = snapshot.configReferenceDiagnostics.filter { files.contains($0.location.file) }.map(Problem.init)
        var versionChecks: [String: any Harness] = [:]
        var checked: Set<String> = []  // the profiles whose executable is asked for its version
        for name in profileNames {
            guard let profile = config.runtimes.profiles[name] else { continue }
            let harness = try? Harnesses.named(profile.harness, command: profile.command)
            let isSSH = profile.harness == SSHHarness.harnessName
            // What the watcher would run: the harness's argv, whose first word is the executable checked here
            // (`ssh` for an ssh profile, whose own command runs on its host).
            var invocation: InvocationReport?
            if let harness, !profile.command.isEmpty {
                do throws(HarnessError) {
                    let built = try harness.invocation(for: HarnessRequest(
                        harness: profile.harness, baseCommand: profile.command, promptFile: Self.promptPlaceholder,
                        model: profile.model, environmentNames: profile.env, host: profile.host))
                    invocation = InvocationReport(argv: built.argv, stdin: built.stdinPath)
                } catch where error.code != .missingHost {  // the missing host is reported already
                    problems.append(Problem(Diagnostic(
                        "profile '\(name)' cannot be run: \(error.message)",
                        at: runtimesDocument.location(of: [.key("profiles"), .key(name)]))))
                } catch {}
            }
            let command = invocation?.argv.first ?? (isSSH ? "ssh" : (profile.command.first ?? ""))
            let check = policy.check(command: command, path: path, relativeTo: checkout)
            var executable = Executable(command: command, found: check.path != nil, path: check.path, problem: check.notFound)
            let allowed = !command.isEmpty && check.allowed
            if executable.found {
                if harness == nil {
                    executable.problem = "not run: unknown harness '\(profile.harness)'"
                } else if isSSH {
                    executable.problem = "the remote command runs on \(profile.host ?? "its host") and is not checked from here"
                } else if !allowed {
                    executable.problem = "not run: this host does not allow \(command)"
                } else if profile.harness == "script" {
                    // A script agent does its work when run: it is never run just to ask what it is.
                    executable.problem = "not run: a script agent is not asked for its version"
                } else if let harness {
                    versionChecks[command] = harness
                    checked.insert(name)
                }
            }
            if !isSSH, !allowed, command.contains("/"), !command.hasPrefix("/") {
                problems.append(Problem(Diagnostic(
                    "profile '\(name)' runs '\(command)' from the ticket's worktree, a file anyone who can push can change, "
                    + "and this host does not allow it",
                    at: runtimesDocument.location(of: [.key("profiles"), .key(name), .key("command")]), severity: .warning,
                    hint: "allow it by that path where you trust the repository (--allow \(command)), or give an absolute path")))
            }
            let limits = profile.limits
            profiles.append(Profile(
                name: name, harness: profile.harness, harnessKnown: harness != nil, command: profile.command,
                invocation: invocation, provider: profile.provider, model: profile.model, output: profile.output?.rawValue, host: profile.host,
                env: profile.env, capabilities: (profile.capabilities ?? []).map(\.rawValue),
                harnessCapabilities: harness?.capabilities.names ?? [],
                limits: Limits(wall: limits?.wall?.description, idle: limits?.idle?.description,
                               output: limits?.output?.description, concurrency: limits?.concurrency),
                executable: executable, allowed: allowed, roles: []))
        }

        let versions = versionsOf(versionChecks, path: path, environment: environment)
        for index in profiles.indices where checked.contains(profiles[index].name) {
            guard let preflight = versions[profiles[index].executable.command] else { continue }
            profiles[index].executable.version = preflight.version
            profiles[index].executable.problem = preflight.problem
        }

        var roles: [RoleEntry] = []
        for name in roleNames {
            guard let role = config.roles.roles[name] else { continue }
            for (position, profileName) in role.profiles.enumerated() {
                guard let index = profiles.firstIndex(where: { $0.name == profileName }),
                      let profile = config.runtimes.profiles[profileName] else { continue }
                profiles[index].roles.append(RoleUse(role: name, position: position + 1))
                if let warning = RoleNeeds.warning(role: name, role, profile: profileName, profile) {
                    let at = rolesDocument?.location(of: [.key("roles"), .key(name), .key("profiles"), .index(position)])
                        ?? SourceLocation(file: location.path(.roles), line: 1, column: 1)
                    problems.append(Problem(Diagnostic(warning, at: at, severity: .warning)))
                }
            }
            let runnable = role.profiles.filter { name in profiles.contains { $0.name == name && $0.runnable } }
            roles.append(RoleEntry(name: name, permission: role.permission.rawValue, profiles: role.profiles,
                                   runnable: runnable))
        }
        if rolesDocument == nil {
            problems.append(Problem(warning: "\(location.path(.roles)) is missing: no role uses these profiles"))
        }

        // What this host can run, last: the configuration's own problems come first.
        if !profiles.isEmpty, !profiles.contains(where: \.runnable) {
            problems.append(Problem(warning: "nothing can run on this host: no profile's executable is both found and allowed"))
        } else {
            for role in roles where role.runnable.isEmpty && !role.profiles.isEmpty {
                problems.append(Problem(warning: "role '\(role.name)' has no profile that can run on this host"))
            }
        }
        return RuntimesReport(profiles: profiles, roles: roles, problems: problems, path: path, allow: policy.allowed,
                              hostFile: HostPolicy.hostFile(environment))
    }

    /// What stands for the session's prompt file in the commands shown.
    static let promptPlaceholder = "{prompt_file}"

    /// Each executable's version, checked in parallel: each check may take up to Preflight's time limit.
    private static func versionsOf(_ checks: [String: any Harness], path: String,
                                   environment: [String: String]) -> [String: PreflightReport] {
        let work = Array(checks)
        let results = Mutex<[String: PreflightReport]>([:])
        DispatchQueue.concurrentPerform(iterations: work.count) { index in
            let (command, harness) = work[index]
            let report = Preflight.check(harness, command: command, path: path, environment: environment)
            results.withLock { $0[command] = report }
        }
        return results.withLock { $0 }
    }

    /// The table, each profile's command and limits, and the problems.
    func printText() {
        if profiles.isEmpty {
            print("No runtime profiles in runtimes.yaml.")
        } else {
            var rows = [["PROFILE", "HARNESS", "MODEL", "CAPABILITIES", "EXECUTABLE", "VERSION", "ALLOWED", "ROLES"]]
            for profile in profiles {
                let model = [profile.provider, profile.model].compactMap { $0 }.joined(separator: "/")
                let roles = profile.roles.map { "\($0.role)#\($0.position)" }.joined(separator: " ")
                rows.append([
                    profile.name,
                    profile.harnessKnown ? profile.harness : "\(profile.harness) (unknown)",
                    model.isEmpty ? "-" : model,
                    profile.capabilities.isEmpty ? "-" : profile.capabilities.joined(separator: ","),
                    profile.executable.path ?? "missing: \(profile.executable.command)",
                    profile.executable.version ?? "-",
                    profile.allowed ? "yes" : "no",
                    roles.isEmpty ? "-" : roles,
                ])
            }
            Output.table(rows).forEach { print($0) }
            print("")
            let nameWidth = profiles.map(\.name.count).max() ?? 0
            for profile in profiles {
                let name = Output.fit(profile.name, nameWidth)
                let command = profile.invocation?.text ?? profile.command.joined(separator: " ")
                var line = "\(name)  $ \(command)  (\(profile.limits.text))"
                if !profile.harnessCapabilities.isEmpty {
                    line += "  harness: \(profile.harnessCapabilities.joined(separator: ","))"
                }
                print(line)
            }
        }
        // Why a found executable has no version; a missing one says so in the table.
        let notes = profiles.filter(\.executable.found).compactMap { profile in
            profile.executable.problem.map { "\(profile.name): \($0)" }
        }
        if !notes.isEmpty {
            print("")
            for note in notes { print(note) }
        }
        if !problems.isEmpty {
            print("")
            print("Problems:")
            for problem in problems { print("  \(problem.text)") }
        }
    }
}
