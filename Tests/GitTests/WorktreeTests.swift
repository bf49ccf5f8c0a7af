import Foundation
import Git
import Testing

/// A repository with a first commit on `main`, bare (hub mode) or with a checkout made by the real git.
private struct Board {
    let repository: Repository
    /// Where to run git for the repository: the checkout, or the bare folder.
    let gitPath: String
    /// The temporary folder everything lives in.
    let root: String
    /// The first commit on `main`.
    let base: ObjectID
    let bare: Bool

    static let ticketBranch = "refs/heads/mission/MC-7K3Q"
    static let worktreeName = "mission-MC-7K3Q"

    /// Where the ticket's worktree goes; its parent folders do not exist yet.
    var worktreePath: String { root + "/sessions/worktrees/MC-7K3Q" }

    /// The main checkout's state that must never change: HEAD, the branch it names, its index and its status.
    func mainState() throws -> [String] {
        var state = [
            try runGit(["symbolic-ref", "HEAD"], in: gitPath).output,
            try runGit(["rev-parse", "refs/heads/main"], in: gitPath).output,
        ]
        if !bare {
            state.append(try runGit(["status", "--porcelain"], in: gitPath).output)
            let index = try #require(FileManager.default.contents(atPath: gitPath + "/.git/index"))
            state.append(index.base64EncodedString())
        }
        return state
    }
}

private func withBoard(bare: Bool, _ body: (Board) throws -> Void) throws {
    try withTemporaryDirectory { root in
        let files = [
            "README": "one\ntwo\nthree\n",
            ".gitignore": "build/\n",
            "board/old.txt": "old\n",
            "docs/guide.md": (1...12).map { "Line \($0) of the guide, long enough to be recognised.\n" }.joined(),
        ]
        if bare {
            let path = root + "/hub.git"
            let repository = try Repository.create(at: path, bare: true)
            let base = try repository.commitFiles(files, parent: nil, message: "init")
            try repository.updateReference("refs/heads/main", to: base, expecting: nil, logMessage: "init")
            try body(Board(repository: repository, gitPath: path, root: root, base: base, bare: true))
        } else {
            let path = root + "/work"
            _ = try Repository.create(at: path, bare: false)
            for (file, text) in files {
                try writeFile(path + "/" + file, text)
            }
            try runGit(["add", "-A"], in: path)
            try runGit(["commit", "-q", "-m", "init"], in: path)
            let repository = try Repository.open(at: path)
            let base = try #require(try repository.referenceTarget("refs/heads/main"))
            try body(Board(repository: repository, gitPath: path, root: root, base: base, bare: false))
        }
    }
}

private func ensure(_ board: Board) throws -> PreparedWorktree {
    try board.repository.ensureWorktree(
        name: Board.worktreeName, branch: Board.ticketBranch, base: board.base, path: board.worktreePath)
}

private func exists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path)
}

private func trimmed(_ text: String) -> String {
    text.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Worktrees and change records", .serialized)
struct WorktreeTests {
    @Test(arguments: [false, true])
    func sessionRoundTrip(bare: Bool) throws {
        try withBoard(bare: bare) { board in
            let repository = board.repository
            let before = try board.mainState()

            // Create: branch at base, worktree checked out on it, parent folders made.
            let prepared = try ensure(board)
            #expect(prepared.outcome == .created)
            #expect(prepared.createdBranch)
            let worktree = prepared.worktree
            #expect(worktree.name == Board.worktreeName)
            #expect(worktree.path == board.worktreePath)
            #expect(worktree.branch == Board.ticketBranch)
            #expect(worktree.head == board.base)
            #expect(worktree.isValid && !worktree.isLocked && !worktree.isPrunable)
            #expect(try repository.referenceTarget(Board.ticketBranch) == board.base)
            #expect(readFile(worktree.path + "/README") == "one\ntwo\nthree\n")
            #expect(try repository.worktrees() == [worktree])

            // git itself sees the worktree on its branch, clean.
            let listing = try runGit(["worktree", "list", "--porcelain"], in: board.gitPath).output
            #expect(listing.contains("worktree \(worktree.path)\nHEAD \(board.base.hex)\nbranch \(Board.ticketBranch)\n"))
            #expect(trimmed(try runGit(["symbolic-ref", "HEAD"], in: worktree.path).output) == Board.ticketBranch)
            #expect(try runGit(["status", "--porcelain"], in: worktree.path).output == "")

            // Nothing written yet: nothing to commit.
            #expect(try repository.commitLeftovers(worktreePath: worktree.path, message: "nothing", author: tester) == nil)

            // The agent edits, adds, deletes, renames, writes a binary file and a build product.
            try writeFile(worktree.path + "/README", "one\n2\nthree\nfour\n")
            try writeFile(worktree.path + "/src/new.swift", "a\nb\nc\n")
            try FileManager.default.removeItem(atPath: worktree.path + "/board/old.txt")
            try FileManager.default.moveItem(atPath: worktree.path + "/docs/guide.md", toPath: worktree.path + "/docs/manual.md")
            try Data([0, 1, 2, 0, 255, 0]).write(to: URL(fileURLWithPath: worktree.path + "/logo.bin"))
            try writeFile(worktree.path + "/build/out.o", "object code\n")

            let message = "Rename the guide and add new.swift\n\nThe agent's summary."
            let commit = try #require(
                try repository.commitLeftovers(worktreePath: worktree.path, message: message, author: tester))
            #expect(try repository.referenceTarget(Board.ticketBranch) == commit)
            let recorded = try repository.commit(commit)
            #expect(recorded.parents == [board.base])
            #expect(recorded.message == message)
            #expect(recorded.author.name == tester.name)
            #expect(try repository.text(at: "src/new.swift", in: commit) == "a\nb\nc\n")
            #expect(try repository.text(at: "build/out.o", in: commit) == nil)
            #expect(try repository.text(at: "board/old.txt", in: commit) == nil)
            // The worktree's own index was written: git sees it clean, the ignored file still on disk.
            #expect(try runGit(["status", "--porcelain"], in: worktree.path).output == "")
            #expect(readFile(worktree.path + "/build/out.o") == "object code\n")
            #expect(try repository.commitLeftovers(worktreePath: worktree.path, message: "again", author: tester) == nil)

            // The change record counts exactly what git counts.
            let record = try repository.changeRecord(base: board.base, head: commit)
            #expect(record.base == board.base)
            #expect(record.head == commit)
            #expect(record.files == [
                ChangedFile(path: "README", status: .modified, insertions: 2, deletions: 1),
                ChangedFile(path: "board/old.txt", status: .deleted, insertions: 0, deletions: 1),
                ChangedFile(path: "docs/manual.md", oldPath: "docs/guide.md", status: .renamed, insertions: 0, deletions: 0),
                ChangedFile(path: "logo.bin", status: .added, insertions: 0, deletions: 0, isBinary: true),
                ChangedFile(path: "src/new.swift", status: .added, insertions: 3, deletions: 0),
            ])
            #expect(record.insertions == 5)
            #expect(record.deletions == 2)
            let numstat = try runGit(["diff", "--numstat", "-M", board.base.hex, commit.hex], in: board.gitPath).output
            #expect(numstat.split(separator: "\n").map(String.init) == [
                "2\t1\tREADME", "0\t1\tboard/old.txt", "0\t0\tdocs/{guide.md => manual.md}", "-\t-\tlogo.bin",
                "3\t0\tsrc/new.swift",
            ])

            // Reuse keeps uncommitted files; the next round commits them.
            try writeFile(worktree.path + "/notes.txt", "round two\n")
            let reused = try ensure(board)
            #expect(reused.outcome == .reused)
            #expect(!reused.createdBranch)
            #expect(reused.worktree.head == commit)
            #expect(readFile(worktree.path + "/notes.txt") == "round two\n")
            let second = try #require(
                try repository.commitLeftovers(worktreePath: worktree.path, message: "Round two", author: tester))
            #expect(try repository.commit(second).parents == [commit])
            let secondRecord = try repository.changeRecord(base: commit, head: second)
            #expect(secondRecord.files == [ChangedFile(path: "notes.txt", status: .added, insertions: 1, deletions: 0)])

            // None of this touched the main checkout.
            #expect(try board.mainState() == before)

            // Closing the ticket: the unmerged branch stays, the worktree goes.
            let removal = try repository.removeWorktree(
                name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main")
            #expect(removal == WorktreeRemoval(removedWorktree: true, branch: .keptUnmerged(head: second)))
            #expect(!exists(worktree.path))
            #expect(!exists(repository.gitDirectory + "/worktrees/" + Board.worktreeName))
            #expect(try repository.worktrees() == [])
            #expect(try repository.referenceTarget(Board.ticketBranch) == second)
            #expect(!(try runGit(["worktree", "list", "--porcelain"], in: board.gitPath).output).contains(worktree.path))
            #expect(try board.mainState() == before)
        }
    }

    @Test(arguments: [false, true])
    func unmergedBranchMovesToKeepReference(bare: Bool) throws {
        try withBoard(bare: bare) { board in
            let repository = board.repository
            let path = try ensure(board).worktree.path
            try writeFile(path + "/work.txt", "done\n")
            let head = try #require(try repository.commitLeftovers(worktreePath: path, message: "Work", author: tester))

            let keep = "refs/mission/kept/MC-7K3Q"
            let removal = try repository.removeWorktree(
                name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main", keepReference: keep)
            #expect(removal == WorktreeRemoval(removedWorktree: true, branch: .movedToKeepReference(keep, head: head)))
            #expect(try repository.referenceTarget(Board.ticketBranch) == nil)
            #expect(try repository.referenceTarget(keep) == head)
            // The commits are still reachable by a reference, as git sees it.
            #expect(trimmed(try runGit(["for-each-ref", "--contains", head.hex, "--format=%(refname)"], in: board.gitPath).output) == keep)
            #expect(!exists(path))

            // Running it again finds nothing left to do and loses nothing.
            let again = try repository.removeWorktree(
                name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main", keepReference: keep)
            #expect(again == WorktreeRemoval(removedWorktree: false, branch: .absent))
            #expect(try repository.referenceTarget(keep) == head)
        }
    }

    @Test(arguments: [false, true])
    func mergedBranchIsDeleted(bare: Bool) throws {
        try withBoard(bare: bare) { board in
            let repository = board.repository
            let path = try ensure(board).worktree.path
            try writeFile(path + "/work.txt", "done\n")
            let head = try #require(try repository.commitLeftovers(worktreePath: path, message: "Work", author: tester))
            // The work lands on main, then main moves on.
            if bare {
                try repository.updateReference("refs/heads/main", to: head, expecting: board.base, logMessage: "merge")
            } else {
                try runGit(["merge", "-q", "--ff-only", "mission/MC-7K3Q"], in: board.gitPath)
            }
            let later = try repository.commitFiles(["later.txt": "later\n"], parent: head)
            try repository.updateReference("refs/heads/main", to: later, expecting: head, logMessage: "later")

            let removal = try repository.removeWorktree(
                name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main",
                keepReference: "refs/mission/kept/MC-7K3Q")
            #expect(removal == WorktreeRemoval(removedWorktree: true, branch: .deletedMerged(head: head)))
            #expect(try repository.referenceTarget(Board.ticketBranch) == nil)
            #expect(try repository.referenceTarget("refs/mission/kept/MC-7K3Q") == nil)
            #expect(try runGit(["for-each-ref", "refs/heads/mission"], in: board.gitPath).output == "")
            #expect(!exists(path))
        }
    }

    @Test(arguments: [false, true])
    func deletedFolderIsRecreated(bare: Bool) throws {
        try withBoard(bare: bare) { board in
            let repository = board.repository
            let path = try ensure(board).worktree.path
            try writeFile(path + "/work.txt", "done\n")
            let head = try #require(try repository.commitLeftovers(worktreePath: path, message: "Work", author: tester))
            try FileManager.default.removeItem(atPath: path)

            let stale = try #require(try repository.worktree(named: Board.worktreeName))
            #expect(!stale.isValid && stale.isPrunable)
            #expect(stale.branch == Board.ticketBranch)
            #expect(stale.head == head)

            let prepared = try ensure(board)
            #expect(prepared.outcome == .recreated)
            #expect(!prepared.createdBranch)
            #expect(prepared.worktree.isValid)
            #expect(prepared.worktree.head == head)
            // Checked out from the branch's head, not the base.
            #expect(readFile(path + "/work.txt") == "done\n")
            #expect(try runGit(["status", "--porcelain"], in: path).output == "")
            let listing = try runGit(["worktree", "list", "--porcelain"], in: board.gitPath).output
            #expect(listing.contains("worktree \(path)\nHEAD \(head.hex)\nbranch \(Board.ticketBranch)\n"))
            #expect(!listing.contains("prunable"))
        }
    }

    @Test func refusesToRemoveUncommittedWork() throws {
        try withBoard(bare: false) { board in
            let repository = board.repository
            let path = try ensure(board).worktree.path
            try writeFile(path + "/unsaved.txt", "work in progress\n")
            let error = try #require(throws: GitError.self) {
                try repository.removeWorktree(
                    name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main")
            }
            #expect(error.code == .uncommittedChange)
            #expect(readFile(path + "/unsaved.txt") == "work in progress\n")
            #expect(try repository.worktree(named: Board.worktreeName)?.isValid == true)

            // Ignored files are build products: they do not stop the removal.
            try FileManager.default.removeItem(atPath: path + "/unsaved.txt")
            try writeFile(path + "/build/cache", "x\n")
            let removal = try repository.removeWorktree(
                name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main")
            // The branch never got a commit of its own: it is merged, and goes.
            #expect(removal == WorktreeRemoval(removedWorktree: true, branch: .deletedMerged(head: board.base)))
            #expect(!exists(path))
        }
    }

    @Test func refusesToRemoveADetachedHeadNoBranchHas() throws {
        try withBoard(bare: true) { board in
            let repository = board.repository
            let path = try ensure(board).worktree.path
            try runGit(["checkout", "-q", "--detach"], in: path)
            try writeFile(path + "/stray.txt", "stray\n")
            try runGit(["add", "stray.txt"], in: path)
            try runGit(["commit", "-q", "-m", "stray"], in: path)
            let error = try #require(throws: GitError.self) {
                try repository.removeWorktree(
                    name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main")
            }
            #expect(error.code == .uncommittedChange)
            #expect(readFile(path + "/stray.txt") == "stray\n")
            // A commit on a detached HEAD would belong to no branch: commitLeftovers refuses too.
            try writeFile(path + "/more.txt", "more\n")
            let detached = try #require(throws: GitError.self) {
                try repository.commitLeftovers(worktreePath: path, message: "x", author: tester)
            }
            #expect(detached.code == .invalid)
        }
    }

    @Test func keepsABranchCheckedOutElsewhere() throws {
        try withBoard(bare: false) { board in
            let repository = board.repository
            _ = try ensure(board)
            // A person checks the ticket branch out in a worktree of their own.
            try runGit(["worktree", "add", "-q", "-f", board.root + "/mine", "mission/MC-7K3Q"], in: board.gitPath)
            let removal = try repository.removeWorktree(
                name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main")
            #expect(removal == WorktreeRemoval(removedWorktree: true, branch: .keptCheckedOut(head: board.base)))
            #expect(!exists(board.worktreePath))
            #expect(try repository.referenceTarget(Board.ticketBranch) == board.base)
            #expect(readFile(board.root + "/mine/README") == "one\ntwo\nthree\n")
        }
    }

    @Test func clearsAnAdminFolderLeftHalfWritten() throws {
        try withBoard(bare: false) { board in
            // What a crash inside git_worktree_add leaves: libgit2 then refuses the name and every branch.
            let admin = board.repository.gitDirectory + "/worktrees/" + Board.worktreeName
            try FileManager.default.createDirectory(atPath: admin, withIntermediateDirectories: true)
            let prepared = try ensure(board)
            #expect(prepared.outcome == .created)
            #expect(prepared.worktree.isValid)
            #expect(exists(admin + "/gitdir"))
        }
    }

    @Test func refusesToOverwriteAnUnrelatedKeepReference() throws {
        try withBoard(bare: true) { board in
            let repository = board.repository
            let path = try ensure(board).worktree.path
            try writeFile(path + "/work.txt", "done\n")
            let head = try #require(try repository.commitLeftovers(worktreePath: path, message: "Work", author: tester))
            let keep = "refs/mission/kept/MC-7K3Q"
            let other = try repository.commitFiles(["other.txt": "other\n"], parent: board.base)
            try repository.updateReference(keep, to: other, expecting: nil, logMessage: "other")

            let error = try #require(throws: GitError.self) {
                try repository.removeWorktree(
                    name: Board.worktreeName, branch: Board.ticketBranch, mergedInto: "refs/heads/main",
                    keepReference: keep)
            }
            #expect(error.code == .exists)
            // Nothing was removed.
            #expect(exists(path + "/work.txt"))
            #expect(try repository.referenceTarget(Board.ticketBranch) == head)
            #expect(try repository.referenceTarget(keep) == other)
        }
    }

    @Test func ignoredFilesAloneAreNothingToCommit() throws {
        try withBoard(bare: false) { board in
            let path = try ensure(board).worktree.path
            try writeFile(path + "/build/out.o", "object code\n")
            #expect(try board.repository.commitLeftovers(worktreePath: path, message: "x", author: tester) == nil)
            #expect(try board.repository.referenceTarget(Board.ticketBranch) == board.base)
        }
    }

    @Test func commitLeftoversOnlyInItsOwnWorktrees() throws {
        try withBoard(bare: false) { board in
            let other = board.root + "/other"
            _ = try Repository.create(at: other, bare: false)
            try writeFile(other + "/file", "x\n")
            let error = try #require(throws: GitError.self) {
                try board.repository.commitLeftovers(worktreePath: other, message: "x", author: tester)
            }
            #expect(error.code == .invalid)
        }
    }

    @Test func rejectsBadNamesAndOccupiedPaths() throws {
        try withBoard(bare: false) { board in
            let repository = board.repository
            let slash = try #require(throws: GitError.self) {
                try repository.ensureWorktree(
                    name: "mission/MC-7K3Q", branch: Board.ticketBranch, base: board.base, path: board.worktreePath)
            }
            #expect(slash.code == .invalid)
            let shortBranch = try #require(throws: GitError.self) {
                try repository.ensureWorktree(
                    name: Board.worktreeName, branch: "mission/MC-7K3Q", base: board.base, path: board.worktreePath)
            }
            #expect(shortBranch.code == .invalid)

            try writeFile(board.worktreePath + "/somebody.txt", "mine\n")
            let occupied = try #require(throws: GitError.self) { try ensure(board) }
            #expect(occupied.code == .exists)
            #expect(readFile(board.worktreePath + "/somebody.txt") == "mine\n")
            #expect(try repository.worktrees() == [])
            #expect(!exists(repository.gitDirectory + "/worktrees/" + Board.worktreeName))

            // An empty folder is fine, as with git worktree add.
            try FileManager.default.removeItem(atPath: board.worktreePath + "/somebody.txt")
            #expect(try ensure(board).outcome == .created)

            // The same name elsewhere is refused rather than moved.
            let elsewhere = try #require(throws: GitError.self) {
                try repository.ensureWorktree(
                    name: Board.worktreeName, branch: Board.ticketBranch, base: board.base, path: board.root + "/x")
            }
            #expect(elsewhere.code == .exists)
        }
    }
}
