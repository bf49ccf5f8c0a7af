import Board
import Foundation

/// Everything a session's prompt tells the agent, as values. Pure: the watcher reads the board and passes them in.
public struct PromptContext: Sendable, Hashable {
    /// One earlier session, check or sign-off of the ticket, as the prompt tells it.
    public struct Session: Sendable, Hashable {
        /// What produced it: an agent session, a check or a person's sign-off.
        public var kind: EvidenceKind
        /// The gate it served.
        public var gate: String
        /// The role that served the gate.
        public var role: String?
        /// The runtime profile it ran on.
        public var profile: String?
        /// Who signed off, for a sign-off.
        public var by: String?
        /// The signal the agent reported.
        public var signal: SignalValue?
        /// The review verdict (`pass`, `fail`, `return_for_fixes`) or sign-off decision (`approve`, `reject`).
        public var verdict: String?
        /// What it did, said, or how it ended.
        public var summary: String?
        /// Why it failed or stopped; nil when it ended well.
        public var rootCause: String?

        /// A session as given.
        public init(kind: EvidenceKind = .session, gate: String, role: String? = nil, profile: String? = nil,
                    by: String? = nil, signal: SignalValue? = nil, verdict: String? = nil, summary: String? = nil,
                    rootCause: String? = nil) {
            self.kind = kind
            self.gate = gate
            self.role = role
            self.profile = profile
            self.by = by
            self.signal = signal
            self.verdict = verdict
            self.summary = summary
            self.rootCause = rootCause
        }

        /// What the prompt tells of `packet`: its summary (or the sign-off's note, or the terminal summary), and
        /// the root cause only when it did not end well.
        public init(_ packet: EvidencePacket) {
            self.init(kind: packet.kind, gate: packet.gate, role: packet.role, profile: packet.profile,
                      by: packet.signoff?.by, signal: packet.harvested,
                      verdict: packet.verdict?.decision.rawValue ?? packet.signoff?.decision.rawValue,
                      summary: packet.summary ?? packet.signoff?.note ?? packet.terminal?.summary,
                      rootCause: packet.terminal.flatMap { $0.status == .ok ? nil : $0.rootCause })
        }
    }

    /// A note from a person: a comment, or the answer to the agent's question.
    public struct Note: Sendable, Hashable {
        /// The note's file name, e.g. `20261122T101500Z-elmar.md`: when, and by whom.
        public var name: String
        /// The note (Markdown).
        public var text: String
        /// Whether it answers the question the ticket waited on.
        public var answersQuestion: Bool

        /// A note.
        public init(name: String, text: String, answersQuestion: Bool = false) {
            self.name = name
            self.text = text
            self.answersQuestion = answersQuestion
        }
    }

    /// How many earlier sessions a prompt lists unless told otherwise: the newest ones.
    public static let defaultSessionLimit = 10

    /// The ticket's spec.
    public var spec: Ticket
    /// The gate this session serves.
    public var gate: String
    /// The role serving it.
    public var role: String
    /// The central contract of `roles.yaml`.
    public var centralContract: String?
    /// The role's own contract.
    public var roleContract: String?
    /// The evidence the role must leave (`change`, `tests`, …).
    public var requiredEvidence: [String]
    /// Earlier sessions, checks and sign-offs, oldest first.
    public var sessions: [Session]
    /// How many of the newest `sessions` the prompt lists (at least one); it says how many it left out.
    public var sessionLimit: Int
    /// Notes and answers from people, oldest first.
    public var notes: [Note]
    /// Review findings to address, from the latest verdict that returned the ticket.
    public var findings: [String]
    /// The profile earlier sessions ran on.
    public var previousProfile: String?
    /// The profile this session runs on.
    public var profile: String?
    /// This dispatch's nonce: the prompt gives it only through the signal instructions.
    public var nonce: String
    /// Whether this session resumes an earlier session's CLI conversation (the answer to its question), which
    /// still holds that session's nonce: the instructions then say that earlier nonces are void.
    public var resumes: Bool

    /// A context as given.
    public init(spec: Ticket, gate: String, role: String, centralContract: String? = nil, roleContract: String? = nil,
                requiredEvidence: [String] = [], sessions: [Session] = [], sessionLimit: Int = defaultSessionLimit,
                notes: [Note] = [], findings: [String] = [], previousProfile: String? = nil, profile: String? = nil,
                nonce: String, resumes: Bool = false) {
        self.spec = spec
        self.gate = gate
        self.role = role
        self.centralContract = centralContract
        self.roleContract = roleContract
        self.requiredEvidence = requiredEvidence
        self.sessions = sessions
        self.sessionLimit = sessionLimit
        self.notes = notes
        self.findings = findings
        self.previousProfile = previousProfile
        self.profile = profile
        self.nonce = nonce
        self.resumes = resumes
    }

    /// The context for `role` at `gate` from the board's values: the contracts and required evidence from `roles`;
    /// the history, the findings of the latest verdict that was not a pass, and the previous profile from
    /// `evidence` (the ticket's packets, oldest first).
    public init(spec: Ticket, gate: String, role: String, roles: RolesFile, evidence: [EvidencePacket], notes: [Note],
                profile: String?, nonce: String, resumes: Bool = false, sessionLimit: Int = defaultSessionLimit) {
        let verdict = evidence.last { $0.verdict != nil }?.verdict
        self.init(spec: spec, gate: gate, role: role, centralContract: roles.contract, roleContract: roles.roles[role]?.contract,
                  requiredEvidence: roles.roles[role]?.evidence ?? [], sessions: evidence.map(Session.init),
                  sessionLimit: sessionLimit, notes: notes,
                  findings: verdict.flatMap { $0.decision == .pass ? nil : $0.findings } ?? [],
                  previousProfile: evidence.last { $0.kind == .session && $0.profile != nil }?.profile,
                  profile: profile, nonce: nonce, resumes: resumes)
    }
}

/// Renders every session's prompt, for every runtime, from one template (`templates/prompt.md`); see
/// `PromptTemplate` for the language. A template that does not parse never blocks work: the built-in one is
/// used instead, and the problems come back as diagnostics.
public enum PromptRenderer {
    /// Where the template lives in a board folder, and in the starter board.
    public static let templatePath = "templates/prompt.md"

    /// The built-in template, as the starter board installs it.
    public static var builtInTemplate: String { StarterBoard.file(templatePath) ?? "" }

    /// The words with which the signal instructions give the nonce; ticket text never carries them into a prompt.
    public static let nonceIntroduction = "this session's nonce, which is "

    /// The prompt for `context` from `template` (shown to people as `file`, e.g. `board/templates/prompt.md`).
    /// When `diagnostics` holds an error, `text` comes from the built-in template.
    public static func render(template: String, file: String, context: PromptContext) -> (text: String, diagnostics: [Diagnostic]) {
        let parsed = PromptTemplate(template, file: file, schema: schema, required: required)
        guard parsed.hasErrors else { return (parsed.render(values(context, template: parsed)), parsed.diagnostics) }
        let fallback = Diagnostic("the built-in prompt template was used instead of this one",
                                  at: SourceLocation(file: file, line: 1, column: 1), severity: .warning)
        return (render(context), parsed.diagnostics + [fallback])
    }

    /// The prompt for `context` from the built-in template.
    public static func render(_ context: PromptContext) -> String {
        builtIn.render(values(context, template: builtIn))
    }

    /// The problems of `template` (shown to people as `file`), without rendering it.
    public static func check(template: String, file: String) -> [Diagnostic] {
        PromptTemplate(template, file: file, schema: schema, required: required).diagnostics
    }

    /// The nonce a prompt gave, for a session settled without its dispatch record.
    public static func nonce(in prompt: String) -> String? {
        guard let range = prompt.range(of: nonceIntroduction) else { return nil }
        let nonce = prompt[range.upperBound...].prefix { !$0.isWhitespace }
        return nonce.isEmpty ? nil : String(nonce)
    }

    // MARK: Names

    /// The names a prompt template may use; the header of `templates/prompt.md` says what each holds.
    static let schema = PromptTemplate.Schema(
        texts: ["id", "title", "kind", "priority", "description", "role", "gate", "profile", "central_contract",
                "role_contract", "switched_from", "required_evidence", "sessions_left_out", "instructions"],
        lists: [
            "acceptance": ["text"],
            "sessions": ["number", "kind", "gate", "role", "profile", "by", "signal", "verdict", "root_cause", "summary"],
            "findings": ["text"],
            "notes": ["name", "text", "answer"],
            "other_evidence": ["name"],
        ],
        textPrefixes: [evidencePrefix])

    /// `evidence.tests` is "yes" when the role must leave `tests`.
    static let evidencePrefix = "evidence."

    /// Names every template must use once, outside any section.
    static let required = ["instructions"]

    private static let builtIn = PromptTemplate(builtInTemplate, file: "\(templatePath) (built in)", schema: schema,
                                                required: required)

    /// The values for `context`. Every value but the instructions is ticket, board or agent text, so none may carry
    /// the nonce or the words that introduce it: the nonce appears only where the instructions put it.
    static func values(_ context: PromptContext, template: PromptTemplate) -> [String: PromptTemplate.Value] {
        func text(_ value: String?) -> String {
            guard var value = value?.trimmingCharacters(in: .whitespacesAndNewlines) else { return "" }
            if !context.nonce.isEmpty { value = value.replacingOccurrences(of: context.nonce, with: "[nonce]") }
            return value.replacingOccurrences(of: "session's nonce, which is", with: "session's nonce (quoted), which is")
        }
        func line(_ value: String?) -> String {
            text(value).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ")
        }
        func list(_ items: [String], field: String) -> PromptTemplate.Value {
            .list(items.map(text).filter { !$0.isEmpty }.map { [field: $0] })
        }

        let spec = context.spec
        let shown = context.sessions.suffix(max(1, context.sessionLimit))
        let leftOut = context.sessions.count - shown.count
        let sessions = zip(shown.indices, shown).map { index, session -> [String: String] in
            ["number": String(index + 1), "kind": session.kind.rawValue, "gate": line(session.gate), "role": line(session.role),
             "profile": line(session.profile), "by": line(session.by), "signal": session.signal?.rawValue ?? "",
             "verdict": line(session.verdict), "root_cause": line(session.rootCause), "summary": line(session.summary)]
        }
        let switched = context.previousProfile.flatMap { previous in
            context.profile.flatMap { previous == $0 ? nil : previous }
        }
        let evidence = context.requiredEvidence.map(line).filter { !$0.isEmpty }
        var values: [String: PromptTemplate.Value] = [
            "id": .text(line(spec.id)),
            "title": .text(line(spec.title)),
            "kind": .text(spec.kind.rawValue),
            "priority": .text(spec.priority.rawValue),
            "description": .text(text(spec.writtenDescription)),
            "role": .text(line(context.role)),
            "gate": .text(line(context.gate)),
            "profile": .text(line(context.profile)),
            "central_contract": .text(text(context.centralContract)),
            "role_contract": .text(text(context.roleContract)),
            "switched_from": .text(line(switched)),
            "required_evidence": .text(evidence.joined(separator: ", ")),
            "sessions_left_out": .text(leftOut > 0 ? String(leftOut) : ""),
            "instructions": .text(Harvester.instructions(ticket: spec.id, nonce: context.nonce, evidence: evidence,
                                                          resumed: context.resumes)),
            "acceptance": list(spec.writtenAcceptance, field: "text"),
            "sessions": .list(sessions),
            "findings": list(context.findings, field: "text"),
            "notes": .list(context.notes.map { ["name": line($0.name), "text": text($0.text), "answer": $0.answersQuestion ? "yes" : ""] }),
            "other_evidence": .list(evidence.filter { !template.names.contains(evidencePrefix + $0) }.map { ["name": $0] }),
        ]
        for name in evidence { values[evidencePrefix + name] = .text("yes") }
        return values
    }
}
