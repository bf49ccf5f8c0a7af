import Dispatch
import Foundation
import Git

/// Loads board snapshots.
public enum BoardLoader {
    /// What to load besides the active tickets.
    public struct Options: Sendable {
        /// Parse archived tickets too (their ids are always listed).
        public var includeArchived: Bool = false
        /// Parse tickets at all; when false only the configuration and the id listing load (for writes that
        /// need to know which ids exist but not what every ticket says).
        public var parseTickets: Bool = true
        /// Size and depth limits for every file.
        public var limits: YAMLLimits = .init()
        /// Options with defaults.
        public init(includeArchived: Bool = false, parseTickets: Bool = true) {
            self.includeArchived = includeArchived
            self.parseTickets = parseTickets
        }

        /// Configuration and the id listing only.
        public static let listing = Options(parseTickets: false)
    }

    /// Loads the board at `location` from the tree of `commit` (the watcher's view).
    public static func load(repository: Repository, commit: ObjectID, location: BoardLocation,
                            options: Options = .init(), cache: TicketCache? = nil) throws(GitError) -> BoardSnapshot {
        let tree = try repository.commit(commit).tree
        var snapshot = load(from: TreeSource(repository: repository, root: tree), location: location,
                            options: options, cache: cache)
        snapshot.commit = commit
        return snapshot
    }

    /// Loads the board at `location` from `source`. Never throws: whatever cannot be read is a diagnostic.
    public static func load(from source: some BoardSource, location: BoardLocation,
                            options: Options = .init(), cache: TicketCache? = nil) -> BoardSnapshot {
        let config = BoardConfig.load(from: source, location: location, limits: options.limits)
        var layout: [Diagnostic] = []
        var folders: [(entry: SourceEntry, archived: Bool)] = []

        // Board folder: only known files and folders.
        let known = Set(BoardFile.allCases.map(\.rawValue) + ["tickets", "archive", "templates", "schemas"])
        for entry in (try? source.entries(in: location.directory)) ?? [] where !known.contains(entry.name) {
            layout.append(Diagnostic("unexpected \(entry.kind == .folder ? "folder" : "file") in the board; mission ignores it",
                                     at: SourceLocation(file: entry.path, line: 1, column: 1), severity: .warning))
        }

        do {
            for entry in try source.entries(in: location.ticketsFolder) ?? [] {
                if entry.kind == .folder {
                    folders.append((entry, false))
                } else {
                    layout.append(Diagnostic(
                        "unexpected file in tickets/: every ticket is a folder holding a ticket.yaml",
                        at: SourceLocation(file: entry.path, line: 1, column: 1)))
                }
            }
        } catch {
            layout.append(Diagnostic("cannot read tickets/: \(error)",
                                     at: SourceLocation(file: location.ticketsFolder, line: 1, column: 1)))
        }

        // Archive: archive/YYYY/MM/ID. Ids are always listed (from the cache while the archive's tree is the
        // same: it changes rarely and may hold most of the board); tickets are parsed only when asked.
        var archived: [String: String] = [:]
        var archivedEntries: [SourceEntry] = []
        let archiveTree = (try? source.entry(at: location.archiveFolder))??.id
        if let archiveTree, let listed = cache?.archiveListing(for: archiveTree) {
            archived = listed.folders
            archivedEntries = listed.entries
            layout += listed.diagnostics
        } else {
            var archiveDiagnostics: [Diagnostic] = []
            for entry in archiveFolders(source, location: location, diagnostics: &archiveDiagnostics) {
                if let earlier = archived[entry.name] {
                    archiveDiagnostics.append(Diagnostic("ticket \(entry.name) is archived twice (also at \(earlier))",
                                                         at: SourceLocation(file: entry.path, line: 1, column: 1)))
                }
                archived[entry.name] = entry.path
                archivedEntries.append(entry)
            }
            layout += archiveDiagnostics
            if let archiveTree {
                cache?.storeArchiveListing(archived, entries: archivedEntries, diagnostics: archiveDiagnostics, tree: archiveTree)
            }
        }
        if options.includeArchived { folders += archivedEntries.map { ($0, true) } }

        let records = options.parseTickets
            ? loadTickets(folders, from: source, limits: options.limits, cache: cache)
            : folders.map { TicketRecord(unparsed: $0.entry, archived: $0.archived) }
        var snapshot = BoardSnapshot(location: location, commit: nil, config: config, tickets: records,
                                     archivedFolders: archived, layoutDiagnostics: layout)
        BoardValidator.validate(&snapshot)
        return snapshot
    }

    /// Reads and parses one ticket folder.
    public static func loadTicket(folder: SourceEntry, archived: Bool, from source: some BoardSource,
                                  limits: YAMLLimits = .init(), cache: TicketCache? = nil) -> TicketRecord {
        loadTickets([(folder, archived)], from: source, limits: limits, cache: cache)[0]
    }

    /// The ticket folders that differ between the boards of two root trees, when nothing else does: no
    /// configuration, archive or stray file changed (and, unless `removals`, no ticket folder was removed). Nil
    /// when something else changed; then only a whole load tells what the change means.
    public static func changedTicketFolders(repository: Repository, from oldRoot: ObjectID, to newRoot: ObjectID,
                                            location: BoardLocation, removals: Bool) throws(GitError) -> [EntryChange]? {
        let oldBoard = try repository.entry(at: location.directory, in: oldRoot)?.id
        let newBoard = try repository.entry(at: location.directory, in: newRoot)?.id
        let top = try repository.changedEntries(from: oldBoard, to: newBoard)
        guard top.allSatisfy({ $0.name == "tickets" && $0.oldKind == .tree && $0.newKind == .tree }) else { return nil }
        guard let tickets = top.first else { return [] }
        let changes = try repository.changedEntries(from: tickets.old, to: tickets.new)
        // A stray file in tickets/ or a folder turned file: the whole load reports it.
        guard changes.allSatisfy({ ($0.oldKind ?? .tree) == .tree && ($0.newKind ?? .tree) == .tree }),
              removals || changes.allSatisfy({ $0.new != nil }) else { return nil }
        return changes
    }

    /// The board of `root` as a listing with only the tickets `ids` parsed, and the tickets they name as blocker
    /// or parent, transitively (every edge a new cycle could run through), then checked across files. What a
    /// change to those tickets alone can break shows in their diagnostics; the rest of the board is not read.
    public static func loadChanged(_ ids: [String], repository: Repository, root: ObjectID, location: BoardLocation,
                                   cache: TicketCache?) -> BoardSnapshot {
        let source = TreeSource(repository: repository, root: root)
        var snapshot = load(from: source, location: location, options: .listing)
        var wanted = ids
        var seen = Set(ids)
        while !wanted.isEmpty {
            parse(wanted, in: &snapshot, from: source, cache: cache)
            wanted = wanted.flatMap { id in
                snapshot.ticket(id).map { ($0.spec?.blockedBy ?? []) + [$0.spec?.parent].compactMap { $0 } } ?? []
            }.filter { seen.insert($0).inserted }
        }
        snapshot.revalidate()
        return snapshot
    }

    /// Reads and parses the tickets `ids` of `snapshot` that exist and are not parsed yet; true when any was. The
    /// cross-file checks are not run again: the caller does that once, after the last of its reads.
    @discardableResult
    public static func parse(_ ids: [String], in snapshot: inout BoardSnapshot, from source: some BoardSource,
                             cache: TicketCache?) -> Bool {
        var changed = false
        for id in ids {
            let existing = snapshot.ticket(id)
            if existing?.isParsed == true { continue }
            let folder = existing?.folder ?? snapshot.archivedFolders[id]
            guard let folder, let entry = try? source.entry(at: folder), entry.kind == .folder else { continue }
            snapshot.upsert(loadTicket(folder: entry, archived: existing?.archived ?? true, from: source, cache: cache))
            changed = true
        }
        return changed
    }

    private static func archiveFolders(_ source: some BoardSource, location: BoardLocation,
                                       diagnostics: inout [Diagnostic]) -> [SourceEntry] {
        var result: [SourceEntry] = []
        for year in (try? source.entries(in: location.archiveFolder)) ?? [] {
            guard year.kind == .folder, Int(year.name) != nil, year.name.count == 4 else {
                diagnostics.append(Diagnostic("unexpected entry in archive/: expected YYYY/MM/ID folders",
                                              at: SourceLocation(file: year.path, line: 1, column: 1), severity: .warning))
                continue
            }
            for month in (try? source.entries(of: year)) ?? [] {
                guard month.kind == .folder, month.name.count == 2, let number = Int(month.name), (1...12).contains(number) else {
                    diagnostics.append(Diagnostic("unexpected entry in archive/\(year.name)/: expected MM folders",
                                                  at: SourceLocation(file: month.path, line: 1, column: 1), severity: .warning))
                    continue
                }
                result += ((try? source.entries(of: month)) ?? []).filter { $0.kind == .folder }
            }
        }
        return result
    }

    /// Reads every folder's files serially (the repository is confined to this thread), then parses in parallel.
    private static func loadTickets(_ folders: [(entry: SourceEntry, archived: Bool)], from source: some BoardSource,
                                    limits: YAMLLimits, cache: TicketCache?) -> [TicketRecord] {
        var results = [TicketRecord?](repeating: nil, count: folders.count)
        var pending: [(index: Int, files: FolderFiles)] = []
        for (index, folder) in folders.enumerated() {
            if let tree = folder.entry.id, var cached = cache?.record(for: tree) {
                cached.folder = folder.entry.path
                cached.archived = folder.archived
                results[index] = cached
                continue
            }
            pending.append((index, FolderFiles.read(folder.entry, archived: folder.archived, from: source, limits: limits)))
        }
        let parsed = UnsafeResults(count: pending.count)
        let inputs = pending.map(\.files)
        let workers = min(max(1, ProcessInfo.processInfo.activeProcessorCount), max(1, inputs.count / 64))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < inputs.count {
                parsed.set(index, TicketParser.parse(inputs[index], limits: limits))
                index += workers
            }
        }
        for (slot, item) in pending.enumerated() {
            let record = parsed.get(slot)
            cache?.store(record)
            results[item.index] = record
        }
        return results.compactMap { $0 }
    }
}

/// A fixed-size result buffer written by disjoint indices from concurrent workers.
private final class UnsafeResults: @unchecked Sendable {
    private var storage: [TicketRecord?]
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ record: TicketRecord) { storage.withUnsafeMutableBufferPointer { $0[index] = record } }
    func get(_ index: Int) -> TicketRecord { storage[index]! }
}

/// The raw files of one ticket folder, read but not parsed.
struct FolderFiles: Sendable {
    var id: String
    var folder: String
    var archived: Bool
    var treeID: ObjectID?
    var spec: Result<[UInt8], Diagnostic>?
    var status: Result<[UInt8], Diagnostic>?
    var evidence: [String] = []
    var notes: [String] = []
    var diagnostics: [Diagnostic] = []

    /// Reads the folder's listing and its two YAML files; never throws.
    static func read(_ entry: SourceEntry, archived: Bool, from source: some BoardSource, limits: YAMLLimits) -> FolderFiles {
        var files = FolderFiles(id: entry.name, folder: entry.path, archived: archived, treeID: entry.id)
        let entries: [SourceEntry]
        do {
            entries = try source.entries(of: entry)
        } catch {
            files.diagnostics.append(Diagnostic("cannot read the ticket folder: \(error)",
                                                at: SourceLocation(file: entry.path, line: 1, column: 1)))
            return files
        }
        for item in entries {
            let at = SourceLocation(file: item.path, line: 1, column: 1)
            switch (item.name, item.kind) {
            case (TicketFile.spec, .file):
                files.spec = readBytes(item, from: source, limits: limits)
            case (TicketFile.status, .file):
                files.status = readBytes(item, from: source, limits: limits)
            case (TicketFile.evidence, .folder):
                for packet in (try? source.entries(of: item)) ?? [] {
                    if packet.kind == .file, BoardNames.isEvidenceName(packet.name) {
                        files.evidence.append(packet.name)
                    } else {
                        files.diagnostics.append(Diagnostic(
                            "unexpected file in evidence/: packets are named NNNN-gate.yaml", at: SourceLocation(
                                file: packet.path, line: 1, column: 1), severity: .warning))
                    }
                }
            case (TicketFile.notes, .folder):
                for note in (try? source.entries(of: item)) ?? [] {
                    if note.kind == .file, BoardNames.isNoteName(note.name) {
                        files.notes.append(note.name)
                    } else {
                        files.diagnostics.append(Diagnostic(
                            "unexpected file in notes/: notes are named YYYYMMDDTHHMMSSZ-author.md", at: SourceLocation(
                                file: note.path, line: 1, column: 1), severity: .warning))
                    }
                }
            default:
                files.diagnostics.append(Diagnostic("unexpected \(item.kind == .folder ? "folder" : "file") in a ticket folder; mission ignores it",
                                                    at: at, severity: .warning))
            }
        }
        files.evidence.sort()
        files.notes.sort()
        return files
    }

    private static func readBytes(_ entry: SourceEntry, from source: some BoardSource, limits: YAMLLimits) -> Result<[UInt8], Diagnostic> {
        do {
            let size = try source.size(of: entry)
            if size > limits.maxBytes {
                return .failure(Diagnostic(
                    "file is \(ByteFormat.megabytes(size)); board files are limited to \(ByteFormat.megabytes(limits.maxBytes))",
                    at: SourceLocation(file: entry.path, line: 1, column: 1)))
            }
            return .success(try source.read(entry))
        } catch {
            return .failure(Diagnostic("cannot read the file: \(error)", at: SourceLocation(file: entry.path, line: 1, column: 1)))
        }
    }
}

/// Names of files inside a ticket folder.
public enum BoardNames {
    /// `0001-implement.yaml`: four or more digits, a dash, a gate name.
    public static func isEvidenceName(_ name: String) -> Bool {
        guard name.hasSuffix(".yaml") else { return false }
        let stem = name.dropLast(5)
        guard let dash = stem.firstIndex(of: "-") else { return false }
        let number = stem[..<dash], gate = stem[stem.index(after: dash)...]
        return number.count >= 4 && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber)
            && !gate.isEmpty && gate.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// `20261122T101500Z-elmar.md`, optionally with `-2` etc. after the author.
    public static func isNoteName(_ name: String) -> Bool {
        guard name.hasSuffix(".md"), name.count > 20 else { return false }
        let chars = Array(name.dropLast(3))
        let digits = chars[0..<8] + chars[9..<15]
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), chars[8] == "T", chars[15] == "Z", chars[16] == "-" else {
            return false
        }
        let author = chars[17...]
        return !author.isEmpty && author.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}

/// Turns a folder's raw files into a record. Pure.
enum TicketParser {
    static func parse(_ files: FolderFiles, limits: YAMLLimits) -> TicketRecord {
        var record = TicketRecord(id: files.id, folder: files.folder, archived: files.archived, treeID: files.treeID,
                                  spec: nil, status: nil, evidence: files.evidence, notes: files.notes,
                                  diagnostics: files.diagnostics, locations: SpecLocations())
        let specPath = "\(files.folder)/\(TicketFile.spec)"
        if !TicketID.isValid(files.id) {
            record.diagnostics.append(Diagnostic(
                "'\(files.id)' is not a valid ticket id: use a prefix, a dash, and letters or digits, like MC-7K3Q",
                at: SourceLocation(file: files.folder, line: 1, column: 1)))
        }
        switch files.spec {
        case nil:
            record.diagnostics.append(Diagnostic("missing ticket.yaml: every ticket folder needs one",
                                                 at: SourceLocation(file: specPath, line: 1, column: 1)))
        case .failure(let diagnostic)?:
            record.diagnostics.append(diagnostic)
        case .success(let bytes)?:
            do {
                let document = try YAMLDocument.parse(bytes, file: specPath, limits: limits)
                let spec = try document.decode(Ticket.self)
                record.locations = SpecLocations(
                    id: document.location(of: [.key("id")]),
                    workflow: spec.workflow.map { _ in document.location(of: [.key("workflow")]) },
                    assignee: spec.assignee.map { _ in document.location(of: [.key("assignee")]) },
                    profile: spec.profile.map { _ in document.location(of: [.key("profile")]) },
                    parent: spec.parent.map { _ in document.location(of: [.key("parent")]) },
                    blockedBy: spec.blockedBy.indices.map { document.location(of: [.key("blocked_by"), .index($0)]) },
                    title: document.location(of: [.key("title")]))
                if spec.title.allSatisfy(\.isWhitespace) {
                    record.diagnostics.append(Diagnostic("title must not be empty", at: record.locations.title!))
                }
                for (index, criterion) in spec.acceptance.enumerated()
                where criterion.trimmingCharacters(in: .whitespacesAndNewlines) == Ticket.placeholderAcceptance {
                    record.diagnostics.append(Diagnostic(
                        Ticket.placeholderAcceptanceMessage,
                        at: document.location(of: [.key("acceptance"), .index(index)]), severity: .warning,
                        hint: "say what must be true when this is done; the watcher starts no ticket without acceptance"))
                }
                if spec.id != files.id {
                    record.diagnostics.append(Diagnostic(
                        "id '\(spec.id)' does not match its folder '\(files.id)'", at: record.locations.id!,
                        hint: "rename the folder or set id: \(files.id)"))
                } else if TicketID.isValid(files.id) {
                    record.spec = spec
                }
                // A folder whose name is no ticket id stays broken, in every view, until it is renamed.
            } catch {
                record.diagnostics.append(error)
            }
        }
        if case .success(let bytes)? = files.status {
            let statusPath = "\(files.folder)/\(TicketFile.status)"
            do {
                let document = try YAMLDocument.parse(bytes, file: statusPath, limits: limits)
                record.status = try document.decode(TicketStatus.self)
            } catch {
                record.diagnostics.append(error)
            }
        } else if case .failure(let diagnostic)? = files.status {
            record.diagnostics.append(diagnostic)
        }
        return record
    }
}
