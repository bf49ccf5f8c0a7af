import Foundation

/// Nous Research's Hermes Agent, one query and exit: `hermes chat --query-file F -Q`. `--query-file` reads the
/// query from a file ("safe for arbitrary text: nothing is shell-interpreted"), and `-Q` (quiet) prints only the
/// final response, then a `session_id: …` line (hermes_cli `_parser.py`).
///
/// Output is plain text. Recent releases add `--format stream-json`, but its events are not documented, so this
/// harness does not rely on them: lines are the agent's text and the exit code is the outcome.
public struct HermesHarness: Harness {
    /// A Hermes harness.
    public init() {}

    /// `hermes`.
    public var name: String { "hermes" }

    /// Resume, tools and a turn limit; plain text.
    public var capabilities: HarnessCapabilities { [.resume, .tools, .maxTurns] }

    /// `hermes chat --query-file F -Q [--model M] [--resume ID] [--max-turns N] [--yolo]`; `--yolo` when the
    /// permission mode is `yolo` (Hermes has no other mode flag).
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        var argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        argv.ensureSubcommand("chat")
        try argv.set("--query-file", checked: request.promptFile, spaces: true)
        argv.ensure("-Q", aliases: ["--quiet"])
        try argv.set("--model", checked: request.model, aliases: ["-m"])
        try argv.set("--resume", checked: request.resumeSessionID, aliases: ["-r"])
        if let turns = request.maxTurns { argv.set("--max-turns", String(turns)) }
        if request.permissionMode == "yolo" { argv.ensure("--yolo") }
        return Invocation(argv: argv.words, environmentNames: request.environmentNames)
    }

    /// A plain-text parser that knows Hermes's `session_id:` line.
    public func makeParser(now: Date) -> any HarnessParser { PlainTextParser(dialect: .hermes, now: now) }

    /// Hermes exits 1 when the run failed; argparse exits 2 on bad arguments.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines, known: [2: (.badInput, "bad arguments")])
    }
}
