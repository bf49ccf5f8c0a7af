internal import CLibGit2

extension Repository {
    /// The tree of what is staged in the index: what the next `git commit` would record.
    /// Writes the tree objects (as `git commit` does); the index itself is not changed.
    public func indexTree() throws(GitError) -> ObjectID {
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, handle), "read the index")
        defer { git_index_free(index) }
        try LibGit2.check(git_index_read(index, 1), "read the index")
        var oid = git_oid()
        try LibGit2.check(git_index_write_tree(&oid, index), "write the index as a tree")
        return ObjectID(oid)
    }
}
