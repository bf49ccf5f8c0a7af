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
public struct TicketRecord: Sendable {
    /// The folder name, which is the ticket's id.
    public var id: String
    /// The folder's path from the repository root.
    public var folder: String
    /// Whether the ticket lives in the archive.
    public var archived: Bool
    /// The folder's tree id, when read from git.
    public var treeID: ObjectID?
    /// The spec, when `ticket.yaml` loaded.
    public var spec: Ticket?
    /// The status, when `status.yaml` exists and loaded.
    public var status: TicketStatus?
    /// Evidence packet file names, in order.
    public var evidence: [String]
    /// Note file names, in order.
    public var notes: [String]
    /// Problems found in this ticket's own files.
    public var diagnostics: [Diagnostic]
    /// Where cross-referencing fields sit, for later checks.
    public var locations: SpecLocations

    /// Whether the folder's files were read and parsed (false in a listing-only snapshot).
    public var isParsed: Bool = true

    /// A ticket whose spec did not load: it is shown as broken, never skipped.
    public var isBroken: Bool { isParsed && spec == nil }

    /// A record of a folder that was listed but not read.
    init(unparsed entry: SourceEntry, archived: Bool) {
        self.init(id: entry.name, folder: entry.path, archived: archived, treeID: entry.id, spec: nil, status: nil,
                  evidence: [], notes: [], diagnostics: [], locations: SpecLocations())
        isParsed = false
    }

    /// A record of a folder.
    public init(id: String, folder: String, archived: Bool, treeID: ObjectID?, spec: Ticket?, status: TicketStatus?,
         evidence: [String], notes: [String], diagnostics: [Diagnostic], locations: SpecLocations) {
        self.id = id
        self.folder = folder
        self.archived = archived
        self.treeID = treeID
        self.spec = spec
        self.status = status
        self.evidence = evidence
        self.notes = notes
        self.diagnostics = diagnostics
        self.locations = locations
    }

    /// The spec file's path.
    public var specPath: String { "\(folder)/\(TicketFile.spec)" }
    /// The status file's path.
    public var statusPath: String { "\(folder)/\(TicketFile.status)" }

    /// Whether the ticket is finished for good: its status is done or cancelled, or a person cancelled it.
    public var isClosed: Bool {
        archived || (status?.status.isClosed ?? false) || spec?.state == .cancelled
    }
}
