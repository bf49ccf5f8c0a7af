import Foundation
import Runtime
import Testing

/// The recorded sessions and fake CLIs in `Fakes/`, and the values the recordings hold.
enum Fakes {
    /// The `Fakes` folder in the test bundle.
    static var folder: String {
        get throws {
            let url = try #require(Bundle.module.url(forResource: "Fakes", withExtension: nil))
            return url.path
        }
    }

    /// The prompt the fakes are given (and that the `echo` recordings repeat).
    static var prompt: String {
        get throws { try String(contentsOfFile: "\(folder)/prompt.md", encoding: .utf8) }
    }

    /// The recording of `scenario` for `cli`.
    static func recording(_ cli: String, _ scenario: String) throws -> String {
        let base = "\(try folder)/\(cli)/\(scenario)"
        let path = FileManager.default.fileExists(atPath: base + ".jsonl") ? base + ".jsonl" : base + ".txt"
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The exit status the fake CLI ends `scenario` with, as its real counterpart would.
    static func exitCode(_ cli: String, _ scenario: String) -> Int32 {
        switch (cli, scenario) {
        case (_, "success"), (_, "question"), (_, "echo"), (_, "resumed"): 0
        case ("gemini", "error"): 53
        case ("kimi", "error"), ("kimi", "ratelimit"): 75
        case ("aider", "auth"), ("aider", "overloaded"): 0  // aider exits 0 after giving up on the provider
        default: 1
        }
    }

    /// The harness for a fake CLI's name.
    static func harness(_ cli: String) -> any Harness {
        Harnesses.inferred(fromCommand: [cli])
    }

    /// A fresh folder holding the fake agent under every CLI's name (and `my-agent`, a script) and the fake ssh.
    static func install() throws -> String {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("fakes-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let source = try folder
        for name in clis + ["my-agent"] { try installExecutable(from: "\(source)/fake-agent", to: "\(bin)/\(name)") }
        try installExecutable(from: "\(source)/fake-ssh", to: "\(bin)/ssh")
        return bin
    }

    /// Copies `source` to `destination` as an executable (resource copies may lose the mode bits).
    static func installExecutable(from source: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: destination)
    }

    /// The CLIs with recordings.
    static let clis = ["claude", "codex", "gemini", "kimi", "hermes", "aider"]
    /// The scenarios recorded for every CLI.
    static let scenarios = ["success", "error", "ratelimit", "question"]
    /// The CLIs whose stream can carry the prompt apart from the answer (JSON events), with an `echo` recording.
    static let echoing = ["claude", "codex", "gemini", "kimi"]

    /// Every (cli, scenario) pair recorded.
    static let recorded: [(String, String)] =
        clis.flatMap { cli in scenarios.map { (cli, $0) } } + echoing.map { ($0, "echo") }
            + [("claude", "api-error"), ("claude", "resumed")]
            // Recorded from the real CLIs (aider 0.86.2, Hermes 0.19.0, Kimi 1.51.0) against the scripted model server.
            + ["aider", "hermes", "kimi"].flatMap { [($0, "auth"), ($0, "overloaded")] }

    /// The profile command each CLI is run with in the tests (as `runtimes.yaml` writes it).
    static func baseCommand(_ cli: String) -> [String] {
        switch cli {
        case "claude": ["claude", "-p", "--output-format", "stream-json", "--verbose"]
        case "codex": ["codex", "exec", "--json"]
        case "gemini": ["gemini", "--output-format", "stream-json"]
        case "kimi": ["kimi", "--print", "--output-format", "stream-json"]
        case "hermes": ["hermes", "chat"]
        default: [cli]
        }
    }

    // Values in the recordings.
    static let now = Date(timeIntervalSince1970: 1_768_040_100)
    static let nonce = "n-4f9a2c71"
    static func sentinel(_ signal: String, _ summary: String) -> String {
        #"{"mission_signal": "\#(signal)", "ticket": "MC-7K3Q", "nonce": "\#(nonce)", "summary": "\#(summary)"}"#
    }
    static let done = "The harvester now skips lines that repeat the prompt; HarvesterTests pass (14 tests).\n"
        + sentinel("DONE", "echo filter fixed, 14 tests pass")
    static let question = "The board sets two retry limits and the ticket does not say which wins.\n"
        + sentinel("QUESTION", "Which retry limit applies: max_retries in mission.yaml (3) or the workflow's (5)?")
    static let echoDone = "Implemented what prompt.md asks; the tests pass.\n" + sentinel("DONE", "implemented as asked")
    /// The nonce of the earlier session that the `resumed` recording repeats.
    static let earlierNonce = "n-e0a1d2c3"
    /// A resumed conversation's answer: its first session's QUESTION again (with that session's nonce), then DONE.
    static let resumedDone = "Before, I asked:\n"
        + sentinel("QUESTION", "Which retry limit applies: max_retries in mission.yaml (3) or the workflow's (5)?")
            .replacingOccurrences(of: nonce, with: earlierNonce)
        + "\nThe answer says the workflow's limit wins; the planner now reads max_retries from the workflow first.\n"
        + sentinel("DONE", "the workflow's retry limit applies, as answered")
    static let sessionIDs = [
        "claude": "5f3c1a2e-8d4b-4c7e-9a61-2b0e7d9f4c10", "codex": "0199a213-81c0-7800-8aa1-bbab2a035a53",
        "gemini": "c3a9e7b2-4f1d-4e8a-9b6c-2d7e1f0a3b54", "kimi": "session_01JH7Q2W8X4Y6Z0A1B2C3D4E5F",
        "hermes": "20260110_101500_a1b2c3",
    ]
}

extension Array where Element == AgentEvent {
    /// The `.result`, if any.
    var outcome: (ok: Bool, text: String?, detail: String?)? {
        for case .result(let ok, let text, let detail) in self { return (ok, text, detail) }
        return nil
    }

    /// The ids of `.sessionStarted` events.
    var sessionIDs: [String?] {
        var ids: [String?] = []
        for case .sessionStarted(let id, _) in self { ids.append(id) }
        return ids
    }

    /// The `.rateLimited` events' reset times.
    var rateLimitResets: [Date?] {
        var resets: [Date?] = []
        for case .rateLimited(let reset, _) in self { resets.append(reset) }
        return resets
    }

    /// The last `.usage`.
    var usage: AgentEvent.Usage? {
        var last: AgentEvent.Usage?
        for case .usage(let usage) in self { last = usage }
        return last
    }

    /// The assistant's `.message` texts.
    var messages: [String] {
        var texts: [String] = []
        for case .message(let text) in self { texts.append(text) }
        return texts
    }
}

/// Parses `output` with a fresh parser of `harness`, as a session's output file is read.
func parse(_ output: String, with harness: any Harness, exitCode: Int32?) -> (events: [AgentEvent], finalText: String) {
    var parser = harness.makeParser(now: Fakes.now)
    let events = parser.parse(output: output, exitCode: exitCode)
    return (events, parser.finalText)
}
