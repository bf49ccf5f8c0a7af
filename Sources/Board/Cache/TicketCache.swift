import Foundation
import Git

/// Parsed tickets keyed by the id of their folder's tree: a folder that did not change is not parsed again.
/// Derived and disposable. Safe to share between threads.
public final class TicketCache: @unchecked Sendable {
    private var records: [ObjectID: TicketRecord] = [:]
    private var stored = 0
    private let lock = NSLock()

    /// An empty cache.
    public init() {}

    /// The record cached for a folder tree.
    public func record(for tree: ObjectID) -> TicketRecord? {
        lock.withLock { records[tree] }
    }

    /// Remembers a record by its folder tree.
    public func store(_ record: TicketRecord) {
        guard let tree = record.treeID else { return }
        lock.withLock {
            records[tree] = record
            stored += 1
        }
    }

    /// The number of cached records.
    public var count: Int { lock.withLock { records.count } }

    private var archive: (tree: ObjectID, folders: [String: String], entries: [SourceEntry], diagnostics: [Diagnostic])?

    /// The archive's listing, when it was read for this same archive tree.
    func archiveListing(for tree: ObjectID) -> (folders: [String: String], entries: [SourceEntry], diagnostics: [Diagnostic])? {
        lock.withLock {
            guard let archive, archive.tree == tree else { return nil }
            return (archive.folders, archive.entries, archive.diagnostics)
        }
    }

    /// Remembers the archive's listing for its tree: the archive changes rarely and can be large.
    func storeArchiveListing(_ folders: [String: String], entries: [SourceEntry], diagnostics: [Diagnostic], tree: ObjectID) {
        lock.withLock { archive = (tree, folders, entries, diagnostics) }
    }

    /// How many records were stored since the cache was made or loaded: parsed, not found.
    public var storedSinceLoad: Int { lock.withLock { stored } }

    // MARK: On disk

    /// Who wrote a cache file: the running executable's size and modification time, so that records parsed
    /// by another build (whose decoder may say other things) are never trusted.
    public static let producer: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return "unknown" }
        return "\(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }()

    /// Loads records saved by `save(_:to:)`; a missing, stale or damaged file is simply no cache.
    public static func load(from path: String) -> TicketCache {
        let cache = TicketCache()
        guard let data = FileManager.default.contents(atPath: path) else { return cache }
        let records = [UInt8](data).withUnsafeBufferPointer { buffer -> [TicketRecord]? in
            var reader = BinaryReader(buffer)
            return try? RecordCodec.readFile(&reader, producer: producer)
        }
        for record in records ?? [] {
            if let tree = record.treeID { cache.records[tree] = record }
        }
        cache.stored = 0
        return cache
    }

    /// Saves `records` (those of one snapshot: older entries are dropped) atomically to `path`.
    /// Best effort: a cache that cannot be written costs speed, never correctness.
    public static func save(_ records: [TicketRecord], to path: String) {
        var writer = BinaryWriter()
        RecordCodec.writeFile(records.filter { $0.isParsed && $0.treeID != nil }, producer: producer, to: &writer)
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = "\(path).\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(writer.bytes)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }
}
