import Foundation
import Git
import Testing

/// A non-bare checkout on `main` with a first commit made by the real git.
private func withCheckout(_ body: (Repository, String, ObjectID) throws -> Void) throws {
    try withTemporaryDirectory { root in
        let work = root + "/work"
        _ = try Repository.create(at: work, bare: false)
        try writeFile(work + "/README", "readme\n")
        try writeFile(work + "/board/notes.txt", "notes\n")
        try writeFile(work + "/board/old.txt", "old\n")
        try writeFile(work + "/board/tickets/MC-1/ticket.yaml", "title: one\n")
        try runGit(["add", "-A"], in: work)
        try runGit(["commit", "-q", "-m", "init"], in: work)
        let repository = try Repository.open(at: work)
        let head = try #require(try repository.referenceTarget("refs/heads/main"))
        try body(repository, work, head)
    }
}

@Suite("advanceBranch", .serialized)
struct AdvanceBranchTests {
    @Test func keepsCheckoutCleanAndGitCommitRevertsNothing() throws {
        try withCheckout { repository, work, head in
            let next = try repository.commitFiles(
                [
                    "board/tickets/MC-1/ticket.yaml": "title: one\nstatus: done\n",
                    "board/tickets/MC-2/ticket.yaml": "title: two\n",
                    "board/old.txt": nil,
                ], parent: head, message: "board: move tickets")
            try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            // The index entries carry the written files' stat data: git sees them clean without re-reading.
            #expect(try runGit(["diff-files", "--name-only"], in: work).output == "")

            #expect(try repository.referenceTarget("refs/heads/main") == next)
            #expect(readFile(work + "/board/tickets/MC-1/ticket.yaml") == "title: one\nstatus: done\n")
            #expect(readFile(work + "/board/tickets/MC-2/ticket.yaml") == "title: two\n")
            #expect(!FileManager.default.fileExists(atPath: work + "/board/old.txt"))
            #expect(!FileManager.default.fileExists(atPath: work + "/.git/index.lock"))
            #expect(try runGit(["status", "--porcelain"], in: work).output == "")

            // Removing the last file of a folder removes the folder, as git checkout does.
            let third = try repository.commitFiles(["board/tickets/MC-2/ticket.yaml": nil], parent: next)
            try repository.advanceBranch("refs/heads/main", from: next, to: third, logMessage: "mission: advance")
            #expect(!FileManager.default.fileExists(atPath: work + "/board/tickets/MC-2"))
            #expect(FileManager.default.fileExists(atPath: work + "/board/tickets/MC-1/ticket.yaml"))
            #expect(try runGit(["status", "--porcelain"], in: work).output == "")

            // The person's next commit records nothing of ours as reverted or deleted.
            try runGit(["commit", "-q", "-a", "--allow-empty", "-m", "x"], in: work)
            let stat = try runGit(["show", "--stat", "--format=%s", "HEAD"], in: work).output
            #expect(stat.trimmingCharacters(in: .whitespacesAndNewlines) == "x")
            let personTree = try runGit(["rev-parse", "HEAD^{tree}"], in: work).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(personTree == (try repository.commit(third).tree.hex))
            #expect(try runGit(["rev-parse", "HEAD^"], in: work).output.hasPrefix(third.hex))
        }
    }

    @Test func refusesToOverwriteUncommittedEdit() throws {
        try withCheckout { repository, work, head in
            let path = work + "/board/tickets/MC-1/ticket.yaml"
            let edit = "title: one\r\nmine: \u{00e9}dited by a person\n"
            try writeFile(path, edit)
            let next = try repository.commitFiles(
                ["board/tickets/MC-1/ticket.yaml": "title: ours\n", "board/tickets/MC-3/ticket.yaml": "new\n"],
                parent: head)
            let error = try #require(throws: GitError.self) {
                try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            }
            #expect(error.code == .uncommittedChange)
            #expect(error.message
                == "board/tickets/MC-1/ticket.yaml has uncommitted changes; commit or stash them first")
            #expect(error.operation == "advance refs/heads/main to \(next.short)")
            #expect(FileManager.default.contents(atPath: path) == Data(edit.utf8))
            #expect(!FileManager.default.fileExists(atPath: work + "/board/tickets/MC-3"))
            #expect(try repository.referenceTarget("refs/heads/main") == head)
            #expect(!FileManager.default.fileExists(atPath: work + "/.git/index.lock"))
            #expect(try runGit(["status", "--porcelain"], in: work).output == " M board/tickets/MC-1/ticket.yaml\n")
        }
    }

    @Test func refusesWhenStagedContentDiffers() throws {
        try withCheckout { repository, work, head in
            try writeFile(work + "/board/notes.txt", "staged by a person\n")
            try runGit(["add", "board/notes.txt"], in: work)
            // The working file matches neither side once the person restores it, but the index does not match either.
            try writeFile(work + "/board/notes.txt", "notes\n")
            let next = try repository.commitFiles(["board/notes.txt": "ours\n"], parent: head)
            let error = try #require(throws: GitError.self) {
                try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            }
            #expect(error.code == .uncommittedChange)
            #expect(error.message.hasPrefix("board/notes.txt has uncommitted changes"))
            #expect(try repository.referenceTarget("refs/heads/main") == head)
            #expect(try runGit(["diff", "--cached", "--name-only"], in: work).output == "board/notes.txt\n")
        }
    }

    @Test func refusesToOverwriteUntrackedFile() throws {
        try withCheckout { repository, work, head in
            try writeFile(work + "/board/tickets/MC-4/ticket.yaml", "a person's draft\n")
            let next = try repository.commitFiles(["board/tickets/MC-4/ticket.yaml": "ours\n"], parent: head)
            let error = try #require(throws: GitError.self) {
                try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            }
            #expect(error.code == .uncommittedChange)
            #expect(readFile(work + "/board/tickets/MC-4/ticket.yaml") == "a person's draft\n")
            #expect(try repository.referenceTarget("refs/heads/main") == head)
        }
    }

    @Test func writesExecutableFiles() throws {
        try withCheckout { repository, work, head in
            let script = try repository.writeBlob(Array("#!/bin/sh\necho hi\n".utf8))
            let tree = try repository.updateTree(
                try repository.commit(head).tree, applying: [.write(path: "bin/run.sh", blob: script, executable: true)])
            let next = try repository.createCommit(
                tree: tree, parents: [head], author: tester, committer: tester, message: "add script")
            try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            let attributes = try FileManager.default.attributesOfItem(atPath: work + "/bin/run.sh")
            let permissions = try #require(attributes[.posixPermissions] as? Int)
            #expect(permissions & 0o100 != 0)
            #expect(try runGit(["status", "--porcelain"], in: work).output == "")
            #expect(try runGit(["ls-files", "-s", "bin/run.sh"], in: work).output.hasPrefix("100755 \(script.hex)"))
        }
    }

    @Test func acceptsWorkingFileAlreadyHoldingNewContent() throws {
        try withCheckout { repository, work, head in
            try writeFile(work + "/board/notes.txt", "ours\n")
            let next = try repository.commitFiles(["board/notes.txt": "ours\n"], parent: head)
            try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            #expect(try repository.referenceTarget("refs/heads/main") == next)
            #expect(try runGit(["status", "--porcelain"], in: work).output == "")
        }
    }

    @Test func leavesUnrelatedStagedWorkStaged() throws {
        try withCheckout { repository, work, head in
            try writeFile(work + "/person.txt", "work in progress\n")
            try writeFile(work + "/README", "readme, edited\n")
            try runGit(["add", "person.txt"], in: work)
            let next = try repository.commitFiles(["board/tickets/MC-1/ticket.yaml": "title: changed\n"], parent: head)
            try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            #expect(try repository.referenceTarget("refs/heads/main") == next)
            #expect(try runGit(["status", "--porcelain"], in: work).output == " M README\nA  person.txt\n")
            #expect(readFile(work + "/README") == "readme, edited\n")
            try runGit(["commit", "-q", "-m", "person"], in: work)
            let show = try runGit(["show", "--name-status", "--format=", "HEAD"], in: work).output
            #expect(show == "A\tperson.txt\n")
            #expect(try runGit(["show", "HEAD:board/tickets/MC-1/ticket.yaml"], in: work).output == "title: changed\n")
        }
    }

    @Test func heldIndexLockFailsWithoutMovingTheBranch() throws {
        try withCheckout { repository, work, head in
            let lock = work + "/.git/index.lock"
            #expect(FileManager.default.createFile(atPath: lock, contents: Data("theirs".utf8)))
            let next = try repository.commitFiles(["board/notes.txt": "ours\n"], parent: head)
            let error = try #require(throws: GitError.self) {
                try repository.advanceBranch("refs/heads/main", from: head, to: next, logMessage: "mission: advance")
            }
            #expect(error.code == .locked)
            #expect(error.message.contains("another git process holds the index lock"))
            #expect(try repository.referenceTarget("refs/heads/main") == head)
            // Their lock file is theirs: still there, untouched.
            #expect(readFile(lock) == "theirs")
            #expect(readFile(work + "/board/notes.txt") == "notes\n")
        }
    }

    @Test func staleExpectationLeavesEverythingAlone() throws {
        try withCheckout { repository, work, head in
            let next = try repository.commitFiles(["board/notes.txt": "ours\n"], parent: head)
            let other = try repository.commitFiles(["board/notes.txt": "other\n"], parent: head)
            let error = try #require(throws: GitError.self) {
                try repository.advanceBranch("refs/heads/main", from: other, to: next, logMessage: "mission: advance")
            }
            #expect(error.code == .referenceMoved)
            #expect(try repository.referenceTarget("refs/heads/main") == head)
            #expect(readFile(work + "/board/notes.txt") == "notes\n")
            #expect(!FileManager.default.fileExists(atPath: work + "/.git/index.lock"))
            #expect(try runGit(["status", "--porcelain"], in: work).output == "")
        }
    }

    @Test func otherBranchOnlyMovesTheReference() throws {
        try withCheckout { repository, work, head in
            let next = try repository.commitFiles(["board/notes.txt": "ours\n"], parent: head)
            try repository.advanceBranch("refs/heads/board", from: nil, to: next, logMessage: "mission: create")
            #expect(try repository.referenceTarget("refs/heads/board") == next)
            #expect(readFile(work + "/board/notes.txt") == "notes\n")
            #expect(try runGit(["status", "--porcelain"], in: work).output == "")
        }
    }

    @Test func firstCommitOnUnbornBranchChecksOut() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root + "/work", bare: false)
            let first = try repository.commitFiles(["board/tickets/MC-1/ticket.yaml": "one\n"], parent: nil)
            try repository.advanceBranch("refs/heads/main", from: nil, to: first, logMessage: "mission: init")
            #expect(readFile(root + "/work/board/tickets/MC-1/ticket.yaml") == "one\n")
            #expect(try runGit(["status", "--porcelain"], in: root + "/work").output == "")
        }
    }

    @Test func bareRepositoryOnlyMovesTheReference() throws {
        try withTemporaryDirectory { root in
            let repository = try Repository.create(at: root, bare: true)
            let first = try repository.commitFiles(["a": "1"], parent: nil)
            try repository.advanceBranch("refs/heads/main", from: nil, to: first, logMessage: "mission: init")
            #expect(try repository.referenceTarget("refs/heads/main") == first)
            #expect(!FileManager.default.fileExists(atPath: root + "/index"))
        }
    }
}
