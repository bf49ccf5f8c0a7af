import Board
import Foundation
import Git

/// What a new ticket says, before it has an id.
public struct NewTicket: Equatable {
    public var title: String
    public var kind: TicketKind = .feature
    public var priority: Priority = .medium
    public var state: DesiredState = .draft
    public var workflow: String?
    public var owner: String?
    public var assignee: String?
    public var labels: [String] = []
    public var blockedBy: [String] = []
    public var parent: String?
    public var acceptance: [String] = []

    public init(title: String) { self.title = title }
}

/// A spec about to be committed (a new ticket, or an edit of one), with the board it is checked against. A person
/// may change `bytes` in an editor first; `problems` says what is wrong with what they saved.
public struct SpecDraft {
    public let id: String
    /// The spec's path in the repository.
    public let path: String
    /// The ticket's folder.
    public let folder: String
    /// The bytes to start from: the rendered template, or the committed spec.
    public let bytes: [UInt8]
    /// The board the draft was made from.
    public let snapshot: BoardSnapshot
    let title: String?
    let kind: TicketKind?

    /// What is wrong with `candidate` as this spec, worst first as the validator reports it. A criterion still
    /// holding the template's placeholder is an error: a saved spec must say what is wanted, not what the template
    /// asked for.
    public func problems(_ candidate: [UInt8]) -> [Diagnostic] {
        snapshot.checking(spec: candidate, id: id, folder: folder).map { problem in
            guard problem.message == Ticket.placeholderAcceptanceMessage else { return problem }
            var refused = problem
            refused.severity = .error
            refused.hint = "replace it with what must be true when this is done, or delete the line"
            return refused
        }
    }

    /// The errors among `problems`, as one failure; nil when there are none.
    func refusal(_ candidate: [UInt8], opening: String) -> ActionError? {
        let errors = problems(candidate).filter { $0.severity == .error }
        guard !errors.isEmpty else { return nil }
        return ActionError("\(opening):\n  " + errors.map(\.description).joined(separator: "\n  "))
    }
}

/// A ticket created, or a spec edited.
public struct SpecResult: Encodable, Equatable {
    public let id: String
    public let path: String
    public let commit: String
    /// Whether the spec has acceptance criteria; without them no agent starts the ticket.
    public let hasAcceptance: Bool

    private enum CodingKeys: String, CodingKey { case id, path, commit }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(path, forKey: .path)
        try c.encode(commit, forKey: .commit)
    }
}

extension BoardContext {
    /// A new ticket's spec, rendered from the board's template under a fresh id. With `placeholders`, a ticket with
    /// no acceptance criteria and no description gets the template's placeholders, to show a person in an editor
    /// where they go (a placeholder criterion is refused on saving; a placeholder description reaches no agent).
    public func draft(_ ticket: NewTicket, placeholders: Bool = false) throws -> SpecDraft {
        let snapshot = try listing()
        let settings = snapshot.config.settings
        let id = TicketID.mint(prefix: settings.prefix, existing: snapshot.allIDs, minimumLength: settings.idLength)
        let spec = Ticket(
            id: id, title: ticket.title, kind: ticket.kind, priority: ticket.priority, state: ticket.state,
            workflow: ticket.workflow, owner: ticket.owner, assignee: ticket.assignee, parent: ticket.parent,
            blockedBy: ticket.blockedBy, labels: ticket.labels,
            created: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
            acceptance: ticket.acceptance.isEmpty && placeholders ? [Ticket.placeholderAcceptance] : ticket.acceptance,
            description: placeholders ? Ticket.placeholderDescription + "\n" : nil)
        guard let tip = snapshot.commit else { throw ActionError("the board has no commits") }
        let template = TicketTemplate.text(in: snapshot, source: TreeSource(repository: repository, root: try repository.commit(tip).tree))
        let folder = location.ticketFolder(id)
        return SpecDraft(id: id, path: "\(folder)/\(TicketFile.spec)", folder: folder,
                         bytes: Array(TicketTemplate.render(template, ticket: spec).utf8), snapshot: snapshot,
                         title: ticket.title, kind: ticket.kind)
    }

    /// Creates a ticket: `ticket` rendered from the template and committed once it validates.
    public func create(_ ticket: NewTicket) throws -> SpecResult {
        let draft = try draft(ticket)
        return try create(draft, bytes: draft.bytes)
    }

    /// Commits `bytes` as the new ticket `draft` names, once they validate.
    public func create(_ draft: SpecDraft, bytes: [UInt8]) throws -> SpecResult {
        if let refusal = draft.refusal(bytes, opening: "the new ticket does not validate") { throw refusal }
        let id = draft.id
        let kind = draft.kind.map { "new \($0.rawValue)" } ?? "new ticket"
        let result = try store.commit(
            message: "\(id): \(kind): \(draft.title ?? id)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "new")],
            reusing: draft.snapshot
        ) { current in
            if current.contains(id) { throw ActionError("\(id) was created meanwhile by someone else; run the command again") }
            return [.write(path: draft.path, bytes: bytes)]
        }
        return SpecResult(id: id, path: draft.path, commit: result.id.hex, hasAcceptance: Self.hasAcceptance(bytes, path: draft.path))
    }

    /// Ticket `id`'s committed spec, to edit; fails when the checkout holds an uncommitted edit of it.
    public func editDraft(_ id: String) throws -> SpecDraft {
        let snapshot = try self.snapshot()
        let record = try activeRecord(id, in: snapshot)
        let committed = try specBytes(record, in: snapshot)
        try requireNoUncommittedEdit(record.specPath, committed: committed)
        return SpecDraft(id: id, path: record.specPath, folder: record.folder, bytes: committed, snapshot: snapshot,
                         title: nil, kind: nil)
    }

    /// Commits `bytes` as ticket `draft.id`'s spec once they validate; fails when the spec changed on the branch
    /// since the draft was made, so that nobody's edit is lost.
    public func commitEdit(_ draft: SpecDraft, bytes: [UInt8]) throws -> SpecResult {
        let id = draft.id
        if let refusal = draft.refusal(bytes, opening: "\(id) does not validate; nothing was committed") { throw refusal }
        let result = try store.commit(
            message: "\(id): edit spec", trailers: [Trailer(key: "Mission-Ticket", value: id),
                                                    Trailer(key: "Mission-Action", value: "edit")],
            reusing: draft.snapshot
        ) { current in
            guard let now = current.ticket(id) else { throw ActionError("\(id) was removed meanwhile") }
            if try specBytes(now, in: current) != draft.bytes {
                throw ActionError("\(id) changed on \(location.branchName) while you edited; run 'mission edit \(id)' again")
            }
            return [.write(path: draft.path, bytes: bytes)]
        }
        return SpecResult(id: id, path: draft.path, commit: result.id.hex, hasAcceptance: Self.hasAcceptance(bytes, path: draft.path))
    }

    private static func hasAcceptance(_ bytes: [UInt8], path: String) -> Bool {
        (try? YAMLDocument.parse(bytes, file: path).decode(Ticket.self))?.hasAcceptance ?? true
    }
}
