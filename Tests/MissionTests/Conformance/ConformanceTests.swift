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
        var results: [(scenario: String, result: String)] = []
        var version = "unknown"
        for scenario in Scenario.allCases {
            var run = ScenarioRun(cli: cli, executable: executable)
            do {
                try run.play(scenario)
            } catch {
                run.fail("\(scenario.rawValue) threw: \(error)")
            }
            if let seen = run.version { version = seen }
            let gap = cli.knownGaps[scenario]
            let record = {
                for failure in run.failures { Issue.record(Comment(rawValue: "\(cli.title) \(scenario.rawValue): \(failure)")) }
            }
            if let gap {
                // Still run and still reported; a gap that closes fails here until it is taken out of knownGaps.
                withKnownIssue(Comment(rawValue: "known gap: \(gap)"), record)
            } else {
                record()
            }
            results.append((scenario.rawValue, run.failures.isEmpty ? "passed" : gap.map { "known gap: \($0)" } ?? "failed"))
            print("conformance: \(cli.title) \(scenario.rawValue): \(run.failures.isEmpty ? "passed" : gap == nil ? "FAILED" : "KNOWN GAP") "
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
    case claude, codex, hermes, aider, kimi

    var description: String { rawValue }
    var title: String {
        switch self {
        case .claude: "Claude Code"
        case .codex: "Codex"
        case .hermes: "Hermes Agent"
        case .aider: "aider"
        case .kimi: "Kimi CLI"
        }
    }

    /// CLIs the suite does not run yet, and why; scripts/install-agent-clis does not install them by default, so CI
    /// neither installs nor skips them. docs/runtimes.md says so in the CLI's section.
    static let leftOut: [AgentCLI: String] = [:]

    /// The scenarios this CLI does not pass yet, and why; each is still run, and its failures are known issues.
    var knownGaps: [Scenario: String] {
        switch self {
        case .claude, .codex, .hermes, .aider: [:]
        case .kimi: [
            .ratelimit: "its SDK waits out a retry-after of up to 60 s by itself and prints nothing, so no park (it then succeeds)",
        ]
        }
    }

    /// Whether its harness resumes the CLI's own session (aider has none).
    var resumes: Bool { self != .aider }
    /// Whether the CLI reports token usage (Hermes in quiet mode and Kimi's print mode do not).
    var reportsUsage: Bool { [.claude, .codex, .aider].contains(self) }

    /// The folder scripts/install-agent-clis fills.
    static var bin: String {
        let environment = ProcessInfo.processInfo.environment
        let root = environment["MISSION_AGENT_CLIS"] ?? "\(environment["HOME"] ?? NSHomeDirectory())/.cache/mission/agent-clis"
        return "\(root)/bin"
    }

    /// The executable, or nil after saying why it is missing: a failure when `CI=true`, a printed skip elsewhere.
    func installed() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let ci = environment["CI"] == "true"
        if let reason = Self.leftOut[self] {
            print("conformance: SKIPPED \(title): \(reason)")
            return nil
        }
        // MISSION_CONFORMANCE_ONLY=aider,kimi runs only those, for working on one CLI; CI runs every one.
        if let only = environment["MISSION_CONFORMANCE_ONLY"], !only.isEmpty, !only.split(separator: ",").contains(Substring(rawValue)) {
            if ci {
                Issue.record(Comment(rawValue: "conformance: MISSION_CONFORMANCE_ONLY=\(only) would skip \(title); CI must run it"))
            } else {
                print("conformance: SKIPPED \(title): not in MISSION_CONFORMANCE_ONLY=\(only)")
            }
            return nil
        }
        let path = "\(Self.bin)/\(rawValue)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        let why = "\(title) is not installed at \(path) (run scripts/install-agent-clis \(rawValue))"
        if ci {
            Issue.record(Comment(rawValue: "conformance: \(why); CI must run it"))
        } else {
            print("conformance: SKIPPED \(title): \(why)")
        }
        return nil
    }

    /// The profile entry for runtimes.yaml, under `name`: what this CLI needs, then what every CLI here shares.
    func profile(_ name: String, idle: String = "60s") -> String {
        let own: [String] = switch self {
        case .claude: [
            "harness: claude-code", "command: [claude, --permission-mode, acceptEdits]", "provider: anthropic",
            "env: [ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, DISABLE_TELEMETRY]",
        ]
        case .codex: [
            "harness: codex", "command: [codex, exec, --sandbox, workspace-write]", "provider: openai",
            "env: [OPENAI_API_KEY, CODEX_HOME, TMPDIR]",
        ]
        // Hermes and Kimi read their provider from the config file `environment` writes under HOME.
        case .hermes: ["harness: hermes", "command: [hermes, --yolo]"]
        case .kimi: ["harness: kimi", "command: [kimi]"]
        // The harness itself turns off what would reach the network or leave aider's files in the worktree.
        case .aider: [
            "harness: aider",
            "command: [aider, --model, openai/conformance-model, --model-metadata-file, \(Self.aiderMetadata), "
                + "--no-show-model-warnings, --map-tokens, \"0\"]",
            "provider: openai", "env: [OPENAI_API_KEY, OPENAI_API_BASE, LITELLM_LOCAL_MODEL_COST_MAP]",
        ]
        }
        let shared = ["capabilities: [tools, write]", "limits: {wall: 3m, idle: \(idle), output: 50MB, concurrency: 4}"]
        return "  \(name):\n" + (own + shared).map { "    \($0)\n" }.joined()
    }

    /// aider's model metadata (context size and price of the scripted model), outside any worktree.
    static let aiderMetadata = "\(NSTemporaryDirectory())mission-conformance-aider-model.json"

    static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
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
                model = "local-model"
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
        case .hermes:
            try Self.write("\(home)/.hermes/config.yaml", """
                model:
                  provider: custom
                  base_url: \(server.baseURL)/v1
                  default: local-model
                  api_key: conformance-key
                  context_length: 200000
                agent:
                  api_max_retries: 1
                security:
                  allow_lazy_installs: false
                  tirith_enabled: false
                display:
                  inline_diffs: false

                """)
        case .aider:
            // litellm's SDK would wait out a retry-after of up to 60 s silently: with no retries of its own the
            // 429 is printed at once, and aider's own retry lines are what the watcher reads.
            try Self.write("\(home)/.aider.model.settings.yml", """
                - name: openai/conformance-model
                  extra_params:
                    max_retries: 0

                """)
            try Self.write(Self.aiderMetadata, """
                {"openai/conformance-model": {"max_input_tokens": 128000, "max_output_tokens": 8192,
                  "input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002,
                  "litellm_provider": "openai", "mode": "chat"}}

                """)
            environment["OPENAI_API_KEY"] = "conformance-key"
            environment["OPENAI_API_BASE"] = "\(server.baseURL)/v1"
            // litellm reads its model price list from this file instead of downloading it.
            environment["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        case .kimi:
            try Self.write("\(home)/.kimi/config.toml", """
                default_model = "conformance"
                telemetry = false

                [providers.conformance]
                type = "openai_legacy"
                base_url = "\(server.baseURL)/v1"
                api_key = "conformance-key"

                [models.conformance]
                provider = "conformance"
                model = "local-model"
                max_context_size = 128000

                """)
        }
        return environment
    }
}
