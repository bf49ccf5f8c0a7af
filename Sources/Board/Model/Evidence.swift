import Foundation

/// What produced an evidence packet.
public enum EvidenceKind: String, StrictEnum {
    case session, check, signoff, merge
}

/// The signal an agent reported at the end of a session.
public enum SignalValue: String, StrictEnum {
    case done = "DONE", review = "REVIEW", question = "QUESTION", none = "NONE"
}

/// A review gate's decision.
public enum VerdictDecision: String, StrictEnum {
    case pass, fail, returnForFixes = "return_for_fixes"
}

/// A terminal state's overall outcome.
public enum OutcomeStatus: String, StrictEnum {
    case ok, warning, error
}

/// A human gate's decision.
public enum SignoffDecision: String, StrictEnum {
    case approve, reject
}

/// How the runtime was invoked: the adapter contract of one session.
public struct AdapterRecord: Sendable, Hashable, Codable {
    /// Version of the adapter contract.
    public var contractVersion: Int?
    /// Harness name (`codex`, `script`, …).
    public var harness: String
    /// The resolved executable path.
    public var executable: String?
    /// The executable's version.
    public var version: String?
    /// The argv, with secrets redacted.
    public var argv: [String]
    /// The model provider.
    public var provider: String?
    /// The model.
    public var model: String?
    /// The working directory of the session.
    public var workdir: String?
    /// The runner host.
    public var runner: String?
    /// The CLI's own session id.
    public var cliSession: String?
    /// The profile the ticket's previous session ran on, when this one runs on another (a runtime switch).
    public var switchedFrom: String?
    /// Profiles of the role passed over for this session, and why (rate limited until a time, at capacity).
    public var passedOver: [String]?

    /// The keys of the `adapter` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case contractVersion = "contract_version", harness, executable, version, argv, provider, model, workdir, runner
        case cliSession = "cli_session", switchedFrom = "switched_from", passedOver = "passed_over"
    }

    /// An adapter record.
    public init(contractVersion: Int? = nil, harness: String, executable: String? = nil, version: String? = nil,
                argv: [String] = [], provider: String? = nil, model: String? = nil, workdir: String? = nil,
                runner: String? = nil, cliSession: String? = nil, switchedFrom: String? = nil, passedOver: [String]? = nil) {
        self.switchedFrom = switchedFrom
        self.passedOver = passedOver
        self.contractVersion = contractVersion
        self.harness = harness
        self.executable = executable
        self.version = version
        self.argv = argv
        self.provider = provider
        self.model = model
        self.workdir = workdir
        self.runner = runner
        self.cliSession = cliSession
    }
}

/// A review verdict with its findings.
public struct Verdict: Sendable, Hashable, Codable {
    /// The decision.
    public var decision: VerdictDecision
    /// What the reviewer found.
    public var findings: [String]?

    /// The keys of the `verdict` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable { case decision, findings }

    /// A verdict.
    public init(decision: VerdictDecision, findings: [String]? = nil) {
        self.decision = decision
        self.findings = findings
    }
}

/// The code change a session made on its ticket branch.
public struct ChangeRecord: Sendable, Hashable, Codable {
    /// The ticket branch, e.g. `mission/MC-7K3Q`.
    public var branch: String
    /// Commit the session started from.
    public var base: String?
    /// Commit the session ended at.
    public var head: String?
    /// Changed files.
    public var files: [String]?
    /// Lines added.
    public var insertions: Int?
    /// Lines removed.
    public var deletions: Int?

    /// The keys of the `change` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable { case branch, base, head, files, insertions, deletions }

    /// A change record.
    public init(branch: String, base: String? = nil, head: String? = nil, files: [String]? = nil, insertions: Int? = nil,
                deletions: Int? = nil) {
        self.branch = branch
        self.base = base
        self.head = head
        self.files = files
        self.insertions = insertions
        self.deletions = deletions
    }
}

/// One acceptance check the watcher ran itself.
public struct CheckResult: Sendable, Hashable, Codable {
    /// The command as configured.
    public var command: String
    /// Its exit code.
    public var exitCode: Int?
    /// How long it ran.
    public var durationSeconds: Double?
    /// The last lines of its output.
    public var outputTail: String?

    /// The keys of a check result.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case command
        case exitCode = "exit_code"
        case durationSeconds = "duration_seconds"
        case outputTail = "output_tail"
    }

    /// A check result.
    public init(command: String, exitCode: Int? = nil, durationSeconds: Double? = nil, outputTail: String? = nil) {
        self.command = command
        self.exitCode = exitCode
        self.durationSeconds = durationSeconds
        self.outputTail = outputTail
    }
}

/// A file a session or a check produced as proof (a screenshot, a report, a log): stored as a blob on a side ref
/// (`refs/mission/artifacts`), so it never bloats the board branch and replicates when asked for.
public struct Artifact: Sendable, Hashable, Codable {
    /// Its name, as the session left it in `$MISSION_ARTIFACTS` (a path below it, with `/`).
    public var name: String
    /// The blob id of its contents.
    public var blob: String?
    /// Its media type (`image/png`, `text/plain`, …).
    public var mediaType: String?
    /// Its size in bytes.
    public var size: Int?
    /// Where it is in the ticket branch or the board, for an artifact that is a committed file rather than a blob.
    public var path: String?
    /// What it is (`screenshot`, `report`, `tests`, …).
    public var kind: String?
    /// A short description.
    public var description: String?

    /// The keys of an artifact.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, blob
        case mediaType = "media_type"
        case size, path, kind, description
    }

    /// An artifact.
    public init(name: String, blob: String? = nil, mediaType: String? = nil, size: Int? = nil, path: String? = nil,
                kind: String? = nil, description: String? = nil) {
        self.name = name
        self.blob = blob
        self.mediaType = mediaType
        self.size = size
        self.path = path
        self.kind = kind
        self.description = description
    }

    /// The media type a file's name implies; `application/octet-stream` when it says nothing known.
    public static func mediaType(of name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return switch ext {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "svg": "image/svg+xml"
        case "txt", "log", "out": "text/plain"
        case "md": "text/markdown"
        case "json": "application/json"
        case "html", "htm": "text/html"
        case "xml": "application/xml"
        case "pdf": "application/pdf"
        default: "application/octet-stream"
        }
    }
}

/// Tokens and cost a session used.
public struct Usage: Sendable, Hashable, Codable {
    /// Input tokens.
    public var inputTokens: Int?
    /// Output tokens.
    public var outputTokens: Int?
    /// Cost in US dollars, where the CLI reports it.
    public var costUSD: Double?

    /// The keys of the `usage` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd"
    }

    /// Usage as given.
    public init(inputTokens: Int? = nil, outputTokens: Int? = nil, costUSD: Double? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
    }
}

/// Whether retrying is safe, and why.
public struct RetryDecision: Sendable, Hashable, Codable {
    /// Retrying is safe.
    public var allowed: Bool
    /// Why or why not.
    public var reason: String?

    /// The keys of the `safe_retry` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable { case allowed, reason }

    /// A retry decision.
    public init(allowed: Bool, reason: String?) {
        self.allowed = allowed
        self.reason = reason
    }
}

/// How a session ended, with what a person needs to act on it.
public struct TerminalState: Sendable, Hashable, Codable {
    /// Overall outcome.
    public var status: OutcomeStatus
    /// One line.
    public var summary: String
    /// A stable root-cause code (`exit_nonzero`, `idle_timeout`, `no_signal`, …).
    public var rootCause: String?
    /// Whether a retry is safe.
    public var safeRetry: RetryDecision?
    /// What stopped it.
    public var stopCondition: String?
    /// A person must act before the ticket goes on.
    public var humanInputRequired: Bool?
    /// What should happen next.
    public var nextActions: [String]?

    /// The keys of the `terminal` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case status, summary
        case rootCause = "root_cause"
        case safeRetry = "safe_retry"
        case stopCondition = "stop_condition"
        case humanInputRequired = "human_input_required"
        case nextActions = "next_actions"
    }

    /// A terminal state.
    public init(status: OutcomeStatus, summary: String, rootCause: String?, safeRetry: RetryDecision?,
                stopCondition: String?, humanInputRequired: Bool?, nextActions: [String]?) {
        self.status = status
        self.summary = summary
        self.rootCause = rootCause
        self.safeRetry = safeRetry
        self.stopCondition = stopCondition
        self.humanInputRequired = humanInputRequired
        self.nextActions = nextActions
    }
}

/// Where the full transcript lives and how it ended.
public struct TranscriptRef: Sendable, Hashable, Codable {
    /// Blob id on `refs/mission/transcripts`.
    public var blob: String?
    /// The last lines, redacted.
    public var tail: String?

    /// The keys of the `transcript` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable { case blob, tail }

    /// A transcript reference.
    public init(blob: String?, tail: String?) {
        self.blob = blob
        self.tail = tail
    }
}

/// A person's sign-off at a human gate.
public struct Signoff: Sendable, Hashable, Codable {
    /// Who signed (from git config).
    public var by: String
    /// Approve or reject.
    public var decision: SignoffDecision
    /// What they said.
    public var note: String?

    /// The keys of the `signoff` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable { case by, decision, note }

    /// A sign-off; `by` is "Name <email>".
    public init(by: String, decision: SignoffDecision, note: String? = nil) {
        self.by = by
        self.decision = decision
        self.note = note
    }
}

/// One evidence packet: a runtime session, an acceptance check or a human sign-off. Append-only.
public struct EvidencePacket: Sendable, Hashable, Codable {
    /// What produced it.
    public var kind: EvidenceKind
    /// The ticket.
    public var ticket: String
    /// The gate.
    public var gate: String
    /// The session id (sessions and checks).
    public var session: String?
    /// The nonce the session's prompt gave it, recorded once the session ended and the nonce is void: a later
    /// session of the ticket that repeats it (a resumed CLI conversation still holds it) is ignored, not forged.
    public var nonce: String?
    /// The role that served the gate.
    public var role: String?
    /// The runtime profile.
    public var profile: String?
    /// How the runtime was invoked.
    public var adapter: AdapterRecord?
    /// Start time.
    public var started: Date?
    /// End time.
    public var ended: Date?
    /// Duration in seconds.
    public var durationSeconds: Double?
    /// Exit code, when the process exited.
    public var exitCode: Int?
    /// Signal number, when the process was killed.
    public var signal: Int?
    /// The harvested signal.
    public var harvested: SignalValue?
    /// The agent's summary.
    public var summary: String?
    /// The review verdict.
    public var verdict: Verdict?
    /// The code change.
    public var change: ChangeRecord?
    /// Checks run by the watcher.
    public var checks: [CheckResult]?
    /// Files produced as proof.
    public var artifacts: [Artifact]?
    /// Tokens and cost.
    public var usage: Usage?
    /// How it ended.
    public var terminal: TerminalState?
    /// The transcript.
    public var transcript: TranscriptRef?
    /// A human sign-off.
    public var signoff: Signoff?
    /// The evidence the agent reported for its role (`tests`, `screenshots`, `remaining_risk`, …): where each is
    /// and what it says.
    public var reported: [String: String]?
    /// Tickets the watcher created from the follow-ups the agent proposed.
    public var followUps: [String]?

    /// The keys of an evidence packet.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, ticket, gate, session, nonce, role, profile, adapter, started, ended
        case durationSeconds = "duration_seconds"
        case exitCode = "exit_code"
        case signal
        case harvested = "harvested_signal"
        case summary, verdict, change, checks, artifacts, usage, terminal, transcript, signoff, reported
        case followUps = "follow_ups"
    }

    /// A packet; only what produced it, the ticket and the gate are required.
    public init(kind: EvidenceKind, ticket: String, gate: String, session: String? = nil, nonce: String? = nil,
                role: String? = nil,
                profile: String? = nil, adapter: AdapterRecord? = nil, started: Date? = nil, ended: Date? = nil,
                durationSeconds: Double? = nil, exitCode: Int? = nil, signal: Int? = nil, harvested: SignalValue? = nil,
                summary: String? = nil, verdict: Verdict? = nil, change: ChangeRecord? = nil, checks: [CheckResult]? = nil,
                artifacts: [Artifact]? = nil, usage: Usage? = nil, terminal: TerminalState? = nil,
                transcript: TranscriptRef? = nil, signoff: Signoff? = nil, reported: [String: String]? = nil,
                followUps: [String]? = nil) {
        self.reported = reported
        self.followUps = followUps
        self.kind = kind
        self.ticket = ticket
        self.gate = gate
        self.session = session
        self.nonce = nonce
        self.role = role
        self.profile = profile
        self.adapter = adapter
        self.started = started
        self.ended = ended
        self.durationSeconds = durationSeconds
        self.exitCode = exitCode
        self.signal = signal
        self.harvested = harvested
        self.summary = summary
        self.verdict = verdict
        self.change = change
        self.checks = checks
        self.artifacts = artifacts
        self.usage = usage
        self.terminal = terminal
        self.transcript = transcript
        self.signoff = signoff
    }
}
