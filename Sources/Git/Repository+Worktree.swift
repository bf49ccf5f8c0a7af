internal import CLibGit2
internal import Foundation

/// A linked working tree of a repository (what `git worktree list` shows besides the main checkout).
public struct Worktree: Sendable, Hashable {
    /// The name of its admin folder under `<git dir>/worktrees/`, e.g. "mission-MC-7K3Q".
    public let name: String
    /// The working tree's absolute path without a trailing slash.
    public let path: String
    /// The full name of the branch its HEAD names, e.g. "refs/heads/mission/MC-7K3Q"; nil when detached.
    public let branch: String?
    /// The commit its HEAD points at; nil when the branch has no commits or HEAD is unreadable.
    public let head: ObjectID?
    /// Whether its folder and admin entry are both intact.
    public let isValid: Bool
    /// Whether it is locked against pruning (`git worktree lock`).
    public let isLocked: Bool

    /// Whether `git worktree prune` would drop it: its folder is gone and nobody locked it.
    public var isPrunable: Bool { !isValid && !isLocked }

    /// Makes a worktree value.
    public init(name: String, path: String, branch: String?, head: ObjectID?, isValid: Bool, isLocked: Bool) {
        self.name = name
        self.path = path
        self.branch = branch
        self.head = head
        self.isValid = isValid
        self.isLocked = isLocked
    }
}

/// A session's worktree after `Repository.ensureWorktree`, and what it took to get there.
public struct PreparedWorktree: Sendable, Hashable {
    /// How the worktree came to be.
    public enum Outcome: String, Sendable, Hashable {
        /// There was none; it was made.
        case created
        /// A valid one was there and is used as it is, files and all.
        case reused
        /// Its folder had been deleted: the stale admin entry was pruned and the worktree made again.
        case recreated
    }

    /// The worktree, read back from disk.
    public let worktree: Worktree
    /// Whether it was made, reused or made again.
    public let outcome: Outcome
    /// Whether the branch was created at the requested base (false: it existed and was kept as it was).
    public let createdBranch: Bool

    /// Makes a prepared worktree value.
    public init(worktree: Worktree, outcome: Outcome, createdBranch: Bool) {
        self.worktree = worktree
        self.outcome = outcome
        self.createdBranch = createdBranch
    }
}

/// What `Repository.removeWorktree` did.
public struct WorktreeRemoval: Sendable, Hashable {
    /// What happened to the worktree's branch.
    public enum BranchOutcome: Sendable, Hashable {
        /// The branch did not exist.
        case absent
        /// The branch's head was reachable from the merge target, so the branch was deleted.
        case deletedMerged(head: ObjectID)
        /// The branch was not merged: a keep reference now points at its head and the branch was deleted.
        case movedToKeepReference(String, head: ObjectID)
        /// The branch was not merged and no keep reference was asked for, so it stays.
        case keptUnmerged(head: ObjectID)
        /// Another worktree (or the main checkout) has the branch checked out, so it stays.
        case keptCheckedOut(head: ObjectID)
    }

    /// Whether a worktree (folder and admin entry, or a stale entry alone) was there and is now gone.
    public let removedWorktree: Bool
    /// What happened to the branch.
    public let branch: BranchOutcome

    /// Makes a removal value.
    public init(removedWorktree: Bool, branch: BranchOutcome) {
        self.removedWorktree = removedWorktree
        self.branch = branch
    }
}

extension Repository {
    /// The linked worktrees in the order git lists them, including stale ones whose folder is gone.
    public func worktrees() throws(GitError) -> [Worktree] {
        var names = git_strarray()
        try LibGit2.check(git_worktree_list(&names, handle), "list worktrees")
        defer { git_strarray_dispose(&names) }
        var worktrees: [Worktree] = []
        for index in 0..<names.count {
            guard let name = String(optionalCString: names.strings[index]) else { continue }
            if let worktree = try worktree(named: name) {
                worktrees.append(worktree)
            }
        }
        return worktrees
    }

    /// The valid linked worktree whose HEAD names `branch`, if any. Reads each admin folder's HEAD file alone,
    /// so it stays cheap with many ticket worktrees.
    public func worktree(holding branch: String) throws(GitError) -> Worktree? {
        var names = git_strarray()
        try LibGit2.check(git_worktree_list(&names, handle), "list worktrees")
        defer { git_strarray_dispose(&names) }
        for index in 0..<names.count {
            guard let name = String(optionalCString: names.strings[index]),
                  try adminHead(name, "read worktree \(name)").0 == branch else { continue }
            if let worktree = try worktree(named: name), worktree.isValid { return worktree }
        }
        return nil
    }

    /// The linked worktree `name`; nil when it has no admin folder.
    public func worktree(named name: String) throws(GitError) -> Worktree? {
        let operation = "read worktree \(name)"
        try Self.checkWorktreeName(name, operation)
        guard FileManager.default.fileExists(atPath: adminFolder(name)) else { return nil }
        var worktree: OpaquePointer?
        try LibGit2.check(git_worktree_lookup(&worktree, handle, name), operation)
        defer { git_worktree_free(worktree) }
        let locked = git_worktree_is_locked(nil, worktree)
        try LibGit2.check(locked, operation)
        let path = Self.withoutTrailingSlash(String(optionalCString: git_worktree_path(worktree)) ?? "")
        // Read HEAD from the admin folder rather than opening the worktree: that works for stale ones too.
        let (branch, head) = try adminHead(name, operation)
        return Worktree(
            name: name, path: path, branch: branch, head: head,
            isValid: git_worktree_validate(worktree) == 0, isLocked: locked > 0)
    }

    /// Makes sure the linked worktree `name` exists at `path` with `branch` checked out, creating the branch at
    /// `base` if it does not exist yet.
    ///
    /// `branch` is a full name under `refs/heads/`; `name` (the admin folder, without slashes) is usually the
    /// branch name with slashes replaced, e.g. "mission-MC-7K3Q". A valid worktree is reused as it is, files
    /// and all; one whose folder was deleted is pruned and made again from the branch's current head. Missing
    /// parent folders of `path` are created; an existing empty folder is used, anything else in the way is
    /// `.exists`. Works for bare and non-bare repositories and never touches the main checkout's index,
    /// files or HEAD. Throws `.exists` when the worktree lives elsewhere and `.invalid` when it has another
    /// branch (or a detached HEAD) checked out.
    public func ensureWorktree(name: String, branch: String, base: ObjectID, path: String) throws(GitError)
        -> PreparedWorktree
    {
        let operation = "prepare worktree \(name) at \(path)"
        try Self.checkWorktreeName(name, operation)
        try Self.checkBranchName(branch, operation)
        let path = Self.canonicalPath(path)

        let createdBranch = try createBranchIfMissing(branch, at: base, operation)

        var outcome = PreparedWorktree.Outcome.created
        removeBrokenAdminFolder(name)
        if let existing = try worktree(named: name) {
            if existing.isValid {
                guard existing.path == path else {
                    throw GitError(
                        code: .exists, operation: operation,
                        message: "worktree \(name) already exists at \(existing.path)")
                }
                guard existing.branch == branch else {
                    throw GitError(
                        code: .invalid, operation: operation,
                        message: "worktree \(name) has \(existing.branch ?? "a detached HEAD") checked out, not \(branch)")
                }
                return PreparedWorktree(worktree: existing, outcome: .reused, createdBranch: createdBranch)
            }
            // The folder is gone: drop the stale entry (never a locked one) so the branch can be checked out again.
            try pruneWorktree(name, flags: 0, operation)
            outcome = .recreated
        }

        try clearWay(to: path, operation)
        try addWorktree(name: name, branch: branch, path: path, operation)
        guard let created = try worktree(named: name) else {
            throw GitError(code: .notFound, operation: operation, message: "worktree \(name) vanished after it was made")
        }
        return PreparedWorktree(worktree: created, outcome: outcome, createdBranch: createdBranch)
    }

    /// Commits whatever the linked worktree at `worktreePath` holds beyond its HEAD, on the branch HEAD names.
    ///
    /// Stages everything as `git add -A` does (modified and new files, honouring `.gitignore`, and deletions),
    /// writes the worktree's own index, and commits with `message`, `author` as author and committer. Returns
    /// the new commit, or nil when the files already match HEAD. The branch moves by compare-and-swap, so a
    /// concurrent commit there makes this throw `.referenceMoved` rather than drop it. Throws `.invalid` for a
    /// folder that is not a worktree of this repository or a detached HEAD (a commit there would be on no branch).
    public func commitLeftovers(worktreePath: String, message: String, author: Signature) throws(GitError) -> ObjectID? {
        let operation = "commit leftovers in \(worktreePath)"
        let worktree = try Repository.open(at: worktreePath)
        guard !worktree.isBare,
            Self.canonicalPath(worktree.commonDirectory) == Self.canonicalPath(commonDirectory)
        else {
            throw GitError(
                code: .invalid, operation: operation, message: "\(worktreePath) is not a worktree of \(gitDirectory)")
        }
        guard let branch = try worktree.headBranch() else {
            throw GitError(code: .invalid, operation: operation, message: "HEAD is detached; commit on a branch")
        }
        let parent = try worktree.referenceTarget(branch)
        let tree = try worktree.stageEverything(operation)
        let parentTree: ObjectID
        if let parent {
            parentTree = try worktree.commit(parent).tree
        } else {
            parentTree = try worktree.emptyTree()
        }
        guard tree != parentTree else { return nil }
        let commit = try worktree.createCommit(
            tree: tree, parents: parent.map { [$0] } ?? [], author: author, committer: author, message: message)
        let summary = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        try worktree.updateReference(branch, to: commit, expecting: parent, logMessage: "commit: \(summary)")
        return commit
    }

    /// Removes the linked worktree `name` (folder and admin entry) and disposes of `branch` without losing a commit.
    ///
    /// The branch is deleted only when its head is reachable from `target` (a full reference name, e.g. the
    /// branch the work merges into). Otherwise, with a `keepReference` (e.g. "refs/mission/kept/MC-7K3Q") that
    /// reference is pointed at the head first and then the branch is deleted; without one the branch stays.
    /// Either way every commit stays reachable from a reference. Refuses with `.uncommittedChange` when the
    /// worktree has uncommitted or untracked files (ignored files are discarded) or a detached HEAD holding
    /// commits no branch has, and with `.exists` when `keepReference` already holds unrelated commits; in those
    /// cases nothing is removed. A locked worktree is left alone (libgit2 refuses). A branch checked out
    /// elsewhere stays (`.keptCheckedOut`). Deletions are compare-and-swap: a branch that moves meanwhile is
    /// not deleted (`.referenceMoved`).
    public func removeWorktree(
        name: String, branch: String, mergedInto target: String, keepReference: String? = nil
    ) throws(GitError) -> WorktreeRemoval {
        let operation = "remove worktree \(name)"
        try Self.checkWorktreeName(name, operation)
        try Self.checkBranchName(branch, operation)

        // Decide everything before removing anything, so a refusal leaves the worktree and branch as they were.
        let head = try referenceTarget(branch)
        var merged = false
        var keepNeedsUpdate = false
        if let head {
            if let targetHead = try referenceTarget(target) {
                merged = try isAncestor(head, of: targetHead)
            }
            if !merged, let keepReference {
                if let kept = try referenceTarget(keepReference) {
                    guard try isAncestor(head, of: kept) else {
                        throw GitError(
                            code: .exists, operation: operation,
                            message: "\(keepReference) already holds \(kept.short), which does not contain \(branch) at \(head.short)")
                    }
                } else {
                    keepNeedsUpdate = true
                }
            }
        }

        removeBrokenAdminFolder(name)
        var removedWorktree = false
        if let worktree = try worktree(named: name) {
            if worktree.isValid {
                try ensureNothingWouldBeLost(in: worktree, besides: [head, try referenceTarget(target)], operation)
            }
            try pruneWorktree(
                name, flags: GIT_WORKTREE_PRUNE_VALID.rawValue | GIT_WORKTREE_PRUNE_WORKING_TREE.rawValue, operation)
            removedWorktree = true
        }

        guard let head else { return WorktreeRemoval(removedWorktree: removedWorktree, branch: .absent) }
        if merged {
            let deleted = try deleteBranch(branch, expecting: head, operation)
            return WorktreeRemoval(
                removedWorktree: removedWorktree, branch: deleted ? .deletedMerged(head: head) : .keptCheckedOut(head: head))
        }
        guard let keepReference else {
            return WorktreeRemoval(removedWorktree: removedWorktree, branch: .keptUnmerged(head: head))
        }
        if keepNeedsUpdate {
            try updateReference(keepReference, to: head, expecting: nil, logMessage: "mission: keep \(branch)")
        }
        let deleted = try deleteBranch(branch, expecting: head, operation)
        return WorktreeRemoval(
            removedWorktree: removedWorktree,
            branch: deleted ? .movedToKeepReference(keepReference, head: head) : .keptCheckedOut(head: head))
    }

    /// Moves the valid linked worktree `name` to `path`, files and all, as `git worktree move` does: the folder is
    /// renamed (copied when `path` is on another file system) and git's link to it rewritten. Its branch, index,
    /// untracked and ignored files stay as they were. Missing parent folders are made; an empty folder at `path` is
    /// used, anything else there is `.exists`. A locked worktree is `.locked`; an absent or broken one `.notFound`.
    public func moveWorktree(name: String, to path: String) throws(GitError) -> Worktree {
        let operation = "move worktree \(name) to \(path)"
        try Self.checkWorktreeName(name, operation)
        guard let existing = try worktree(named: name), existing.isValid else {
            throw GitError(code: .notFound, operation: operation, message: "there is no intact worktree \(name) to move")
        }
        guard !existing.isLocked else {
            throw GitError(code: .locked, operation: operation, message: "worktree \(name) is locked; unlock it first")
        }
        let path = Self.canonicalPath(path)
        if existing.path == path { return existing }
        guard !(path + "/").hasPrefix(existing.path + "/") else {
            throw GitError(code: .invalid, operation: operation, message: "\(path) is inside the worktree itself")
        }
        try clearWay(to: path, operation)
        do {
            try FileManager.default.moveItem(atPath: existing.path, toPath: path)
        } catch {
            throw GitError(code: .other, operation: operation, message: "move \(existing.path): \(error)")
        }
        // The worktree's own `.git` file names the admin folder, which stays; the admin folder names the worktree.
        guard FileManager.default.createFile(atPath: adminFolder(name) + "/gitdir", contents: Data((path + "/.git\n").utf8)) else {
            throw GitError(code: .other, operation: operation, message: "rewrite \(adminFolder(name))/gitdir")
        }
        guard let moved = try worktree(named: name) else {
            throw GitError(code: .notFound, operation: operation, message: "worktree \(name) vanished while it moved")
        }
        return moved
    }

    /// Whether commit `ancestor` is `descendant` or one of its ancestors (`git merge-base --is-ancestor`).
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws(GitError) -> Bool {
        guard ancestor != descendant else { return true }
        var commit = descendant.oid
        var candidate = ancestor.oid
        let result = git_graph_descendant_of(handle, &commit, &candidate)
        try LibGit2.check(result, "check whether \(ancestor.short) is an ancestor of \(descendant.short)")
        return result == 1
    }

    /// `git reset --hard COMMIT` in this checkout: HEAD's branch, the index and the tracked files go to `commit`;
    /// uncommitted changes to tracked files are lost, untracked files stay. For a ticket worktree whose branch
    /// another runner moved on, where nothing uncommitted is left after a session.
    public func resetHard(to commit: ObjectID) throws(GitError) {
        let operation = "reset \(workingDirectory ?? gitDirectory) to \(commit.short)"
        var oid = commit.oid
        var object: OpaquePointer?
        try LibGit2.check(git_object_lookup(&object, handle, &oid, GIT_OBJECT_COMMIT), operation)
        defer { git_object_free(object) }
        try LibGit2.check(git_reset(handle, object, GIT_RESET_HARD, nil), operation)
    }

    // MARK: - Helpers

    /// The git folder shared by the main checkout and every linked worktree, without a trailing slash.
    public var commonDirectory: String {
        Self.withoutTrailingSlash(String(optionalCString: git_repository_commondir(handle)) ?? gitDirectory)
    }

    /// `<common git dir>/worktrees/<name>`, where git keeps a linked worktree's HEAD, index and links.
    private func adminFolder(_ name: String) -> String {
        commonDirectory + "/worktrees/" + name
    }

    /// The branch and commit the admin folder's HEAD file names.
    private func adminHead(_ name: String, _ operation: String) throws(GitError) -> (String?, ObjectID?) {
        guard let data = FileManager.default.contents(atPath: adminFolder(name) + "/HEAD") else { return (nil, nil) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("ref: ") {
            let branch = String(text.dropFirst("ref: ".count))
            return (branch, try referenceTarget(branch))
        }
        return (nil, ObjectID(hex: text))
    }

    /// Removes an admin folder that a crash or a failed `git_worktree_add` left half written.
    ///
    /// Without its `gitdir`, `commondir` and `HEAD` files libgit2 cannot open it, refuses to add a worktree of
    /// that name, and thinks every branch is checked out; `git worktree prune` removes such folders too.
    private func removeBrokenAdminFolder(_ name: String) {
        let folder = adminFolder(name)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { return }
        let complete = ["gitdir", "commondir", "HEAD"].allSatisfy {
            FileManager.default.fileExists(atPath: folder + "/" + $0)
        }
        if !complete {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Creates `branch` at `base` unless it exists; true when this call created it.
    private func createBranchIfMissing(_ branch: String, at base: ObjectID, _ operation: String) throws(GitError) -> Bool {
        guard try referenceTarget(branch) == nil else { return false }
        // A checkout of anything but a commit would fail half way through.
        try withCommit(base, "\(operation): read base \(base.short)") { _ in }
        do throws(GitError) {
            try updateReference(branch, to: base, expecting: nil, logMessage: "branch: Created from \(base.hex)")
        } catch {
            // Someone created it meanwhile: theirs stands, like an existing branch.
            guard error.code == .referenceMoved else { throw error }
            return false
        }
        return true
    }

    /// Makes room for a new worktree at `path`: parent folders made, an empty folder there removed.
    private func clearWay(to path: String, _ operation: String) throws(GitError) {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isFolder) {
            // libgit2 refuses any existing folder; git itself accepts an empty one, and so do we.
            let empty = isFolder.boolValue && ((try? manager.contentsOfDirectory(atPath: path))?.isEmpty ?? false)
            guard empty, rmdir(path) == 0 else {
                throw GitError(code: .exists, operation: operation, message: "\(path) is in the way; move it away first")
            }
        }
        do {
            try manager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw GitError(code: .other, operation: operation, message: "create the folder above \(path): \(error)")
        }
    }

    /// Adds the linked worktree with `branch` checked out; cleans up after itself when that fails.
    private func addWorktree(name: String, branch: String, path: String, _ operation: String) throws(GitError) {
        var reference: OpaquePointer?
        try LibGit2.check(git_reference_lookup(&reference, handle, branch), operation)
        defer { git_reference_free(reference) }
        var options = git_worktree_add_options()
        try LibGit2.check(git_worktree_add_options_init(&options, UInt32(GIT_WORKTREE_ADD_OPTIONS_VERSION)), operation)
        options.ref = reference
        var worktree: OpaquePointer?
        let result = git_worktree_add(&worktree, handle, name, path, &options)
        git_worktree_free(worktree)
        guard result < 0 else { return }
        let error = LibGit2.error(result, operation)
        // Both folders were absent before the call, so whatever is there now is its half-finished work.
        try? FileManager.default.removeItem(atPath: adminFolder(name))
        try? FileManager.default.removeItem(atPath: path)
        throw error
    }

    /// Prunes the worktree `name` with libgit2's `git_worktree_prune_t` flags.
    private func pruneWorktree(_ name: String, flags: UInt32, _ operation: String) throws(GitError) {
        var worktree: OpaquePointer?
        try LibGit2.check(git_worktree_lookup(&worktree, handle, name), operation)
        defer { git_worktree_free(worktree) }
        var options = git_worktree_prune_options()
        try LibGit2.check(
            git_worktree_prune_options_init(&options, UInt32(GIT_WORKTREE_PRUNE_OPTIONS_VERSION)), operation)
        options.flags = flags
        try LibGit2.check(git_worktree_prune(worktree, &options), operation)
    }

    /// Throws `.uncommittedChange` when removing `worktree` would lose work: uncommitted or untracked files,
    /// or a detached HEAD whose commit none of `kept` contains.
    private func ensureNothingWouldBeLost(
        in worktree: Worktree, besides kept: [ObjectID?], _ operation: String
    ) throws(GitError) {
        let repository = try Repository.open(at: worktree.path)
        if try repository.hasUncommittedChanges(operation) {
            throw GitError(
                code: .uncommittedChange, operation: operation,
                message: "\(worktree.path) has uncommitted changes; commit them first")
        }
        guard worktree.branch == nil, let head = worktree.head else { return }
        for case let tip? in kept {
            if try isAncestor(head, of: tip) {
                return
            }
        }
        throw GitError(
            code: .uncommittedChange, operation: operation,
            message: "\(worktree.path) has a detached HEAD at \(head.short) that no branch contains")
    }

    /// Whether the working files or the index differ from HEAD, counting untracked files but not ignored ones.
    private func hasUncommittedChanges(_ operation: String) throws(GitError) -> Bool {
        var options = git_status_options()
        try LibGit2.check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), operation)
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try LibGit2.check(git_status_list_new(&list, handle, &options), "\(operation): read status")
        defer { git_status_list_free(list) }
        return git_status_list_entrycount(list) > 0
    }

    /// Stages every working file as `git add -A` does, writes the index and returns its tree.
    private func stageEverything(_ operation: String) throws(GitError) -> ObjectID {
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, handle), "\(operation): read the index")
        defer { git_index_free(index) }
        try LibGit2.check(git_index_read(index, 1), "\(operation): read the index")
        // An empty pathspec matches every path; ignored files that are not tracked stay out.
        var everything = git_strarray(strings: nil, count: 0)
        try LibGit2.check(
            git_index_add_all(index, &everything, GIT_INDEX_ADD_DEFAULT.rawValue, nil, nil),
            "\(operation): stage new and modified files")
        // add_all stages additions and changes; update_all also drops the entries of deleted files.
        try LibGit2.check(git_index_update_all(index, &everything, nil, nil), "\(operation): stage deletions")
        var oid = git_oid()
        try LibGit2.check(git_index_write_tree(&oid, index), "\(operation): write the index as a tree")
        // Written even when nothing changed, so what an agent staged and then undid leaves no trace.
        try LibGit2.check(git_index_write(index), "\(operation): write the index")
        return ObjectID(oid)
    }

    /// Deletes `branch` only if it still points at `head` and nothing has it checked out; false when checked out.
    private func deleteBranch(_ branch: String, expecting head: ObjectID, _ operation: String) throws(GitError) -> Bool {
        var reference: OpaquePointer?
        try LibGit2.check(git_reference_lookup(&reference, handle, branch), operation)
        defer { git_reference_free(reference) }
        guard let target = git_reference_target(reference), ObjectID(target) == head else {
            throw GitError(
                code: .referenceMoved, operation: "\(operation): delete \(branch)",
                message: "expected \(head.short); the branch moved, so it stays")
        }
        // git_branch_delete's own checks, without its branch-config cleanup: that walks the config with a regex,
        // and libgit2 1.5.1 leaks the match data of every regex that does not match. Ticket branches have no config.
        guard git_branch_is_head(reference) != 1, git_branch_is_checked_out(reference) != 1 else { return false }
        // The deletion re-checks the value under the reference's lock, like a compare-and-swap.
        try LibGit2.check(git_reference_delete(reference), "\(operation): delete \(branch)")
        return true
    }

    private static func checkWorktreeName(_ name: String, _ operation: String) throws(GitError) {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw GitError(
                code: .invalid, operation: operation,
                message: "worktree name '\(name)' must be one path component, e.g. mission-MC-7K3Q")
        }
    }

    private static func checkBranchName(_ branch: String, _ operation: String) throws(GitError) {
        guard branch.hasPrefix("refs/heads/"), branch.count > "refs/heads/".count else {
            throw GitError(
                code: .invalid, operation: operation,
                message: "'\(branch)' is not a full branch name like refs/heads/mission/MC-7K3Q")
        }
    }

    /// An absolute path with symbolic links resolved as far as it exists, as libgit2 records worktree paths.
    public static func canonicalPath(_ path: String) -> String {
        var absolute = path
        if !absolute.hasPrefix("/") {
            absolute = FileManager.default.currentDirectoryPath + "/" + absolute
        }
        absolute = withoutTrailingSlash((absolute as NSString).standardizingPath)
        if let resolved = realpath(absolute, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let parent = (absolute as NSString).deletingLastPathComponent
        guard parent != absolute else { return absolute }
        let resolvedParent = canonicalPath(parent)
        return (resolvedParent == "/" ? "" : resolvedParent) + "/" + (absolute as NSString).lastPathComponent
    }

    private static func withoutTrailingSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
