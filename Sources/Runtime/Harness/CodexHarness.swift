import Foundation

/// OpenAI Codex CLI in exec mode: `codex exec --json … -`, where `-` makes it read the prompt from standard
/// input; resuming is the `resume <thread_id>` subcommand of exec (options go before it).
///
/// Output (codex-rs/exec `exec_events.rs`): one JSON object per line, `thread.started {thread_id}`,
/// `turn.started`, `item.started` / `item.updated` / `item.completed {item: {id, type, …}}` with item types
/// `agent_message`, `reasoning`, `command_execution`, `file_change`, `mcp_tool_call`, `web_search`,
/// `todo_list`, `error`; `turn.completed {usage: {input_tokens, cached_input_tokens, output_tokens}}`,
/// `turn.failed {error: {message}}` and a top-level `error {message}`. There is no cost and no separate final
/// result: the last `agent_message` is the answer (what `--output-last-message` would write).
public struct CodexHarness: Harness {
    /// A Codex harness.
    public init() {}

    /// `codex`.
    public var name: String { "codex" }

    /// JSON stream, resume, tools and usage (no cost, no turn limit).
    public var capabilities: HarnessCapabilities { [.jsonStream, .resume, .tools, .usage] }

    /// `codex exec --json [--model M] [--sandbox S] [resume ID] -` reading the prompt file on standard input.
    /// Codex has no turn limit or tool allow-list flag: those request fields are not used.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        var argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        argv.ensureSubcommand("exec", aliases: ["e"])
        argv.ensure("--json", aliases: ["--experimental-json"])
        try argv.set("--model", checked: request.model, aliases: ["-m"])
        try argv.set("--sandbox", checked: request.permissionMode, aliases: ["-s"])
        if let id = request.resumeSessionID { argv.append("resume", try ArgvBuilder.checked(id, for: "resume")) }
        argv.append("-")
        return Invocation(argv: argv.words, environmentNames: request.environmentNames, stdin: .file(request.promptFile))
    }

    /// A JSONL parser.
    public func makeParser(now: Date) -> any HarnessParser { Parser(now: now) }

    /// Codex exits 1 on any failure; the last lines say which.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines)
    }

    /// Reads `codex exec --json` output.
    struct Parser: HarnessParser {
        var state: ParserState
        /// The last `agent_message`: Codex's final answer.
        private var lastMessage: String?

        init(now: Date) { state = ParserState(now: now) }

        var finalText: String { state.resultText ?? lastMessage ?? "" }

        mutating func parse(line: String) -> [AgentEvent] {
            guard let event = JSONValue.object(line: line), let type = event["type"]?.string else {
                return state.notInFormat(line)
            }
            switch type {
            case "thread.started":
                return [.sessionStarted(cliSessionID: event["thread_id"]?.string, model: nil)]
            case "turn.started", "item.updated", "item.plan.delta":
                return []  // progress: the completed item carries the final content
            case "item.started":
                return started(event["item"])
            case "item.completed":
                return completed(event["item"])
            case "turn.completed":
                let usage = event["usage"]
                return [.usage(.init(inputTokens: usage?["input_tokens"]?.int ?? 0,
                                     outputTokens: usage?["output_tokens"]?.int ?? 0,
                                     cachedTokens: usage?["cached_input_tokens"]?.int)),
                        state.result(ok: true, text: lastMessage, detail: nil)]
            case "turn.failed":
                let message = event["error"]?["message"]?.string ?? "turn failed"
                return (state.rateLimit(message).map { [$0] } ?? []) + [state.result(ok: false, text: nil, detail: message)]
            case "error":
                // "Reconnecting... 2/5 (unexpected status 503 …)": Codex retries the request by itself.
                let message = event["message"]?.string ?? "error"
                if let limited = state.rateLimit(message) { return [limited] }
                if message.hasPrefix("Reconnecting") || message.lowercased().contains("retrying") {
                    return [.providerRetry(status: Self.httpStatus(in: message), message: message)]
                }
                return [.warning(message)]
            case "request_user_input":
                let questions = (event["questions"]?.array ?? []).map { $0["question"]?.string ?? $0.summary() }
                return [.toolUse(name: "request_user_input", input: questions.joined(separator: " | "))]
            default:
                return [.unparsed(line)]
            }
        }

        mutating func finish(exitCode: Int32?) -> [AgentEvent] { state.finish(exitCode: exitCode, finalText: finalText) }

        /// The number after "status " in `message` (Codex: "unexpected status 503 Service Unavailable").
        static func httpStatus(in message: String) -> Int? {
            guard let range = message.range(of: "status ") else { return nil }
            return Int(message[range.upperBound...].prefix { $0.isNumber })
        }

        /// A command or MCP call announces itself when it starts; file changes and searches only complete.
        private mutating func started(_ item: JSONValue?) -> [AgentEvent] {
            guard let item, let id = item["id"]?.string else { return [] }
            switch item["type"]?.string {
            case "command_execution":
                state.toolNames[id] = "command"
                return [.toolUse(name: "command", input: item["command"]?.summary() ?? "")]
            case "mcp_tool_call":
                let name = "\(item["server"]?.string ?? "mcp").\(item["tool"]?.string ?? "tool")"
                state.toolNames[id] = name
                return [.toolUse(name: name, input: item["arguments"]?.summary() ?? "")]
            default:
                return []
            }
        }

        private mutating func completed(_ item: JSONValue?) -> [AgentEvent] {
            guard let item else { return [] }
            let id = item["id"]?.string
            let status = item["status"]?.string
            switch item["type"]?.string {
            case "agent_message":
                guard let text = item["text"]?.string else { return [] }
                lastMessage = text
                state.appendAssistant(text)
                return [.message(text)]
            case "command_execution":
                let failed = status == "failed" || status == "declined" || (item["exit_code"]?.int ?? 0) != 0
                let output = item["aggregated_output"]?.string ?? ""
                return [.toolResult(tool: state.toolName(id), isError: failed, text: output)]
            case "mcp_tool_call":
                let text = item["error"]?["message"]?.string ?? item["result"]?["content"]?.contentText ?? ""
                return [.toolResult(tool: state.toolName(id), isError: status == "failed", text: text)]
            case "file_change":
                let changes = (item["changes"]?.array ?? []).map { change in
                    "\(change["kind"]?.string ?? "update") \(change["path"]?.string ?? "?")"
                }
                let summary = changes.joined(separator: ", ")
                return [.toolUse(name: "file_change", input: summary),
                        .toolResult(tool: "file_change", isError: status == "failed", text: summary)]
            case "web_search":
                return [.toolUse(name: "web_search", input: item["query"]?.string ?? "")]
            case "error":
                return [.warning(item["message"]?.string ?? "error")]
            default:
                return []  // reasoning summaries and to-do lists: the agent's notes, not its answer
            }
        }
    }
}
