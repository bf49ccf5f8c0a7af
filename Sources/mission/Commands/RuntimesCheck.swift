import Board
import Foundation
import Git
import Runtime
import Watcher

/// `mission runtimes --check`: whether each profile can serve work on this host, and what to do when it cannot.
/// Nothing is run beyond what `mission runtimes` runs (an allowed executable's `--version`).
struct RuntimesCheck: Encodable {
    /// One profile's findings.
    struct Profile: Encodable {
        var name: String
        var roles: [String]
        var executable: String?
        var version: String?
        var allowed: Bool
        /// The variables the profile passes on that are set here, and those that are not: names only.
        var envSet: [String]
        var envMissing: [String]
        /// What stops it from serving work here; empty when nothing does.
        var problems: [String]
        /// What deserves a look but does not stop it.
        var warnings: [String]
        /// The round trip of one trivial prompt, with `--probe`.
        var probe: ProbeResult?

        enum CodingKeys: String, CodingKey {
            case name, roles, executable, version, allowed, problems, warnings, probe
            case envSet = "env_set", envMissing = "env_missing"
        }
    }

    var profiles: [Profile]
    var worktreeRoot: String
    var worktreeProblems: [String]
    /// Whether every profile that serves a role can, and the worktree root can hold worktrees.
    var passed: Bool

    enum CodingKeys: String, CodingKey {
        case profiles, passed
        case worktreeRoot = "worktree_root", worktreeProblems = "worktree_problems"
    }

    /// The check of `report`'s profiles; with `probe`, each profile that can run here (but a script agent, whose
    /// every run is work) is sent one trivial prompt through its real CLI.
    static func make(_ report: RuntimesReport, snapshot: BoardSnapshot, repository: Repository, policy: HostPolicy,
                     environment: [String: String], probe: Bool = false) -> RuntimesCheck {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        let profiles = report.profiles.map { entry -> Profile in
            var problems: [String] = []
            var warnings: [String] = []
            if !entry.harnessKnown { problems.append("unknown harness '\(entry.harness)'") }
            let missingLabels = policy.missingLabels(snapshot.config.runtimes.profiles[entry.name]?.runsOn ?? [])
            if !missingLabels.isEmpty {
                problems.append("it runs on a runner labelled \(missingLabels.sorted().joined(separator: " and ")); this host offers "
                                + (policy.labels.isEmpty ? "none" : policy.labels.sorted().joined(separator: ", "))
                                + " (--label, MISSION_LABELS or host.yaml labels)")
            }
            if !entry.executable.found {
                problems.append("\(entry.executable.command) is not installed here: \(entry.executable.problem ?? "not found")")
            } else if !entry.allowed {
                problems.append("\(entry.executable.command) is not allowed on this host (--allow, MISSION_ALLOW or host.yaml)")
            } else if let why = entry.executable.problem, entry.executable.version == nil {
                warnings.append(why)
            }
            let set = entry.env.filter { !(environment[$0] ?? "").isEmpty }
            let missing = entry.env.filter { (environment[$0] ?? "").isEmpty }
            if !missing.isEmpty {
                warnings.append("not set here: \(missing.joined(separator: ", ")) (the CLI may have its own login)")
            }
            let words = entry.command
            if entry.harness == "codex", words.contains("workspace-write") || words.contains("--full-auto"),
               (try? Launcher.resolve("bwrap", path: path)) == nil {
                problems.append("codex's workspace-write sandbox needs bubblewrap: apt-get install bubblewrap")
            }
            if entry.harness == "claude-code", words.contains("--dangerously-skip-permissions"), geteuid() == 0,
               !(entry.env.contains("IS_SANDBOX") && environment["IS_SANDBOX"] == "1") {
                problems.append("Claude Code refuses --dangerously-skip-permissions as root unless IS_SANDBOX=1 is set "
                                + "and listed in env; prefer --permission-mode acceptEdits")
            }
            if entry.harness == "claude-code", !words.contains("--permission-mode"),
               !words.contains("--dangerously-skip-permissions"), entry.capabilities.contains("write") {
                warnings.append("no --permission-mode: in print mode Claude Code cannot ask, so every edit is refused")
            }
            var probed: ProbeResult?
            if probe, problems.isEmpty, entry.harness != "script", let profile = snapshot.config.runtimes.profiles[entry.name],
               let harness = try? Harnesses.named(profile.harness, command: profile.command) {
                let result = Probe.run(profile, harness: harness, environment: environment)
                if !result.ok { problems.append("the probe failed: \(result.detail)") }
                probed = result
            }
            return Profile(name: entry.name, roles: entry.roles.map(\.role), executable: entry.executable.path,
                           version: entry.executable.version, allowed: entry.allowed, envSet: set, envMissing: missing,
                           problems: problems, warnings: warnings, probe: probed)
        }
        let root = WorktreeRoot(repository: repository, host: policy.worktreeRoot,
                                board: snapshot.config.settings.worktreeRoot, environment: environment)
        var worktreeProblems = root.problem.map { [$0] } ?? []
        if root.problem == nil, let why = Self.unwritable(root.path) { worktreeProblems.append(why) }
        let serving = profiles.filter { !$0.roles.isEmpty }
        // A role is served when one of its profiles can run here; a profile no role names does not count.
        let unserved = Set(serving.flatMap(\.roles)).filter { role in
            !serving.contains { $0.roles.contains(role) && $0.problems.isEmpty }
        }
        return RuntimesCheck(profiles: profiles, worktreeRoot: root.path, worktreeProblems: worktreeProblems,
                             passed: unserved.isEmpty && worktreeProblems.isEmpty)
    }

    /// Why `folder` cannot take a new worktree (it cannot be made or written); nil when it can.
    static func unwritable(_ folder: String) -> String? {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            return "the worktree root \(folder) cannot be made: \(error.localizedDescription)"
        }
        let probe = "\(folder)/.mission-write-check-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            return "the worktree root \(folder) is not writable"
        }
        try? FileManager.default.removeItem(atPath: probe)
        return nil
    }

    func printText() {
        for profile in profiles {
            let mark = profile.problems.isEmpty ? "ok  " : "FAIL"
            let serves = profile.roles.isEmpty ? "serves no role" : "serves \(profile.roles.joined(separator: ", "))"
            print("\(mark) \(profile.name): \(profile.executable ?? "not installed") \(profile.version ?? "")  (\(serves))")
            if !profile.envSet.isEmpty { print("       set here: \(profile.envSet.joined(separator: ", "))") }
            if let probe = profile.probe, probe.ok {
                print("       probe: answered in \(String(format: "%.1f", probe.seconds)) s: \(Output.visible(probe.detail))")
            }
            for problem in profile.problems { print("       problem: \(problem)") }
            for warning in profile.warnings { print("       warning: \(warning)") }
        }
        print("\(worktreeProblems.isEmpty ? "ok  " : "FAIL") worktrees: \(worktreeRoot)")
        for problem in worktreeProblems { print("       problem: \(problem)") }
        print(passed ? "Every role has a profile that can run here." : "Some role has no profile that can run here; see the problems above.")
    }
}
