internal import CLibGit2

extension Repository {
    /// The tree of what is staged in the index: what the next `git commit` would record.
    /// Writes the tree objects (as `git commit` does); the index itself is not changed.
    ///
    /// `file` is another index file to read instead of the repository's own: git hands hooks the index being
    /// committed in `GIT_INDEX_FILE` (`git commit -a` stages into a temporary one, not `.git/index`).
    public func indexTree(file: String? = nil) throws(GitError) -> ObjectID {
        var index: OpaquePointer?
        let operation = "read the index\(file.map { " \($0)" } ?? "")"
        if let file {
            try LibGit2.check(git_index_open(&index, file), operation)
        } else {
            try LibGit2.check(git_repository_index(&index, handle), operation)
        }
        defer { git_index_free(index) }
        try LibGit2.check(git_index_read(index, 1), operation)
        var oid = git_oid()
        try LibGit2.check(git_index_write_tree_to(&oid, index, handle), "write the index as a tree")
        return ObjectID(oid)
    }
}
