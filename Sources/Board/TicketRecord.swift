import Foundation
import Git

/// Where the cross-referencing fields of a ticket sit in its `ticket.yaml`, for errors found after decoding.
public struct SpecLocations: Sendable, Hashable, Codable {
    /// The `id` value.
    public var id: SourceLocation?
    /// The `workflow` value.
    public var workflow: SourceLocation?
    /// The `assignee` value.
    public var assignee: SourceLocation?
    /// The `profile` value.
    public var profile: SourceLocation?
    /// The `parent` value.
    public var parent: SourceLocation?
    /// Each `blocked_by` item.
    public var blockedBy: [SourceLocation] = []
    /// The `title` value.
    public var title: SourceLocation?

    /// Locations as given; all absent by default.
    public init(id: SourceLocation? = nil, workflow: SourceLocation? = nil, assignee: SourceLocation? = nil,
                profile: SourceLocation? = nil, parent: SourceLocation? = nil, blockedBy: [SourceLocation] = [],
                title: SourceLocation? = nil) {
        self.id = id
        self.workflow = workflow
        self.assignee = assignee
        self.profile = profile
        self.parent = parent
        self.blockedBy = blockedBy
        self.title = title
    }
}

/// One ticket as loaded from the board: its files, parsed where they parse, and what is wrong with them.
///
/// A value with copy-on-write storage: the identity fields sit inline and the parsed payload in a shared box,
/// so the arrays of ten thousand records that every load sorts, filters and copies stay cheap to move.
public struct TicketRecord: Sendable {
    /// The folder name, which is the ticket's id.
    public var id: String
    /// The folder's path from the repository root.
    public var folder: String
    /// Whether the ticket lives in the archive.
    public var archived: Bool
    /// The folder's tree id, when read from git.
    public var treeID: ObjectID?
    /// Whether the folder's files were read and parsed (false in a listing-only snapshot).
    public var isParsed: Bool = true

    // Read accessors yield (borrow) rather than return, so `record.spec?.priority` copies no Ticket.
    private var payload: Payload

    /// The spec, when `ticket.yaml` loaded.
    public var spec: Ticket? {
        _read { yield payload.spec }
        set { unique().spec = newValue }
    }
    /// Whether the spec loaded; asks without copying it.
    public var hasSpec: Bool {
        switch payload.spec {
        case .some: true
        case .none: false
        }
    }
    /// The status, when `status.yaml` exists and loaded.
    public var status: TicketStatus? {
        _read { yield payload.status }
        set { unique().status = newValue }
    }
    /// Evidence packet file names, in order.
    public var evidence: [String] {
        _read { yield payload.evidence }
        set { unique().evidence = newValue }
    }
    /// Note file names, in order.
    public var notes: [String] {
        _read { yield payload.notes }
        set { unique().notes = newValue }
    }
    /// Problems found in this ticket's own files.
    public var diagnostics: [Diagnostic] {
        _read { yield payload.diagnostics }
        set { unique().diagnostics = newValue }
    }
    /// Where cross-referencing fields sit, for later checks.
    public var locations: SpecLocations {
        _read { yield payload.locations }
        set { unique().locations = newValue }
    }

    /// A ticket whose spec did not load: it is shown as broken, never skipped.
    public var isBroken: Bool { isParsed && spec == nil }

    /// The spec file's path.
    public var specPath: String { "\(folder)/\(TicketFile.spec)" }
    /// The status file's path.
    public var statusPath: String { "\(folder)/\(TicketFile.status)" }

    /// Whether the ticket is finished for good: its status is done or cancelled, or a person cancelled it.
    public var isClosed: Bool {
        archived || (status?.status.isClosed ?? false) || spec?.state == .cancelled
    }

    /// A record of a folder that was listed but not read.
    init(unparsed entry: SourceEntry, archived: Bool) {
        id = entry.name
        folder = entry.path
        self.archived = archived
        treeID = entry.id
        isParsed = false
        payload = Payload.empty
    }

    /// A record of a folder.
    public init(id: String, folder: String, archived: Bool, treeID: ObjectID?, spec: Ticket?, status: TicketStatus?,
                evidence: [String], notes: [String], diagnostics: [Diagnostic], locations: SpecLocations) {
        self.id = id
        self.folder = folder
        self.archived = archived
        self.treeID = treeID
        payload = Payload(spec: spec, status: status, evidence: evidence, notes: notes, diagnostics: diagnostics,
                          locations: locations)
    }

    /// The payload, copied first when another record shares it.
    private mutating func unique() -> Payload {
        if !isKnownUniquelyReferenced(&payload) { payload = payload.copy() }
        return payload
    }

    /// The parsed part of a record. Mutated only through `unique()`, so a shared box is never written.
    private final class Payload: @unchecked Sendable {
        static let empty = Payload(spec: nil, status: nil, evidence: [], notes: [], diagnostics: [],
                                   locations: SpecLocations())

        var spec: Ticket?
        var status: TicketStatus?
        var evidence: [String]
        var notes: [String]
        var diagnostics: [Diagnostic]
        var locations: SpecLocations

        init(spec: Ticket?, status: TicketStatus?, evidence: [String], notes: [String], diagnostics: [Diagnostic],
             locations: SpecLocations) {
            self.spec = spec
            self.status = status
            self.evidence = evidence
            self.notes = notes
            self.diagnostics = diagnostics
            self.locations = locations
        }

        func copy() -> Payload {
            Payload(spec: spec, status: status, evidence: evidence, notes: notes, diagnostics: diagnostics,
                    locations: locations)
        }
    }
}
