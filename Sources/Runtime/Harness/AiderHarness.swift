import Foundation

/// aider, one message and exit: `aider --message-file F --yes-always --no-pretty --no-stream`. aider has no
/// JSON output: its lines are the conversation, and its exit code the outcome (the diff it committed is the
/// evidence, read elsewhere).
public struct AiderHarness: Harness {
    /// An aider harness.
    public init() {}

    /// `aider`.
    public var name: String { "aider" }

    /// Tools (it edits files and commits), usage and cost (its `Tokens: … Cost: …` lines); plain text, no resume.
    public var capabilities: HarnessCapabilities { [.tools, .usage, .cost] }

    /// `aider --message-file F --yes-always --no-pretty --no-stream [--model M]`, with `COLUMNS` wide.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        var argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        try argv.set("--message-file", checked: request.promptFile, aliases: ["-f"], spaces: true)
        argv.ensure("--yes-always")
        argv.ensure("--no-pretty")
        argv.ensure("--no-stream")
        try argv.set("--model", checked: request.model)
        // aider wraps what it prints at the terminal's width (80 columns without one), which would split the
        // one-line signal; a width no line reaches keeps every line whole.
        return Invocation(argv: argv.words, environmentNames: request.environmentNames, environment: ["COLUMNS": "100000"])
    }

    /// A plain-text parser that knows aider's usage lines and litellm's rate-limit errors.
    public func makeParser(now: Date) -> any HarnessParser { PlainTextParser(dialect: .aider, now: now) }

    /// aider exits 1 on failure; the last lines say which.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines)
    }
}
