internal import CLibGit2
internal import Foundation

extension Repository {
    /// The commit any revision (`main`, `HEAD~2`, a short id, …) names, peeling tags.
    public func resolve(_ revision: String) throws(GitError) -> ObjectID {
        let operation = "resolve \(revision)"
        var object: OpaquePointer?
        try LibGit2.check(git_revparse_single(&object, handle, revision), operation)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try LibGit2.check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), operation)
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    /// Reads the commit `id`.
    public func commit(_ id: ObjectID) throws(GitError) -> Commit {
        try withCommit(id, "read commit \(id.short)") { Commit($0) }
    }

    /// Reads one level of the tree `tree`; each entry's path is its name.
    public func treeEntries(_ tree: ObjectID) throws(GitError) -> [TreeEntry] {
        try withTree(tree, "read tree \(tree.short)") { tree in
            (0..<git_tree_entrycount(tree)).map { index in
                let entry = git_tree_entry_byindex(tree, index)!
                let name = String(optionalCString: git_tree_entry_name(entry)) ?? ""
                return TreeEntry(entry, path: name)
            }
        }
    }

    /// Every non-folder entry below `tree` (or below `prefix` in it), with paths from the root of `tree`.
    ///
    /// A missing prefix gives no entries; a prefix naming a file gives that file.
    public func walkTree(_ tree: ObjectID, under prefix: String? = nil) throws(GitError) -> [TreeEntry] {
        let prefix = Self.normalized(prefix)
        var results: [TreeEntry] = []
        guard let prefix else {
            try walk(tree, pathPrefix: "", into: &results)
            return results
        }
        guard let start = try entry(at: prefix, in: tree) else { return [] }
        if start.kind == .tree {
            try walk(start.id, pathPrefix: prefix + "/", into: &results)
        } else {
            results.append(start)
        }
        return results
    }

    private func walk(_ tree: ObjectID, pathPrefix: String, into results: inout [TreeEntry]) throws(GitError) {
        try withTree(tree, "read tree \(pathPrefix.isEmpty ? tree.short : pathPrefix)") { (tree) throws(GitError) in
            for index in 0..<git_tree_entrycount(tree) {
                let entry = git_tree_entry_byindex(tree, index)!
                let name = String(optionalCString: git_tree_entry_name(entry)) ?? ""
                let value = TreeEntry(entry, path: pathPrefix + name)
                // Depth first in git's order; one tree handle is open per level.
                if value.kind == .tree {
                    try walk(value.id, pathPrefix: value.path + "/", into: &results)
                } else {
                    results.append(value)
                }
            }
        }
    }

    /// The entry at a slash-separated `path` below `tree`; nil when absent.
    public func entry(at path: String, in tree: ObjectID) throws(GitError) -> TreeEntry? {
        guard let path = Self.normalized(path) else { return nil }
        return try withTree(tree, "read \(path) in tree \(tree.short)") { (tree) throws(GitError) -> TreeEntry? in
            var entry: OpaquePointer?
            let result = git_tree_entry_bypath(&entry, tree, path)
            if result == GIT_ENOTFOUND.rawValue {
                return nil
            }
            try LibGit2.check(result, "read \(path) in tree")
            defer { git_tree_entry_free(entry) }
            return TreeEntry(entry!, path: path)
        }
    }

    /// The content of the blob `id`.
    public func blob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var oid = id.oid
        var blob: OpaquePointer?
        try LibGit2.check(git_blob_lookup(&blob, handle, &oid), "read blob \(id.short)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: content, count: size))
    }

    /// The size in bytes of the blob `id`, read from the object header.
    public func blobSize(_ id: ObjectID) throws(GitError) -> Int {
        let operation = "read size of blob \(id.short)"
        var odb: OpaquePointer?
        try LibGit2.check(git_repository_odb(&odb, handle), operation)
        defer { git_odb_free(odb) }
        var oid = id.oid
        var size = 0
        var type = GIT_OBJECT_INVALID
        try LibGit2.check(git_odb_read_header(&size, &type, odb, &oid), operation)
        guard type == GIT_OBJECT_BLOB else {
            throw GitError(code: .invalid, operation: operation, message: "object \(id.hex) is not a blob")
        }
        return size
    }

    /// The changed files between two trees (nil: the empty tree), optionally only below `prefix`.
    public func diff(from old: ObjectID?, to new: ObjectID?, under prefix: String? = nil) throws(GitError) -> [Change] {
        try treeDiff(from: old, to: new, under: prefix).map(\.change)
    }

    /// A changed path with the kinds of its two sides (nil where a side is absent).
    struct TreeChange {
        let change: Change
        let oldKind: EntryKind?
        let newKind: EntryKind?
    }

    /// The changed files between two trees, with their entry kinds.
    func treeDiff(from old: ObjectID?, to new: ObjectID?, under prefix: String? = nil) throws(GitError) -> [TreeChange] {
        let prefix = Self.normalized(prefix)
        return try prunedTreeDiff(from: old, to: new, under: prefix)
    }

    /// `treeDiff` as libgit2 computes it (kept to hold the pruned walk to it in the tests).
    func libgit2TreeDiff(from old: ObjectID?, to new: ObjectID?, under prefix: String? = nil) throws(GitError) -> [TreeChange] {
        let prefix = Self.normalized(prefix)
        let operation = "diff \(old?.short ?? "empty tree")..\(new?.short ?? "empty tree")"
            + (prefix.map { " under \($0)" } ?? "")
        return try withTreeDiff(from: old, to: new, under: prefix, operation: operation) { diff in
            (0..<git_diff_num_deltas(diff)).compactMap { index in
                let delta = git_diff_get_delta(diff, index)!.pointee
                guard let change = Change(delta) else { return nil }
                return TreeChange(
                    change: change,
                    oldKind: change.oldID == nil ? nil : EntryKind(git_filemode_t(UInt32(delta.old_file.mode))),
                    newKind: change.newID == nil ? nil : EntryKind(git_filemode_t(UInt32(delta.new_file.mode))))
            }
        }
    }

    /// Writes `bytes` as a blob and returns its id.
    public func writeBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        var oid = git_oid()
        let result = bytes.withUnsafeBytes { git_blob_create_from_buffer(&oid, handle, $0.baseAddress, $0.count) }
        try LibGit2.check(result, "write blob of \(bytes.count) bytes")
        return ObjectID(oid)
    }

    /// The id `bytes` would have as a blob, without writing anything.
    public func hashBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        var oid = git_oid()
        let result = bytes.withUnsafeBytes { git_odb_hash(&oid, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        try LibGit2.check(result, "hash blob of \(bytes.count) bytes")
        return ObjectID(oid)
    }

    /// Writes the empty tree and returns its id.
    public func emptyTree() throws(GitError) -> ObjectID {
        let operation = "write empty tree"
        var builder: OpaquePointer?
        try LibGit2.check(git_treebuilder_new(&builder, handle, nil), operation)
        defer { git_treebuilder_free(builder) }
        var oid = git_oid()
        try LibGit2.check(git_treebuilder_write(&oid, builder), operation)
        return ObjectID(oid)
    }

    /// Writes a commit object and returns its id; moves no reference.
    public func createCommit(
        tree: ObjectID, parents: [ObjectID], author: Signature, committer: Signature, message: String
    ) throws(GitError) -> ObjectID {
        let operation = "create commit on tree \(tree.short)"
        var parentCommits: [OpaquePointer?] = []
        defer {
            for parent in parentCommits {
                git_commit_free(parent)
            }
        }
        for parent in parents {
            var oid = parent.oid
            var commit: OpaquePointer?
            try LibGit2.check(git_commit_lookup(&commit, handle, &oid), "\(operation): read parent \(parent.short)")
            parentCommits.append(commit)
        }
        return try withTree(tree, operation) { (tree) throws(GitError) -> ObjectID in
            try author.withGitSignature(operation) { (author) throws(GitError) -> ObjectID in
                try committer.withGitSignature(operation) { (committer) throws(GitError) -> ObjectID in
                    var oid = git_oid()
                    let result = parentCommits.withUnsafeMutableBufferPointer { buffer in
                        git_commit_create(
                            &oid, handle, nil, author, committer, nil, message, tree, buffer.count, buffer.baseAddress)
                    }
                    try LibGit2.check(result, operation)
                    return ObjectID(oid)
                }
            }
        }
    }

    // MARK: - Helpers

    /// Runs `body` with the looked-up commit `id`, freed afterwards.
    func withCommit<Result>(
        _ id: ObjectID, _ operation: String, _ body: (OpaquePointer) throws(GitError) -> Result
    ) throws(GitError) -> Result {
        var oid = id.oid
        var commit: OpaquePointer?
        try LibGit2.check(git_commit_lookup(&commit, handle, &oid), operation)
        defer { git_commit_free(commit) }
        return try body(commit!)
    }

    /// Runs `body` with the looked-up tree `id`, freed afterwards.
    func withTree<Result>(
        _ id: ObjectID, _ operation: String, _ body: (OpaquePointer) throws(GitError) -> Result
    ) throws(GitError) -> Result {
        var oid = id.oid
        var tree: OpaquePointer?
        try LibGit2.check(git_tree_lookup(&tree, handle, &oid), operation)
        defer { git_tree_free(tree) }
        return try body(tree!)
    }

    /// A path without leading or trailing slashes; nil for nil or the root.
    static func normalized(_ path: String?) -> String? {
        guard let path else { return nil }
        let trimmed = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension Change {
    /// Copies a libgit2 delta; nil for statuses a tree-to-tree diff does not produce.
    init?(_ delta: git_diff_delta) {
        let oldPath = String(optionalCString: delta.old_file.path) ?? ""
        let newPath = String(optionalCString: delta.new_file.path) ?? oldPath
        let oldID = ObjectID(delta.old_file.id)
        let newID = ObjectID(delta.new_file.id)
        switch delta.status {
        case GIT_DELTA_ADDED:
            self.init(kind: .added, path: newPath, oldID: nil, newID: newID)
        case GIT_DELTA_DELETED:
            self.init(kind: .deleted, path: oldPath, oldID: oldID, newID: nil)
        case GIT_DELTA_MODIFIED:
            self.init(kind: .modified, path: newPath, oldID: oldID, newID: newID)
        case GIT_DELTA_TYPECHANGE:
            self.init(kind: .typeChanged, path: newPath, oldID: oldID, newID: newID)
        case GIT_DELTA_RENAMED, GIT_DELTA_COPIED:
            self.init(kind: .renamed, path: newPath, oldPath: oldPath, oldID: oldID, newID: newID)
        default:
            return nil
        }
    }
}
