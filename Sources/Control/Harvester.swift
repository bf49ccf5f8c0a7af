import Board
import Foundation

/// What the harvester found in a session's output.
public struct Harvest: Sendable, Hashable {
    /// Where the signal came from.
    public enum Source: String, Sendable, Hashable, Codable {
        /// The JSON sentinel line carrying this dispatch's nonce: authoritative.
        case sentinel
        /// A bare `DONE:` / `REVIEW:` / `QUESTION:` line that is not an echo of the prompt: a fallback.
        case line
        /// Nothing.
        case none
    }

    /// A sentinel-looking line that was not accepted, and why.
    public struct Rejected: Sendable, Hashable {
        /// Why it was not accepted.
        public enum Reason: String, Error, Sendable, Hashable, Codable {
            /// It carried another dispatch's nonce: forged or stale.
            case wrongNonce = "wrong_nonce"
            /// It named another ticket.
            case wrongTicket = "wrong_ticket"
            /// Its signal is not DONE, REVIEW or QUESTION.
            case badSignal = "bad_signal"
            /// It is not a JSON object.
            case malformed
        }

        /// The line as printed.
        public let line: String
        /// Why it was rejected.
        public let reason: Reason
        /// A refused line.
        public init(line: String, reason: Reason) {
            self.line = line
            self.reason = reason
        }

        /// Whether it is a forgery (a well-formed sentinel with the wrong nonce or ticket).
        public var isForged: Bool { reason == .wrongNonce || reason == .wrongTicket }
    }

    /// The signal: `.none` when the session reported nothing usable.
    public var signal: SignalValue
    /// The agent's summary (or question).
    public var summary: String?
    /// Where the signal came from.
    public var source: Source
    /// Sentinel lines that were refused.
    public var rejected: [Rejected]

    /// A harvest.
    public init(signal: SignalValue, summary: String?, source: Source, rejected: [Rejected]) {
        self.signal = signal
        self.summary = summary
        self.source = source
        self.rejected = rejected
    }

    /// Whether any refused line was a forged sentinel.
    public var sawForgery: Bool { rejected.contains { $0.isForged } }
}

/// Reads an agent's signal from its output. Pure: it sees lines, the ticket, the nonce and the prompt.
///
/// The JSON sentinel carrying this dispatch's nonce is authoritative (the last one wins). A bare
/// `DONE:`/`REVIEW:`/`QUESTION:` line at the start of a line counts only when there is no valid sentinel,
/// and never when it repeats a line of the prompt: the prompt explains those words, and an agent that
/// echoes its prompt must not be read as asking its question.
public enum Harvester {
    /// The sentinel's signal key.
    public static let signalKey = "mission_signal"

    /// The signal in `lines` for `ticket`'s dispatch with `nonce`, whose prompt was `prompt`.
    public static func harvest(lines: some Sequence<String>, ticket: String, nonce: String, prompt: String) -> Harvest {
        let promptLines = Set(prompt.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        var result = Harvest(signal: .none, summary: nil, source: .none, rejected: [])
        var fallback: (SignalValue, String)?
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if promptLines.contains(trimmed) { continue }  // an echo of the prompt says nothing
            if trimmed.hasPrefix("{"), trimmed.contains("\"\(signalKey)\"") {
                switch sentinel(trimmed, ticket: ticket, nonce: nonce) {
                case .success(let found):
                    result.signal = found.0
                    result.summary = found.1
                    result.source = .sentinel
                case .failure(let reason):
                    result.rejected.append(.init(line: line, reason: reason))
                }
                continue
            }
            if let found = bareSignal(line) {
                fallback = found
            }
        }
        if result.source == .none, let (signal, text) = fallback {
            result.signal = signal
            result.summary = text.isEmpty ? nil : text
            result.source = .line
        }
        return result
    }

    /// The text a prompt carries to tell the agent how to end. The nonce makes the sentinel unforgeable,
    /// and it is given apart from the example, so that no line of the prompt is itself a valid sentinel:
    /// an agent that echoes its prompt has said nothing.
    public static func instructions(ticket: String, nonce: String) -> String {
        """
        When you stop, print one line of JSON, alone on its line, as the very last thing you print:
        {"\(signalKey)": "DONE", "ticket": "\(ticket)", "nonce": "NONCE", "summary": "what you did"}
        with NONCE replaced by this session's nonce, which is \(nonce)
        Use "DONE" when the work is finished, "REVIEW" when it needs a reviewer's verdict, or "QUESTION"
        when you cannot go on without a person (put the question in "summary").
        """
    }

    private static func sentinel(_ text: String, ticket: String, nonce: String) -> Result<(SignalValue, String?), Harvest.Rejected.Reason> {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            return .failure(.malformed)
        }
        guard let raw = object[signalKey] as? String, let signal = SignalValue(rawValue: raw), signal != .none else {
            return .failure(.badSignal)
        }
        // With no nonce known, no sentinel can be this dispatch's: an empty one must not match.
        guard !nonce.isEmpty, string(object["nonce"]) == nonce else { return .failure(.wrongNonce) }
        guard string(object["ticket"]) == ticket else { return .failure(.wrongTicket) }
        return .success((signal, object["summary"] as? String))
    }

    /// A JSON value as text: strings as they are, numbers in their usual form.
    private static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// `DONE: text`, `REVIEW: text` or `QUESTION: text` at the very start of the line.
    private static func bareSignal(_ line: String) -> (SignalValue, String)? {
        for signal in [SignalValue.done, .review, .question] where line.hasPrefix(signal.rawValue + ":") {
            return (signal, line.dropFirst(signal.rawValue.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
