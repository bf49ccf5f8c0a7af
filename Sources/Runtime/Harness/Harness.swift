import Foundation

/// An adapter for one agent CLI: how to run it (an argv array, never a shell string, with the prompt passed as
/// a file) and how to read what it prints. The seam between the watcher and the agent runtimes; tests put a
/// scripted harness behind it.
public protocol Harness: Sendable {
    /// The harness's name as runtime profiles write it (`claude-code`, `codex`, …).
    var name: String { get }
    /// What the CLI offers through this harness.
    var capabilities: HarnessCapabilities { get }
    /// How to run `request`. The prompt's text never appears in the result: only its file's path does, or the
    /// file is given as standard input. Fails when a value would be unsafe in argv.
    func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation
    /// A fresh parser for one session's output; `now` anchors relative times such as "try again in 2 hours".
    func makeParser(now: Date) -> any HarnessParser
    /// What a non-zero exit means for this CLI, given the last lines it printed; nil for a clean exit.
    func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure?
}

/// Reads one session's output, line by line, into events. Keeps state between lines (tool names by call id,
/// the text so far). Confine to one thread at a time; it is a value, so copies are independent.
public protocol HarnessParser: Sendable {
    /// The events in one output line (without its newline). Never fails: a line it cannot read is `.unparsed`.
    mutating func parse(line: String) -> [AgentEvent]
    /// The closing events once the process exited with `exitCode` (nil when unknown): a `.result` from the exit
    /// status when the stream carried none (plain-text CLIs, or a CLI killed before its result line).
    mutating func finish(exitCode: Int32?) -> [AgentEvent]
    /// The text signals are read from: the CLI's final answer where it reports one, because the full stream
    /// also carries the prompt (echoed, or read back by a tool) and the tools' output.
    var finalText: String { get }
}

extension HarnessParser {
    /// The events in a whole output (a session's `output.log`), followed by `finish(exitCode:)`'s.
    public mutating func parse(output: String, exitCode: Int32?) -> [AgentEvent] {
        var events: [AgentEvent] = []
        var lines = output.outputLines()
        if lines.last?.isEmpty == true { lines.removeLast() }  // the newline that ends the last line
        for line in lines { events += parse(line: String(line)) }
        return events + finish(exitCode: exitCode)
    }
}

/// What a harness needs to build a session's command.
public struct HarnessRequest: Sendable, Hashable {
    /// The harness's name.
    public var harness: String
    /// The profile's argv template; `{prompt_file}` in any word is replaced by the prompt file's path.
    public var baseCommand: [String]
    /// The prompt file (written by the watcher; its content is untrusted ticket text).
    public var promptFile: String
    /// The model, when the profile or ticket names one.
    public var model: String?
    /// The CLI's own session id to resume, from an earlier `.sessionStarted`.
    public var resumeSessionID: String?
    /// The CLI's permission, sandbox or approval mode (`acceptEdits`, `workspace-write`, `auto_edit`, …).
    public var permissionMode: String?
    /// The most agent turns the CLI may take, where it has such a limit.
    public var maxTurns: Int?
    /// Tools the agent may use without asking, in the CLI's own syntax.
    public var allowedTools: [String]
    /// Environment variables the CLI needs, by name (values are never recorded).
    public var environmentNames: [String]
    /// The host to run on, for the `ssh` harness.
    public var host: String?

    /// A request; only the harness, command and prompt file are required.
    public init(harness: String, baseCommand: [String], promptFile: String, model: String? = nil,
                resumeSessionID: String? = nil, permissionMode: String? = nil, maxTurns: Int? = nil,
                allowedTools: [String] = [], environmentNames: [String] = [], host: String? = nil) {
        self.harness = harness
        self.baseCommand = baseCommand
        self.promptFile = promptFile
        self.model = model
        self.resumeSessionID = resumeSessionID
        self.permissionMode = permissionMode
        self.maxTurns = maxTurns
        self.allowedTools = allowedTools
        self.environmentNames = environmentNames
        self.host = host
    }
}

/// How to start a session's process.
public struct Invocation: Sendable, Hashable {
    /// The command and its arguments, passed to the process as they are (no shell parses them).
    public var argv: [String]
    /// Variables to pass from the watcher's environment, by name.
    public var environmentNames: [String]
    /// Variables the harness sets itself, with their (non-secret) values, e.g. `MISSION_PROMPT_FILE`.
    public var environment: [String: String]
    /// What the process reads on standard input.
    public var stdin: StdinSource
    /// An option the session wrapper appends as `OPTION=<the file's text>` when it starts the command, for CLIs
    /// that take the prompt only as an argument's value (Hermes 0.19.0's `--query`); nil for none.
    public var promptArgument: PromptArgument?

    /// An invocation as given.
    public init(argv: [String], environmentNames: [String] = [], environment: [String: String] = [:],
                stdin: StdinSource = .closed, promptArgument: PromptArgument? = nil) {
        self.argv = argv
        self.environmentNames = environmentNames
        self.environment = environment
        self.stdin = stdin
        self.promptArgument = promptArgument
    }
}

/// A prompt given as an option's value, for CLIs that read it from nowhere else (Hermes 0.19.0's `--query`). The
/// launcher reads the file when it starts the session and appends `OPTION=<text>` to the child's argv only: the
/// text is never in the recorded invocation, and never parsed by a shell (it is one positional parameter).
public struct PromptArgument: Sendable, Hashable {
    /// The option, e.g. `--query`; the argument is `--query=<text>` (so text starting with `-` stays a value).
    public var option: String
    /// The file whose text is the value (its trailing newlines are dropped).
    public var file: String

    /// A prompt argument as given.
    public init(option: String, file: String) {
        self.option = option
        self.file = file
    }

    /// `OPTION=<the file's text>`, or why it cannot be given: the file is unreadable, or the argument is longer
    /// than `limit` bytes.
    func argument(limit: Int) throws(LaunchError) -> String {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw LaunchError(message: "cannot read the prompt file \(file)")
        }
        var value = Substring(text)
        while value.last?.isNewline == true { value.removeLast() }
        let argument = option + "=" + value
        guard argument.utf8.count < limit else {
            throw LaunchError(message: "the prompt (\(argument.utf8.count) bytes) is too long to pass as \(option); the limit is \(limit) bytes")
        }
        return argument
    }
}

/// Where a session's standard input comes from.
public enum StdinSource: Sendable, Hashable {
    /// Nothing: /dev/null, so a CLI that would wait for input sees end of file at once.
    case closed
    /// A file, read from its start (the prompt, for CLIs that take it on standard input).
    case file(String)
}

/// What a CLI offers through its harness.
public struct HarnessCapabilities: OptionSet, Sendable, Hashable {
    /// The bits.
    public let rawValue: Int
    /// A capability set from its bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// It prints a structured (JSON lines) event stream rather than plain text.
    public static let jsonStream = HarnessCapabilities(rawValue: 1 << 0)
    /// It can resume an earlier session by id.
    public static let resume = HarnessCapabilities(rawValue: 1 << 1)
    /// The agent uses tools (reads and edits files, runs commands).
    public static let tools = HarnessCapabilities(rawValue: 1 << 2)
    /// It reports token usage.
    public static let usage = HarnessCapabilities(rawValue: 1 << 3)
    /// It reports the session's cost in money.
    public static let cost = HarnessCapabilities(rawValue: 1 << 4)
    /// It takes a limit on agent turns.
    public static let maxTurns = HarnessCapabilities(rawValue: 1 << 5)

    /// The capabilities' names, for reports (`json-stream`, `resume`, …).
    public var names: [String] {
        let named: [(HarnessCapabilities, String)] = [(.jsonStream, "json-stream"), (.resume, "resume"), (.tools, "tools"),
                                                      (.usage, "usage"), (.cost, "cost"), (.maxTurns, "max-turns")]
        return named.filter { contains($0.0) }.map(\.1)
    }
}

/// Building a command failed: nothing ran.
public struct HarnessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Value: String, Sendable, Hashable {
            case unknownHarness = "unknown_harness", missingHost = "missing_host", unsafeArgument = "unsafe_argument"
        }
        let value: Value
        /// No harness has that name.
        public static let unknownHarness = Code(value: .unknownHarness)
        /// The `ssh` harness was given no host.
        public static let missingHost = Code(value: .missingHost)
        /// A value would be read as an option, or holds control characters.
        public static let unsafeArgument = Code(value: .unsafeArgument)
        /// The code's name.
        public var description: String { value.rawValue }
    }

    /// What kind of failure.
    public let code: Code
    /// What failed, in plain words.
    public let message: String

    /// A failure.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// A description for people.
    public var description: String { message }
}

/// The harnesses Mission Control ships, by name.
public enum Harnesses {
    /// Every harness except `ssh`, which wraps one of these.
    public static let local: [any Harness] = [
        ClaudeCodeHarness(), CodexHarness(), GeminiHarness(), KimiHarness(), HermesHarness(), AiderHarness(),
        ScriptHarness(),
    ]

    /// The harness called `name`. `ssh` wraps the harness `command` calls for (see `inferred(fromCommand:)`).
    public static func named(_ name: String, command: [String] = []) throws(HarnessError) -> any Harness {
        if name == SSHHarness.harnessName { return SSHHarness(inner: inferred(fromCommand: command)) }
        guard let harness = local.first(where: { $0.name == name }) else {
            throw HarnessError(code: .unknownHarness, message: "unknown harness '\(name)'")
        }
        return harness
    }

    /// The harness for a command by its executable's name (`claude` is `claude-code`, an unknown one is `script`):
    /// how an `ssh` profile, whose command is the remote one, finds out how to talk to it.
    public static func inferred(fromCommand command: [String]) -> any Harness {
        let executable = command.first.map { ($0 as NSString).lastPathComponent } ?? ""
        switch executable {
        case "claude": return ClaudeCodeHarness()
        default: return local.first { $0.name == executable } ?? ScriptHarness()
        }
    }
}
