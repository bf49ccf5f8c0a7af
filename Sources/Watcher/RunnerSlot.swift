import Foundation
import Git

/// The runner name a watcher plans under, held for as long as the watcher lives.
///
/// A watcher treats every session that the board says runs under its name, but that it does not know, as its
/// own and dead: that is how a restarted watcher settles what it left behind. Two watchers under one name on one
/// repository would therefore settle each other's live sessions (`worker_died`) and fight over their worktrees.
/// So a name is a slot: `<git common folder>/mission/runners/<name>.lock`, held with `flock` by one process at a
/// time and freed by the kernel when that process ends, however it ends.
///
/// A name that is asked for (`MISSION_RUNNER`, `--runner`) is that name or an error. Without one, the watcher takes
/// the host name, else `<host>-2`, `<host>-3`, …: the first slot free. A watcher started after a crash takes the
/// first free slot, which is the dead one's when it was the only one, and recovers its sessions; another runner's
/// sessions are taken over only once their lease ran out.
public final class RunnerSlot {
    /// The runner's name.
    public let name: String
    private let descriptor: Int32

    private init(name: String, descriptor: Int32) {
        self.name = name
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// How many `<host>-N` names are tried before giving up.
    static let defaultSlots = 64

    /// Takes the slot `requested`, or when it is nil the first free one of `host`, `host-2`, … in `repository`.
    public static func acquire(_ requested: String?, in repository: Repository,
                               host: String = ProcessInfo.processInfo.hostName) throws(RunnerSlotError) -> RunnerSlot {
        let folder = "\(repository.commonDirectory)/mission/runners"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw RunnerSlotError(message: "cannot create \(folder): \(error.localizedDescription)")
        }
        if let requested {
            guard isValidName(requested) else {
                throw RunnerSlotError(message: "'\(requested)' cannot be a runner name: use letters, digits, '.', '_' and '-'")
            }
            if let slot = try take(requested, in: folder) { return slot }
            throw RunnerSlotError(message: "another watcher on this repository runs as '\(requested)'\(holder(requested, in: folder)); "
                                  + "give each watcher its own name (MISSION_RUNNER or --runner), or leave it unset to get a free one")
        }
        let base = sanitized(host)
        for index in 1...defaultSlots {
            let name = index == 1 ? base : "\(base)-\(index)"
            if let slot = try take(name, in: folder) { return slot }
        }
        throw RunnerSlotError(message: "\(defaultSlots) watchers already run on this repository as \(base), \(base)-2, …; "
                              + "stop one, or name this one with MISSION_RUNNER")
    }

    /// The slot `name`, or nil when another process holds it.
    private static func take(_ name: String, in folder: String) throws(RunnerSlotError) -> RunnerSlot? {
        let path = "\(folder)/\(name).lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunnerSlotError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw RunnerSlotError(message: "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        // Who holds it, for the error another watcher gets; the lock is what counts, not this text.
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return RunnerSlot(name: name, descriptor: descriptor)
    }

    /// ` (pid N)` from the slot's file, or nothing when it says nothing readable.
    private static func holder(_ name: String, in folder: String) -> String {
        guard let text = try? String(contentsOfFile: "\(folder)/\(name).lock", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return "" }
        return " (pid \(pid))"
    }

    /// Whether `name` can name a runner (and its slot file): letters, digits, `.`, `_` and `-`, not starting with `.`.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && !name.hasPrefix(".")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// `host` made a valid name: anything else becomes `-`.
    static func sanitized(_ host: String) -> String {
        let name = String(host.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        return isValidName(name) ? name : "runner"
    }
}

/// Why a watcher cannot take a runner name.
public struct RunnerSlotError: Error, CustomStringConvertible {
    /// What went wrong, for a person.
    public let message: String
    /// The message.
    public var description: String { message }
}
