import Board
import Foundation

/// One trivial prompt through a profile's real CLI, as a session would run it (the harness's argv, the prompt on
/// standard input, only PATH, HOME and the profile's `env` names), in a scratch git folder of its own outside the
/// board's repository: the round trip `mission runtimes --check --probe` reports.
public struct ProbeResult: Sendable, Hashable, Encodable {
    /// Whether the CLI answered and ended well.
    public var ok: Bool
    /// Seconds from start to end.
    public var seconds: Double
    /// The answer's first line, or what went wrong.
    public var detail: String
}

public enum Probe {
    /// The prompt the probe sends.
    public static let prompt = "This is a connection check from Mission Control. Reply with the single word: ok\n"

    /// Runs `profile` (whose harness is `harness`) once with `prompt`, stopping it after `timeout` seconds.
    public static func run(_ profile: RuntimeProfile, harness: any Harness, environment: [String: String],
                           timeout: TimeInterval = 60) -> ProbeResult {
        let started = Date()
        func failed(_ why: String) -> ProbeResult { ProbeResult(ok: false, seconds: Date().timeIntervalSince(started), detail: why) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mission-probe-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let work = "\(folder)/work", promptFile = "\(folder)/prompt.md"
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            try Data(prompt.utf8).write(to: URL(fileURLWithPath: promptFile))
        } catch {
            return failed("cannot make the probe's folder: \(error.localizedDescription)")
        }
        // A session's folder is a git worktree, and some CLIs (Codex) refuse to run anywhere else.
        if let git = try? Launcher.resolve("git", path: environment["PATH"] ?? "/usr/bin:/bin") {
            let initialise = Process()
            initialise.executableURL = URL(fileURLWithPath: git)
            initialise.arguments = ["init", "-q", work]
            initialise.standardOutput = FileHandle.nullDevice
            initialise.standardError = FileHandle.nullDevice
            if (try? initialise.run()) != nil { initialise.waitUntilExit() }
        }
        let invocation: Invocation
        do throws(HarnessError) {
            invocation = try harness.invocation(for: HarnessRequest(
                harness: profile.harness, baseCommand: profile.command, promptFile: promptFile, model: profile.model,
                environmentNames: profile.env, host: profile.host))
        } catch {
            return failed(error.message)
        }
        let variables = invocation.environment(
            base: ["PATH": environment["PATH"] ?? "/usr/bin:/bin", "HOME": environment["HOME"] ?? "/"], host: environment)
        let directory = SessionDirectory(path: "\(folder)/session")
        let handle: SessionHandle
        do throws(LaunchError) {
            handle = try Launcher.launch(id: "probe", invocation: invocation, workingDirectory: work, environment: variables,
                                         directory: directory)
        } catch {
            return failed(error.message)
        }
        let end = Monitor.wait(for: handle, limits: SessionLimits(wall: timeout, outputBytes: 1 << 20), isChild: true)
        let output = (try? String(contentsOfFile: directory.output, encoding: .utf8)) ?? ""
        var code: Int32?
        switch end {
        case .exited(let status): code = status
        case .killed(let breach): return failed("stopped at the \(breach.rawValue) limit (\(Int(timeout)) s)")
        case .signaled(let signal): return failed("killed by signal \(signal)")
        case .vanished: return failed("the process vanished")
        }
        var parser = harness.makeParser(now: started)
        let events = parser.parse(output: output, exitCode: code)
        let failure = events.lazy.compactMap { event -> String? in
            if case .result(false, _, let detail) = event { return detail ?? "the run failed" }
            if case .rateLimited(_, let message) = event { return message }
            return nil
        }.first
        // A JSON CLI's answer is its final message; a plain-text CLI prints its banner first (aider's version,
        // model and repository) and its answer last.
        let lines = parser.finalText.outputLines(omittingEmpty: true)
        let answer = (harness.capabilities.contains(.jsonStream) ? lines.first : lines.last).map(String.init) ?? ""
        if let failure { return failed(failure) }
        guard code == 0 else { return failed("exited with status \(code ?? -1): \(output.outputLines(omittingEmpty: true).last ?? "")") }
        guard !answer.isEmpty else { return failed("the CLI ended without an answer") }
        return ProbeResult(ok: true, seconds: Date().timeIntervalSince(started), detail: String(answer.prefix(200)))
    }
}
