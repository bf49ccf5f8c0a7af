import Foundation

/// Nous Research's Hermes Agent (0.19.0), one query and exit: `hermes chat -Q --query=<prompt text>`. 0.19.0 has no
/// flag that reads the query from a file and does not read it from standard input, so the launcher reads the
/// prompt file when it starts the session and appends `--query=<its text>` (`Invocation.promptArgument`): the
/// text is in the CLI's argv (Linux caps one argument at 128 KiB), never in the recorded invocation and never
/// parsed by a shell.
///
/// `-Q` (quiet) prints only the final response on stdout, then `session_id: …` on stderr (which shares the output
/// file). There is no structured output (no `--format stream-json` in 0.19.0) and no usage in quiet mode (it is
/// only in `~/.hermes/state.db`). Provider failures are the final response: `API call failed after N retries:
/// HTTP 529: Overloaded`, `HTTP 401: …`; exit 1. SIGTERM exits 130 after printing the `session_id:` line.
public struct HermesHarness: Harness {
    /// A Hermes harness.
    public init() {}

    /// `hermes`.
    public var name: String { "hermes" }

    /// Resume, tools and a turn limit; plain text.
    public var capabilities: HarnessCapabilities { [.resume, .tools, .maxTurns] }

    /// `hermes chat -Q [--model M] [--resume ID] [--max-turns N] [--yolo] --query=<prompt>`; `--yolo` when the
    /// permission mode is `yolo` (Hermes has no other mode flag). Python's stdout is unbuffered so the answer
    /// and the `session_id:` line reach the shared output file in the order they were printed.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        var argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        argv.ensureSubcommand("chat")
        argv.ensure("-Q", aliases: ["--quiet"])
        try argv.set("--model", checked: request.model, aliases: ["-m"])
        try argv.set("--resume", checked: request.resumeSessionID, aliases: ["-r"])
        if let turns = request.maxTurns { argv.set("--max-turns", String(turns)) }
        if request.permissionMode == "yolo" { argv.ensure("--yolo") }
        return Invocation(argv: argv.words, environmentNames: request.environmentNames,
                          environment: ["PYTHONUNBUFFERED": "1"],
                          promptArgument: PromptArgument(option: "--query", file: request.promptFile))
    }

    /// A plain-text parser that knows the lines Hermes prints about itself.
    public func makeParser(now: Date) -> any HarnessParser { PlainTextParser(dialect: .hermes, now: now) }

    /// Hermes exits 1 when the run failed (also for an unknown `--resume` id: `Session not found: ID`), 130 when
    /// interrupted (SIGINT/SIGTERM); argparse exits 2 on bad arguments. The `session_id:` line it prints last is
    /// not the CLI's last word.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        let lines = lastLines.filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("session_id:") }
        if code == 1, let missing = lines.last(where: { $0.hasPrefix("Session not found:") }) {
            return HarnessFailure(kind: .badInput, exitCode: code, message: HarnessFailure.shortened(missing))
        }
        return HarnessFailure.classify(code: code, lastLines: lines,
                                       known: [2: (.badInput, "bad arguments"), 130: (.cancelled, "interrupted")])
    }
}
