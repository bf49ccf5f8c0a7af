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
            /// It carried a nonce no session of this ticket was given: forged.
            case wrongNonce = "wrong_nonce"
            /// It carried the void nonce of an earlier session of this ticket: stale, repeated from an earlier
            /// conversation (a resumed CLI session holds its first session's signal). Ignored, and no forgery.
            case staleNonce = "stale_nonce"
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

        /// Whether it is a forgery (a well-formed sentinel with the wrong nonce or ticket). A stale one is not.
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
    /// The review verdict: nil when the agent gave none at all, `.unreadable` when it gave one that cannot be read.
    public var verdict: VerdictReading?
    /// The evidence the agent reported (`tests`, `screenshots`, `remaining_risk`, …): name → what it says, as text.
    public var reported: [String: String]
    /// The `evidence` the sentinel carried when it was not a JSON object, as printed; nil when it was one or absent.
    public var unreadableEvidence: String?
    /// The follow-up tickets the agent proposed, valid ones only.
    public var followUps: [FollowUpProposal]
    /// The proposed follow-ups that were refused, and why: skipped, never guessed at, never lost without a trace.
    public var rejectedFollowUps: [FollowUpProposal.Rejected]

    /// A harvest.
    public init(signal: SignalValue, summary: String?, source: Source, rejected: [Rejected], verdict: VerdictReading? = nil,
                reported: [String: String] = [:], unreadableEvidence: String? = nil, followUps: [FollowUpProposal] = [],
                rejectedFollowUps: [FollowUpProposal.Rejected] = []) {
        self.signal = signal
        self.summary = summary
        self.source = source
        self.rejected = rejected
        self.verdict = verdict
        self.reported = reported
        self.unreadableEvidence = unreadableEvidence
        self.followUps = followUps
        self.rejectedFollowUps = rejectedFollowUps
    }

    /// Whether any refused line was a forged sentinel.
    public var sawForgery: Bool { rejected.contains { $0.isForged } }

    /// Which of `required` (a role's evidence names) this harvest lacks, in their order. `verdict` is present when
    /// the verdict could be read, `change` when the caller says the session changed files (`change`), and any other
    /// name when the agent reported it with some text.
    public func missingEvidence(required: [String], change: Bool) -> [String] {
        var seen = Set<String>()
        return required.filter { name in
            guard seen.insert(name).inserted else { return false }
            switch name {
            case "verdict": return verdict?.verdict == nil
            case "change": return !change
            default: return reported[name]?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true
            }
        }
    }
}

/// A review verdict as the agent gave it.
public enum VerdictReading: Sendable, Hashable {
    /// A decision the watcher can act on, with its findings.
    case valid(Verdict)
    /// A verdict was given but cannot be read (an unknown decision, findings that are not a list of text, findings
    /// without a decision): the text as printed, for a person to read. Never taken for a rejection.
    case unreadable(String)

    /// The verdict, when it could be read.
    public var verdict: Verdict? {
        if case .valid(let verdict) = self { verdict } else { nil }
    }
}

/// A ticket an agent proposes for work it found outside its own ticket's scope.
public struct FollowUpProposal: Sendable, Hashable {
    /// The longest title kept; a longer one is cut to this many characters, ending in "…".
    public static let maxTitleLength = 200

    /// The title: one line, trimmed, never empty, at most `maxTitleLength` characters.
    public let title: String
    /// What and why, trimmed; nil when not given or empty.
    public let description: String?

    /// A proposal, or nil when `title` holds nothing but white space. Runs of white space (line breaks too) in the
    /// title become one space, and an over-long title is cut.
    public init?(title: String, description: String? = nil) {
        let words = title.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        guard !words.isEmpty else { return nil }
        self.title = words.count > Self.maxTitleLength ? String(words.prefix(Self.maxTitleLength - 1)) + "…" : words
        let text = description?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.description = text?.isEmpty == false ? text : nil
    }

    /// A proposed follow-up that was refused.
    public struct Rejected: Sendable, Hashable {
        /// Why it was refused.
        public enum Reason: String, Sendable, Hashable, Codable {
            /// `follow_ups` was not a list: the whole value is refused.
            case notAList = "not_a_list"
            /// The entry is not a JSON object.
            case notAnObject = "not_an_object"
            /// The entry has no title, a title that is not text, or an empty one.
            case missingTitle = "missing_title"
            /// The entry's description is not text.
            case descriptionNotText = "description_not_text"
            /// The entry came after `Harvester.maxFollowUps` others.
            case tooMany = "too_many"
        }

        /// The entry as compact JSON (cut after 500 characters).
        public let entry: String
        /// Why it was refused.
        public let reason: Reason

        /// A refused entry.
        public init(entry: String, reason: Reason) {
            self.entry = entry
            self.reason = reason
        }
    }
}

/// Reads an agent's signal from its output. Pure: it sees lines, the ticket, the nonce and the prompt.
///
/// The JSON sentinel carrying this dispatch's nonce is authoritative (the last one wins, whole: its signal, summary,
/// verdict, evidence and follow-ups). A bare `DONE:`/`REVIEW:`/`QUESTION:` line at the start of a line counts only
/// when there is no valid sentinel, and never when it repeats a line of the prompt: the prompt explains those words,
/// and an agent that echoes its prompt must not be read as asking its question. `VERDICT:` and `FINDING:` lines
/// are the same kind of fallback for a verdict, by the same rules.
///
/// A verdict is never guessed: one that is present but cannot be read is `.unreadable` with its text, for a
/// person, and is never counted as a rejection; one that is absent is nil.
///
/// A sentinel with the nonce of an earlier session of the same ticket is stale, not forged: a resumed CLI
/// conversation still holds the signal its first session printed, and an agent may repeat it. It is refused as
/// `.staleNonce` (neither this session's signal nor a forgery); only this session's nonce signals. A nonce that
/// belongs to no session of the ticket is a forgery.
public enum Harvester {
    /// The sentinel's signal key.
    public static let signalKey = "mission_signal"

    /// The most follow-ups one sentinel may propose; later entries are refused as `tooMany`.
    public static let maxFollowUps = 20

    /// The signal in `lines` for `ticket`'s dispatch with `nonce`, whose prompt was `prompt`. `earlierNonces` are
    /// the nonces of the ticket's earlier sessions, void now: a sentinel carrying one is stale, not forged.
    public static func harvest(lines: some Sequence<String>, ticket: String, nonce: String,
                               earlierNonces: Set<String> = [], prompt: String) -> Harvest {
        let promptLines = Set(prompt.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        var result = Harvest(signal: .none, summary: nil, source: .none, rejected: [])
        var fallback: (SignalValue, String)?
        var verdictLine: String?
        var findingLines: [String] = []
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if promptLines.contains(trimmed) { continue }  // an echo of the prompt says nothing
            if trimmed.hasPrefix("{"), trimmed.contains("\"\(signalKey)\"") {
                switch sentinel(trimmed, ticket: ticket, nonce: nonce, earlierNonces: earlierNonces) {
                case .success(var found):
                    found.rejected = result.rejected
                    result = found
                case .failure(let reason):
                    result.rejected.append(.init(line: line, reason: reason))
                }
                continue
            }
            if let found = bareSignal(line) {
                fallback = found
            } else if line.hasPrefix(verdictPrefix) {
                verdictLine = line.trimmingCharacters(in: .whitespacesAndNewlines)
            } else if line.hasPrefix(findingPrefix) {
                let finding = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if finding.count > findingPrefix.count { findingLines.append(finding) }  // an empty one says nothing
            }
        }
        guard result.source == .none else { return result }
        if let (signal, text) = fallback {
            result.signal = signal
            result.summary = text.isEmpty ? nil : text
            result.source = .line
        }
        result.verdict = fallbackVerdict(verdictLine, findingLines: findingLines)
        return result
    }

    /// The text a prompt carries to tell the agent how to end. The nonce makes the sentinel unforgeable,
    /// and it is given apart from the example, so that no line of the prompt is itself a valid sentinel:
    /// an agent that echoes its prompt has said nothing.
    ///
    /// `evidence` is what the agent's role must leave (from `roles.yaml`): with `verdict` among them the agent is
    /// told that its verdict and findings are required and how to give them; every other name but `change` (which
    /// the watcher sees in the branch) is asked for in the sentinel's `evidence`. Follow-ups are always offered.
    ///
    /// `resumed` says the session goes on with an earlier session's CLI conversation, which holds that session's
    /// nonce and signal: the agent is told plainly that those are void and that only the new nonce counts.
    public static func instructions(ticket: String, nonce: String, evidence: [String] = [], resumed: Bool = false) -> String {
        var text = """
            When you stop, print one line of JSON, alone on its line, as the very last thing you print:
            {"\(signalKey)": "DONE", "ticket": "\(ticket)", "nonce": "NONCE", "summary": "what you did"}
            with NONCE replaced by this session's nonce, which is \(nonce)
            Use "DONE" when the work is finished, "REVIEW" when it needs a reviewer's verdict, or "QUESTION"
            when you cannot go on without a person (put the question in "summary").
            """
        if resumed {
            text += """

                This is a new session that continues your earlier conversation on this ticket. Every nonce an earlier
                session was given is void now, and so is every signal printed with one: a line that carries an old
                nonce is ignored, so do not repeat it. This session's nonce is \(nonce) and your last line must carry it.
                """
        }
        if evidence.contains("verdict") {
            text += """

                Your role must give a verdict: end with "DONE" and add to that same line
                "verdict": "pass", "fail" or "return_for_fixes" ("pass" only when every acceptance criterion is met), and
                "findings": ["path/to/file.swift:12: what is wrong and what would fix it"], one text per problem ([] if none).
                If you cannot print JSON, end instead with plain lines, each at the very start of its line: one "FINDING: "
                line per problem, then "VERDICT: " with the decision alone, then "DONE: " with your summary.
                """
        }
        let reported = evidence.filter { $0 != "verdict" && $0 != "change" }
        if !reported.isEmpty {
            let example = reported.map { "\(quoted($0)): \"where it is and what it shows\"" }.joined(separator: ", ")
            text += """

                Your role must leave evidence (\(reported.joined(separator: ", "))): add to that same line
                "evidence": {\(example)}, as text.
                """
        }
        text += """

            If you found work outside this ticket that should be done, add to that same line
            "follow_ups": [{"title": "a short title", "description": "what and why"}]; each becomes a new ticket.
            """
        return text
    }

    // MARK: The sentinel

    private static func sentinel(_ text: String, ticket: String, nonce: String,
                                 earlierNonces: Set<String>) -> Result<Harvest, Harvest.Rejected.Reason> {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            return .failure(.malformed)
        }
        guard let raw = object[signalKey] as? String, let signal = SignalValue(rawValue: raw), signal != .none else {
            return .failure(.badSignal)
        }
        // With no nonce known, no sentinel can be this dispatch's: an empty one must not match.
        let given = string(object["nonce"])
        guard !nonce.isEmpty, given == nonce else {
            // An earlier session's own signal for this ticket, repeated: stale. Anything else is forged.
            let stale = given.map { !$0.isEmpty && $0 != nonce && earlierNonces.contains($0) } ?? false
            guard stale, string(object["ticket"]) == ticket else { return .failure(.wrongNonce) }
            return .failure(.staleNonce)
        }
        guard string(object["ticket"]) == ticket else { return .failure(.wrongTicket) }
        var found = Harvest(signal: signal, summary: object["summary"] as? String, source: .sentinel, rejected: [],
                            verdict: verdict(in: object))
        if let evidence = present(object["evidence"]) {
            if let map = evidence as? [String: Any] {
                found.reported = map.mapValues(evidenceText)
            } else {
                found.unreadableEvidence = json(evidence)
            }
        }
        (found.followUps, found.rejectedFollowUps) = followUps(present(object["follow_ups"]))
        return .success(found)
    }

    /// The sentinel's verdict: nil when it has neither `verdict` nor `findings` (or only nulls).
    private static func verdict(in object: [String: Any]) -> VerdictReading? {
        let verdict = present(object["verdict"]), findings = present(object["findings"])
        guard verdict != nil || findings != nil else { return nil }
        var given: [String: Any] = [:]
        given["verdict"] = verdict
        given["findings"] = findings
        let unreadable = VerdictReading.unreadable(json(given))
        guard let word = verdict as? String, let decision = decision(word) else { return unreadable }
        guard let findings else { return .valid(Verdict(decision: decision)) }
        guard let list = findings as? [Any] else { return unreadable }
        var texts: [String] = []
        for item in list {
            guard let text = findingText(item) else { return unreadable }
            texts.append(text)
        }
        return .valid(makeVerdict(decision, findings: texts))
    }

    /// One finding as text: a string as it is, or an object as agents often write one (`{"severity": "major",
    /// "file": "a.swift", "line": 3, "text": "…"}`, the words under `text`, `message`, `description` or `finding`)
    /// as "major: a.swift:3: …". Nil for anything else.
    private static func findingText(_ item: Any) -> String? {
        if let text = item as? String { return text }
        guard let object = item as? [String: Any],
              let words = ["text", "message", "description", "finding"].lazy.compactMap({ object[$0] as? String }).first
        else { return nil }
        var place = (object["file"] as? String) ?? (object["path"] as? String) ?? ""
        if !place.isEmpty, let line = object["line"] as? Int { place += ":\(line)" }
        let parts = [(object["severity"] as? String) ?? "", place, words].filter { !$0.isEmpty }
        return parts.joined(separator: ": ")
    }

    /// A verdict with its findings trimmed and empty ones dropped; no findings at all is nil.
    private static func makeVerdict(_ decision: VerdictDecision, findings: [String]) -> Verdict {
        let texts = findings.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        return Verdict(decision: decision, findings: texts.isEmpty ? nil : texts)
    }

    /// `pass`, `fail` or `return_for_fixes`, in any case, with `-` or a space for `_` and a full stop after it.
    private static func decision(_ word: String) -> VerdictDecision? {
        var word = word.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if word.hasSuffix(".") { word.removeLast() }
        return VerdictDecision(rawValue: String(word.map { $0 == "-" || $0 == " " ? "_" : $0 }))
    }

    /// An evidence value as text: a string trimmed, null as nothing, anything else as compact JSON.
    private static func evidenceText(_ value: Any) -> String {
        switch value {
        case let text as String: text.trimmingCharacters(in: .whitespacesAndNewlines)
        case is NSNull: ""
        default: json(value)
        }
    }

    /// The valid follow-ups of a `follow_ups` value, and the refused ones with why.
    private static func followUps(_ value: Any?) -> ([FollowUpProposal], [FollowUpProposal.Rejected]) {
        guard let value else { return ([], []) }
        guard let entries = value as? [Any] else { return ([], [.init(entry: capped(json(value)), reason: .notAList)]) }
        var valid: [FollowUpProposal] = []
        var refused: [FollowUpProposal.Rejected] = []
        for entry in entries {
            func refuse(_ reason: FollowUpProposal.Rejected.Reason) { refused.append(.init(entry: capped(json(entry)), reason: reason)) }
            guard let object = entry as? [String: Any] else { refuse(.notAnObject); continue }
            let description = present(object["description"])
            guard description == nil || description is String else { refuse(.descriptionNotText); continue }
            guard let title = object["title"] as? String,
                  let proposal = FollowUpProposal(title: title, description: description as? String) else {
                refuse(.missingTitle)
                continue
            }
            guard valid.count < maxFollowUps else { refuse(.tooMany); continue }
            valid.append(proposal)
        }
        return (valid, refused)
    }

    // MARK: The fallback lines

    /// A verdict line's prefix, at the very start of a line.
    static let verdictPrefix = "VERDICT:"
    /// A finding line's prefix, at the very start of a line.
    static let findingPrefix = "FINDING:"

    /// The verdict of the last `VERDICT:` line with every `FINDING:` line; nil when there are neither.
    private static func fallbackVerdict(_ line: String?, findingLines: [String]) -> VerdictReading? {
        let findings = findingLines.map { String($0.dropFirst(findingPrefix.count)) }
        guard let line else {
            return findingLines.isEmpty ? nil : .unreadable(findingLines.joined(separator: "\n"))
        }
        guard let decision = decision(String(line.dropFirst(verdictPrefix.count))) else {
            return .unreadable((findingLines + [line]).joined(separator: "\n"))
        }
        return .valid(makeVerdict(decision, findings: findings))
    }

    /// `DONE: text`, `REVIEW: text` or `QUESTION: text` at the very start of the line.
    private static func bareSignal(_ line: String) -> (SignalValue, String)? {
        for signal in [SignalValue.done, .review, .question] where line.hasPrefix(signal.rawValue + ":") {
            return (signal, line.dropFirst(signal.rawValue.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    // MARK: JSON values

    /// A JSON value as text: strings as they are, numbers in their usual form.
    private static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// The value, unless it is absent or null.
    private static func present(_ value: Any?) -> Any? {
        value is NSNull ? nil : value
    }

    /// A JSON value as compact JSON text, keys sorted.
    private static func json(_ value: Any) -> String {
        let data = try? JSONSerialization.data(withJSONObject: value,
                                               options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? String(describing: value)
    }

    /// `text` quoted as a JSON string.
    private static func quoted(_ text: String) -> String {
        json(text)
    }

    /// `text` cut after 500 characters.
    private static func capped(_ text: String) -> String {
        text.count > 500 ? String(text.prefix(499)) + "…" : text
    }
}
