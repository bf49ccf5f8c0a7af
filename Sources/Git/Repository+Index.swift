internal import CLibGit2

extension Repository {
    /// The tree of what is staged in the index: what the next `git commit` would record.
    /// Writes the tree objects (as `git commit` does); the index itself is not changed.
    ///
    /// `file` is another index file to read instead of the repository's own: git hands hooks the index being
    /// committed in `GIT_INDEX_FILE` (`git commit -a` stages into a temporary one, not `.git/index`).
    public func indexTree(file: String? = nil) throws(GitError) -> ObjectID {
        let index = try readIndex(file: file, "read the index\(file.map { " \($0)" } ?? "")")
        defer { git_index_free(index) }
        var oid = git_oid()
        try LibGit2.check(git_index_write_tree_to(&oid, index, handle), "write the index as a tree")
        return ObjectID(oid)
    }
}

extension Repository {
    /// The index `file` (the repository's own when nil), read from disk; the caller frees it.
    func readIndex(file: String?, _ operation: String) throws(GitError) -> OpaquePointer {
        var index: OpaquePointer?
        if let file {
            try LibGit2.check(git_index_open(&index, file), operation)
        } else {
            try LibGit2.check(git_repository_index(&index, handle), operation)
        }
        do throws(GitError) {
            try LibGit2.check(git_index_read(index, 1), operation)
        } catch {
            git_index_free(index)
            throw error
        }
        return index!
    }

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

extension Repository {
    /// The tree of what is staged, like `indexTree`, made from `base` (HEAD's root tree) by applying the index's
    /// differences from it. `git_index_write_tree` rebuilds and looks up every folder of a large index whose
    /// cached trees it cannot use (a 10,000-ticket board: ~280 ms); this costs one pass over the index and a tree
    /// edit of what changed. Falls back to `indexTree` for a change it does not model (a link, a submodule).
    public func stagedTree(file: String? = nil, over base: ObjectID) throws(GitError) -> ObjectID {
        let operation = "compare the index with \(base.short)"
        let index = try readIndex(file: file, operation)
        defer { git_index_free(index) }
        var tree: OpaquePointer?
        var oid = base.oid
        try LibGit2.check(git_tree_lookup(&tree, handle, &oid), operation)
        defer { git_tree_free(tree) }
        var options = git_diff_options()
        try LibGit2.check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), operation)
        options.flags = GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        var diff: OpaquePointer?
        try LibGit2.check(git_diff_tree_to_index(&diff, handle, tree, index, &options), operation)
        defer { git_diff_free(diff) }
        var edits: [TreeEdit] = []
        for position in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, position)?.pointee else { continue }
            let old = delta.old_file, new = delta.new_file
            if delta.status == GIT_DELTA_DELETED || delta.status == GIT_DELTA_TYPECHANGE {
                edits.append(.remove(path: String(cString: old.path)))
            }
            guard delta.status != GIT_DELTA_DELETED else { continue }
            let mode = UInt32(new.mode)
            guard mode == GIT_FILEMODE_BLOB.rawValue || mode == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue else {
                return try indexTree(file: file)
            }
            edits.append(.write(path: String(cString: new.path), blob: ObjectID(new.id),
                                executable: mode == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue))
        }
        return edits.isEmpty ? base : try updateTree(base, applying: edits)
    }
}

/// `git diff --cached --raw -z --no-abbrev --no-renames` output, as the pre-commit hook hands it over: each record
/// `:<old mode> <new mode> <old id> <new id> <status>` and a path, NUL-separated.
public enum RawDiff {
    /// The tree edits that turn the diff's old tree into its new one; nil when the text is not such a diff or a
    /// change is one no board file makes (a link, a submodule), for which the index itself must be read.
    public static func edits(_ bytes: [UInt8]) -> [TreeEdit]? {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
        var edits: [TreeEdit] = []
        var index = 0
        while index < fields.count, !fields[index].isEmpty {
            guard index + 1 < fields.count, fields[index].first == UInt8(ascii: ":") else { return nil }
            let header = fields[index].dropFirst().split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
            let path = String(decoding: fields[index + 1], as: UTF8.self)
            index += 2
            guard header.count == 5, !path.isEmpty else { return nil }
            let newMode = header[1], status = header[4]
            switch status {
            case "D":
                edits.append(.remove(path: path))
            case "A", "M", "T":
                guard newMode == "100644" || newMode == "100755", let blob = ObjectID(hex: header[3]) else { return nil }
                if status == "T" { edits.append(.remove(path: path)) }
                edits.append(.write(path: path, blob: blob, executable: newMode == "100755"))
            default:
                return nil
            }
        }
        return edits
    }
}
