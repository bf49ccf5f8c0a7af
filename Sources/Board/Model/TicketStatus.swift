import Foundation

/// What is happening to a ticket, as the watcher records it in `status.yaml`.
public enum StatusValue: String, StrictEnum {
    case queued, running, needsInput = "needs_input", inReview = "in_review", waiting, done, blocked, failed, cancelled

    /// Whether the ticket is finished for good (done or cancelled).
    public var isClosed: Bool { self == .done || self == .cancelled }
}

/// The live runtime session of a ticket.
public struct SessionRef: Sendable, Hashable, Codable {
    /// Session id, e.g. `S-20261122-0007`.
    public var id: String
    /// Runtime profile serving it.
    public var profile: String?
    /// The runner (watcher host) that owns it.
    public var runner: String?
    /// Process id of the session's process group leader.
    public var pid: Int?
    /// The process start time, so a reused pid is not mistaken for the agent.
    public var pidStart: String?
    /// When the session started.
    public var started: Date?
    /// The claim is the runner's until this time unless renewed.
    public var leaseUntil: Date?

    /// The keys of the `session` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, profile, runner, pid
        case pidStart = "pid_start"
        case started
        case leaseUntil = "lease_until"
    }

    /// A session reference.
    public init(id: String, profile: String? = nil, runner: String? = nil, pid: Int? = nil,
                pidStart: String? = nil, started: Date? = nil, leaseUntil: Date? = nil) {
        self.id = id
        self.profile = profile
        self.runner = runner
        self.pid = pid
        self.pidStart = pidStart
        self.started = started
        self.leaseUntil = leaseUntil
    }
}

/// The next action on a ticket and who must take it.
public struct NextAction: Sendable, Hashable, Codable {
    /// Who must act: a person, a role, or `watcher`.
    public var who: String
    /// What they must do, in plain words.
    public var what: String

    /// A next action.
    public init(who: String, what: String) {
        self.who = who
        self.what = what
    }

    /// The keys of the `next_action` mapping.
    public enum CodingKeys: String, CodingKey, CaseIterable { case who, what }
}

/// A ticket's status, `status.yaml`: written only by the watcher.
public struct TicketStatus: Sendable, Hashable, Codable {
    /// The status value.
    public var status: StatusValue
    /// The current gate of the ticket's workflow.
    public var gate: String?
    /// The review round (1-based).
    public var round: Int
    /// The attempt at the current gate (1-based).
    public var attempt: Int
    /// When the watcher last wrote this status.
    public var updated: Date?
    /// The live session, while one runs.
    public var session: SessionRef?
    /// The open question, while the ticket waits for an answer.
    public var question: String?
    /// Why the ticket is blocked, when it is.
    public var blockedReason: String?
    /// Failure counts by root cause, for the retry policy and circuit breaker.
    public var failures: [String: Int]
    /// The next action and who must take it.
    public var nextAction: NextAction?
    /// The newest evidence packet.
    public var lastEvidence: String?
    /// When the ticket was closed (done or cancelled); archiving counts age from here.
    public var closed: Date?
    /// Runtime profiles a session of this ticket found rate limited, with when the limit resets. Not a failure:
    /// the planner passes over these profiles until then, across the board.
    public var rateLimits: [String: Date]
    /// When the ticket's expected check-in was due, once it is overdue; cleared by the next change of status.
    public var overdue: Date?

    /// The keys of `status.yaml`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case status, gate, round, attempt, updated, session, question
        case blockedReason = "blocked_reason"
        case failures
        case nextAction = "next_action"
        case lastEvidence = "last_evidence"
        case closed
        case rateLimits = "rate_limits"
        case overdue
    }

    /// A status record.
    public init(status: StatusValue, gate: String? = nil, round: Int = 1, attempt: Int = 1, updated: Date? = nil,
                session: SessionRef? = nil, question: String? = nil, blockedReason: String? = nil,
                failures: [String: Int] = [:], nextAction: NextAction? = nil, lastEvidence: String? = nil,
                closed: Date? = nil, rateLimits: [String: Date] = [:], overdue: Date? = nil) {
        self.status = status
        self.overdue = overdue
        self.rateLimits = rateLimits
        self.gate = gate
        self.round = round
        self.attempt = attempt
        self.updated = updated
        self.session = session
        self.question = question
        self.blockedReason = blockedReason
        self.failures = failures
        self.nextAction = nextAction
        self.lastEvidence = lastEvidence
        self.closed = closed
    }

    /// Decodes `status.yaml`; only `status` is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(StatusValue.self, forKey: .status)
        gate = try c.decodeIfPresent(String.self, forKey: .gate)
        round = try c.decodeIfPresent(Int.self, forKey: .round) ?? 1
        attempt = try c.decodeIfPresent(Int.self, forKey: .attempt) ?? 1
        updated = try c.decodeIfPresent(Date.self, forKey: .updated)
        session = try c.decodeIfPresent(SessionRef.self, forKey: .session)
        question = try c.decodeIfPresent(String.self, forKey: .question)
        blockedReason = try c.decodeIfPresent(String.self, forKey: .blockedReason)
        failures = try c.decodeIfPresent([String: Int].self, forKey: .failures) ?? [:]
        nextAction = try c.decodeIfPresent(NextAction.self, forKey: .nextAction)
        lastEvidence = try c.decodeIfPresent(String.self, forKey: .lastEvidence)
        closed = try c.decodeIfPresent(Date.self, forKey: .closed)
        rateLimits = try c.decodeIfPresent([String: Date].self, forKey: .rateLimits) ?? [:]
        overdue = try c.decodeIfPresent(Date.self, forKey: .overdue)
    }
}
