import Foundation
import Git

/// One entry of a folder in a board source.
public struct SourceEntry: Sendable, Hashable {
    /// What the entry is.
    public enum Kind: Sendable, Hashable { case file, folder, other }
    /// The entry's name.
    public let name: String
    /// Its path relative to the repository root.
    public let path: String
    /// File, folder or something else (a link, a submodule).
    public let kind: Kind
    /// The object id (tree or blob) when read from git; nil from a working directory.
    public let id: ObjectID?
}

/// Where a board is read from: a commit's tree (the watcher's view), a working directory (the editor's view), or a
/// checkout, which is the working files read through git wherever they match the commit checked out.
public protocol BoardSource {
    /// The entries of `folder`, or nil when it does not exist.
    func entries(in folder: String) throws -> [SourceEntry]?
    /// The entries of a folder entry this source listed (by object id where it has one: no path lookup).
    func entries(of folder: SourceEntry) throws -> [SourceEntry]
    /// The size of a file in bytes, without reading it.
    func size(of entry: SourceEntry) throws -> Int
    /// The bytes of a file.
    func read(_ entry: SourceEntry) throws -> [UInt8]
}

extension BoardSource {
    /// The entry at `path`, or nil.
    public func entry(at path: String) throws -> SourceEntry? {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return try entries(in: folder)?.first { $0.name == name }
    }
}

/// A board read from a git tree. Confine to one thread: it uses the repository.
public struct TreeSource: BoardSource {
    /// The repository.
    public let repository: Repository
    /// The root tree of the commit being read.
    public let root: ObjectID

    /// A source over `root` in `repository`.
    public init(repository: Repository, root: ObjectID) {
        self.repository = repository
        self.root = root
    }

    /// The entries of `folder` in the tree.
    public func entries(in folder: String) throws -> [SourceEntry]? {
        let treeID: ObjectID
        if folder.isEmpty {
            treeID = root
        } else {
            guard let entry = try repository.entry(at: folder, in: root), entry.kind == .tree else { return nil }
            treeID = entry.id
        }
        return try entries(ofTree: treeID, at: folder)
    }

    /// The entries of a listed folder, read by its tree id.
    public func entries(of folder: SourceEntry) throws -> [SourceEntry] {
        guard let id = folder.id else { return try entries(in: folder.path) ?? [] }
        return try entries(ofTree: id, at: folder.path)
    }

    /// The entries of a tree known by id, at `folder`.
    public func entries(ofTree treeID: ObjectID, at folder: String) throws -> [SourceEntry] {
        try repository.treeEntries(treeID).map { entry in
            let kind: SourceEntry.Kind = switch entry.kind {
            case .tree: .folder
            case .blob, .executable: .file
            case .link, .submodule: .other
            }
            return SourceEntry(name: entry.name, path: folder.isEmpty ? entry.name : "\(folder)/\(entry.name)",
                               kind: kind, id: entry.id)
        }
    }

    /// The blob's size.
    public func size(of entry: SourceEntry) throws -> Int {
        guard let id = entry.id else { return 0 }
        return try repository.blobSize(id)
    }

    /// The blob's bytes.
    public func read(_ entry: SourceEntry) throws -> [UInt8] {
        guard let id = entry.id else { return [] }
        return try repository.blob(id)
    }
}

/// A board read from files on disk.
public struct DirectorySource: BoardSource {
    /// The repository's working directory (absolute).
    public let root: String

    /// A source over the files under `root`.
    public init(root: String) { self.root = root }

    /// The entries of `folder` on disk, sorted by name. Read with readdir and the entry types it gives (a stat
    /// only where the file system gives none): a ticket folder of ten thousand entries is listed in milliseconds.
    public func entries(in folder: String) throws -> [SourceEntry]? {
        let absolute = folder.isEmpty ? root : "\(root)/\(folder)"
        guard let directory = opendir(absolute) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: absolute])
        }
        defer { closedir(directory) }
        var result: [SourceEntry] = []
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = folder.isEmpty ? name : "\(folder)/\(name)"
            var type = Int32(item.pointee.d_type)
            if type == Int32(DT_UNKNOWN) {
                var info = stat()
                if lstat("\(root)/\(path)", &info) == 0 {
                    type = (info.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : (info.st_mode & S_IFMT) == S_IFREG ? Int32(DT_REG) : Int32(DT_LNK)
                }
            }
            let kind: SourceEntry.Kind = type == Int32(DT_DIR) ? .folder : type == Int32(DT_REG) ? .file : .other
            result.append(SourceEntry(name: name, path: path, kind: kind, id: nil))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The entries of a listed folder.
    public func entries(of folder: SourceEntry) throws -> [SourceEntry] {
        try entries(in: folder.path) ?? []
    }

    /// The file's size on disk.
    public func size(of entry: SourceEntry) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(root)/\(entry.path)")
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The file's bytes.
    public func read(_ entry: SourceEntry) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: "\(root)/\(entry.path)") else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: "\(root)/\(entry.path)"])
        }
        return [UInt8](data)
    }
}

/// A checkout's working files, read through git wherever they match the commit checked out: a folder with no
/// change in it is listed from the commit's tree, with the ids the ticket cache is keyed by, and only what differs
/// (staged or not, untracked included) is read from disk. `mission check` of ten thousand tickets then parses the
/// few that changed rather than all of them.
public struct CheckoutSource: BoardSource {
    private let tree: TreeSource
    private let disk: DirectorySource
    /// The changed paths and every folder above them.
    private let touched: Set<String>

    /// A source over the working files under `root`, of which `changed` (repository-relative paths, as
    /// `Repository.changedPaths(under:)` gives them) differ from the tree `committed`.
    public init(repository: Repository, committed: ObjectID, root: String, changed: Set<String>) {
        tree = TreeSource(repository: repository, root: committed)
        disk = DirectorySource(root: root)
        var touched: Set<String> = [""]
        for path in changed {
            var folder = Substring(path)
            touched.insert(path)
            while let slash = folder.lastIndex(of: "/") {
                folder = folder[..<slash]
                guard touched.insert(String(folder)).inserted else { break }
            }
        }
        self.touched = touched
    }

    public func entries(in folder: String) throws -> [SourceEntry]? {
        guard touched.contains(folder) else { return try tree.entries(in: folder) }
        guard let onDisk = try disk.entries(in: folder) else { return nil }
        let committed = Dictionary((try tree.entries(in: folder) ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return onDisk.map { entry in
            guard !touched.contains(entry.path), let same = committed[entry.name], same.kind == entry.kind else { return entry }
            return same
        }
    }

    public func entries(of folder: SourceEntry) throws -> [SourceEntry] {
        folder.id == nil ? try entries(in: folder.path) ?? [] : try tree.entries(of: folder)
    }

    public func size(of entry: SourceEntry) throws -> Int {
        entry.id == nil ? try disk.size(of: entry) : try tree.size(of: entry)
    }

    public func read(_ entry: SourceEntry) throws -> [UInt8] {
        entry.id == nil ? try disk.read(entry) : try tree.read(entry)
    }
}

extension TreeSource {
    /// The ticket's evidence packets in this tree, by file name, oldest first: each decoded, or the diagnostic
    /// that says why it is not (missing, unreadable, not a packet).
    public func evidence(of record: TicketRecord) -> [(name: String, packet: Result<EvidencePacket, Diagnostic>)] {
        record.evidence.map { name in
            let path = "\(record.folder)/\(TicketFile.evidence)/\(name)"
            let start = SourceLocation(file: path, line: 1, column: 1)
            do {
                guard let entry = try entry(at: path) else { return (name, .failure(Diagnostic("missing", at: start))) }
                return (name, .success(try YAMLDocument.parse(try read(entry), file: path).decode(EvidencePacket.self)))
            } catch let diagnostic as Diagnostic {
                return (name, .failure(diagnostic))
            } catch {
                return (name, .failure(Diagnostic("cannot read: \(error)", at: start)))
            }
        }
    }

    /// The ticket's evidence packets that decode, by file name, oldest first (`check` reports the others).
    public func decodedEvidence(of record: TicketRecord) -> [(name: String, packet: EvidencePacket)] {
        evidence(of: record).compactMap { item in (try? item.packet.get()).map { (item.name, $0) } }
    }
}
