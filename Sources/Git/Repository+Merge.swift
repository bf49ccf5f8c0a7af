internal import CLibGit2

/// The result of merging two commits' trees in memory: the merged tree, or the paths where they conflict.
public struct MergedTree: Sendable, Hashable {
    /// The merged tree, written to the object database; nil when there are conflicts.
    public let tree: ObjectID?
    /// The paths both sides changed in ways that do not merge, sorted bytewise; empty for a clean merge.
    public let conflicts: [String]

    /// Makes a merged-tree value.
    public init(tree: ObjectID?, conflicts: [String]) {
        self.tree = tree
        self.conflicts = conflicts
    }
}

/// What `Repository.merge(_:into:message:signature:)` did to the target branch.
public struct MergeOutcome: Sendable, Hashable {
    /// How the target branch moved.
    public enum Kind: Sendable, Hashable {
        /// The source's head was already in the target: nothing moved.
        case upToDate
        /// The target was an ancestor of the source: it now points at the source's head.
        case fastForward
        /// The histories had diverged: a new commit with both heads as parents.
        case mergeCommit
    }

    /// How the target moved.
    public let kind: Kind
    /// The target's commit before the merge.
    public let base: ObjectID
    /// The target's commit after: the source's head (fast-forward), the new merge commit, or `base` (up to date).
    public let head: ObjectID
    /// The source's head that was merged.
    public let source: ObjectID

    /// Makes a merge outcome.
    public init(kind: Kind, base: ObjectID, head: ObjectID, source: ObjectID) {
        self.kind = kind
        self.base = base
        self.head = head
        self.source = source
    }
}

extension Repository {
    /// The best common ancestor of two commits (`git merge-base`); nil when their histories share none.
    public func mergeBase(_ one: ObjectID, _ two: ObjectID) throws(GitError) -> ObjectID? {
        var base = git_oid()
        var a = one.oid
        var b = two.oid
        let result = git_merge_base(&base, handle, &a, &b)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try LibGit2.check(result, "merge-base \(one.short) \(two.short)")
        return ObjectID(base)
    }

    /// Merges commit `theirs` into commit `ours` in memory (`git merge-tree`): nothing on disk but objects changes.
    ///
    /// Renames are followed as git's default merge does. When the merge is clean the tree is written and returned;
    /// otherwise the conflicting paths are listed and no tree is written.
    public func mergedTree(ours: ObjectID, theirs: ObjectID) throws(GitError) -> MergedTree {
        let operation = "merge \(theirs.short) into \(ours.short)"
        return try withCommit(ours, operation) { (ourCommit) throws(GitError) -> MergedTree in
            try withCommit(theirs, operation) { (theirCommit) throws(GitError) -> MergedTree in
                var options = git_merge_options()
                try LibGit2.check(git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION)), operation)
                options.flags = GIT_MERGE_FIND_RENAMES.rawValue
                var index: OpaquePointer?
                try LibGit2.check(git_merge_commits(&index, handle, ourCommit, theirCommit, &options), operation)
                defer { git_index_free(index) }
                if git_index_has_conflicts(index) != 0 {
                    return MergedTree(tree: nil, conflicts: try conflictingPaths(index!, operation))
                }
                var oid = git_oid()
                try LibGit2.check(git_index_write_tree_to(&oid, index, handle), "\(operation): write the merged tree")
                return MergedTree(tree: ObjectID(oid), conflicts: [])
            }
        }
    }

    /// Merges the branch `source` into the branch `target` (full names under `refs/heads/`), as `git merge` would.
    ///
    /// When `target` already contains `source` nothing moves (`.upToDate`); when `target` is an ancestor of `source`
    /// it fast-forwards; otherwise a merge commit with parents `target`, `source`, `message`, and `signature` as
    /// author and committer is made from the in-memory merge, and conflicts throw `.mergeConflict` naming every
    /// conflicting path. The target moves by compare-and-swap (`.referenceMoved` when someone moved it meanwhile).
    /// When a non-bare checkout (the main one or a linked worktree) has `target` checked out, its index and files
    /// follow through `advanceBranch`: a person's uncommitted edit in a path the merge changes is never overwritten
    /// (`.uncommittedChange`, and the target stays where it was); their other edits and staged work stay as they are.
    public func merge(
        _ source: String, into target: String, message: String, signature: Signature, logMessage: String? = nil
    ) throws(GitError) -> MergeOutcome {
        let operation = "merge \(source) into \(target)"
        guard let theirs = try referenceTarget(source) else {
            throw GitError(code: .notFound, operation: operation, message: "\(source) does not exist")
        }
        guard let ours = try referenceTarget(target) else {
            throw GitError(code: .notFound, operation: operation, message: "\(target) does not exist or has no commits")
        }
        if try isAncestor(theirs, of: ours) {
            return MergeOutcome(kind: .upToDate, base: ours, head: ours, source: theirs)
        }
        let kind: MergeOutcome.Kind
        let new: ObjectID
        if try isAncestor(ours, of: theirs) {
            kind = .fastForward
            new = theirs
        } else {
            let merged = try mergedTree(ours: ours, theirs: theirs)
            guard let tree = merged.tree else {
                let count = merged.conflicts.count
                throw GitError(
                    code: .mergeConflict, operation: operation,
                    message: "\(count) conflicting path\(count == 1 ? "" : "s"): "
                        + merged.conflicts.joined(separator: ", "))
            }
            kind = .mergeCommit
            new = try createCommit(
                tree: tree, parents: [ours, theirs], author: signature, committer: signature, message: message)
        }
        let log = logMessage ?? (kind == .fastForward ? "merge \(source): Fast-forward" : "merge \(source)")
        try advanceBranch(target, from: ours, to: new, logMessage: log)
        return MergeOutcome(kind: kind, base: ours, head: new, source: theirs)
    }

    /// The paths with conflict entries in a merge index, each once, sorted bytewise.
    private func conflictingPaths(_ index: OpaquePointer, _ operation: String) throws(GitError) -> [String] {
        var iterator: OpaquePointer?
        try LibGit2.check(git_index_conflict_iterator_new(&iterator, index), "\(operation): list conflicts")
        defer { git_index_conflict_iterator_free(iterator) }
        var paths: Set<String> = []
        while true {
            var ancestor: UnsafePointer<git_index_entry>?
            var our: UnsafePointer<git_index_entry>?
            var their: UnsafePointer<git_index_entry>?
            let result = git_index_conflict_next(&ancestor, &our, &their, iterator)
            if result == GIT_ITEROVER.rawValue {
                break
            }
            try LibGit2.check(result, "\(operation): list conflicts")
            for entry in [our, their, ancestor] {
                if let path = String(optionalCString: entry?.pointee.path) {
                    paths.insert(path)
                }
            }
        }
        return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
