import Foundation

/// Any executable: the profile's argv with `{prompt_file}` replaced by the prompt file's path, which is also in
/// `MISSION_PROMPT_FILE`. Its lines are its messages and its exit code the outcome.
public struct ScriptHarness: Harness {
    /// The variable holding the prompt file's path.
    public static let promptFileVariable = "MISSION_PROMPT_FILE"

    /// A script harness.
    public init() {}

    /// `script`.
    public var name: String { "script" }

    /// Nothing is known about an arbitrary program.
    public var capabilities: HarnessCapabilities { [] }

    /// The template as the profile wrote it, the prompt file substituted and named in the environment.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        let argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        return Invocation(argv: argv.words, environmentNames: request.environmentNames,
                          environment: [Self.promptFileVariable: request.promptFile])
    }

    /// A plain-text parser.
    public func makeParser(now: Date) -> any HarnessParser { PlainTextParser(dialect: .script, now: now) }

    /// The shared reading of exit codes.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines)
    }
}
