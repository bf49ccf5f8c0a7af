import Foundation
@testable import Git
import Testing

@Suite("Repository: opening and creating")
struct OpeningTests {
    @Test func createsAndOpensNonBare() throws {
        try withTemporaryDirectory { root in
            let path = root + "/work"
            let created = try Repository.create(at: path, bare: false)
            #expect(!created.isBare)
            #expect(created.workingDirectory == path)
            #expect(created.gitDirectory == path + "/.git")
            #expect(try created.headBranch() == "refs/heads/main")
            #expect(try created.referenceTarget("refs/heads/main") == nil)
            #expect(try created.referenceTarget("HEAD") == nil)

            for place in [path, path + "/.git"] {
                let opened = try Repository.open(at: place)
                #expect(!opened.isBare)
                #expect(opened.workingDirectory == path)
                #expect(opened.gitDirectory == path + "/.git")
            }
            try FileManager.default.createDirectory(atPath: path + "/a/b", withIntermediateDirectories: true)
            #expect(try Repository.discover(from: path + "/a/b").workingDirectory == path)
            // `open` looks exactly there, never upward.
            #expect(throws: GitError.self) { try Repository.open(at: path + "/a/b") }
        }
    }

    @Test func createsAndOpensBare() throws {
        try withTemporaryDirectory { root in
            let path = root + "/bare.git"
            let created = try Repository.create(at: path, bare: true, initialBranch: "trunk")
            #expect(created.isBare)
            #expect(created.workingDirectory == nil)
            #expect(created.gitDirectory == path)
            #expect(try created.headBranch() == "refs/heads/trunk")
            let opened = try Repository.open(at: path)
            #expect(opened.isBare)
            #expect(opened.gitDirectory == path)
        }
    }

    @Test func refusesToCreateTwice() throws {
        try withTemporaryDirectory { root in
            _ = try Repository.create(at: root + "/r", bare: false)
            let error = try #require(throws: GitError.self) { try Repository.create(at: root + "/r", bare: false) }
            #expect(error.code == .exists)
        }
    }

    @Test func openingNothingFailsWithLibgit2Message() throws {
        try withTemporaryDirectory { root in
            let error = try #require(throws: GitError.self) { try Repository.open(at: root + "/missing") }
            #expect(error.code == .notFound)
            #expect(error.operation == "open repository \(root)/missing")
            #expect(error.message.contains("\(root)/missing"))
            #expect(error.description == "\(error.operation): \(error.message)")
        }
    }
}

@Suite("Repository: reading objects")
struct ReadingTests {
    @Test func resolvesRevisions() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let first = try repository.commitFiles(["a.txt": "one"], parent: nil)
            let second = try repository.commitFiles(["a.txt": "two"], parent: first)
            try repository.updateReference("refs/heads/main", to: second, expecting: nil, logMessage: "test")
            #expect(try repository.resolve("main") == second)
            #expect(try repository.resolve("HEAD") == second)
            #expect(try repository.resolve("main~1") == first)
            #expect(try repository.resolve(first.hex) == first)
            #expect(try repository.resolve(String(second.hex.prefix(10))) == second)
            // A tree id is not a commit.
            #expect(throws: GitError.self) { try repository.resolve(try repository.commit(second).tree.hex) }
        }
    }

    @Test func errorsCarryLibgit2Messages() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let error = try #require(throws: GitError.self) { try repository.resolve("no-such-branch") }
            #expect(error.code == .notFound)
            #expect(error.operation == "resolve no-such-branch")
            #expect(error.message.contains("no-such-branch"))
            #expect(!error.message.hasPrefix("libgit2 error"))

            let missing = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
            let blobError = try #require(throws: GitError.self) { try repository.blob(missing) }
            #expect(blobError.code == .notFound)
            #expect(blobError.message.contains("abababab"))

            let invalid = try #require(throws: GitError.self) { try repository.referenceTarget("refs/heads/bad..name") }
            #expect(invalid.code == .invalid)
            #expect(invalid.message.contains("bad..name"))
        }
    }

    @Test func readsCommitTreeAndBlob() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let parent = try repository.commitFiles(["README": "hello\n"], parent: nil, message: "first")
            let id = try repository.commitFiles(
                ["README": "hello again\n", "docs/guide.md": "# Guide\n"], parent: parent,
                message: "Second commit\n\nWith a body.\n", at: 1_700_000_100)
            let commit = try repository.commit(id)
            #expect(commit.id == id)
            #expect(commit.parents == [parent])
            #expect(commit.summary == "Second commit")
            #expect(commit.message == "Second commit\n\nWith a body.\n")
            #expect(commit.author.name == "Tester")
            #expect(commit.author.email == "tester@example.com")
            #expect(commit.author.date == Date(timeIntervalSince1970: 1_700_000_100))
            #expect(commit.committer.timeZoneOffsetMinutes == 60)

            let entries = try repository.treeEntries(commit.tree)
            #expect(entries.map(\.name) == ["README", "docs"])
            #expect(entries.map(\.path) == ["README", "docs"])
            #expect(entries.map(\.kind) == [.blob, .tree])

            let readme = try #require(entries.first)
            #expect(try repository.blob(readme.id) == Array("hello again\n".utf8))
            #expect(try repository.blobSize(readme.id) == 12)
            #expect(try repository.hashBlob(Array("hello again\n".utf8)) == readme.id)

            let guide = try #require(try repository.entry(at: "docs/guide.md", in: commit.tree))
            #expect(guide.name == "guide.md")
            #expect(guide.path == "docs/guide.md")
            #expect(guide.kind == .blob)
            #expect(try repository.entry(at: "docs/missing.md", in: commit.tree) == nil)
            #expect(try repository.entry(at: "README/inside", in: commit.tree) == nil)
            #expect(throws: GitError.self) { try repository.blobSize(commit.tree) }
        }
    }

    @Test func hashBlobMatchesGit() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            // `printf 'hello\n' | git hash-object --stdin`
            #expect(try repository.hashBlob(Array("hello\n".utf8)).hex == "ce013625030ba8dba906f756967f9e9ca394464a")
            #expect(try repository.emptyTree().hex == "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
        }
    }

    @Test func walksTreesRecursively() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let id = try repository.commitFiles(
                [
                    "board/tickets/MC-1/ticket.yaml": "1", "board/tickets/MC-1/notes.md": "n",
                    "board/tickets/MC-2/ticket.yaml": "2", "board/config.yaml": "c", "boardwalk.txt": "b",
                    "README": "r",
                ], parent: nil)
            let tree = try repository.commit(id).tree
            #expect(try repository.walkTree(tree).map(\.path) == [
                "README", "board/config.yaml", "board/tickets/MC-1/notes.md", "board/tickets/MC-1/ticket.yaml",
                "board/tickets/MC-2/ticket.yaml", "boardwalk.txt",
            ])
            let tickets = try repository.walkTree(tree, under: "board/tickets")
            #expect(tickets.map(\.path) == [
                "board/tickets/MC-1/notes.md", "board/tickets/MC-1/ticket.yaml", "board/tickets/MC-2/ticket.yaml",
            ])
            #expect(tickets.map(\.name) == ["notes.md", "ticket.yaml", "ticket.yaml"])
            #expect(try repository.walkTree(tree, under: "board/tickets/").map(\.path) == tickets.map(\.path))
            #expect(try repository.walkTree(tree, under: "board/missing") == [])
            #expect(try repository.walkTree(tree, under: "boardwalk.txt").map(\.path) == ["boardwalk.txt"])
        }
    }
}

@Suite("Repository: writing objects")
struct WritingTests {
    @Test func updatesNestedTreesFromEmpty() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let one = try repository.writeBlob(Array("one".utf8))
            let two = try repository.writeBlob(Array("two".utf8))
            let tool = try repository.writeBlob(Array("#!/bin/sh\n".utf8))
            let first = try repository.updateTree(nil, applying: [
                .write(path: "a/b/c.txt", blob: one),
                .write(path: "a/d.txt", blob: one),
                .write(path: "bin/tool", blob: tool, executable: true),
            ])
            #expect(try repository.walkTree(first).map { "\($0.path) \($0.kind)" } == [
                "a/b/c.txt blob", "a/d.txt blob", "bin/tool executable",
            ])
            let second = try repository.updateTree(first, applying: [
                .write(path: "a/b/c.txt", blob: two),
                .remove(path: "a/d.txt"),
                .remove(path: "bin/tool"),
            ])
            let entries = try repository.walkTree(second)
            #expect(entries.map(\.path) == ["a/b/c.txt"])
            #expect(entries.first?.id == two)
            // The emptied folder is gone from the tree, not left as an empty tree.
            #expect(try repository.entry(at: "bin", in: second) == nil)
            // Nothing changed in the base tree itself.
            #expect(try repository.walkTree(first).count == 3)
        }
    }

    @Test func reportsChangeKinds() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let blob = { (text: String) throws -> ObjectID in try repository.writeBlob(Array(text.utf8)) }
            let old = try repository.updateTree(nil, applying: [
                .write(path: "keep.txt", blob: try blob("same")),
                .write(path: "dir/edit.txt", blob: try blob("before")),
                .write(path: "dir/gone.txt", blob: try blob("gone")),
                .write(path: "dir/run.sh", blob: try blob("echo")),
                .write(path: "directory/other.txt", blob: try blob("x")),
            ])
            let new = try repository.updateTree(old, applying: [
                .write(path: "dir/edit.txt", blob: try blob("after")),
                .remove(path: "dir/gone.txt"),
                .write(path: "dir/run.sh", blob: try blob("echo"), executable: true),
                .write(path: "dir/new.txt", blob: try blob("new")),
                .write(path: "directory/other.txt", blob: try blob("y")),
            ])
            let changes = try repository.diff(from: old, to: new)
            #expect(changes.map { "\($0.kind) \($0.path)" } == [
                "modified dir/edit.txt", "deleted dir/gone.txt", "added dir/new.txt", "modified dir/run.sh",
                "modified directory/other.txt",
            ])
            let edit = try #require(changes.first)
            #expect(edit.oldID == (try blob("before")))
            #expect(edit.newID == (try blob("after")))
            #expect(edit.oldPath == nil)
            #expect(changes[1].newID == nil)
            #expect(changes[2].oldID == nil)

            // A folder prefix matches that folder only, not "dir*".
            #expect(try repository.diff(from: old, to: new, under: "dir").count == 4)
            #expect(try repository.diff(from: old, to: new, under: "directory").map(\.path) == ["directory/other.txt"])
            #expect(try repository.diff(from: old, to: new, under: "dir/edit.txt").map(\.path) == ["dir/edit.txt"])
            // nil is the empty tree on either side.
            #expect(try repository.diff(from: nil, to: old).allSatisfy { $0.kind == .added })
            #expect(try repository.diff(from: old, to: nil).count == 5)
            #expect(try repository.diff(from: old, to: old).isEmpty)
        }
    }

    @Test func storesTrailersInCommits() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let message = """
                Move MC-7 to review

                Key: value lines in the body do not count.

                Ticket: MC-7
                Session: s-42
                Co-authored-by: Someone <someone@example.com>

                """
            let tree = try repository.updateTree(nil, applying: [])
            let id = try repository.createCommit(
                tree: tree, parents: [], author: tester, committer: tester, message: message)
            let stored = try repository.commit(id)
            #expect(stored.message == message)
            #expect(stored.tree == tree)
            #expect(stored.parents.isEmpty)
            let expected = [
                Trailer(key: "Ticket", value: "MC-7"), Trailer(key: "Session", value: "s-42"),
                Trailer(key: "Co-authored-by", value: "Someone <someone@example.com>"),
            ]
            #expect(Trailers.parse(stored.message) == expected)
            #expect(stored.trailers == expected)
            #expect(Trailers.parse("Just a summary\n").isEmpty)
            // createCommit moves no reference.
            #expect(try repository.referenceTarget("refs/heads/main") == nil)
        }
    }
}

@Suite("Repository: references")
struct ReferenceTests {
    @Test func compareAndSwap() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let first = try repository.commitFiles(["a": "1"], parent: nil)
            let second = try repository.commitFiles(["a": "2"], parent: first)
            let third = try repository.commitFiles(["a": "3"], parent: second)
            let ref = "refs/heads/main"

            try repository.updateReference(ref, to: first, expecting: nil, logMessage: "create")
            #expect(try repository.referenceTarget(ref) == first)
            #expect(try repository.referenceTarget("HEAD") == first)

            let exists = try #require(throws: GitError.self) {
                try repository.updateReference(ref, to: second, expecting: nil, logMessage: "create again")
            }
            #expect(exists.code == .referenceMoved)
            #expect(exists.operation == "update reference refs/heads/main")
            #expect(!exists.message.isEmpty)

            try repository.updateReference(ref, to: second, expecting: first, logMessage: "advance")
            #expect(try repository.referenceTarget(ref) == second)

            let stale = try #require(throws: GitError.self) {
                try repository.updateReference(ref, to: third, expecting: first, logMessage: "stale")
            }
            #expect(stale.code == .referenceMoved)
            #expect(try repository.referenceTarget(ref) == second)

            let absent = try #require(throws: GitError.self) {
                try repository.updateReference("refs/heads/other", to: third, expecting: first, logMessage: "absent")
            }
            #expect(absent.code == .referenceMoved)
            #expect(try repository.referenceTarget("refs/heads/other") == nil)
        }
    }

    @Test func heldLockFails() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let first = try repository.commitFiles(["a": "1"], parent: nil)
            let second = try repository.commitFiles(["a": "2"], parent: first)
            try repository.updateReference("refs/heads/main", to: first, expecting: nil, logMessage: "create")
            let lock = root + "/refs/heads/main.lock"
            #expect(FileManager.default.createFile(atPath: lock, contents: nil))
            let error = try #require(throws: GitError.self) {
                try repository.updateReference("refs/heads/main", to: second, expecting: first, logMessage: "locked")
            }
            #expect(error.code == .locked)
            #expect(error.message.contains("lock"))
            try FileManager.default.removeItem(atPath: lock)
            try repository.updateReference("refs/heads/main", to: second, expecting: first, logMessage: "unlocked")
            #expect(try repository.referenceTarget("refs/heads/main") == second)
        }
    }

    @Test func headBranchIsNilWhenDetached() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let first = try repository.commitFiles(["a": "1"], parent: nil)
            try "\(first.hex)\n".write(toFile: root + "/HEAD", atomically: true, encoding: .utf8)
            #expect(try repository.headBranch() == nil)
            #expect(try repository.resolve("HEAD") == first)
        }
    }
}

@Suite("Repository: history")
struct LogTests {
    @Test func logTouchingFolderNewestFirst() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            var seconds = 1_700_000_000.0
            func commit(_ files: [String: String?], _ parent: ObjectID?, _ message: String) throws -> ObjectID {
                seconds += 60
                return try repository.commitFiles(files, parent: parent, message: message, at: seconds)
            }
            let c1 = try commit(["board/tickets/MC-1/ticket.yaml": "a", "README": "r"], nil, "c1")
            let c2 = try commit(["README": "r2"], c1, "c2")
            let c3 = try commit(["board/tickets/MC-2/ticket.yaml": "b"], c2, "c3")
            let c4 = try commit(["board/config.yaml": "c"], c3, "c4")
            let c5 = try commit(["board/tickets/MC-1/ticket.yaml": nil], c4, "c5")
            let c6 = try commit(["board/ticketsx.txt": "not inside"], c5, "c6")
            let c7 = try commit(["board/tickets/MC-2/ticket.yaml": "b2", "README": "r3"], c6, "c7")

            let touching = try repository.log(from: c7, touching: ["board/tickets"])
            #expect(touching.map(\.message) == ["c7", "c5", "c3", "c1"])
            #expect(touching.map(\.id) == [c7, c5, c3, c1])
            #expect(try repository.log(from: c7, touching: ["board/tickets/"], limit: 2).map(\.id) == [c7, c5])
            #expect(try repository.log(from: c7, touching: ["README", "board/config.yaml"]).map(\.id) == [c7, c4, c2, c1])
            #expect(try repository.log(from: c4, touching: ["board/tickets/MC-1/ticket.yaml"]).map(\.id) == [c1])
            #expect(try repository.log(from: c7, touching: ["nowhere"]).isEmpty)
            #expect(try repository.log(from: c7, touching: [""]).count == 7)
        }
    }

    @Test func logFollowsFirstParentComparisonAcrossMerges() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let base = try repository.commitFiles(["t/a": "1"], parent: nil, message: "base", at: 1_700_000_100)
            let side = try repository.commitFiles(["t/b": "2"], parent: base, message: "side", at: 1_700_000_200)
            let main = try repository.commitFiles(["other": "x"], parent: base, message: "main", at: 1_700_000_300)
            let mergedTree = try repository.updateTree(
                try repository.commit(main).tree,
                applying: [.write(path: "t/b", blob: try repository.writeBlob(Array("2".utf8)))])
            var when = tester
            when.date = Date(timeIntervalSince1970: 1_700_000_400)
            let merge = try repository.createCommit(
                tree: mergedTree, parents: [main, side], author: when, committer: when, message: "merge")
            // The merge brings t/b relative to its first parent; the side commit added it relative to base.
            #expect(try repository.log(from: merge, touching: ["t"]).map(\.message) == ["merge", "side", "base"])
        }
    }
}

@Suite("Repository: configuration")
struct ConfigTests {
    @Test func readsAndWritesLocalConfig() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            #expect(try repository.configString("mission.remote") == nil)
            try repository.setConfigString("mission.remote", "origin")
            #expect(try repository.configString("mission.remote") == "origin")
            #expect(readFile(root + "/config")?.contains("remote = origin") == true)

            try repository.setConfigString("user.name", "Ada Lovelace")
            try repository.setConfigString("user.email", "ada@example.com")
            let date = Date(timeIntervalSince1970: 1_700_000_000)
            let signature = try repository.defaultSignature(at: date)
            #expect(signature.name == "Ada Lovelace")
            #expect(signature.email == "ada@example.com")
            #expect(signature.date == date)
            #expect(signature.timeZoneOffsetMinutes == TimeZone.current.secondsFromGMT(for: date) / 60)
        }
    }

    @Test func missingIdentityExplainsTheFix() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            // An empty local value overrides whatever the machine's global configuration says.
            try repository.setConfigString("user.name", "")
            let error = try #require(throws: GitError.self) { try repository.defaultSignature() }
            #expect(error.code == .notFound)
            #expect(error.message.contains("set user.name and user.email with git config"))
        }
    }
}

/// The pruned tree walk that `diff` uses must say what libgit2's own diff says, for every prefix.
@Suite struct PrunedDiffTests {
    @Test func agreesWithLibgit2OnRandomTrees() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            var generator = SystemRandomNumberGenerator()
            let folders = ["a", "a/b", "a/b/c", "ab", "a.b", "d", ""]
            let names = ["x.txt", "y", "z.md", "a", "b"]
            func randomPath() -> String {
                let folder = folders.randomElement(using: &generator)!
                let name = names.randomElement(using: &generator)!
                return folder.isEmpty ? name : "\(folder)/\(name)"
            }
            var tree: ObjectID? = nil
            for round in 0..<40 {
                var edits: [TreeEdit] = []
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    let path = randomPath()
                    if Bool.random(using: &generator) || tree == nil {
                        edits.append(.write(path: path, blob: try repository.writeBlob(Array("\(round) \(path)".utf8)),
                                            executable: Int.random(in: 0..<5, using: &generator) == 0))
                    } else {
                        edits.append(.remove(path: path))
                    }
                }
                // A path cannot be both a file and a folder: an edit that would make one is skipped.
                guard let next = try? repository.updateTree(tree, applying: edits) else { continue }
                for prefix in [nil, "a", "a/b", "a/b/c", "a/b/x.txt", "ab", "d", "missing"] as [String?] {
                    let pruned = try repository.treeDiff(from: tree, to: next, under: prefix)
                    let reference = try repository.libgit2TreeDiff(from: tree, to: next, under: prefix)
                    #expect(pruned.map(\.change) == reference.map(\.change), "round \(round), prefix \(prefix ?? "none")")
                    #expect(pruned.map(\.newKind) == reference.map(\.newKind))
                    #expect(pruned.map(\.oldKind) == reference.map(\.oldKind))
                }
                tree = next
            }
        }
    }
}
