import Foundation

/// Claude Code in print mode: `claude -p --output-format stream-json --verbose`, the prompt on standard input
/// (print mode reads it from there when no prompt argument is given; stream-json needs `--verbose`).
///
/// Output: one JSON object per line. `system`/`init` (session id, model), `assistant` messages whose content
/// holds `text` and `tool_use` blocks, `user` messages holding `tool_result` blocks, `rate_limit_event`s, and a
/// final `result` with `subtype` (`success`, `error_max_turns`, `error_during_execution`, …), `is_error`,
/// `result` (the final text), `total_cost_usd` and `usage`. A failed API call arrives as subtype `success`
/// with `is_error: true`: that is an error.
public struct ClaudeCodeHarness: Harness {
    /// A Claude Code harness.
    public init() {}

    /// `claude-code`.
    public var name: String { "claude-code" }

    /// JSON stream, resume, tools, usage, cost and a turn limit.
    public var capabilities: HarnessCapabilities { [.jsonStream, .resume, .tools, .usage, .cost, .maxTurns] }

    /// `claude -p --output-format stream-json --verbose [--model M] [--resume ID] [--max-turns N]
    /// [--permission-mode P] [--allowedTools T,…]` reading the prompt file on standard input.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        var argv = ArgvBuilder(template: request.baseCommand, promptFile: request.promptFile)
        argv.ensure("-p", aliases: ["--print"])
        argv.set("--output-format", "stream-json")
        argv.ensure("--verbose")
        try argv.set("--model", checked: request.model)
        try argv.set("--resume", checked: request.resumeSessionID, aliases: ["-r"])
        if let turns = request.maxTurns { argv.set("--max-turns", String(turns)) }
        try argv.set("--permission-mode", checked: request.permissionMode)
        if !request.allowedTools.isEmpty {
            // One comma-separated value: the option is variadic, and a single word cannot swallow what follows.
            try argv.set("--allowedTools", checked: request.allowedTools.joined(separator: ","), spaces: true)
        }
        return Invocation(argv: argv.words, environmentNames: request.environmentNames, stdin: .file(request.promptFile))
    }

    /// A stream-json parser.
    public func makeParser(now: Date) -> any HarnessParser { Parser(now: now) }

    /// Claude Code exits 1 on any failure; the last lines say which.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        HarnessFailure.classify(code: code, lastLines: lastLines)
    }

    /// Reads Claude Code's stream-json output.
    struct Parser: HarnessParser {
        var state: ParserState

        init(now: Date) { state = ParserState(now: now) }

        var finalText: String { state.finalText }

        mutating func parse(line: String) -> [AgentEvent] {
            guard let event = JSONValue.object(line: line), let type = event["type"]?.string else {
                return state.notInFormat(line)
            }
            switch type {
            case "system":
                switch event["subtype"]?.string {
                case "init":
                    return [.sessionStarted(cliSessionID: event["session_id"]?.string, model: event["model"]?.string)]
                case "api_retry":
                    return apiRetry(event)
                default:
                    return []  // hooks, compaction: bookkeeping
                }
            case "assistant":
                return assistant(event["message"]?["content"]?.array ?? [])
            case "user":
                // Only tool results: a user message's text is the prompt (replayed), never the agent's words.
                return toolResults(event["message"]?["content"]?.array ?? [])
            case "rate_limit_event":
                return rateLimitEvent(event["rate_limit_info"])
            case "result":
                return result(event)
            case "stream_event":
                return []  // partial deltas (--include-partial-messages); the whole message follows
            default:
                return [.unparsed(line)]
            }
        }

        mutating func finish(exitCode: Int32?) -> [AgentEvent] { state.finish(exitCode: exitCode, finalText: finalText) }

        private mutating func assistant(_ content: [JSONValue]) -> [AgentEvent] {
            var events: [AgentEvent] = []
            for block in content {
                switch block["type"]?.string {
                case "text":
                    guard let text = block["text"]?.string, !text.isEmpty else { continue }
                    state.appendAssistant(text)
                    events.append(.message(text))
                case "tool_use":
                    let name = block["name"]?.string ?? "tool"
                    if let id = block["id"]?.string { state.toolNames[id] = name }
                    events.append(.toolUse(name: name, input: block["input"]?.summary() ?? ""))
                default:
                    continue  // thinking blocks are the model's scratch work, not its message
                }
            }
            return events
        }

        private func toolResults(_ content: [JSONValue]) -> [AgentEvent] {
            content.filter { $0["type"]?.string == "tool_result" }.map { block in
                .toolResult(tool: state.toolName(block["tool_use_id"]?.string), isError: block["is_error"]?.bool ?? false,
                            text: block["content"]?.contentText ?? "")
            }
        }

        /// `{"subtype": "api_retry", "attempt", "retry_delay_ms", "error_status", "error"}`: Claude Code retries a
        /// failed API call by itself. A 429 is a rate limit that lifts after the delay it waits (from the provider's
        /// retry-after); anything else is a provider failure the watcher need not wait out.
        private func apiRetry(_ event: JSONValue) -> [AgentEvent] {
            let status = event["error_status"]?.int
            let delay = event["retry_delay_ms"]?.double.map { $0 / 1000 }
            let what = "\(event["error"]?.string ?? "api error")\(status.map { " (\($0))" } ?? ""), retry \(event["attempt"]?.int ?? 1)"
            if status == 429 || event["error"]?.string == "rate_limit" {
                return [.rateLimited(resetAt: delay.map { state.now.addingTimeInterval($0) }, message: "rate limited: \(what)")]
            }
            return [.providerRetry(status: status, message: what)]
        }

        /// `status` is `allowed`, `allowed_warning` or `rejected`; only a rejection stops the agent.
        private func rateLimitEvent(_ info: JSONValue?) -> [AgentEvent] {
            guard info?["status"]?.string == "rejected" else { return [] }
            let kind = info?["rateLimitType"]?.string.map { " (\($0))" } ?? ""
            return [.rateLimited(resetAt: info?["resetsAt"]?.double.map(RateLimitText.epochDate),
                                 message: "rate limit reached\(kind)")]
        }

        private mutating func result(_ event: JSONValue) -> [AgentEvent] {
            var events: [AgentEvent] = []
            if let usage = event["usage"] {
                events.append(.usage(.init(inputTokens: usage["input_tokens"]?.int ?? 0,
                                           outputTokens: usage["output_tokens"]?.int ?? 0,
                                           cachedTokens: usage["cache_read_input_tokens"]?.int,
                                           costUSD: event["total_cost_usd"]?.double)))
            }
            let subtype = event["subtype"]?.string ?? "unknown"
            let isError = event["is_error"]?.bool ?? (subtype != "success")
            let text = event["result"]?.string
            let errors = (event["errors"]?.array ?? []).compactMap(\.string)
            if isError, let limited = state.rateLimit(text ?? errors.joined(separator: "\n"),
                                                      status: event["api_error_status"]?.int) {
                events.append(limited)
            }
            let ok = subtype == "success" && !isError
            var detail = subtype
            if subtype == "success", isError {
                // An API failure: the "result" is the error message, not an answer.
                detail = "api_error" + (event["api_error_status"]?.int.map { " \($0)" } ?? "")
            }
            if !errors.isEmpty { detail += ": " + errors.joined(separator: "; ") }
            let failure = text.map { "\(detail): \($0)" } ?? detail
            events.append(state.result(ok: ok, text: ok ? text : nil, detail: ok ? nil : failure))
            return events
        }
    }
}
