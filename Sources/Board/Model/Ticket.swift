import Foundation

/// What kind of work a ticket is.
public enum TicketKind: String, StrictEnum {
    case feature, bug, chore, research, campaign
}

/// How urgent a ticket is; the watcher takes higher priorities first.
public enum Priority: String, StrictEnum, Comparable {
    case low, medium, high, urgent

    /// Rank for ordering: urgent is highest.
    public var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        case .urgent: 3
        }
    }

    /// Orders by urgency.
    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
}

/// The state a person wants a ticket in (the spec); what is actually happening is in `TicketStatus`.
public enum DesiredState: String, StrictEnum {
    case draft, ready, hold, cancelled
}

/// A ticket's spec, `ticket.yaml`: what people want. Written by people and by `mission` on their behalf.
public struct Ticket: Sendable, Hashable, Codable {
    /// The ticket id; must equal its folder's name.
    public var id: String
    /// One line saying what is wanted.
    public var title: String
    /// The kind of work.
    public var kind: TicketKind
    /// How urgent it is.
    public var priority: Priority
    /// The desired state.
    public var state: DesiredState
    /// The gate sequence from `workflows.yaml`; the board default when absent.
    public var workflow: String?
    /// Who steers (a person or controlling agent), not who executes.
    public var owner: String?
    /// The first role to execute.
    public var assignee: String?
    /// A runtime profile pinned for this ticket.
    public var profile: String?
    /// The campaign or parent ticket.
    public var parent: String?
    /// Tickets that must be done or cancelled before this one goes on.
    public var blockedBy: [String]
    /// Free labels.
    public var labels: [String]
    /// Host labels a runner must have to take this ticket (`gpu`, `macos`, `browser`): runners announce theirs.
    public var runsOn: [String]
    /// Expected check-in interval; overdue tickets are flagged.
    public var checkIn: Interval?
    /// When the ticket was created.
    public var created: Date?
    /// Acceptance criteria, checked at the gates.
    public var acceptance: [String]
    /// Free text for agents and people.
    public var description: String?

    /// The keys of `ticket.yaml`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, title, kind, priority, state, workflow, owner, assignee, profile, parent
        case blockedBy = "blocked_by", labels
        case runsOn = "runs_on"
        case checkIn = "check_in"
        case created, acceptance, description
    }

    /// A new ticket with the defaults a fresh `ticket.yaml` gets.
    public init(
        id: String, title: String, kind: TicketKind = .feature, priority: Priority = .medium,
        state: DesiredState = .draft, workflow: String? = nil, owner: String? = nil, assignee: String? = nil,
        profile: String? = nil, parent: String? = nil, blockedBy: [String] = [], labels: [String] = [],
        runsOn: [String] = [], checkIn: Interval? = nil, created: Date? = nil, acceptance: [String] = [], description: String? = nil
    ) {
        self.id = id
        self.title = title
        self.kind = kind
        self.priority = priority
        self.state = state
        self.workflow = workflow
        self.owner = owner
        self.assignee = assignee
        self.profile = profile
        self.parent = parent
        self.blockedBy = blockedBy
        self.labels = labels
        self.runsOn = runsOn
        self.checkIn = checkIn
        self.created = created
        self.acceptance = acceptance
        self.description = description
    }

    /// Decodes `ticket.yaml`; only `id` and `title` are required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        kind = try c.decodeIfPresent(TicketKind.self, forKey: .kind) ?? .feature
        priority = try c.decodeIfPresent(Priority.self, forKey: .priority) ?? .medium
        state = try c.decodeIfPresent(DesiredState.self, forKey: .state) ?? .draft
        workflow = try c.decodeIfPresent(String.self, forKey: .workflow)
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
        assignee = try c.decodeIfPresent(String.self, forKey: .assignee)
        profile = try c.decodeIfPresent(String.self, forKey: .profile)
        parent = try c.decodeIfPresent(String.self, forKey: .parent)
        blockedBy = try c.decodeIfPresent([String].self, forKey: .blockedBy) ?? []
        labels = try c.decodeIfPresent([String].self, forKey: .labels) ?? []
        runsOn = try c.decodeIfPresent([String].self, forKey: .runsOn) ?? []
        checkIn = try c.decodeIfPresent(Interval.self, forKey: .checkIn)
        created = try c.decodeIfPresent(Date.self, forKey: .created)
        acceptance = try c.decodeIfPresent([String].self, forKey: .acceptance) ?? []
        description = try c.decodeIfPresent(String.self, forKey: .description)
    }
}

extension Ticket {
    /// The text the ticket template offers where acceptance criteria go. It is a prompt to a person, never a
    /// criterion: a ticket that still holds it has no acceptance.
    public static let placeholderAcceptance = "Say what must be true when this is done."

    /// What `mission check` says about a criterion that is still the template's placeholder.
    public static let placeholderAcceptanceMessage = "acceptance still holds the template's placeholder"

    /// The acceptance criteria a person wrote: blank lines and the template's placeholder left out.
    public var writtenAcceptance: [String] { acceptance.filter(Self.isWritten) }

    /// Whether `criterion` holds words and is not the template's placeholder. Plain Swift, no Foundation: every
    /// listing asks this of every ticket, and NSString's trimming was a sixth of `list --ready`.
    private static func isWritten(_ criterion: String) -> Bool {
        let text = criterion.trimmedWhitespace
        return !text.isEmpty && text != placeholderAcceptance
    }

    /// The text the ticket template offers where the description goes: a prompt to a person, never the ticket's words.
    public static let placeholderDescription = "What is wanted, and why."

    /// The description a person wrote: nil when it is empty or still the template's placeholder.
    public var writtenDescription: String? {
        guard let text = description?.trimmedWhitespace, !text.isEmpty, text != Self.placeholderDescription else { return nil }
        return description
    }

    /// Whether the ticket says what must be true when it is done; without that no agent is given it.
    public var hasAcceptance: Bool { acceptance.contains(where: Self.isWritten) }
}

extension String {
    /// The string without leading and trailing white space (newlines included).
    public var trimmedWhitespace: Substring {
        var text = self[...]
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
