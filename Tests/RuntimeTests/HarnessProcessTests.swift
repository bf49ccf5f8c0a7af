import Foundation
import Runtime
import Testing

/// The harnesses against fake CLIs run as real processes: each fake checks the flags its CLI needs, reads the
/// prompt where the CLI reads it, and prints a recorded session; the session goes through `Launcher` into its
/// output file, and the harness's parser reads that file.
@Suite(.serialized) final class HarnessProcessTests {
    let root: String
    let bin: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("harness-\(UUID().uuidString.prefix(8))").path
        // A prompt path with spaces and quotes: it must reach the CLI intact, as a file.
        try FileManager.default.createDirectory(atPath: "\(root)/it's a \"work\" dir", withIntermediateDirectories: true)
        bin = try Fakes.install()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: bin)
    }

    var workdir: String { "\(root)/it's a \"work\" dir" }

    /// Writes the prompt, runs `harness` on it through the launcher with the fake CLIs first on PATH, and returns
    /// how it ended, what it printed, and the folder where the fake recorded what it was given.
    func run(_ harness: any Harness, _ request: HarnessRequest, scenario: String, id: String) throws
        -> (end: SessionEnd, output: String, record: String) {
        let record = "\(root)/\(id)-record"
        try FileManager.default.createDirectory(atPath: record, withIntermediateDirectories: true)
        let invocation = try harness.invocation(for: request)
        let base = ["PATH": "\(bin):/usr/bin:/bin", "FAKE_SCENARIO": scenario, "FAKE_RECORDINGS": try Fakes.folder,
                    "FAKE_RECORD": record]
        let directory = SessionDirectory(path: "\(root)/\(id)")
        let handle = try Launcher.launch(id: id, invocation: invocation, workingDirectory: workdir,
                                         environment: invocation.environment(base: base, host: [:]), directory: directory)
        let end = Monitor.wait(for: handle, limits: .init(wall: 20), isChild: true)
        return (end, try String(contentsOfFile: directory.output, encoding: .utf8), record)
    }

    func writePrompt() throws -> String {
        let path = "\(workdir)/prompt.md"
        try Fakes.prompt.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let sessions: [(String, String)] = Fakes.recorded

    @Test(arguments: sessions) func aFakeCLIThroughTheLauncherGivesTheRecordedEvents(_ cli: String, _ scenario: String) throws {
        let promptFile = try writePrompt()
        let harness = Fakes.harness(cli)
        let request = HarnessRequest(harness: harness.name, baseCommand: Fakes.baseCommand(cli), promptFile: promptFile,
                                     model: "test-model")
        let id = "\(cli)-\(scenario)"
        let (end, output, record) = try run(harness, request, scenario: scenario, id: id)
        let expectedCode = Fakes.exitCode(cli, scenario)
        #expect(end == .exited(expectedCode), "\(output)")
        #expect(output == (try Fakes.recording(cli, scenario)))

        // The fake read the whole prompt where the real CLI would, and was given exactly the harness's argv.
        #expect(try String(contentsOfFile: "\(record)/prompt", encoding: .utf8) == (try Fakes.prompt).trimmingCharacters(in: .newlines))
        // A prompt given as an option's value (Hermes) is the last word, appended by the launcher.
        let invocation = try harness.invocation(for: request)
        let prompt = try Fakes.prompt.trimmingCharacters(in: .newlines)
        let words = Array(invocation.argv.dropFirst()) + (invocation.promptArgument.map { [$0.option + "=" + prompt] } ?? [])
        #expect(try String(contentsOfFile: "\(record)/argv", encoding: .utf8) == words.map { $0 + "\n" }.joined())

        let fromFile = parse(output, with: harness, exitCode: expectedCode)
        let fromRecording = parse(try Fakes.recording(cli, scenario), with: harness, exitCode: expectedCode)
        #expect(fromFile.events == fromRecording.events)
        #expect(fromFile.finalText == fromRecording.finalText)
        if expectedCode != 0 {
            let lastLines = Reaper.tail(SessionDirectory(path: "\(root)/\(id)").output, lines: 5)
            #expect(harness.classifyExit(code: expectedCode, lastLines: lastLines) != nil)
        }
    }

    @Test func aFakeRefusesAnInvocationWithoutTheFlagsItsCLINeeds() throws {
        let promptFile = try writePrompt()
        let request = HarnessRequest(harness: "script", baseCommand: ["claude", "-p", "--output-format", "json"], promptFile: promptFile)
        // The script harness passes the template as it is: not what claude needs in a pipeline.
        let (end, output, _) = try run(ScriptHarness(), request, scenario: "success", id: "bad-flags")
        #expect(end == .exited(2))
        #expect(output == "fake claude: --output-format stream-json is required\n")
    }

    @Test func aScriptGetsThePromptFileAsArgumentAndVariable() throws {
        let promptFile = try writePrompt()
        let request = HarnessRequest(harness: "script", baseCommand: ["my-agent", "{prompt_file}"], promptFile: promptFile)
        let (end, output, _) = try run(ScriptHarness(), request, scenario: "success", id: "script")
        #expect(end == .exited(0))
        let lines = try Fakes.prompt.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(output == "read \(lines) lines of prompt\nDONE: script finished\n")
    }

    @Test(arguments: ["claude", "gemini", "aider", "hermes"]) func overSSHTheRemoteCLIReadsThePromptFromStdin(_ cli: String) throws {
        let promptFile = try writePrompt()
        let inner = Fakes.harness(cli)
        let ssh = SSHHarness(inner: inner)
        let request = HarnessRequest(harness: "ssh", baseCommand: Fakes.baseCommand(cli), promptFile: promptFile, model: "test-model",
                                     host: "build box 'one'")
        let (end, output, record) = try run(ssh, request, scenario: "success", id: "ssh-\(cli)")
        #expect(end == .exited(0), "\(output)")
        #expect(try String(contentsOfFile: "\(record)/prompt", encoding: .utf8) == (try Fakes.prompt).trimmingCharacters(in: .newlines))
        let expected = parse(try Fakes.recording(cli, "success"), with: inner, exitCode: 0)
        let actual = parse(output, with: ssh, exitCode: 0)
        #expect(actual.events == expected.events)
        #expect(actual.finalText == expected.finalText)
    }

    /// Hermes takes its prompt as `--query=TEXT`: one argument, which Linux caps at 128 KiB; a longer prompt is a
    /// launch failure that says so, not an E2BIG from the kernel.
    @Test func aPromptTooLongForOneArgumentIsALaunchErrorThatSaysSo() throws {
        let promptFile = "\(workdir)/long-prompt.md"
        try String(repeating: "x", count: 200 * 1024).write(toFile: promptFile, atomically: true, encoding: .utf8)
        let invocation = try HermesHarness().invocation(for: HarnessRequest(harness: "hermes", baseCommand: Fakes.baseCommand("hermes"),
                                                                             promptFile: promptFile))
        let error = #expect(throws: LaunchError.self) {
            try Launcher.launch(id: "long", invocation: invocation, workingDirectory: workdir,
                                environment: invocation.environment(base: ["PATH": "\(bin):/usr/bin:/bin"], host: [:]),
                                directory: SessionDirectory(path: "\(root)/long"))
        }
        #expect(error?.message.contains("too long to pass as --query") == true, "\(String(describing: error))")
    }

    @Test func anUnreachableHostIsTold() throws {
        let promptFile = try writePrompt()
        let ssh = SSHHarness(inner: ClaudeCodeHarness())
        let request = HarnessRequest(harness: "ssh", baseCommand: Fakes.baseCommand("claude"), promptFile: promptFile,
                                     host: "unreachable.invalid")
        let (end, output, _) = try run(ssh, request, scenario: "success", id: "ssh-unreachable")
        #expect(end == .exited(255))
        let failure = ssh.classifyExit(code: 255, lastLines: output.split(separator: "\n").map(String.init))
        #expect(failure?.kind == .hostUnreachable)
        #expect(failure?.message == "host unreachable: ssh: Could not resolve hostname unreachable.invalid: Name or service not known")
    }

    // MARK: Preflight

    @Test(arguments: Fakes.clis) func preflightFindsAFakeAndReadsItsVersion(_ cli: String) {
        let harness = Fakes.harness(cli)
        let report = Preflight.check(harness, command: cli, path: "\(bin):/usr/bin:/bin")
        #expect(report.resolvedPath == "\(bin)/\(cli)")
        #expect(report.problem == nil)
        #expect(report.capabilities == harness.capabilities)
        let versions = ["claude": "2.0.37 (Claude Code)", "codex": "codex-cli 0.58.0", "gemini": "0.16.0",
                        "kimi": "kimi, version 0.52.0", "hermes": "Hermes Agent v0.9.0 (2026.4.23)", "aider": "aider 0.86.1"]
        #expect(report.version == versions[cli])
    }

    @Test func preflightReportsAMissingExecutable() {
        let report = Preflight.check(CodexHarness(), command: "codex", path: "\(root)/empty:/nonexistent")
        #expect(!report.isFound)
        #expect(report.version == nil)
        #expect(report.problem == "executable not found on PATH: codex")
        #expect(report.capabilities == CodexHarness().capabilities)
    }

    @Test func preflightGivesUpOnAHangingVersionAndLeavesNothingRunning() throws {
        let slow = "\(bin)/slow-cli"
        try "#!/bin/sh\nsleep 60 &\necho $! > \"$0.child\"\nwait\n".write(toFile: slow, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: slow)
        let start = Date()
        let report = Preflight.check(ScriptHarness(), command: "slow-cli", path: "\(bin):/usr/bin:/bin", timeout: 0.5)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(report.isFound)
        #expect(report.version == nil)
        #expect(report.problem == "\(slow) --version did not finish within 0.5 s")
        let child = try #require(Int32(try String(contentsOfFile: slow + ".child", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(Processes.startTime(of: child) == nil, "the version check's own child was killed")
    }

    @Test func preflightReportsAFailingVersionCommand() throws {
        let broken = "\(bin)/broken-cli"
        try "#!/bin/sh\necho 'Error: Cannot find module node:sqlite' >&2\nexit 1\n".write(toFile: broken, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: broken)
        let report = Preflight.check(ScriptHarness(), command: "broken-cli", path: "\(bin):/usr/bin:/bin")
        #expect(report.version == nil)
        #expect(report.problem == "broken-cli --version exited with status 1: Error: Cannot find module node:sqlite")
    }
}
