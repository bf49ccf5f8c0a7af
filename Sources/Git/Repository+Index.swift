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

extension Repository {
    /// The paths under `folder` whose working file differs from HEAD's tree: staged or not, added, modified,
    /// deleted, renamed, or untracked (ignored files are left out). Asks git's index, whose stat data answers for
    /// every unchanged file without reading it; the cost is a stat per file, as `git status`.
    public func changedPaths(under folder: String) throws(GitError) -> Set<String> {
        let operation = "read the status of \(folder)/"
        var options = git_status_options()
        try LibGit2.check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), operation)
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH.rawValue
        var list: OpaquePointer?
        let status: Int32 = "\(folder)/".withCString { pattern in
            var pointer: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: pattern)
            return withUnsafeMutablePointer(to: &pointer) { strings in
                options.pathspec = git_strarray(strings: strings, count: 1)
                return git_status_list_new(&list, handle, &options)
            }
        }
        try LibGit2.check(status, operation)
        defer { git_status_list_free(list) }
        var paths: Set<String> = []
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index)?.pointee else { continue }
            for delta in [entry.head_to_index, entry.index_to_workdir] {
                guard let file = delta?.pointee else { continue }
                if let path = file.old_file.path { paths.insert(String(cString: path)) }
                if let path = file.new_file.path { paths.insert(String(cString: path)) }
            }
        }
        return paths.filter { $0.hasPrefix("\(folder)/") }
    }
}
