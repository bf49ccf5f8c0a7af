import Foundation
import Git
import Testing

/// A repository whose `main` holds `base` (made with our API), with `refs/heads/mission/MC-1` created at main.
private func withBranches(
    bare: Bool, base: [String: String?] = ["README": "readme\n", "app.txt": "one\ntwo\nthree\n"],
    _ body: (Repository, String, ObjectID) throws -> Void
) throws {
    try withTemporaryDirectory { root in
        let path = root + (bare ? "/hub.git" : "/work")
        let repository = try Repository.create(at: path, bare: bare)
        let first = try repository.commitFiles(base, parent: nil, message: "base")
        try repository.updateReference("refs/heads/main", to: first, expecting: nil, logMessage: "base")
        try repository.updateReference("refs/heads/mission/MC-1", to: first, expecting: nil, logMessage: "branch")
        if !bare {
            // Bring the checkout to main as git would, so the index and files match it.
            try runGit(["reset", "-q", "--hard", "main"], in: path)
        }
        try body(repository, path, first)
    }
}

/// Commits `files` on top of the branch's tip and moves the branch there (no checkout is touched).
@discardableResult
private func commit(_ files: [String: String?], on branch: String, in repository: Repository,
                    message: String = "change") throws -> ObjectID {
    let parent = try repository.referenceTarget(branch)
    let id = try repository.commitFiles(files, parent: parent, message: message)
    try repository.updateReference(branch, to: id, expecting: parent, logMessage: message)
    return id
}

private let main = "refs/heads/main"
private let ticket = "refs/heads/mission/MC-1"

@Suite("merge", .serialized)
struct MergeTests {
    @Test func mergedTreeOfDisjointChangesHoldsBothAndMatchesGit() throws {
        try withBranches(bare: true) { repository, path, base in
            let ours = try commit(["ours.txt": "ours\n", "app.txt": "ONE\ntwo\nthree\n"], on: main, in: repository)
            let theirs = try commit(["theirs.txt": "theirs\n", "app.txt": "one\ntwo\nTHREE\n"], on: ticket, in: repository)
            let merged = try repository.mergedTree(ours: ours, theirs: theirs)
            #expect(merged.conflicts.isEmpty)
            let tree = try #require(merged.tree)
            let gitTree = try runGit(["merge-tree", "--write-tree", ours.hex, theirs.hex], in: path).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(gitTree == tree.hex)
            let contents = try repository.walkTree(tree).map(\.path)
            #expect(contents == ["README", "app.txt", "ours.txt", "theirs.txt"])
            _ = base
        }
    }

    @Test func mergedTreeListsEveryConflictingPathOnce() throws {
        try withBranches(bare: true, base: ["b.txt": "b\n", "a.txt": "a\n", "same.txt": "same\n"]) { repository, _, _ in
            let ours = try commit(["a.txt": "ours\n", "b.txt": "ours\n", "new.txt": "ours\n"], on: main, in: repository)
            let theirs = try commit(["a.txt": "theirs\n", "b.txt": nil, "new.txt": "theirs\n"], on: ticket, in: repository)
            let merged = try repository.mergedTree(ours: ours, theirs: theirs)
            #expect(merged.tree == nil)
            #expect(merged.conflicts == ["a.txt", "b.txt", "new.txt"])
        }
    }

    @Test func fastForwardsWhenTheTargetIsAnAncestor() throws {
        try withBranches(bare: true) { repository, _, base in
            let head = try commit(["feature.txt": "new\n"], on: ticket, in: repository)
            let outcome = try repository.merge(ticket, into: main, message: "Merge\n", signature: tester)
            #expect(outcome == MergeOutcome(kind: .fastForward, base: base, head: head, source: head))
            #expect(try repository.referenceTarget(main) == head)
        }
    }

    @Test func anAlreadyMergedBranchLeavesTheTargetAlone() throws {
        try withBranches(bare: true) { repository, _, base in
            let tip = try commit(["main.txt": "more\n"], on: main, in: repository)
            let outcome = try repository.merge(ticket, into: main, message: "Merge\n", signature: tester)
            #expect(outcome == MergeOutcome(kind: .upToDate, base: tip, head: tip, source: base))
            #expect(try repository.referenceTarget(main) == tip)
        }
    }

    @Test func divergedHistoriesGetAMergeCommitWithBothParents() throws {
        try withBranches(bare: true) { repository, path, _ in
            let ours = try commit(["main.txt": "main\n"], on: main, in: repository)
            let theirs = try commit(["feature.txt": "feature\n"], on: ticket, in: repository)
            let outcome = try repository.merge(ticket, into: main, message: "Merge mission/MC-1: a title\n",
                                               signature: tester)
            #expect(outcome.kind == .mergeCommit)
            #expect(outcome.base == ours && outcome.source == theirs)
            #expect(try repository.referenceTarget(main) == outcome.head)
            let merge = try repository.commit(outcome.head)
            #expect(merge.parents == [ours, theirs])
            #expect(merge.message == "Merge mission/MC-1: a title\n")
            #expect(merge.author.name == "Tester" && merge.committer.email == "tester@example.com")
            #expect(try repository.text(at: "feature.txt", in: outcome.head) == "feature\n")
            #expect(try repository.text(at: "main.txt", in: outcome.head) == "main\n")
            // git agrees it is a merge of the two, and the reflog says what moved the branch.
            #expect(try runGit(["rev-list", "--parents", "-n1", "main"], in: path).output
                == "\(outcome.head.hex) \(ours.hex) \(theirs.hex)\n")
            #expect(try runGit(["fsck", "--no-progress"], in: path).status == 0)
        }
    }

    @Test func aConflictRefusesNamingThePathsAndMovesNothing() throws {
        try withBranches(bare: true) { repository, _, _ in
            let ours = try commit(["app.txt": "one\nmain\nthree\n", "README": "main readme\n"], on: main, in: repository)
            let theirs = try commit(["app.txt": "one\nticket\nthree\n", "README": "ticket readme\n"], on: ticket,
                                    in: repository)
            let error = try #require(throws: GitError.self) {
                try repository.merge(ticket, into: main, message: "Merge\n", signature: tester)
            }
            #expect(error.code == .mergeConflict)
            #expect(error.message == "2 conflicting paths: README, app.txt")
            #expect(error.operation == "merge \(ticket) into \(main)")
            #expect(try repository.referenceTarget(main) == ours)
            #expect(try repository.referenceTarget(ticket) == theirs)
        }
    }

    @Test func missingBranchesAreNotFound() throws {
        try withBranches(bare: true) { repository, _, _ in
            let noSource = try #require(throws: GitError.self) {
                try repository.merge("refs/heads/mission/MC-9", into: main, message: "m", signature: tester)
            }
            #expect(noSource.code == .notFound)
            #expect(noSource.message == "refs/heads/mission/MC-9 does not exist")
            let noTarget = try #require(throws: GitError.self) {
                try repository.merge(ticket, into: "refs/heads/release", message: "m", signature: tester)
            }
            #expect(noTarget.code == .notFound)
        }
    }

    @Test func aCheckoutOfTheTargetFollowsAndKeepsAPersonsOtherWork() throws {
        try withBranches(bare: false) { repository, work, _ in
            try commit(["feature.txt": "feature\n", "app.txt": "one\ntwo\nTHREE\n"], on: ticket, in: repository)
            // main moves through the checkout, as a person's commit does.
            try writeFile(work + "/main.txt", "main\n")
            try runGit(["add", "main.txt"], in: work)
            try runGit(["commit", "-q", "-m", "main moves"], in: work)
            // A person's work in progress: an edit, a staged file and an untracked file, none of them merged paths.
            let edit = "readme\r\nmine: \u{00e9}dited, not committed\n"
            try writeFile(work + "/README", edit)
            try writeFile(work + "/staged.txt", "staged\n")
            try runGit(["add", "staged.txt"], in: work)
            try writeFile(work + "/scratch.txt", "untracked\n")

            let outcome = try repository.merge(ticket, into: main, message: "Merge\n", signature: tester)
            #expect(outcome.kind == .mergeCommit)
            #expect(readFile(work + "/feature.txt") == "feature\n")
            #expect(readFile(work + "/app.txt") == "one\ntwo\nTHREE\n")
            #expect(FileManager.default.contents(atPath: work + "/README") == Data(edit.utf8))
            #expect(try runGit(["status", "--porcelain"], in: work).output == " M README\nA  staged.txt\n?? scratch.txt\n")
            #expect(try runGit(["rev-parse", "HEAD"], in: work).output == outcome.head.hex + "\n")
            #expect(!FileManager.default.fileExists(atPath: work + "/.git/index.lock"))
        }
    }

    @Test func aFastForwardOfACheckoutWritesTheFiles() throws {
        try withBranches(bare: false) { repository, work, _ in
            let head = try commit(["feature.txt": "feature\n", "README": nil], on: ticket, in: repository)
            let outcome = try repository.merge(ticket, into: main, message: "Merge\n", signature: tester)
            #expect(outcome.kind == .fastForward && outcome.head == head)
            #expect(readFile(work + "/feature.txt") == "feature\n")
            #expect(!FileManager.default.fileExists(atPath: work + "/README"))
            #expect(try runGit(["status", "--porcelain"], in: work).output == "")
        }
    }

    @Test func anUncommittedEditInAMergedPathRefusesAndMovesNothing() throws {
        try withBranches(bare: false) { repository, work, _ in
            try commit(["app.txt": "one\ntwo\nTHREE\n"], on: ticket, in: repository)
            try writeFile(work + "/main.txt", "main\n")
            try runGit(["add", "main.txt"], in: work)
            try runGit(["commit", "-q", "-m", "main moves"], in: work)
            let before = try repository.referenceTarget(main)
            try writeFile(work + "/app.txt", "one\nmine\nthree\n")
            let error = try #require(throws: GitError.self) {
                try repository.merge(ticket, into: main, message: "Merge\n", signature: tester)
            }
            #expect(error.code == .uncommittedChange)
            #expect(error.message == "app.txt has uncommitted changes; commit or stash them first")
            #expect(try repository.referenceTarget(main) == before)
            #expect(readFile(work + "/app.txt") == "one\nmine\nthree\n")
            #expect(try runGit(["status", "--porcelain"], in: work).output == " M app.txt\n")
        }
    }

    @Test func aLinkedWorktreeWithTheTargetCheckedOutFollows() throws {
        try withBranches(bare: true) { repository, path, base in
            // A bare hub whose release branch is checked out in a linked worktree.
            try repository.updateReference("refs/heads/release", to: base, expecting: nil, logMessage: "release")
            let linked = path + "-release"
            _ = try repository.ensureWorktree(name: "release", branch: "refs/heads/release", base: base, path: linked)
            try commit(["feature.txt": "feature\n"], on: ticket, in: repository)
            try writeFile(linked + "/notes.txt", "a person's notes\n")
            let outcome = try repository.merge(ticket, into: "refs/heads/release", message: "Merge\n", signature: tester)
            #expect(outcome.kind == .fastForward)
            #expect(readFile(linked + "/feature.txt") == "feature\n")
            #expect(try runGit(["status", "--porcelain"], in: linked).output == "?? notes.txt\n")
        }
    }
}
