import Foundation
import Glibc

/// What a `RefWatcher` saw since the last drain. Every change is a hint: re-read the reference to learn more.
public enum RefChange: Sendable, Hashable {
    /// Nothing that touches a reference.
    case none
    /// These files changed, named relative to the git folder: `refs/heads/main`, `packed-refs`, `HEAD`.
    case changed(paths: Set<String>)
    /// Events were lost (the kernel's queue overflowed, or a new folder could not be watched): re-read everything.
    case rescan

    /// Whether this change may have moved `reference` (a full name such as `refs/heads/main`).
    public func mayHaveMoved(_ reference: String) -> Bool {
        switch self {
        case .none: false
        case .rescan: true
        // `git pack-refs` moves a loose ref into packed-refs; `git update-ref -d` can rewrite packed-refs alone.
        case .changed(let paths): paths.contains(reference) || paths.contains("packed-refs")
        }
    }
}

/// inotify could not be set up or extended; the caller falls back to polling.
public struct RefWatcherError: Error, Sendable, CustomStringConvertible {
    /// What we were doing, e.g. "inotify_add_watch /repo/.git/refs/heads".
    public let operation: String
    /// The `errno` the call failed with.
    public let code: Int32

    /// An error from its parts.
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// "operation: strerror", with the setting to raise when a kernel limit is the cause.
    public var description: String {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOSPC: return "\(operation): \(reason) (inotify watch limit: sysctl fs.inotify.max_user_watches)"
        case EMFILE: return "\(operation): \(reason) (inotify instance limit: sysctl fs.inotify.max_user_instances)"
        default: return "\(operation): \(reason)"
        }
    }
}

/// Watches a repository's references with inotify: `<git dir>/refs` and every folder below it, plus `packed-refs`
/// and `HEAD` in the git folder itself.
///
/// The wake source for commits that arrive without a hook's poke (other tools, `git update-ref`, a push to a hub
/// without hooks). Put `fileDescriptor` in a `poll(2)` and call `drain()` when it is readable. Not thread-safe:
/// confine an instance to one thread. The descriptor is closed in `deinit`.
public final class RefWatcher {
    /// The inotify descriptor (non-blocking, close-on-exec): readable when events are pending. Valid while `self` lives.
    public let fileDescriptor: Int32
    /// The watched git folder, as given.
    public let gitDirectory: String
    /// Watched folders by watch descriptor, relative to the git folder: "" for the git folder, "refs/heads", ….
    private var folders: [Int32: String] = [:]

    private static let fileEvents = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)
    private static let folderMask = fileEvents | UInt32(IN_CREATE | IN_ONLYDIR | IN_EXCL_UNLINK)
    /// Files in the git folder itself that say where references point.
    private static let topLevelNames: Set<String> = ["packed-refs", "HEAD"]

    /// Starts watching the references of the repository whose git folder is `gitDirectory`; throws when inotify is
    /// unavailable (no kernel support, or the instance or watch limit is reached).
    public init(gitDirectory: String) throws(RefWatcherError) {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw RefWatcherError(operation: "inotify_init1", code: errno) }
        self.fileDescriptor = descriptor
        self.gitDirectory = gitDirectory
        // From here on deinit closes the descriptor, also when the init throws below.
        try watch("")
        var found: Set<String> = []
        try watchTree("refs", found: &found)
    }

    deinit { close(fileDescriptor) }

    /// Reads every pending event without blocking and sums them up.
    public func drain() -> RefChange {
        var paths: Set<String> = []
        var lost = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }  // EAGAIN: the queue is empty
            buffer.withUnsafeBytes { bytes in
                for event in Self.events(in: UnsafeRawBufferPointer(rebasing: bytes[..<count])) {
                    if !handle(event, paths: &paths) { lost = true }
                }
            }
        }
        if lost {
            // Folders made while events were lost have no watch yet: walk the tree again (adding a watch twice is fine).
            var found: Set<String> = []
            try? watchTree("refs", found: &found)
            return .rescan
        }
        return paths.isEmpty ? .none : .changed(paths: paths)
    }

    // MARK: Events

    /// One inotify event, copied out of the read buffer.
    struct Event {
        var watch: Int32
        var mask: UInt32
        var name: String

        func has(_ flag: Int32) -> Bool { mask & UInt32(flag) != 0 }
    }

    /// Parses a buffer of `struct inotify_event`s by hand: Swift does not import the flexible `name` member.
    ///
    /// Each record is `wd` (Int32), `mask`, `cookie`, `len` (UInt32), then `len` bytes of NUL-padded name.
    static func events(in bytes: UnsafeRawBufferPointer) -> [Event] {
        let header = 16
        var events: [Event] = []
        var offset = 0
        while offset + header <= bytes.count {
            let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let end = min(offset + header + length, bytes.count)
            let nameBytes = bytes[(offset + header)..<end].prefix { $0 != 0 }
            events.append(Event(watch: watch, mask: mask, name: String(decoding: nameBytes, as: UTF8.self)))
            offset = end
        }
        return events
    }

    /// Folds one event into `paths`; false when events were lost and the caller should rescan.
    private func handle(_ event: Event, paths: inout Set<String>) -> Bool {
        if event.has(IN_Q_OVERFLOW) { return false }
        if event.has(IN_IGNORED) {  // the folder was deleted (or unwatched): its descriptor is gone
            folders[event.watch] = nil
            return true
        }
        guard let folder = folders[event.watch], Self.mayBeRef(event.name) else { return true }
        let path = folder.isEmpty ? event.name : "\(folder)/\(event.name)"
        if folder.isEmpty {
            // The git folder itself: only the files that say where references point.
            if Self.topLevelNames.contains(event.name) { paths.insert(path) }
            return true
        }
        guard event.has(IN_ISDIR) else {
            if event.mask & Self.fileEvents != 0 { paths.insert(path) }
            return true
        }
        if event.has(IN_CREATE) || event.has(IN_MOVED_TO) {
            // A new ref folder: watch it and everything in it. Refs written before the watch took hold are
            // reported as found, so none slips through the gap.
            do { try watchTree(path, found: &paths) } catch { return false }
        } else if event.has(IN_MOVED_FROM) {
            // A folder moved away keeps its watches under the old name; drop them and let the caller re-read.
            for (watch, name) in folders where name == path || name.hasPrefix(path + "/") {
                inotify_rm_watch(fileDescriptor, watch)
                folders[watch] = nil
            }
            return false
        }
        return true
    }

    /// Whether a file name can be part of a reference: git's `x.lock` files and names starting with a dot (temporary
    /// files of other tools; `git check-ref-format` forbids them) are not.
    private static func mayBeRef(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.hasSuffix(".lock")
    }

    // MARK: Watches

    /// Watches the folder at `path` (relative to the git folder).
    private func watch(_ path: String) throws(RefWatcherError) {
        let full = path.isEmpty ? gitDirectory : "\(gitDirectory)/\(path)"
        let watch = inotify_add_watch(fileDescriptor, full, Self.folderMask)
        guard watch >= 0 else { throw RefWatcherError(operation: "inotify_add_watch \(full)", code: errno) }
        folders[watch] = path
    }

    /// Watches `path` and every folder below it, adding the ref files found to `found`. A folder that vanished
    /// meanwhile is skipped; running out of watches throws.
    private func watchTree(_ path: String, found: inout Set<String>) throws(RefWatcherError) {
        do {
            try watch(path)
        } catch where error.code == ENOENT || error.code == ENOTDIR {
            return
        }
        let full = "\(gitDirectory)/\(path)"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] where Self.mayBeRef(name) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(full)/\(name)", isDirectory: &isFolder) else { continue }
            if isFolder.boolValue {
                try watchTree("\(path)/\(name)", found: &found)
            } else {
                found.insert("\(path)/\(name)")
            }
        }
    }
}
