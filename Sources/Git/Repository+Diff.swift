internal import CLibGit2

/// One file's part of a code change between two commits.
public struct ChangedFile: Sendable, Hashable, Codable {
    /// The path after the change (the old path for a deletion), relative to the repository root.
    public let path: String
    /// The path before a rename; nil otherwise.
    public let oldPath: String?
    /// How the file changed: added, deleted, modified, renamed or type-changed.
    public let status: ChangeKind
    /// Lines added; 0 for a binary file.
    public let insertions: Int
    /// Lines removed; 0 for a binary file.
    public let deletions: Int
    /// Whether git treats either side as binary, so no lines were counted.
    public let isBinary: Bool

    /// Makes a changed file.
    public init(
        path: String, oldPath: String? = nil, status: ChangeKind, insertions: Int, deletions: Int, isBinary: Bool = false
    ) {
        self.path = path
        self.oldPath = oldPath
        self.status = status
        self.insertions = insertions
        self.deletions = deletions
        self.isBinary = isBinary
    }
}

/// What a session changed in code: the commits it went from and to, and the files and lines in between.
public struct ChangeRecord: Sendable, Hashable, Codable {
    /// The commit the change starts from.
    public let base: ObjectID
    /// The commit the change ends at.
    public let head: ObjectID
    /// The changed files, sorted by path as git sorts them (bytewise).
    public let files: [ChangedFile]
    /// Lines added over all files.
    public let insertions: Int
    /// Lines removed over all files.
    public let deletions: Int

    /// Makes a record; the totals are the sums over `files`.
    public init(base: ObjectID, head: ObjectID, files: [ChangedFile]) {
        self.base = base
        self.head = head
        self.files = files
        insertions = files.reduce(0) { $0 + $1.insertions }
        deletions = files.reduce(0) { $0 + $1.deletions }
    }
}

extension Repository {
    /// The code change from commit `base` to commit `head`: changed files with renames found, and line counts.
    ///
    /// Compares the two trees, as `git diff --stat -M base head` does; pass the commit a branch started from as
    /// `base` to see only the branch's own work. Binary files are listed with no lines.
    public func changeRecord(base: ObjectID, head: ObjectID) throws(GitError) -> ChangeRecord {
        let operation = "record change \(base.short)..\(head.short)"
        let baseTree = try withCommit(base, operation) { ObjectID(git_commit_tree_id($0)) }
        let headTree = try withCommit(head, operation) { ObjectID(git_commit_tree_id($0)) }
        let files = try withTreeDiff(from: baseTree, to: headTree, findRenames: true, operation: operation) {
            (diff) throws(GitError) -> [ChangedFile] in
            var files: [ChangedFile] = []
            for index in 0..<git_diff_num_deltas(diff) {
                var patch: OpaquePointer?
                try LibGit2.check(git_patch_from_diff(&patch, diff, index), operation)
                defer { git_patch_free(patch) }
                // Building the patch loads both sides and sets the binary flag on the delta.
                let delta = (patch.flatMap { git_patch_get_delta($0) } ?? git_diff_get_delta(diff, index))!.pointee
                guard let change = Change(delta) else { continue }
                var insertions = 0
                var deletions = 0
                if let patch {
                    try LibGit2.check(git_patch_line_stats(nil, &insertions, &deletions, patch), operation)
                }
                let isBinary = delta.flags & GIT_DIFF_FLAG_BINARY.rawValue != 0
                files.append(ChangedFile(
                    path: change.path, oldPath: change.oldPath, status: change.kind,
                    insertions: isBinary ? 0 : insertions, deletions: isBinary ? 0 : deletions, isBinary: isBinary))
            }
            return files
        }
        // Renames land where libgit2 found them; sort by path bytes, as git orders paths.
        let sorted = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return ChangeRecord(base: base, head: head, files: sorted)
    }

    /// The change from commit `base` to commit `head` as unified diff text, as `git diff -M base head` prints it,
    /// cut after `limit` bytes (at a line's end; `truncated` says so). Binary files show as one line.
    public func patch(base: ObjectID, head: ObjectID, limit: Int = 256 * 1024) throws(GitError) -> (text: String, truncated: Bool) {
        let operation = "diff \(base.short)..\(head.short)"
        let baseTree = try withCommit(base, operation) { ObjectID(git_commit_tree_id($0)) }
        let headTree = try withCommit(head, operation) { ObjectID(git_commit_tree_id($0)) }
        return try withTreeDiff(from: baseTree, to: headTree, findRenames: true, operation: operation) {
            (diff) throws(GitError) -> (text: String, truncated: Bool) in
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            try LibGit2.check(git_diff_to_buf(&buffer, diff, GIT_DIFF_FORMAT_PATCH), operation)
            guard let bytes = buffer.ptr else { return ("", false) }
            let all = UnsafeRawBufferPointer(start: bytes, count: buffer.size)
            guard all.count > limit else { return (String(decoding: all, as: UTF8.self), false) }
            let cut = all[..<limit].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? limit
            return (String(decoding: all[..<cut], as: UTF8.self), true)
        }
    }

    /// Runs `body` with the diff between two trees (nil: the empty tree), freed afterwards.
    ///
    /// With a `prefix`, only that path and what is below it; with `findRenames`, deletions and additions of
    /// similar content become renames (git's default 50% similarity).
    func withTreeDiff<Result>(
        from old: ObjectID?, to new: ObjectID?, under prefix: String? = nil, findRenames: Bool = false,
        operation: String, _ body: (OpaquePointer) throws(GitError) -> Result
    ) throws(GitError) -> Result {
        var oldTree: OpaquePointer?
        var newTree: OpaquePointer?
        defer {
            git_tree_free(oldTree)
            git_tree_free(newTree)
        }
        if var oid = old?.oid {
            try LibGit2.check(git_tree_lookup(&oldTree, handle, &oid), operation)
        }
        if var oid = new?.oid {
            try LibGit2.check(git_tree_lookup(&newTree, handle, &oid), operation)
        }
        var options = git_diff_options()
        try LibGit2.check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), operation)
        options.flags = GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        var diff: OpaquePointer?
        let result: Int32
        if let prefix {
            // A literal pathspec matches the path itself and everything below it, never "prefix*".
            options.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue
            result = prefix.withCString { path in
                var paths: [UnsafeMutablePointer<CChar>?] = [UnsafeMutablePointer(mutating: path)]
                return paths.withUnsafeMutableBufferPointer { buffer in
                    options.pathspec = git_strarray(strings: buffer.baseAddress, count: 1)
                    return git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options)
                }
            }
        } else {
            result = git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options)
        }
        try LibGit2.check(result, operation)
        defer { git_diff_free(diff) }
        if findRenames {
            var find = git_diff_find_options()
            try LibGit2.check(git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION)), operation)
            find.flags = GIT_DIFF_FIND_RENAMES.rawValue
            try LibGit2.check(git_diff_find_similar(diff, &find), operation)
        }
        return try body(diff!)
    }
}
