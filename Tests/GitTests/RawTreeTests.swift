import Foundation
import Git
import Testing

/// Tree edits are spliced into serialized trees by our own code, so git itself is the oracle: the same files
/// written through git's index must give the same tree id, and `git fsck` must find every tree well-formed.
@Suite("Tree editing against git")
struct RawTreeTests {
    /// Names chosen to exercise git's tree order, where a folder sorts as if its name ended in `/`.
    static let names = ["a", "a.txt", "a-b", "a0", "ab", "b", "x", "x.y", "z"]

    @Test(arguments: [1, 2, 3, 4, 5])
    func randomEditsMatchGit(seed: UInt64) throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            var generator = SeededGenerator(seed: seed)
            var model: [String: (blob: ObjectID, executable: Bool)] = [:]
            var tree: ObjectID? = nil
            for step in 0..<40 {
                var edits: [TreeEdit] = []
                var touched = Set<String>()
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let depth = Int.random(in: 1...3, using: &generator)
                    let path = (0..<depth).map { _ in Self.names.randomElement(using: &generator)! }.joined(separator: "/")
                    // One edit per path and no path inside another in one batch: a batch is a set of edits.
                    guard !touched.contains(where: { $0 == path || $0.hasPrefix(path + "/") || path.hasPrefix($0 + "/") })
                    else { continue }
                    touched.insert(path)
                    if Bool.random(using: &generator), let existing = model.keys.sorted().randomElement(using: &generator),
                       !touched.contains(where: { $0 != path && (existing.hasPrefix($0 + "/") || $0.hasPrefix(existing + "/")) }),
                       !touched.contains(existing) || existing == path {
                        touched.insert(existing)
                        edits.append(.remove(path: existing))
                        model[existing] = nil
                        continue
                    }
                    let blob = try repository.writeBlob(Array("step \(step) \(path)".utf8))
                    let executable = Bool.random(using: &generator)
                    edits.append(.write(path: path, blob: blob, executable: executable))
                    // A file replaces a folder of that name and the other way round.
                    for key in model.keys where key.hasPrefix(path + "/") || path.hasPrefix(key + "/") { model[key] = nil }
                    model[path] = (blob, executable)
                }
                tree = try repository.updateTree(tree, applying: edits)
                let walked = try repository.walkTree(tree!).map { "\($0.path) \($0.id.hex) \($0.kind)" }
                let expected = model.keys.sorted().map { "\($0) \(model[$0]!.blob.hex) \(model[$0]!.executable ? "executable" : "blob")" }
                #expect(walked.sorted() == expected, "step \(step)")
                #expect(tree!.hex == (try gitTree(of: model, in: root)), "step \(step): \(edits)")
            }
            let fsck = try runGit(["fsck", "--strict", "--no-dangling"], in: root)
            #expect(fsck.status == 0)
        }
    }

    /// The tree git writes for `model` through a scratch index.
    func gitTree(of model: [String: (blob: ObjectID, executable: Bool)], in root: String) throws -> String {
        let index = "\(root)/scratch-index"
        try? FileManager.default.removeItem(atPath: index)
        if model.isEmpty { return try runGit(["hash-object", "-t", "tree", "/dev/null"], in: root).output.trimmed }
        let info = model.keys.sorted().map { "\(model[$0]!.executable ? "100755" : "100644") \(model[$0]!.blob.hex)\t\($0)" }
            .joined(separator: "\n") + "\n"
        try writeFile("\(root)/scratch-info", info)
        // Through the environment of the git runs only: tests run in parallel in this process.
        _ = try runGit(["update-index", "--add", "--index-info"], in: root, stdin: "\(root)/scratch-info",
                       environment: ["GIT_INDEX_FILE": index])
        return try runGit(["write-tree"], in: root, environment: ["GIT_INDEX_FILE": index]).output.trimmed
    }

    @Test func changedEntriesListsOneLevel() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let one = try repository.writeBlob(Array("one".utf8))
            let two = try repository.writeBlob(Array("two".utf8))
            let before = try repository.updateTree(nil, applying: [
                .write(path: "t/A/ticket.yaml", blob: one), .write(path: "t/B/ticket.yaml", blob: one),
                .write(path: "t/C/ticket.yaml", blob: one), .write(path: "t/x", blob: one),
            ])
            let after = try repository.updateTree(before, applying: [
                .write(path: "t/B/status.yaml", blob: two), .remove(path: "t/C/ticket.yaml"),
                .write(path: "t/D/ticket.yaml", blob: one), .write(path: "t/x", blob: two, executable: true),
            ])
            let old = try #require(try repository.entry(at: "t", in: before)).id
            let new = try #require(try repository.entry(at: "t", in: after)).id
            let changes = try repository.changedEntries(from: old, to: new)
            #expect(changes.map(\.name) == ["B", "C", "D", "x"])
            #expect(changes[1].new == nil && changes[1].oldKind == .tree)
            #expect(changes[2].old == nil && changes[2].newKind == .tree)
            #expect(changes[3].oldKind == .blob && changes[3].newKind == .executable && changes[3].new == two)
            #expect(try repository.changedEntries(from: new, to: new).isEmpty)
            #expect(try repository.changedEntries(from: nil, to: new).count == 4)
        }
    }

    /// A large tree (a 4,000-ticket folder) edited in place: git must read it, give the same id for the same files,
    /// and find it well-formed; editing it again works.
    @Test func aLargeTreeIsWrittenAndGitReadsIt() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            var model: [String: (blob: ObjectID, executable: Bool)] = [:]
            for index in 0..<4_000 {
                let path = String(format: "tickets/MC-%05d", index)
                model[path] = (try repository.writeBlob(Array(path.utf8)), false)
            }
            let tree = try repository.updateTree(nil, applying: model.map { .write(path: $0.key, blob: $0.value.blob) })
            let tickets = try #require(try repository.entry(at: "tickets", in: tree)).id
            #expect(try runGit(["cat-file", "-s", tickets.hex], in: root).output.trimmed == "\(4_000 * 36)")
            #expect(tree.hex == (try gitTree(of: model, in: root)))
            // Written again: the same id, the file already there.
            #expect(try repository.updateTree(nil, applying: model.map { .write(path: $0.key, blob: $0.value.blob) }) == tree)
            // An edit reads the tree back and writes the next one.
            let changed = try repository.updateTree(tree, applying: [.remove(path: "tickets/MC-00007")])
            model["tickets/MC-00007"] = nil
            #expect(changed.hex == (try gitTree(of: model, in: root)))
            let fsck = try runGit(["fsck", "--strict", "--no-dangling"], in: root)
            #expect(fsck.status == 0)
        }
    }

    @Test func refusesPathsThatEscape() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let blob = try repository.writeBlob([1])
            for path in ["", "a//b", "../x", "a/./b", ".git/config", "a/.GIT/x"] {
                #expect(throws: GitError.self) { try repository.updateTree(nil, applying: [.write(path: path, blob: blob)]) }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing seed can be run again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
