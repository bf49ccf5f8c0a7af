import Foundation

/// Kimi CLI in print mode: `kimi --print --output-format stream-json`, the prompt on standard input (print
/// mode reads it from there when no `-c`/`-p` command is given). Print mode approves tool calls by itself.
///
/// Output (Kimi CLI docs, "Print mode"): one message per line in the OpenAI-style Message format:
/// `{"role":"assistant","content":…,"tool_calls":[{"id","function":{"name","arguments"}}]}` and
/// `{"role":"tool","tool_call_id","content"}`, where `content` is a string or an array of `text`/`think`
/// parts. Newer releases add `{"role":"meta","type":"session.resume_hint","session_id"}`, thinking as
/// `{"role":"assistant","type":"thinking"}` and failures as `{"type":"error","code","message","retryable"}`
/// with exit code 75 for retryable provider errors. There is no usage, cost or result line: the last
/// assistant message is the answer and the exit code the outcome.
public struct KimiHarness: Harness {
    /// A Kimi CLI harness.
    public init() {}

    /// `kimi`.
    public var name: String { "kimi" }

    /// JSON stream, resume and tools.
    public var capabilities: HarnessCapabilities { [.jsonStream, .resume, .tools] }

    /// `kimi --print --output-format stream-json [--model M] [--session ID]` reading the prompt file on
    /// standard input. Kimi has no permission-mode, turn-limit or tool allow-list flag in print mode.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        var argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        argv.ensure("--print")
        argv.set("--output-format", "stream-json")
        try argv.set("--model", checked: request.model, aliases: ["-m"])
        try argv.set("--session", checked: request.resumeSessionID, aliases: ["-S", "--resume", "-r"])
        return Invocation(argv: argv.words, environmentNames: request.environmentNames, stdin: .file(request.promptFile))
    }

    /// A stream-json parser.
    public func makeParser(now: Date) -> any HarnessParser { Parser(now: now) }

    /// 75 is a retryable provider error (connection, timeout, rate limit, 5xx); the rest is read as usual.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines, known: [75: (.transient, "retryable provider error")])
    }

    /// Reads Kimi's stream-json output.
    struct Parser: HarnessParser {
        var state: ParserState
        /// The last assistant message with text: Kimi's final answer.
        private var lastMessage: String?

        init(now: Date) { state = ParserState(now: now) }

        var finalText: String { state.resultText ?? lastMessage ?? "" }

        mutating func parse(line: String) -> [AgentEvent] {
            guard let event = JSONValue.object(line: line) else { return state.notInFormat(line) }
            switch (event["role"]?.string, event["type"]?.string) {
            case ("assistant", "thinking"):
                return []  // the model's scratch work
            case ("assistant", _):
                return assistant(event)
            case ("tool", _):
                return [.toolResult(tool: state.toolName(event["tool_call_id"]?.string), isError: false,
                                    text: event["content"]?.contentText ?? "")]
            case ("user", _), ("system", _):
                return []  // input echoed back (stream-json input), never the agent's words
            case ("meta", "session.resume_hint"?):
                return [.sessionStarted(cliSessionID: event["session_id"]?.string, model: nil)]
            case (_, "error"?):
                let message = [event["code"]?.string, event["message"]?.string].compactMap { $0 }.joined(separator: ": ")
                return (state.rateLimit(message).map { [$0] } ?? []) + [state.result(ok: false, text: nil, detail: message)]
            case (_, "warning"?):
                return [.warning(event["message"]?.string ?? event.summary())]
            default:
                return [.unparsed(line)]
            }
        }

        mutating func finish(exitCode: Int32?) -> [AgentEvent] { state.finish(exitCode: exitCode, finalText: finalText) }

        private mutating func assistant(_ event: JSONValue) -> [AgentEvent] {
            var events: [AgentEvent] = []
            if let text = event["content"]?.contentText, !text.isEmpty {
                lastMessage = text
                state.appendAssistant(text)
                events.append(.message(text))
            }
            for call in event["tool_calls"]?.array ?? [] {
                let name = call["function"]?["name"]?.string ?? "tool"
                if let id = call["id"]?.string { state.toolNames[id] = name }
                events.append(.toolUse(name: name, input: call["function"]?["arguments"]?.summary() ?? ""))
            }
            return events
        }
    }
}
