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
        // What --yes-always would otherwise say yes to, unattended: upgrading aider from PyPI (and exiting before
        // the ticket), opting in to analytics, opening the release notes in a browser, and fetching every URL in
        // the ticket (installing Playwright with pip and apt to do it).
        for flag in ["--no-check-update", "--no-analytics", "--no-show-release-notes", "--no-detect-urls", "--disable-playwright"] {
            argv.ensure(flag)
        }
        // aider's own files stay out of the worktree, whose every change the watcher commits: no `.aider*` line
        // added to `.gitignore`, no `.aider.chat.history.md` (the output log is the transcript).
        argv.ensure("--no-gitignore")
        if !argv.has("--chat-history-file") { argv.append("--chat-history-file", "/dev/null") }
        try argv.set("--model", checked: request.model)
        // aider wraps what it prints at the terminal's width (80 columns without one), which would split the
        // one-line signal; a width no line reaches keeps every line whole.
        return Invocation(argv: argv.words, environmentNames: request.environmentNames, environment: ["COLUMNS": "100000"])
    }

    /// A plain-text parser that knows aider's usage lines and litellm's rate-limit errors.
    public func makeParser(now: Date) -> any HarnessParser { PlainTextParser(dialect: .aider, now: now) }

    /// aider exits 0 even when the provider failed (401, 429, 529 after its retries): the parser's closing result
    /// says so. Other failures (bad arguments: 2) end in a non-zero code, and the last lines say which.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines)
    }
}
