import Board
import Foundation

/// The files a session leaves as proof: it writes them below `$MISSION_ARTIFACTS` (a folder of its session
/// directory), and the watcher commits them as blobs when the session ends.
public enum Artifacts {
    /// The largest file kept.
    public static let maxFile = 20 * 1024 * 1024
    /// The most a session keeps in all.
    public static let maxTotal = 100 * 1024 * 1024
    /// The most files a session keeps.
    public static let maxCount = 200

    /// A file found, with its name below the folder.
    public struct File: Sendable {
        public let name: String
        public var bytes: [UInt8]
        public let mediaType: String
    }

    /// The artifacts folder of a session.
    public static func folder(of directory: SessionDirectory) -> String { "\(directory.path)/artifacts" }

    /// The regular files below `folder` in name order (links and special files are never followed), within the
    /// limits; what the limits leave out is listed with why, so the packet says so.
    public static func collect(in folder: String) -> (kept: [File], skipped: [Artifact]) {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return ([], []) }
        var names: [String] = []
        while let name = walker.nextObject() as? String {
            let attributes = walker.fileAttributes
            if attributes?[.type] as? FileAttributeType == .typeRegular { names.append(name) }
        }
        var kept: [File] = []
        var skipped: [Artifact] = []
        var total = 0
        for name in names.sorted() {
            let path = "\(folder)/\(name)"
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
            let why: String? = if kept.count >= maxCount { "left out: more than \(maxCount) files" }
                else if size > maxFile { "left out: larger than \(maxFile / 1024 / 1024) MB" }
                else if total + size > maxTotal { "left out: the session's artifacts passed \(maxTotal / 1024 / 1024) MB" }
                else { nil }
            if let why {
                skipped.append(Artifact(name: name, mediaType: Artifact.mediaType(of: name), size: size, description: why))
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            total += data.count
            kept.append(File(name: name, bytes: [UInt8](data), mediaType: Artifact.mediaType(of: name)))
        }
        return (kept, skipped)
    }
}
