import Foundation
import Git

/// The whole board at one moment: configuration, tickets and everything wrong with them.
public struct BoardSnapshot: Sendable {
    /// Where the board lives.
    public var location: BoardLocation
    /// The commit read, when read from git.
    public var commit: ObjectID?
    /// The configuration files.
    public var config: BoardConfig
    /// Loaded tickets, active ones and any archived ones asked for, sorted by id.
    public var tickets: [TicketRecord]
    /// Every archived ticket's folder by id, loaded or not.
    public var archivedFolders: [String: String]
    /// Problems with the board's layout (stray files, bad folder names).
    public var layoutDiagnostics: [Diagnostic]
    /// Problems found across tickets and files (dangling references, cycles, unknown names), by ticket id.
    public var referenceDiagnostics: [String: [Diagnostic]]
    /// Problems in the configuration found across files.
    public var configReferenceDiagnostics: [Diagnostic]

    private var indexByID: [String: Int]
    /// Tickets in a dependency or parent cycle at the last validation, whose problems a partial one must redo.
    var cycleMembers: Set<String> = []
    /// Each ticket in a dependency cycle (`blocked_by` leading back to itself), with the loop: `A -> B -> A`.
    public internal(set) var dependencyCycles: [String: String] = [:]

    /// A snapshot of the given parts; builds the id index.
    public init(location: BoardLocation, commit: ObjectID?, config: BoardConfig, tickets: [TicketRecord],
                archivedFolders: [String: String], layoutDiagnostics: [Diagnostic]) {
        self.location = location
        self.commit = commit
        self.config = config
        // Listings from git and from disk come sorted already; sort only when they do not.
        let sorted = zip(tickets, tickets.dropFirst()).allSatisfy { $0.id < $1.id }
        self.tickets = sorted ? tickets : tickets.sorted { $0.id < $1.id }
        self.archivedFolders = archivedFolders
        self.layoutDiagnostics = layoutDiagnostics
        self.referenceDiagnostics = [:]
        self.configReferenceDiagnostics = []
        self.indexByID = [:]
        for (index, record) in self.tickets.enumerated() where indexByID[record.id] == nil {
            indexByID[record.id] = index
        }
    }

    /// The loaded ticket with this id.
    public func ticket(_ id: String) -> TicketRecord? {
        indexByID[id].map { tickets[$0] }
    }

    /// Whether a ticket with this id exists, active or archived.
    public func contains(_ id: String) -> Bool {
        indexByID[id] != nil || archivedFolders[id] != nil
    }

    /// Every id on the board, active and archived.
    public var allIDs: Set<String> {
        Set(tickets.map(\.id)).union(archivedFolders.keys)
    }

    /// Every problem with one ticket: its own files and its references.
    public func diagnostics(for id: String) -> [Diagnostic] {
        (ticket(id)?.diagnostics ?? []) + (referenceDiagnostics[id] ?? [])
    }

    /// Every problem on the board, in file order.
    public var allDiagnostics: [Diagnostic] {
        var all = config.diagnostics + configReferenceDiagnostics + layoutDiagnostics
        for record in tickets {
            all += record.diagnostics
            all += referenceDiagnostics[record.id] ?? []
        }
        return Diagnostic.sorted(all)
    }

    /// Whether any problem is an error (warnings do not count).
    public var hasErrors: Bool { allDiagnostics.contains { $0.severity == .error } }
}

extension BoardSnapshot {
    /// Adds `record`, or replaces the loaded ticket with its id.
    public mutating func upsert(_ record: TicketRecord) {
        if let index = indexByID[record.id] {
            tickets[index] = record
            return
        }
        var low = 0, high = tickets.count
        while low < high {
            let middle = (low + high) / 2
            if tickets[middle].id < record.id { low = middle + 1 } else { high = middle }
        }
        tickets.insert(record, at: low)
        for index in low..<tickets.count { indexByID[tickets[index].id] = index }
    }

    /// Removes the loaded ticket with this id, if there is one.
    public mutating func remove(_ id: String) {
        guard let index = indexByID[id] else { return }
        tickets.remove(at: index)
        indexByID[id] = nil
        for later in index..<tickets.count { indexByID[tickets[later].id] = later }
    }

    /// Runs the cross-file checks again after records changed: all of them, or, when the ids of the tickets
    /// that were added, changed or removed are given, only the checks whose answer can differ.
    public mutating func revalidate(changed: Set<String>? = nil) {
        BoardValidator.validate(&self, changed: changed)
    }

    /// Every problem the board would have with `bytes` as the ticket.yaml of ticket `id` in `folder`:
    /// its own errors and its references to the rest of the board. Used to refuse a bad spec before committing it.
    public func checking(spec bytes: [UInt8], id: String, folder: String) -> [Diagnostic] {
        let existing = ticket(id)
        var files = FolderFiles(id: id, folder: folder, archived: false, treeID: nil)
        files.spec = .success(bytes)
        var record = TicketParser.parse(files, limits: .init())
        record.status = existing?.status
        record.evidence = existing?.evidence ?? []
        record.notes = existing?.notes ?? []
        var copy = self
        copy.upsert(record)
        copy.revalidate()
        return copy.diagnostics(for: id)
    }
}
