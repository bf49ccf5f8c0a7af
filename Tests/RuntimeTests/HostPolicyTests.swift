import Foundation
import Runtime
import Testing

@Suite struct HostPolicyTests {
    @Test(arguments: [
        // allowed, command in the profile, resolved executable, permitted
        ([String](), "codex", "/usr/bin/codex", false),
        (["codex"], "codex", "/usr/bin/codex", true),
        (["codex"], "./codex", "/repo/codex", false),            // a script in the repository named like an agent
        (["codex"], "/tmp/x/codex", "/tmp/x/codex", false),
        (["/opt/agent/run"], "/opt/agent/run", "/opt/agent/run", true),
        (["/opt/agent/run"], "run", "/usr/bin/run", false),
        (["/opt/agent/run"], "/opt/agent/run2", "/opt/agent/run2", false),
        // The repository's own file, allowed by its path in the repository, however the path is written.
        (["./scripts/check.sh"], "./scripts/check.sh", "/wt/scripts/check.sh", true),
        (["./scripts/check.sh"], "scripts/check.sh", "/wt/scripts/check.sh", true),
        (["scripts/check.sh"], "./scripts/./check.sh", "/wt/scripts/check.sh", true),
        (["./scripts/check.sh"], "./scripts/other.sh", "/wt/scripts/other.sh", false),
        (["./scripts/check.sh"], "/wt/scripts/check.sh", "/wt/scripts/check.sh", false),
        (["./check.sh"], "check.sh", "/usr/bin/check.sh", false),    // a name on PATH is not the repository's file
        (["../tools/run"], "../tools/run", "/tools/run", false),      // never outside the worktree
        (["./a/../run"], "./a/../run", "/wt/run", false),
    ] as [([String], String, String, Bool)])
    func onlyWhatTheHostNamesMayRun(allowed: [String], command: String, resolved: String, permitted: Bool) {
        #expect(HostPolicy(allowed: allowed).permits(command: command, resolved: resolved) == permitted)
    }

    @Test func thePolicyComesFromFlagsTheEnvironmentAndTheHostFile() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("host-\(UUID().uuidString.prefix(6))")
        defer { try? FileManager.default.removeItem(at: config) }
        try FileManager.default.createDirectory(at: config.appendingPathComponent("mission"), withIntermediateDirectories: true)
        try Data("allow: [claude, /opt/agent/run]\n".utf8).write(to: config.appendingPathComponent("mission/host.yaml"))
        let policy = try HostPolicy.load(extra: ["gemini"], environment: ["XDG_CONFIG_HOME": config.path, "MISSION_ALLOW": "codex:aider"])
        #expect(policy.allowed == ["gemini", "codex", "aider", "claude", "/opt/agent/run"])
        #expect(try HostPolicy.load(environment: ["XDG_CONFIG_HOME": "/nonexistent"]).allowed.isEmpty)
    }
}
