import Foundation

/// What every parser keeps between lines, and the steps they share: reading a line that is not in the CLI's
/// format, recognising rate limits, recording the result, and closing the stream.
struct ParserState: Sendable, Hashable {
    /// Anchors relative reset times ("try again in 2 hours").
    let now: Date
    /// Tool names by call id, so a result can name the tool its call used.
    var toolNames: [String: String] = [:]
    /// Everything the assistant wrote, in order: the final text when the CLI reports no result of its own.
    private(set) var assistantText = ""
    /// The final answer from the CLI's result, when it gave one.
    var resultText: String?
    /// Whether a `.result` was produced (so `finish` adds none).
    private(set) var sawResult = false

    /// State for a stream starting at `now`.
    init(now: Date) { self.now = now }

    /// The text signals are read from: the CLI's result when it has one, else what the assistant wrote (without
    /// the newlines that ended it).
    var finalText: String {
        resultText ?? String(assistantText.reversed().drop { $0 == "\n" }.reversed())
    }

    /// Adds assistant text. `separate` starts it on a new line (a new message, or a plain-text line) rather
    /// than continuing the last one (a streamed chunk), so two messages never run together on one line.
    mutating func appendAssistant(_ text: String, separate: Bool = true) {
        if separate, !assistantText.isEmpty { assistantText += "\n" }
        assistantText += text
    }

    /// The tool's name for call `id`, or the id itself when the stream never named it.
    func toolName(_ id: String?) -> String {
        id.flatMap { toolNames[$0] } ?? id ?? "tool"
    }

    /// The outcome event, remembered so that `finish` does not add a second one.
    mutating func result(ok: Bool, text: String?, detail: String?) -> AgentEvent {
        sawResult = true
        if let text { resultText = text }
        return .result(ok: ok, text: text, detail: detail)
    }

    /// `.rateLimited` when `text` (or an HTTP `status` of 429) reports a rate or usage limit.
    func rateLimit(_ text: String, status: Int? = nil) -> AgentEvent? {
        guard status == 429 || RateLimitText.isRateLimit(text) else { return nil }
        return .rateLimited(resetAt: RateLimitText.resetDate(in: text, now: now), message: text)
    }

    /// A line that is not one of the CLI's JSON events: kept as `.unparsed`. JSON CLIs print fatal provider
    /// errors as plain text on stderr, which shares the output file, so a rate limit there is recognised too.
    func notInFormat(_ line: String) -> [AgentEvent] {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        return [.unparsed(line)] + (rateLimit(line).map { [$0] } ?? [])
    }

    /// The closing `.result` from the exit status, when the stream carried none; `finalText` is the parser's
    /// answer (the last message, for CLIs whose last message is the answer).
    mutating func finish(exitCode: Int32?, finalText: String) -> [AgentEvent] {
        guard !sawResult else { return [] }
        let text = finalText.isEmpty ? nil : finalText
        let detail = exitCode.map { $0 == 0 ? nil : "exit status \($0)" } ?? "no exit status"
        return [result(ok: exitCode == 0, text: text, detail: detail)]
    }
}
