internal import CLibGit2

extension Repository {
    /// The commits reachable from `start`, newest first, whose tree differs from their first parent's at any of `paths`.
    ///
    /// A path names a file or a folder ("" is the whole tree); a root commit is compared with the empty tree.
    /// Compares the entry ids (and modes) at each path, never full diffs.
    public func log(from start: ObjectID, touching paths: [String], limit: Int? = nil) throws(GitError) -> [Commit] {
        let operation = "log from \(start.short)"
        if let limit, limit <= 0 {
            return []
        }
        let paths = paths.map { Self.normalized($0) }
        var walker: OpaquePointer?
        try LibGit2.check(git_revwalk_new(&walker, handle), operation)
        defer { git_revwalk_free(walker) }
        try LibGit2.check(
            git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue), operation)
        var startOID = start.oid
        try LibGit2.check(git_revwalk_push(walker, &startOID), operation)

        // Each tree is read twice (as a commit's and as its child's parent's): remember its entries at `paths`.
        var cache: [ObjectID: [PathState?]] = [:]
        func states(of tree: ObjectID?) throws(GitError) -> [PathState?] {
            guard let tree else { return paths.map { _ in nil } }
            if let known = cache[tree] {
                return known
            }
            let found = try pathStates(in: tree, at: paths, operation)
            if cache.count > 4096 {
                cache.removeAll(keepingCapacity: true)
            }
            cache[tree] = found
            return found
        }

        var commits: [Commit] = []
        var next = git_oid()
        while true {
            let result = git_revwalk_next(&next, walker)
            if result == GIT_ITEROVER.rawValue {
                break
            }
            try LibGit2.check(result, operation)
            let found = try withCommit(ObjectID(next), operation) { (commit) throws(GitError) -> Commit? in
                let tree = ObjectID(git_commit_tree_id(commit))
                var parentTree: ObjectID?
                if git_commit_parentcount(commit) > 0 {
                    var parent: OpaquePointer?
                    try LibGit2.check(git_commit_parent(&parent, commit, 0), operation)
                    defer { git_commit_free(parent) }
                    parentTree = ObjectID(git_commit_tree_id(parent))
                }
                guard tree != parentTree, try states(of: tree) != states(of: parentTree) else { return nil }
                return Commit(commit)
            }
            if let found {
                commits.append(found)
                if let limit, commits.count >= limit {
                    break
                }
            }
        }
        return commits
    }

    /// The commits reachable from `new` and not from `old` (all of them when `old` is nil), newest first: what a
    /// push of `new` over `old` brings, as `git rev-list old..new` lists it.
    public func commits(from new: ObjectID, excluding old: ObjectID?) throws(GitError) -> [Commit] {
        let operation = "list the commits from \(old?.short ?? "the root") to \(new.short)"
        var walker: OpaquePointer?
        try LibGit2.check(git_revwalk_new(&walker, handle), operation)
        defer { git_revwalk_free(walker) }
        try LibGit2.check(git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue), operation)
        var start = new.oid
        try LibGit2.check(git_revwalk_push(walker, &start), operation)
        if var hidden = old?.oid { try LibGit2.check(git_revwalk_hide(walker, &hidden), operation) }
        var commits: [Commit] = []
        var next = git_oid()
        while true {
            let result = git_revwalk_next(&next, walker)
            if result == GIT_ITEROVER.rawValue { return commits }
            try LibGit2.check(result, operation)
            commits.append(try withCommit(ObjectID(next), operation) { Commit($0) })
        }
    }

    /// What sits at a path in a tree, for change detection.
    struct PathState: Hashable {
        let id: ObjectID
        let mode: UInt32
    }

    private func pathStates(in tree: ObjectID, at paths: [String?], _ operation: String) throws(GitError) -> [PathState?] {
        try withTree(tree, operation) { (treeHandle) throws(GitError) -> [PathState?] in
            var states: [PathState?] = []
            for path in paths {
                guard let path else {
                    states.append(PathState(id: tree, mode: GIT_FILEMODE_TREE.rawValue))
                    continue
                }
                var entry: OpaquePointer?
                let result = git_tree_entry_bypath(&entry, treeHandle, path)
                if result == GIT_ENOTFOUND.rawValue {
                    states.append(nil)
                    continue
                }
                try LibGit2.check(result, "\(operation): read \(path)")
                defer { git_tree_entry_free(entry) }
                states.append(PathState(id: ObjectID(git_tree_entry_id(entry)), mode: git_tree_entry_filemode(entry).rawValue))
            }
            return states
        }
    }
}
