import Foundation

/// Kimi CLI in print mode: `kimi --print --output-format stream-json`, the prompt on standard input (print
/// mode reads it from there when no `-c`/`-p` command is given). Print mode approves tool calls by itself.
///
/// Output of kimi-cli 1.51.0 (seen against a scripted server): one message per line in the OpenAI-style Message
/// format, `{"role":"assistant","content":…,"tool_calls":[{"type":"function","id","function":{"name","arguments"}}]}`
/// and `{"role":"tool","content":…,"tool_call_id"}`, where `content` is a string or an array of `text`/`think`
/// parts (thinking is a `{"type":"think","think":…}` part); a failed tool's content starts `<system>ERROR: `.
/// Provider failures are not JSON: the print UI writes `str(error)` through Rich on standard output, e.g.
/// `Error code: 529 - {'error': …}` or `Connection error.` (wrapped at the terminal width, 80 columns without a
/// terminal, unless `COLUMNS` says more), after the SDK's own retries. At exit, when the session holds anything,
/// standard error gets a blank line and `To resume this session: kimi -r <session id>`. Exit codes: 0; 75 for
/// 429, 500, 502, 503, 504, connection errors and timeouts; 1 for everything else (401, 529, "LLM not set").
/// There is no usage, cost or result line: the last assistant message is the answer and the exit code the
/// outcome. (Later CLIs' `{"role":"meta","type":"session.resume_hint"}` and `{"type":"error"}` lines are
/// still read.)
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
        // Rich wraps the plain-text error line at 80 columns without a terminal, splitting "rate_limit_error" or
        // "retry after N seconds" across lines; a wide COLUMNS keeps each error on one line.
        return Invocation(argv: argv.words, environmentNames: request.environmentNames, environment: ["COLUMNS": "10000"],
                          stdin: .file(request.promptFile))
    }

    /// A stream-json parser.
    public func makeParser(now: Date) -> any HarnessParser { Parser(now: now) }

    /// 75 is a retryable provider error (connection, timeout, 429, 500/502/503/504); 1 with `LLM not set` is a
    /// missing model (no default model, or `--model` not a key of the config's `[models]`); the rest is read as
    /// usual, without the resume hint Kimi prints last.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        let lines = lastLines.filter { Parser.resumeHintSessionID($0) == nil }
        if code != 0, lines.contains(where: { $0.trimmingCharacters(in: .whitespaces) == "LLM not set" }) {
            return HarnessFailure(kind: .configuration, exitCode: code, message: "no model configured (LLM not set)")
        }
        return HarnessFailure.classify(code: code, lastLines: lines, known: [75: (.transient, "retryable provider error")])
    }

    /// Reads Kimi's stream-json output.
    struct Parser: HarnessParser {
        var state: ParserState
        /// The last assistant message with text: Kimi's final answer.
        private var lastMessage: String?

        init(now: Date) { state = ParserState(now: now) }

        var finalText: String { state.resultText ?? lastMessage ?? "" }

        mutating func parse(line: String) -> [AgentEvent] {
            guard let event = JSONValue.object(line: line) else { return plainText(line) }
            switch (event["role"]?.string, event["type"]?.string) {
            case ("assistant", "thinking"):
                return []  // the model's scratch work
            case ("assistant", _):
                return assistant(event)
            case ("tool", _):
                let text = event["content"]?.contentText ?? ""
                return [.toolResult(tool: state.toolName(event["tool_call_id"]?.string),
                                    isError: text.hasPrefix("<system>ERROR:"), text: text)]
            case ("user", _), ("system", _):
                return []  // input echoed back (stream-json input), never the agent's words
            case ("meta", "session.resume_hint"?):
                return [.sessionStarted(cliSessionID: event["session_id"]?.string, model: nil)]
            case (_, "error"?):
                let message = [event["code"]?.string, event["message"]?.string].compactMap { $0 }.joined(separator: ": ")
                return (state.rateLimit(message).map { [$0] } ?? []) + [state.result(ok: false, text: nil, detail: message)]
            case (_, "warning"?):
                return [.warning(event["message"]?.string ?? event.summary())]
            case (nil, _) where event["category"] != nil && event["severity"] != nil:
                // A background-task notification: {"id","category","type","source_kind","source_id","title","body",…}.
                return [.warning([event["title"]?.string, event["body"]?.string].compactMap { $0 }.joined(separator: ": "))]
            default:
                return [.unparsed(line)]
            }
        }

        mutating func finish(exitCode: Int32?) -> [AgentEvent] { state.finish(exitCode: exitCode, finalText: finalText) }

        /// The session id in Kimi's exit line `To resume this session: kimi -r <id>` (standard error).
        static func resumeHintSessionID(_ line: String) -> String? {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let prefix = "To resume this session: kimi -r "
            guard trimmed.hasPrefix(prefix) else { return nil }
            let id = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            return id.isEmpty || id.contains(" ") ? nil : id
        }

        /// A line that is not JSON: the resume hint, a provider error the print UI wrote as text, or anything else.
        private mutating func plainText(_ line: String) -> [AgentEvent] {
            if let id = Self.resumeHintSessionID(line) { return [.sessionStarted(cliSessionID: id, model: nil)] }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            var events: [AgentEvent]
            if trimmed.hasPrefix("Error code: ") {
                // `Error code: NNN - {…}`: the SDK already retried 429 and 5xx (twice) before Kimi gave up.
                let status = Int(trimmed.dropFirst("Error code: ".count).prefix { $0.isNumber })
                events = [.warning(trimmed)]
                if let limited = state.rateLimit(trimmed, status: status) {
                    events.append(limited)
                } else if let status, status >= 500 {
                    events.append(.providerRetry(status: status, message: trimmed))
                }
            } else if trimmed == "Connection error." || trimmed == "Request timed out." {
                events = [.warning(trimmed), .providerRetry(status: nil, message: trimmed)]
            } else if trimmed == "LLM not set" {
                return [.warning(trimmed), state.result(ok: false, text: nil, detail: "no model configured (LLM not set)")]
            } else {
                return state.notInFormat(line)
            }
            return events + [state.result(ok: false, text: nil, detail: trimmed)]
        }

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
