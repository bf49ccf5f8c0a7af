import Board
import Foundation
import Testing

/// The real agent CLIs, end to end: each pinned binary (scripts/install-agent-clis) runs through the real watcher
/// on a board from `mission init`, with the profile docs/runtimes.md shows, against the scripted model server,
/// one scenario per ticket; the assertions are on what the watcher committed. With `CI=true` a missing CLI fails
/// the suite; elsewhere it is skipped with a printed line. The scenarios that passed, per CLI and version, are the
/// table in docs/runtimes.md: a run that differs from it fails, and `MISSION_UPDATE_CONFORMANCE=1` rewrites it.
@Suite(.serialized)
struct ConformanceTests {
    @Test(arguments: AgentCLI.allCases)
    func theRealCLIPassesEveryScenarioThroughTheWatcher(_ cli: AgentCLI) throws {
        guard let executable = cli.installed() else { return }
        let started = Date()
        var results: [(scenario: String, failures: [String])] = []
        var version = "unknown"
        for scenario in Scenario.allCases {
            var run = ScenarioRun(cli: cli, executable: executable)
            do {
                try run.play(scenario)
            } catch {
                run.fail("\(scenario.rawValue) threw: \(error)")
            }
            if let seen = run.version { version = seen }
            for failure in run.failures {
                Issue.record(Comment(rawValue: "\(cli.title) \(scenario.rawValue): \(failure)"))
            }
            results.append((scenario.rawValue, run.failures))
            print("conformance: \(cli.title) \(scenario.rawValue): \(run.failures.isEmpty ? "passed" : "FAILED") "
                  + run.timings.map { "\($0.key) \(String(format: "%.2f", $0.value)) s" }.sorted().joined(separator: ", "))
        }
        print("conformance: \(cli.title) \(version): \(Scenario.allCases.count) scenarios in "
              + String(format: "%.1f", Date().timeIntervalSince(started)) + " s")
        try ConformanceTable.check(cli: cli, version: version, results: results)
    }
}

/// A CLI of the conformance suite: where it is installed, and the profile and environment that point it at the
/// scripted model server, as docs/runtimes.md tells a user to write them.
enum AgentCLI: String, CaseIterable, CustomStringConvertible {
    case claude, codex

    var description: String { rawValue }
    var title: String {
        switch self {
        case .claude: "Claude Code"
        case .codex: "Codex"
        }
    }

    /// The folder scripts/install-agent-clis fills.
    static var bin: String {
        let environment = ProcessInfo.processInfo.environment
        let root = environment["MISSION_AGENT_CLIS"] ?? "\(environment["HOME"] ?? NSHomeDirectory())/.cache/mission/agent-clis"
        return "\(root)/bin"
    }

    /// The executable, or nil after saying why it is missing: a failure when `CI=true`, a printed skip elsewhere.
    func installed() -> String? {
        let path = "\(Self.bin)/\(rawValue)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        let why = "\(title) is not installed at \(path) (run scripts/install-agent-clis \(rawValue))"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(Comment(rawValue: "conformance: \(why); CI must run it"))
        } else {
            print("conformance: SKIPPED \(title): \(why)")
        }
        return nil
    }

    /// The profile entry for runtimes.yaml, under `name`.
    func profile(_ name: String, idle: String = "60s") -> String {
        switch self {
        case .claude:
            return """
                  \(name):
                    harness: claude-code
                    command: [claude, --permission-mode, acceptEdits]
                    provider: anthropic
                    capabilities: [tools, write]
                    env: [ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, DISABLE_TELEMETRY]
                    limits: {wall: 3m, idle: \(idle), output: 50MB, concurrency: 4}
                """
        case .codex:
            return """
                  \(name):
                    harness: codex
                    command: [codex, exec, --sandbox, workspace-write]
                    provider: openai
                    capabilities: [tools, write]
                    env: [OPENAI_API_KEY, CODEX_HOME, TMPDIR]
                    limits: {wall: 3m, idle: \(idle), output: 50MB, concurrency: 4}
                """
        }
    }

    /// What the watcher runs with, so that the CLI talks to `server` and keeps its files under `home`.
    func environment(server: ModelServer, home: String) throws -> [String: String] {
        var environment = ["PATH": "\(Self.bin):/usr/bin:/bin", "HOME": home]
        switch self {
        case .claude:
            environment["ANTHROPIC_BASE_URL"] = server.baseURL
            environment["ANTHROPIC_API_KEY"] = "conformance-key"
            environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
            environment["DISABLE_TELEMETRY"] = "1"
        case .codex:
            let codexHome = "\(home)/.codex"
            try FileManager.default.createDirectory(atPath: codexHome, withIntermediateDirectories: true)
            try Data("""
                model = "conformance-model"
                model_provider = "conformance"

                [model_providers.conformance]
                name = "scripted model server"
                base_url = "\(server.baseURL)/v1"
                env_key = "OPENAI_API_KEY"
                wire_api = "responses"

                """.utf8).write(to: URL(fileURLWithPath: "\(codexHome)/config.toml"))
            environment["CODEX_HOME"] = codexHome
            environment["OPENAI_API_KEY"] = "conformance-key"
            // Codex's sandbox refuses to set up its helper under the temporary folder, where CODEX_HOME is here.
            environment["TMPDIR"] = "/var/tmp"
        }
        return environment
    }
}
