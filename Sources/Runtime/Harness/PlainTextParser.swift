import Foundation

/// Reads the output of CLIs that print plain text: every line is the agent's (there is no structure to tell a
/// tool's output or an echo from an answer, so the harvester's own echo filter is what guards signals), and
/// the exit code is the outcome. A few dialects recognise the lines their CLI prints about itself.
struct PlainTextParser: HarnessParser {
    /// Which CLI's lines these are.
    enum Dialect: Sendable, Hashable {
        /// Any executable: nothing is special.
        case script
        /// aider: its `Tokens: … Cost: …` report, litellm's provider errors and its `Retrying in N seconds...` lines
        /// are recognised.
        case aider
        /// Hermes in quiet mode: the `session_id: …` line it prints after the answer, its provider failures
        /// (`API call failed after N retries: HTTP 429: …`, `HTTP 401: …`, `Error: …`) and its notes about
        /// itself (`↻ Resumed session …`, `⚠️  Reached maximum iterations (N). …`) are recognised.
        case hermes
    }

    var state: ParserState
    let dialect: Dialect
    /// aider: the newest `litellm.…Error: …` line not yet followed by a reply (its `Tokens:` line).
    var providerError: String?

    init(dialect: Dialect, now: Date) {
        self.dialect = dialect
        state = ParserState(now: now)
    }

    var finalText: String { state.finalText }

    mutating func parse(line: String) -> [AgentEvent] {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        switch dialect {
        case .hermes where trimmed.hasPrefix("session_id:"):
            let id = trimmed.dropFirst("session_id:".count).trimmingCharacters(in: .whitespaces)
            return [.sessionStarted(cliSessionID: id.isEmpty ? nil : id, model: nil)]
        case .hermes where Self.hermesNotes.contains { trimmed.hasPrefix($0) }:
            return [.warning(trimmed)]
        case .hermes where Self.isHermesFailure(trimmed):
            state.appendAssistant(line)
            let status = Self.httpStatus(in: trimmed)
            // Refused credentials are not worth a retry: the watcher's credentials check reads the line itself.
            if status == 401 || status == 403 { return [.message(line)] }
            let event = state.rateLimit(trimmed, status: status) ?? .providerRetry(status: status, message: trimmed)
            return [.message(line), event]
        case .aider where trimmed.hasPrefix("litellm.") && trimmed.contains("Error"):
            // `litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached; retry after 25 seconds.`
            // `litellm.AuthenticationError: AuthenticationError: OpenAIException - invalid x-api-key`
            // `litellm.APIError: APIError: OpenAIException - Overloaded` (no status is printed)
            providerError = trimmed
            if trimmed.contains("RateLimitError"), let limited = state.rateLimit(trimmed) { return [limited] }
            if trimmed.hasPrefix("litellm.AuthenticationError") { return [.providerRetry(status: 401, message: trimmed)] }
            if trimmed.hasPrefix("litellm.PermissionDeniedError") { return [.providerRetry(status: 403, message: trimmed)] }
            return [.warning(trimmed)]
        case .aider where trimmed.hasPrefix("Retrying in ") && trimmed.hasSuffix(" seconds..."):
            // aider's own backoff (0.25 s doubling to 32 s, about 64 s in all) after a retryable litellm error.
            return [.providerRetry(status: nil, message: providerError ?? trimmed)]
        case .aider where trimmed.hasPrefix("Tokens: "):
            providerError = nil
            return Self.aiderUsage(trimmed).map { [.usage($0)] } ?? [.message(line)]
        default:
            state.appendAssistant(line)
            return trimmed.isEmpty ? [] : [.message(line)]
        }
    }

    mutating func finish(exitCode: Int32?) -> [AgentEvent] {
        // aider exits 0 when it gave up on the provider; its last error, unanswered by a reply, is the outcome.
        if dialect == .aider, exitCode == 0, let providerError {
            return [state.result(ok: false, text: nil, detail: providerError)]
        }
        return state.finish(exitCode: exitCode, finalText: finalText)
    }

    /// The lines Hermes prints about itself rather than the agent: resume and working-directory notes, the turn
    /// limit, and a dangerous command's approval timing out (no one answers in quiet mode).
    static let hermesNotes = ["↻ Resumed session ", "↻ Working directory: ", "↪ restored workspace dir: ",
                              "⚠ session's recorded dir is gone", "⚠ Session's working directory is gone",
                              "⚠️  Reached maximum iterations", "⏱ Timeout — denying command"]

    /// Whether `line` is a Hermes provider failure, printed as the final response: `API call failed after 3
    /// retries: HTTP 529: Overloaded` (retried), `HTTP 401: invalid x-api-key` (not retried), or `Error: …` (on
    /// stderr, when the run produced no response at all).
    static func isHermesFailure(_ line: String) -> Bool {
        line.hasPrefix("API call failed after ") || line.hasPrefix("Error: ") || httpStatus(in: line) != nil && line.hasPrefix("HTTP ")
    }

    /// The status in `HTTP 529: …`, wherever it is in `line`.
    static func httpStatus(in line: String) -> Int? {
        guard let range = line.range(of: "HTTP ") else { return nil }
        let digits = line[range.upperBound...].prefix(4)
        guard digits.count == 4, digits.last == ":", let status = Int(digits.dropLast()) else { return nil }
        return status
    }

    /// aider's report after each reply: `Tokens: 9.3k sent, 1.2k cache hit, 412 received. Cost: $0.03 message,
    /// $0.05 session.` (counts abbreviated with k and M; the session's cost is the running total).
    static func aiderUsage(_ line: String) -> AgentEvent.Usage? {
        let parts = line.dropFirst("Tokens: ".count).components(separatedBy: ". Cost: ")
        var counts: [String: Int] = [:]
        for entry in parts[0].split(separator: ",") {
            let words = entry.split(separator: " ")
            guard let first = words.first, let count = abbreviatedCount(first) else { continue }
            counts[words.dropFirst().joined(separator: " ").trimmingCharacters(in: .punctuationCharacters)] = count
        }
        guard let sent = counts["sent"], let received = counts["received"] else { return nil }
        var cost: Double?
        if parts.count > 1, let session = parts[1].split(separator: ",").first(where: { $0.contains("session") }) {
            cost = Double(session.trimmingCharacters(in: .whitespaces).dropFirst().prefix { $0.isNumber || $0 == "." })
        }
        return AgentEvent.Usage(inputTokens: sent, outputTokens: received, cachedTokens: counts["cache hit"], costUSD: cost)
    }

    /// `412`, `9.3k` or `1.2M` as a number.
    private static func abbreviatedCount(_ word: Substring) -> Int? {
        let scale: Double = word.hasSuffix("k") ? 1_000 : word.hasSuffix("M") ? 1_000_000 : 1
        guard let value = Double(scale == 1 ? word : word.dropLast()) else { return nil }
        return Int((value * scale).rounded())
    }
}
