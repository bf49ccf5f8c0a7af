import Foundation
import Git
import Testing
@testable import Watcher

/// The watcher keeps its repository packed with git's own `gc --auto`, in the background and one at a time.
struct MaintenanceTests {
    func looseObjects(_ path: String) -> Int {
        (FileManager.default.subpaths(atPath: "\(path)/objects") ?? []).filter {
            $0.count == 41 && $0.dropFirst(2).first == "/"
        }.count
    }

    @Test func packsLooseObjectsOncePastGitsThreshold() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("maintenance-\(UUID().uuidString).git").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let repository = try Repository.create(at: path, bare: true)
        // 3,000 loose blobs reachable from a branch, and the lowest threshold: gc.auto counts the loose objects of
        // one fan-out folder (objects/17) and wants more than one there, which 3,000 objects all but guarantee.
        let blobs = try (0..<3_000).map { index in TreeEdit.write(path: "f\(index)", blob: try repository.writeBlob(Array("\(index)".utf8))) }
        let tree = try repository.updateTree(nil, applying: blobs)
        let me = Signature(name: "t", email: "t@example.com", date: Date())
        let commit = try repository.createCommit(tree: tree, parents: [], author: me, committer: me, message: "m\n")
        try repository.updateReference("refs/heads/main", to: commit, expecting: nil, logMessage: "t")
        try repository.setConfigString("gc.auto", "1")
        let before = looseObjects(path)
        #expect(before >= 3_000)

        let maintenance = Maintenance(gitDirectory: repository.gitDirectory, interval: 600)
        #expect(maintenance.tick(now: Date()))
        #expect(!maintenance.tick(now: Date()), "a second gc starts only after the interval")
        maintenance.finish()
        #expect(looseObjects(path) < before / 10, "loose objects were packed")
        let packs = try FileManager.default.contentsOfDirectory(atPath: "\(path)/objects/pack").filter { $0.hasSuffix(".pack") }
        #expect(!packs.isEmpty)
        // Everything is still there: git reads the branch's tree whole.
        #expect(try repository.treeEntries(tree).count == 3_000)
    }
}
