import Board
import Foundation
import Git

/// A board on disk, started from the starter files, for loader and validator tests.
final class BoardFixture {
    let root: URL
    let location = BoardLocation(branch: "main", directory: "board")

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mission-board-\(UUID().uuidString.prefix(8))")
        for change in StarterBoard.boardFiles(for: location, approver: "pat@example.com") {
            if case .write(let path, let bytes) = change { try write(path, bytes) }
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func write(_ path: String, _ text: String) throws { try write(path, Array(text.utf8)) }

    /// Writes a ticket folder with a spec made of `lines` after the id and title.
    func ticket(_ id: String, _ extra: String = "", folder: String? = nil) throws {
        try write("board/tickets/\(folder ?? id)/ticket.yaml", "id: \(id)\ntitle: Ticket \(id)\n\(extra)")
    }

    func load(includeArchived: Bool = false) -> BoardSnapshot {
        BoardLoader.load(from: DirectorySource(root: root.path), location: location,
                         options: .init(includeArchived: includeArchived))
    }

    /// Commits the whole folder into a new repository and returns it with the commit.
    func commit() throws -> (Repository, ObjectID) {
        let repository = try Repository.create(at: root.appendingPathComponent(".repo").path, bare: true)
        var edits: [TreeEdit] = []
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        while let relative = enumerator.nextObject() as? String {
            guard !relative.hasPrefix(".repo") else { continue }
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            let bytes = [UInt8](FileManager.default.contents(atPath: root.appendingPathComponent(relative).path)!)
            edits.append(.write(path: relative, blob: try repository.writeBlob(bytes)))
        }
        let tree = try repository.updateTree(nil, applying: edits)
        let me = Signature(name: "T", email: "t@example.com", date: Date())
        let commit = try repository.createCommit(tree: tree, parents: [], author: me, committer: me, message: "board\n")
        try repository.updateReference("refs/heads/main", to: commit, expecting: nil, logMessage: "test")
        return (repository, commit)
    }
}

extension Array where Element == Diagnostic {
    /// The descriptions, for readable failures.
    var text: String { map(\.description).joined(separator: "\n") }
}
