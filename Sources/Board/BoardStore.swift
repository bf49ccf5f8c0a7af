import Foundation
import Git

/// A change to one file of the board.
public enum FileChange: Sendable, Hashable {
    /// Write these bytes at the path (repository-relative).
    case write(path: String, bytes: [UInt8])
    /// Copy an existing blob to the path (moves keep their blob).
    case copy(path: String, blob: ObjectID)
    /// Remove the file at the path.
    case remove(path: String)
}

/// The result of a board commit.
public struct BoardCommit: Sendable {
    /// The new commit.
    public let id: ObjectID
    /// The commit it was made on.
    public let parent: ObjectID?
    /// Attempts it took (more than one when another writer won a race).
    public let attempts: Int
    /// Whether a commit was made; false when there was nothing to change (`id` is then the branch's tip).
    public var committed: Bool { id != parent }
}

/// Where a board's commits must land before they count: the hub that runners share (see `Watcher.Hub`).
public protocol BoardUpstream: AnyObject {
    /// Makes `reference` point at `new` upstream, where it must still point at `old` (nil: not exist); `new`
    /// descends from `old`. When the upstream moved on, brings the local references up to it (so the next read
    /// sees what won) and throws `.referenceMoved`; any other refusal throws its own error.
    func publish(_ reference: String, from old: ObjectID?, to new: ObjectID) throws(GitError)
}

/// Reads and writes a board on its branch. Every write is a commit made from trees (never from the working
/// tree) and moved onto the branch with compare-and-swap; in a checkout of that branch the index and working
/// files follow. Confine to one thread: it holds the repository.
public final class BoardStore {
    /// The repository.
    public let repository: Repository
    /// Where the board is.
    public let location: BoardLocation
    /// Where parsed tickets are kept between runs, or nil for none.
    public let cacheFile: String?
    private var loadedCache: TicketCache?
    private var savedStores = 0
    /// Where every commit goes first, when the board is a clone of a hub's; nil for a board that is its own.
    /// A commit counts once the upstream took it: the local branch moves only after that.
    public var upstream: (any BoardUpstream)?

    /// Parsed tickets by folder tree, shared by every load of this store; read from `cacheFile` on first use.
    public var cache: TicketCache {
        if let loadedCache { return loadedCache }
        let cache = cacheFile.map(TicketCache.load(from:)) ?? TicketCache()
        loadedCache = cache
        return cache
    }

    /// A store over `location` in `repository`, with an in-memory `cache`, or, when none is given, one kept
    /// between runs in the repository's git folder (derived and disposable: deleting it costs only speed).
    public init(repository: Repository, location: BoardLocation, cache: TicketCache? = nil) {
        self.repository = repository
        self.location = location
        self.loadedCache = cache
        self.cacheFile = cache == nil ? "\(repository.gitDirectory)/mission/tickets.cache" : nil
    }

    /// The branch's commit, or nil when the branch has no commits yet.
    public func tip() throws(GitError) -> ObjectID? {
        try repository.referenceTarget(location.branch)
    }

    /// The board at the branch's tip (empty when the branch has no commits).
    public func snapshot(_ options: BoardLoader.Options = .init()) throws(GitError) -> BoardSnapshot {
        guard let tip = try tip() else {
            let empty = try repository.emptyTree()
            return BoardLoader.load(from: TreeSource(repository: repository, root: empty), location: location,
                                    options: options)
        }
        guard options.parseTickets else {
            return try BoardLoader.load(repository: repository, commit: tip, location: location, options: options)
        }
        let cache = self.cache
        let snapshot = try BoardLoader.load(repository: repository, commit: tip, location: location, options: options,
                                            cache: cache)
        if let cacheFile, cache.storedSinceLoad > savedStores {
            TicketCache.save(snapshot.tickets, to: cacheFile)
            savedStores = cache.storedSinceLoad
        }
        return snapshot
    }

    /// The board at the branch's tip, brought forward from `previous`, a full snapshot (tickets parsed, archive
    /// not loaded) of an earlier commit: the trees are compared level by level and only the ticket folders that
    /// changed are read again, so the cost follows what changed, not the size of the board. A change to anything
    /// but ticket folders (configuration, the archive, stray files) reads the whole board, from the cache.
    public func refreshed(_ previous: BoardSnapshot) throws(GitError) -> BoardSnapshot {
        guard let tip = try tip(), let old = previous.commit else { return try snapshot() }
        if tip == old { return previous }
        let newRoot = try repository.commit(tip).tree
        guard let changes = try BoardLoader.changedTicketFolders(repository: repository, from: try repository.commit(old).tree,
                                                                 to: newRoot, location: location, removals: true) else {
            return try snapshot()
        }
        var result = previous
        result.commit = tip
        let source = TreeSource(repository: repository, root: newRoot)
        // References depend only on specs and on which tickets exist: a change to status, evidence or notes
        // (most of what the watcher commits) needs no checking again.
        var respecified: Set<String> = []
        for change in changes {
            guard let id = change.new else {
                result.remove(change.name)
                respecified.insert(change.name)
                continue
            }
            let folder = SourceEntry(name: change.name, path: location.ticketFolder(change.name), kind: .folder, id: id)
            let record = BoardLoader.loadTicket(folder: folder, archived: false, from: source, cache: cache)
            if result.ticket(change.name).map({ $0.spec != record.spec || $0.locations != record.locations }) ?? true {
                respecified.insert(change.name)
            }
            result.upsert(record)
        }
        if !respecified.isEmpty { result.revalidate(changed: respecified) }
        return result
    }

    /// `snapshot` with the tickets `ids` read and parsed (when they exist and are not yet), and the
    /// cross-file checks run again, so their references and diagnostics are complete.
    public func parsing(_ ids: [String], in snapshot: BoardSnapshot) throws(GitError) -> BoardSnapshot {
        let root = if let commit = snapshot.commit { try repository.commit(commit).tree } else { try repository.emptyTree() }
        // Only a cache already in memory: reading the cache file to parse one ticket would cost more than it saves.
        var result = snapshot
        if BoardLoader.parse(ids, in: &result, from: TreeSource(repository: repository, root: root), cache: loadedCache) {
            result.revalidate()
        }
        return result
    }

    /// Moves `reference` from `old` to `new`: upstream first when there is one, then here. A local reference that
    /// a fetch already moved past `old` is left as it is (the upstream's is what counts); with no upstream this is
    /// a plain compare-and-swap. Throws `.referenceMoved` when the race was lost.
    public func advance(_ reference: String, from old: ObjectID?, to new: ObjectID, logMessage: String) throws(GitError) {
        guard let upstream else {
            try repository.updateReference(reference, to: new, expecting: old, logMessage: logMessage)
            return
        }
        try upstream.publish(reference, from: old, to: new)
        do {
            try repository.updateReference(reference, to: new, expecting: old, logMessage: logMessage)
        } catch where error.code == .referenceMoved {
            // Another process on this clone fetched the upstream's tip (ours, or a later one) first: nothing to do.
        }
    }

    /// Who this store's commits are by when it is not the person running the command: a runner's identity.
    public var signer: CommitIdentity?

    /// Commits `files` (paths and contents) on the side ref `reference` (transcripts, artifacts), outside the
    /// board's branch so they never bloat it; with compare-and-swap, read again when another writer moved it.
    /// Returns each file's blob id, in order.
    @discardableResult
    public func storeOnSideRef(_ files: [(path: String, bytes: [UInt8])], reference: String,
                               message: String) throws(GitError) -> [ObjectID] {
        let blobs = try files.map { (file) throws(GitError) in try repository.writeBlob(file.bytes) }
        guard !files.isEmpty else { return [] }
        for attempt in 1...8 {
            let parent = try repository.referenceTarget(reference)
            let base = try parent.map { (commit) throws(GitError) in try repository.commit(commit).tree }
            let tree = try repository.updateTree(base, applying: zip(files, blobs).map { .write(path: $0.0.path, blob: $0.1) })
            let signature = try identity()
            let commit = try repository.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: signature,
                                                     committer: signature, message: message.hasSuffix("\n") ? message : message + "\n")
            do {
                try repository.updateReference(reference, to: commit, expecting: parent, logMessage: "mission: \(message)")
                return blobs
            } catch {
                guard error.code == .referenceMoved, attempt < 8 else { throw error }  // lost a race: read again
            }
        }
        return blobs
    }

    /// The identity that signs commits: the `signer` when set (a runner), else `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL`
    /// when set, else git config.
    public func identity(at date: Date = Date()) throws(GitError) -> Signature {
        if let signer { return signer.signature(at: date) }
        let environment = ProcessInfo.processInfo.environment
        if let name = environment["GIT_AUTHOR_NAME"], let email = environment["GIT_AUTHOR_EMAIL"] {
            return Signature(name: name, email: email, date: date,
                             timeZoneOffsetMinutes: TimeZone.current.secondsFromGMT(for: date) / 60)
        }
        return try repository.defaultSignature(at: date)
    }

    /// Commits the changes `make` computes from the current board, with compare-and-swap on the branch.
    /// When another writer moves the branch first, the board is read again and `make` runs again, so the
    /// change is re-applied to what is there now. `make` may throw to give up.
    @discardableResult
    /// `reusing` is a snapshot the caller already loaded: the first attempt uses it when the branch has not
    /// moved since, which saves reading the board twice.
    public func commit(message: String, trailers: [Trailer] = [], loading options: BoardLoader.Options = .listing,
                       reusing loaded: BoardSnapshot? = nil, maxAttempts: Int = 8,
                       _ make: (BoardSnapshot) throws -> [FileChange]) throws -> BoardCommit {
        let signature = try identity()
        var attempt = 0
        while true {
            attempt += 1
            let parent = try tip()
            let snapshot = if attempt == 1, let loaded, loaded.commit == parent { loaded } else { try snapshot(options) }
            let changes = try make(snapshot)
            // Nothing to change (a lost claim, a status already so): no empty commit in the history.
            if changes.isEmpty, let parent { return BoardCommit(id: parent, parent: parent, attempts: attempt) }
            var baseTree: ObjectID?
            if let parent { baseTree = try repository.commit(parent).tree }
            var edits: [TreeEdit] = []
            for change in changes {
                switch change {
                case .write(let path, let bytes):
                    edits.append(.write(path: path, blob: try repository.writeBlob(bytes)))
                case .copy(let path, let blob):
                    edits.append(.write(path: path, blob: blob))
                case .remove(let path):
                    edits.append(.remove(path: path))
                }
            }
            let tree = try repository.updateTree(baseTree, applying: edits)
            let text = CommitMessage.compose(message, trailers: trailers)
            let id = try repository.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: signature,
                                                 committer: signature, message: text)
            do {
                let logMessage = "mission: \(message.split(separator: "\n").first ?? "")"
                if upstream != nil {
                    try advance(location.branch, from: parent, to: id, logMessage: logMessage)
                } else {
                    try repository.advanceBranch(location.branch, from: parent, to: id, logMessage: logMessage)
                }
                return BoardCommit(id: id, parent: parent, attempts: attempt)
            } catch {
                // Someone else committed first: read again and re-apply. Runners racing on a hub back off a
                // little, at random, so that the same ones do not collide again at once.
                guard error.code == .referenceMoved, attempt < (upstream == nil ? maxAttempts : 4 * maxAttempts) else { throw error }
                if upstream != nil { usleep(useconds_t.random(in: 0...UInt32(min(attempt, 10) * 10_000))) }
            }
        }
    }
}

/// A name and an email, as a commit carries them.
public struct CommitIdentity: Sendable, Hashable, Decodable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// The signature at `date`, in this host's time zone.
    public func signature(at date: Date = Date()) -> Signature {
        Signature(name: name, email: email, date: date, timeZoneOffsetMinutes: TimeZone.current.secondsFromGMT(for: date) / 60)
    }

    /// A runner's identity when its host names none: `mission runner NAME <NAME@mission.invalid>` (`.invalid` is
    /// never a real domain: the address says who, and reaches nobody).
    public static func runner(_ name: String) -> CommitIdentity {
        CommitIdentity(name: "mission runner \(name)", email: "\(name)@mission.invalid")
    }

    /// The identity an agent's commits carry when this runner starts it on `profile`: its profile's name, by way
    /// of the runner, at the runner's address with `+profile` (`ops+claude@example.com`).
    public func agent(profile: String) -> CommitIdentity {
        let at = email.lastIndex(of: "@")
        let address = at.map { "\(email[..<$0])+\(profile)\(email[$0...])" } ?? "\(email)+\(profile)"
        return CommitIdentity(name: "\(profile) agent (via \(name))", email: address)
    }
}

/// Commit messages with trailers.
public enum CommitMessage {
    /// `subject` (and body), a blank line, then `Key: value` trailers.
    public static func compose(_ message: String, trailers: [Trailer]) -> String {
        var text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trailers.isEmpty {
            text += "\n\n" + trailers.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        }
        return text + "\n"
    }
}
