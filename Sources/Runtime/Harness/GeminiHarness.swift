import Foundation

/// Gemini CLI in headless mode: `gemini --output-format stream-json`, the prompt on standard input (headless
/// mode starts when stdin is not a terminal, and reads the prompt from it when no `-p` is given).
///
/// Output (docs/cli/headless.md, `packages/core/src/output/types.ts`): one JSON object per line, `init
/// {session_id, model}`, `message {role, content, delta}` (the user's message is the prompt, echoed; the
/// assistant's arrives in `delta` chunks), `tool_use {tool_name, tool_id, parameters}`, `tool_result {tool_id,
/// status, output, error}`, `error {severity, message}` (non-fatal) and `result {status, error, stats:
/// {input_tokens, output_tokens, cached, …}}`. Fatal errors end with a documented exit code.
public struct GeminiHarness: Harness {
    /// A Gemini CLI harness.
    public init() {}

    /// `gemini`.
    public var name: String { "gemini" }

    /// JSON stream, resume, tools and usage (no cost; the turn limit is a settings.json entry, not a flag).
    public var capabilities: HarnessCapabilities { [.jsonStream, .resume, .tools, .usage] }

    /// The exit codes Gemini CLI documents (`FatalError` subclasses in `packages/core/src/utils/errors.ts`).
    static let exitCodes: [Int32: (HarnessFailure.Kind, String)] = [
        1: (.general, "general error or API failure"),
        41: (.authentication, "authentication failed"),
        42: (.badInput, "invalid prompt or arguments"),
        44: (.sandbox, "sandbox error"),
        52: (.configuration, "configuration error"),
        53: (.turnLimit, "turn limit exceeded"),
        54: (.toolFailure, "fatal tool execution error"),
        130: (.cancelled, "cancelled"),
    ]

    /// `gemini --output-format stream-json [--model M] [--approval-mode A] [--resume ID] [--allowed-tools T …]`
    /// reading the prompt file on standard input.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        var argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        argv.set("--output-format", "stream-json", aliases: ["-o"])
        try argv.set("--model", checked: request.model, aliases: ["-m"])
        try argv.set("--approval-mode", checked: request.permissionMode)
        try argv.set("--resume", checked: request.resumeSessionID, aliases: ["-r"])
        for tool in request.allowedTools {
            argv.append("--allowed-tools", try ArgvBuilder.checked(tool, for: "--allowed-tools", spaces: true))
        }
        return Invocation(argv: argv.words, environmentNames: request.environmentNames, stdin: .file(request.promptFile))
    }

    /// A stream-json parser.
    public func makeParser(now: Date) -> any HarnessParser { Parser(now: now) }

    /// Gemini's documented exit codes (1 that the last lines show to be a quota is a rate limit), else the
    /// shared reading.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines, known: Self.exitCodes)
    }

    /// Reads Gemini's stream-json output.
    struct Parser: HarnessParser {
        var state: ParserState
        /// Whether the last event was an assistant chunk, so the next one continues the same text.
        private var inAssistantText = false

        init(now: Date) { state = ParserState(now: now) }

        var finalText: String { state.finalText }

        mutating func parse(line: String) -> [AgentEvent] {
            guard let event = JSONValue.object(line: line), let type = event["type"]?.string else {
                return state.notInFormat(line)
            }
            let continuing = inAssistantText
            inAssistantText = false
            switch type {
            case "init":
                return [.sessionStarted(cliSessionID: event["session_id"]?.string, model: event["model"]?.string)]
            case "message":
                // The user's message is the prompt echoed back: never the agent's words.
                guard event["role"]?.string == "assistant", let text = event["content"]?.string else { return [] }
                let isDelta = event["delta"]?.bool ?? false
                state.appendAssistant(text, separate: !(isDelta && continuing))
                inAssistantText = isDelta
                return [.message(text)]
            case "tool_use":
                let name = event["tool_name"]?.string ?? "tool"
                if let id = event["tool_id"]?.string { state.toolNames[id] = name }
                return [.toolUse(name: name, input: event["parameters"]?.summary() ?? "")]
            case "tool_result":
                let text = event["output"]?.string ?? event["error"]?["message"]?.string ?? ""
                let failed = event["status"]?.string == "error"
                return [.toolResult(tool: state.toolName(event["tool_id"]?.string), isError: failed, text: text)]
            case "error":
                let message = event["message"]?.string ?? "error"
                return [state.rateLimit(message) ?? .warning(message)]
            case "result":
                return result(event)
            default:
                return [.unparsed(line)]
            }
        }

        mutating func finish(exitCode: Int32?) -> [AgentEvent] { state.finish(exitCode: exitCode, finalText: finalText) }

        private mutating func result(_ event: JSONValue) -> [AgentEvent] {
            var events: [AgentEvent] = []
            if let stats = event["stats"] {
                events.append(.usage(.init(inputTokens: stats["input_tokens"]?.int ?? 0,
                                           outputTokens: stats["output_tokens"]?.int ?? 0,
                                           cachedTokens: stats["cached"]?.int)))
            }
            let ok = event["status"]?.string == "success"
            let error = event["error"]?["message"]?.string ?? event["error"]?["type"]?.string
            if !ok, let error, let limited = state.rateLimit(error) { events.append(limited) }
            let text = state.finalText.isEmpty ? nil : state.finalText
            events.append(state.result(ok: ok, text: ok ? text : nil, detail: ok ? nil : (error ?? "error")))
            return events
        }
    }
}
