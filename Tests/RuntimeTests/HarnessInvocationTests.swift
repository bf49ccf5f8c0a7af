import Foundation
import Runtime
import Testing

/// Each harness builds the argv its real CLI needs, as an array, with the prompt passed as a file: the prompt's
/// text (untrusted ticket content) never reaches argv.
@Suite struct HarnessInvocationTests {
    static let promptFile = "/srv/mission/sessions/S-1/prompt.md"

    func request(_ cli: String, _ configure: (inout HarnessRequest) -> Void = { _ in }) -> HarnessRequest {
        var request = HarnessRequest(harness: Fakes.harness(cli).name, baseCommand: Fakes.baseCommand(cli), promptFile: Self.promptFile)
        configure(&request)
        return request
    }

    @Test func claudeCode() throws {
        let invocation = try ClaudeCodeHarness().invocation(for: request("claude") {
            $0.model = "claude-sonnet-4-5"
            $0.resumeSessionID = "5f3c1a2e-8d4b-4c7e-9a61-2b0e7d9f4c10"
            $0.maxTurns = 30
            $0.permissionMode = "acceptEdits"
            $0.allowedTools = ["Read", "Bash(git diff *)"]
            $0.environmentNames = ["ANTHROPIC_API_KEY"]
        })
        #expect(invocation.argv == [
            "claude", "-p", "--output-format", "stream-json", "--verbose", "--model", "claude-sonnet-4-5",
            "--resume", "5f3c1a2e-8d4b-4c7e-9a61-2b0e7d9f4c10", "--max-turns", "30", "--permission-mode", "acceptEdits",
            "--allowedTools", "Read,Bash(git diff *)",
        ])
        #expect(invocation.stdin == .file(Self.promptFile))
        #expect(invocation.environmentNames == ["ANTHROPIC_API_KEY"])
    }

    @Test func claudeCodeFixesATemplateThatWouldBreakTheParser() throws {
        let invocation = try ClaudeCodeHarness().invocation(for: request("claude") {
            $0.baseCommand = ["claude", "--output-format", "json", "--model", "opus"]
            $0.model = "sonnet"
        })
        #expect(invocation.argv == ["claude", "--output-format", "stream-json", "--model", "sonnet", "-p", "--verbose"])
    }

    @Test func codexNewAndResumed() throws {
        let fresh = try CodexHarness().invocation(for: request("codex") {
            $0.model = "gpt-5-codex"
            $0.permissionMode = "workspace-write"
            $0.maxTurns = 10  // Codex has no such flag: not passed
        })
        #expect(fresh.argv == ["codex", "exec", "--json", "--model", "gpt-5-codex", "--sandbox", "workspace-write", "-"])
        #expect(fresh.stdin == .file(Self.promptFile))
        let resumed = try CodexHarness().invocation(for: request("codex") {
            $0.baseCommand = ["codex"]
            $0.resumeSessionID = "0199a213-81c0-7800-8aa1-bbab2a035a53"
        })
        #expect(resumed.argv == ["codex", "exec", "--json", "resume", "0199a213-81c0-7800-8aa1-bbab2a035a53", "-"])
    }

    @Test func gemini() throws {
        let invocation = try GeminiHarness().invocation(for: request("gemini") {
            $0.model = "gemini-2.5-pro"
            $0.permissionMode = "auto_edit"
            $0.resumeSessionID = "c3a9e7b2-4f1d-4e8a-9b6c-2d7e1f0a3b54"
            $0.allowedTools = ["run_shell_command(git)", "read_file"]
        })
        #expect(invocation.argv == [
            "gemini", "--output-format", "stream-json", "--model", "gemini-2.5-pro", "--approval-mode", "auto_edit",
            "--resume", "c3a9e7b2-4f1d-4e8a-9b6c-2d7e1f0a3b54",
            "--allowed-tools", "run_shell_command(git)", "--allowed-tools", "read_file",
        ])
        #expect(invocation.stdin == .file(Self.promptFile))
        #expect(!invocation.argv.contains("-p") && !invocation.argv.contains("--prompt"))
    }

    @Test func kimi() throws {
        let invocation = try KimiHarness().invocation(for: request("kimi") {
            $0.baseCommand = ["kimi"]
            $0.model = "kimi-k2-turbo-preview"
            $0.resumeSessionID = "session_01JH7Q2W8X4Y6Z0A1B2C3D4E5F"
        })
        #expect(invocation.argv == ["kimi", "--print", "--output-format", "stream-json", "--model", "kimi-k2-turbo-preview",
                                    "--session", "session_01JH7Q2W8X4Y6Z0A1B2C3D4E5F"])
        #expect(invocation.stdin == .file(Self.promptFile))
    }

    @Test func hermes() throws {
        let invocation = try HermesHarness().invocation(for: request("hermes") {
            $0.baseCommand = ["hermes"]
            $0.model = "anthropic/claude-sonnet-4.6"
            $0.maxTurns = 40
            $0.permissionMode = "yolo"
        })
        #expect(invocation.argv == ["hermes", "chat", "-Q", "--model", "anthropic/claude-sonnet-4.6", "--max-turns", "40", "--yolo"])
        // 0.19.0 reads its query only from `--query TEXT`: the launcher appends it from the prompt file.
        #expect(invocation.promptArgument == PromptArgument(option: "--query", file: Self.promptFile))
        #expect(invocation.stdin == .closed)
        #expect(invocation.environment["PYTHONUNBUFFERED"] == "1")
    }

    @Test func aider() throws {
        let invocation = try AiderHarness().invocation(for: request("aider") { $0.model = "sonnet" })
        #expect(invocation.argv == ["aider", "--message-file", Self.promptFile, "--yes-always", "--no-pretty", "--no-stream",
                                    "--no-check-update", "--no-analytics", "--no-show-release-notes", "--no-detect-urls",
                                    "--disable-playwright", "--no-gitignore", "--chat-history-file", "/dev/null", "--model", "sonnet"])
        #expect(invocation.stdin == .closed)
        // Wide enough that aider never wraps the one-line signal (the real aider wraps at 80 columns without a tty).
        #expect(invocation.environment["COLUMNS"] == "100000")
    }

    @Test func scriptGetsThePromptFileInItsArgvAndEnvironment() throws {
        let invocation = try ScriptHarness().invocation(for: request("script") {
            $0.baseCommand = ["./scripts/agent.sh", "--prompt={prompt_file}", "{prompt_file}"]
        })
        #expect(invocation.argv == ["./scripts/agent.sh", "--prompt=\(Self.promptFile)", Self.promptFile])
        #expect(invocation.environment == ["MISSION_PROMPT_FILE": Self.promptFile])
        #expect(invocation.stdin == .closed)
    }

    /// Whatever the prompt says, argv holds only the profile's words, the harness's flags and the file's path.
    @Test(arguments: Fakes.clis + ["my-agent"]) func thePromptTextNeverReachesArgv(_ cli: String) throws {
        let prompt = try Fakes.prompt
        let invocation = try Fakes.harness(cli).invocation(for: request(cli) {
            if cli == "my-agent" { $0.baseCommand = ["my-agent", "{prompt_file}"] }
        })
        for line in prompt.split(separator: "\n") where line.count > 3 {
            #expect(!invocation.argv.contains { $0.contains(line) }, "\(line)")
        }
        let ways = [invocation.argv.contains { $0.contains(Self.promptFile) }, invocation.stdin == .file(Self.promptFile),
                    invocation.promptArgument?.file == Self.promptFile]
        #expect(ways.filter { $0 }.count == 1, "the prompt is given exactly one way: \(ways)")
    }

    @Test(arguments: [
        ("--dangerously-skip-permissions", "model"), ("-rf", "resume"), ("abc\ndef", "resume"), ("two words", "model"), ("", "model"),
    ]) func unsafeValuesAreRefused(_ value: String, _ field: String) {
        for cli in ["claude", "codex", "gemini", "kimi", "hermes"] {
            #expect(throws: HarnessError.self, "\(cli) \(field)") {
                try Fakes.harness(cli).invocation(for: request(cli) {
                    if field == "model" { $0.model = value } else { $0.resumeSessionID = value }
                })
            }
        }
    }

    @Test func harnessesByName() throws {
        for name in ["claude-code", "codex", "gemini", "kimi", "hermes", "aider", "script"] {
            #expect(try Harnesses.named(name).name == name)
        }
        let ssh = try #require(try Harnesses.named("ssh", command: ["/opt/bin/codex", "exec"]) as? SSHHarness)
        #expect(ssh.inner.name == "codex")
        #expect(Harnesses.inferred(fromCommand: ["./agent.sh"]).name == "script")
        #expect(throws: HarnessError.self) { try Harnesses.named("cursor") }
    }

    // MARK: SSH

    @Test func sshRunsTheInnerCommandOnTheHostWithThePromptOnStdin() throws {
        let invocation = try SSHHarness(inner: ClaudeCodeHarness()).invocation(for: request("claude") {
            $0.host = "build-1.example.com"
            $0.model = "sonnet"
            $0.environmentNames = ["ANTHROPIC_API_KEY"]
        })
        #expect(invocation.argv == [
            "ssh", "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "SendEnv=ANTHROPIC_API_KEY",
            "build-1.example.com", "--", "claude", "-p", "--output-format", "stream-json", "--verbose", "--model", "sonnet",
        ])
        #expect(invocation.stdin == .file(Self.promptFile))
        #expect(invocation.environmentNames == ["SSH_AUTH_SOCK", "ANTHROPIC_API_KEY"])
    }

    @Test func sshGivesFileReadingCLIsTheirStdinAsThePromptFile() throws {
        let invocation = try SSHHarness(inner: AiderHarness()).invocation(for: request("aider") { $0.host = "gpu" })
        // The harness's own variables (aider's wide COLUMNS) are set on the remote side, through env.
        #expect(Array(invocation.argv.suffix(16).prefix(8)) == ["env", "'COLUMNS=100000'", "aider", "--message-file", "/dev/stdin",
                                                                "--yes-always", "--no-pretty", "--no-stream"])
        #expect(!invocation.argv.contains(Self.promptFile))
        #expect(invocation.stdin == .file(Self.promptFile))
    }

    /// The remote words survive the remote shell unchanged, however they are spelled; the host is one argv
    /// word whatever it holds, and cannot be an option.
    @Test func sshQuotingIsSafe() throws {
        let awkward = [#"it's "quoted""#, "$HOME `id` $(id)", "a;b|c&d>e<f", "*?[x]~", "tab\there", "", "-n", "back\\slash", "ümlaut"]
        let prompt = "/tmp/it's a \"prompt\" dir/prompt file.md"
        let invocation = try SSHHarness(inner: ScriptHarness()).invocation(for: HarnessRequest(
            harness: "ssh", baseCommand: ["my agent", "{prompt_file}"] + awkward, promptFile: prompt, host: #"build box 'one'"#))
        let separator = try #require(invocation.argv.firstIndex(of: "--"))
        #expect(invocation.argv[separator - 1] == #"build box 'one'"#)
        #expect(invocation.stdin == .file(prompt))
        let remote = Array(invocation.argv[(separator + 1)...])
        // What the remote shell makes of the command line ssh sends it (the words joined with spaces).
        let parsed = try shellWords(remote.joined(separator: " "))
        #expect(parsed == ["env", "MISSION_PROMPT_FILE=/dev/stdin", "my agent", "/dev/stdin"] + awkward)
        #expect(throws: HarnessError.self) {
            try SSHHarness(inner: ScriptHarness()).invocation(for: HarnessRequest(
                harness: "ssh", baseCommand: ["x"], promptFile: prompt, host: "-oProxyCommand=touch /tmp/pwned"))
        }
        #expect(throws: HarnessError.self) {
            try SSHHarness(inner: ScriptHarness()).invocation(for: HarnessRequest(harness: "ssh", baseCommand: ["x"], promptFile: prompt))
        }
    }

    /// The words a POSIX shell parses `line` into (printed one per line, NUL-separated to keep newlines).
    func shellWords(_ line: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "for word in \(line); do printf '%s\\0' \"$word\"; done"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func sshTellsAnUnreachableHostFromTheRemoteCLIsFailure() {
        for message in ["ssh: Could not resolve hostname nowhere: Name or service not known",
                        "ssh: connect to host build-1 port 22: Connection refused",
                        "ssh: connect to host build-1 port 22: Connection timed out",
                        "git@build-1: Permission denied (publickey)."] {
            #expect(SSHHarness.classifyExit(code: 255, lastLines: ["", message])?.kind == .hostUnreachable, "\(message)")
        }
        #expect(SSHHarness.classifyExit(code: 255, lastLines: ["remote agent crashed"]) == nil)
        #expect(SSHHarness.classifyExit(code: 1, lastLines: ["Connection refused"]) == nil, "only ssh's own 255")
        let ssh = SSHHarness(inner: GeminiHarness())
        #expect(ssh.classifyExit(code: 53, lastLines: [])?.kind == .turnLimit, "the remote CLI's code, read by the inner harness")
        #expect(ssh.classifyExit(code: 127, lastLines: ["sh: 1: gemini: not found"])?.kind == .commandNotFound)
        #expect(ssh.classifyExit(code: 0, lastLines: []) == nil)
    }

    // MARK: Exit codes

    static let geminiCodes: [(Int32, HarnessFailure.Kind?)] = [
        (0, nil), (1, .general), (41, .authentication), (42, .badInput), (44, .sandbox), (52, .configuration), (53, .turnLimit),
        (54, .toolFailure), (130, .cancelled),
    ]

    @Test(arguments: geminiCodes) func geminiExitCodes(_ code: Int32, _ kind: HarnessFailure.Kind?) {
        #expect(GeminiHarness().classifyExit(code: code, lastLines: ["boom"])?.kind == kind)
    }

    @Test func capabilities() {
        #expect(ClaudeCodeHarness().capabilities.names == ["json-stream", "resume", "tools", "usage", "cost", "max-turns"])
        #expect(CodexHarness().capabilities.contains(.resume) && !CodexHarness().capabilities.contains(.cost))
        #expect(ScriptHarness().capabilities.isEmpty)
        #expect(SSHHarness(inner: KimiHarness()).capabilities == KimiHarness().capabilities)
    }
}
