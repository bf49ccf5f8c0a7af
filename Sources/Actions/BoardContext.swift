import Board
import Foundation
import Git

/// The repository and board an action works on. Every action is a method of it: it takes its inputs, reads the
/// board at the branch tip, makes its one commit (re-reading and re-applying when another writer lands first), and
/// returns what it did or throws an `ActionError` a person can act on. Not `Sendable`, as its repository is not:
/// a surface opens one per request, or keeps one on one task.
public struct BoardContext {
    public let repository: Repository
    public let store: BoardStore
    public var location: BoardLocation { store.location }

    public init(repository: Repository, store: BoardStore) {
        self.repository = repository
        self.store = store
    }

    /// Opens the repository around `path` (the working directory when nil) and finds its board: on `branch` and in
    /// `dir` when given, else as git config's mission.branch and mission.dir say, else the current branch and `board`.
    public static func open(repository path: String? = nil, branch: String? = nil, dir: String? = nil) throws -> BoardContext {
        let start = path ?? FileManager.default.currentDirectoryPath
        let repository: Repository
        do {
            repository = try Repository.discover(from: start)
        } catch {
            throw ActionError("not a git repository (or any parent up to /): \(start)\n  run 'mission init' in a git repository first")
        }
        let location = try resolveLocation(branch: branch, dir: dir, repository: repository)
        return BoardContext(repository: repository, store: BoardStore(repository: repository, location: location))
    }

    /// The board location from the arguments, then git config, then the current branch.
    public static func resolveLocation(branch: String?, dir: String?, repository: Repository) throws -> BoardLocation {
        let configuredBranch = try repository.configString("mission.branch")
        let configuredDir = try repository.configString("mission.dir")
        let resolved: String
        if let explicit = branch ?? configuredBranch {
            resolved = explicit
        } else if let head = try repository.headBranch() {
            resolved = head
        } else {
            throw ActionError("HEAD is detached: name the board's branch with --branch")
        }
        return BoardLocation(branch: resolved, directory: dir ?? configuredDir ?? "board")
    }

    /// The board at the branch tip with every ticket parsed; fails when there is no board yet.
    public func snapshot(includeArchived: Bool = false) throws -> BoardSnapshot {
        try requireBoard(try store.snapshot(.init(includeArchived: includeArchived)))
    }

    /// The configuration and id listing at the branch tip, with `ids` parsed; fails when there is no board yet.
    /// Cheap on any board size: actions that touch a few tickets use this.
    public func listing(parsing ids: [String] = []) throws -> BoardSnapshot {
        let snapshot = try requireBoard(try store.snapshot(.listing))
        return ids.isEmpty ? snapshot : try store.parsing(ids, in: snapshot)
    }

    private func requireBoard(_ snapshot: BoardSnapshot) throws -> BoardSnapshot {
        if snapshot.config.documents[.settings] == nil, snapshot.tickets.isEmpty, snapshot.archivedFolders.isEmpty {
            throw ActionError("no board in '\(location.directory)/' on branch \(location.branchName)\n  run 'mission init' to create one")
        }
        return snapshot
    }

    /// The ticket `id`, active or archived; fails with a hint when there is none.
    public func record(_ id: String, in snapshot: BoardSnapshot) throws -> TicketRecord {
        if let record = snapshot.ticket(id), record.isParsed { return record }
        if let record = try store.parsing([id], in: snapshot).ticket(id) { return record }
        throw Self.noTicket(id, in: snapshot)
    }

    /// The failure for an id that is not on the board, with the nearest id as a hint.
    public static func noTicket(_ id: String, in snapshot: BoardSnapshot) -> ActionError {
        let hint = Suggest.closest(to: id, in: Array(snapshot.allIDs)).map { "\n  did you mean \($0)?" } ?? ""
        return ActionError("no ticket \(id) on the board\(hint)")
    }

    /// The active ticket `id`; fails when there is none or it is archived (archived tickets do not change).
    public func activeRecord(_ id: String, in snapshot: BoardSnapshot) throws -> TicketRecord {
        if let record = snapshot.ticket(id), !record.archived { return record }
        if snapshot.archivedFolders[id] != nil {
            throw ActionError("\(id) is archived; archived tickets do not change")
        }
        throw Self.noTicket(id, in: snapshot)
    }

    /// The record's spec; fails for a broken one, listing what is wrong with it.
    public static func spec(of record: TicketRecord, in snapshot: BoardSnapshot) throws -> Ticket {
        guard let spec = record.spec else {
            throw ActionError("\(record.id) is broken; fix its spec first:\n  " +
                              snapshot.diagnostics(for: record.id).map(\.description).joined(separator: "\n  "))
        }
        return spec
    }

    /// Whether the board's branch is checked out in this repository's working tree.
    public var isCheckedOut: Bool {
        guard !repository.isBare, repository.workingDirectory != nil else { return false }
        return (try? repository.headBranch()) == location.branch
    }

    /// The committed bytes of a ticket's spec.
    public func specBytes(_ record: TicketRecord, in snapshot: BoardSnapshot) throws -> [UInt8] {
        guard let commit = snapshot.commit,
              let entry = try repository.entry(at: record.specPath, in: try repository.commit(commit).tree) else {
            throw ActionError("\(record.specPath) is not committed")
        }
        return try repository.blob(entry.id)
    }

    /// Fails when the working copy of `path` holds edits that are not committed, so that nothing a person
    /// typed is overwritten.
    public func requireNoUncommittedEdit(_ path: String, committed: [UInt8]) throws {
        guard isCheckedOut, let root = repository.workingDirectory else { return }
        let onDisk = FileManager.default.contents(atPath: "\(root)/\(path)").map { [UInt8]($0) }
        if let onDisk, onDisk != committed {
            throw ActionError("\(path) has uncommitted changes\n  commit them with git (the pre-commit hook checks them) or restore the file first")
        }
    }

    /// Sets top-level `key` of `record`'s spec to `value` (already YAML-quoted as needed) in place, keeping every
    /// other byte of the person's file, and commits it once the result validates against the board. Refuses when
    /// the checkout holds an uncommitted edit of the spec; `refusal` opens the message when the edited spec would
    /// not validate. When another writer commits first, the edit is re-applied to the spec as it is then.
    func commitSpecField(_ key: String, to value: String, of record: TicketRecord, in snapshot: BoardSnapshot,
                         message: String, trailers: [Trailer], refusal: String) throws -> BoardCommit {
        let id = record.id
        let committed = try specBytes(record, in: snapshot)
        try requireNoUncommittedEdit(record.specPath, committed: committed)
        return try store.commit(message: message, trailers: trailers, reusing: snapshot) { listing in
            let current = try store.parsing([id], in: listing)
            guard let now = current.ticket(id) else { throw ActionError("\(id) was removed meanwhile") }
            let bytes = try SpecEditor.set(key, to: value, in: try specBytes(now, in: current), file: now.specPath)
            let problems = current.checking(spec: bytes, id: id, folder: now.folder).filter { $0.severity == .error }
            if let first = problems.first {
                throw ActionError("\(refusal):\n  \(first)")
            }
            return [.write(path: now.specPath, bytes: bytes)]
        }
    }
}
