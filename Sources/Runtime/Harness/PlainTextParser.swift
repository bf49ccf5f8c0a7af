import Foundation

/// Reads the output of CLIs that print plain text: every line is the agent's (there is no structure to tell a
/// tool's output or an echo from an answer, so the harvester's own echo filter is what guards signals), and
/// the exit code is the outcome. A few dialects recognise the lines their CLI prints about itself.
struct PlainTextParser: HarnessParser {
    /// Which CLI's lines these are.
    enum Dialect: Sendable, Hashable {
        /// Any executable: nothing is special.
        case script
        /// aider: its `Tokens: … Cost: …` report and litellm's rate-limit errors are recognised.
        case aider
        /// Hermes in quiet mode: the `session_id: …` line it prints after the answer is recognised.
        case hermes
    }

    var state: ParserState
    let dialect: Dialect

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
        case .aider where trimmed.contains("RateLimitError"):
            return state.rateLimit(trimmed).map { [$0] } ?? [.warning(trimmed)]
        case .aider where trimmed.hasPrefix("Tokens: "):
            return Self.aiderUsage(trimmed).map { [.usage($0)] } ?? [.message(line)]
        default:
            state.appendAssistant(line)
            return trimmed.isEmpty ? [] : [.message(line)]
        }
    }

    mutating func finish(exitCode: Int32?) -> [AgentEvent] { state.finish(exitCode: exitCode, finalText: finalText) }

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
