internal import CLibGit2

extension Repository {
    /// The full name of the branch HEAD points at (e.g. "refs/heads/main"), even if unborn; nil when detached.
    public func headBranch() throws(GitError) -> String? {
        var reference: OpaquePointer?
        try LibGit2.check(git_reference_lookup(&reference, handle, "HEAD"), "read HEAD")
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC else { return nil }
        return String(optionalCString: git_reference_symbolic_target(reference))
    }

    /// The commit (or other object) a full reference name points at, following symbolic references; nil when absent.
    public func referenceTarget(_ name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        if result == GIT_ENOTFOUND.rawValue {
            return nil
        }
        try LibGit2.check(result, "read reference \(name)")
        return ObjectID(oid)
    }

    /// The full names of the references that match `glob` (e.g. "refs/heads/mission/*"), in libgit2's order.
    public func referenceNames(matching glob: String) throws(GitError) -> [String] {
        let operation = "list references \(glob)"
        var iterator: OpaquePointer?
        try LibGit2.check(git_reference_iterator_glob_new(&iterator, handle, glob), operation)
        defer { git_reference_iterator_free(iterator) }
        var names: [String] = []
        var name: UnsafePointer<CChar>?
        while true {
            let result = git_reference_next_name(&name, iterator)
            if result == GIT_ITEROVER.rawValue { return names }
            try LibGit2.check(result, operation)
            if let name { names.append(String(cString: name)) }
        }
    }

    /// Points the full reference `name` at `new` only if it still points at `old` (nil: only if it does not exist).
    ///
    /// Losing the race (including the reference having been deleted) throws `.referenceMoved`; a lock held by another process throws `.locked`.
    public func updateReference(
        _ name: String, to new: ObjectID, expecting old: ObjectID?, logMessage: String
    ) throws(GitError) {
        var reference: OpaquePointer?
        var newID = new.oid
        let result: Int32
        if var oldID = old?.oid {
            result = git_reference_create_matching(&reference, handle, name, &newID, 1, &oldID, logMessage)
        } else {
            result = git_reference_create_matching(&reference, handle, name, &newID, 0, nil, logMessage)
        }
        // To the caller, "already exists" on a create-only update and "gone" on an update mean the same
        // as a stale expectation: someone else moved the reference.
        let expectsExisting = old != nil
        try LibGit2.check(result, "update reference \(name)") { code in
            switch code {
            case GIT_EEXISTS.rawValue: .referenceMoved
            case GIT_ENOTFOUND.rawValue where expectsExisting: .referenceMoved
            default: LibGit2.code(for: code)
            }
        }
        git_reference_free(reference)
    }

    /// Deletes the reference `name`; one that does not exist is no error.
    public func deleteReference(_ name: String) throws(GitError) {
        var reference: OpaquePointer?
        let result = git_reference_lookup(&reference, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return }
        try LibGit2.check(result, "read reference \(name)")
        defer { git_reference_free(reference) }
        try LibGit2.check(git_reference_delete(reference), "delete reference \(name)")
    }

    /// Points HEAD at the branch `name` (a full name; it need not exist yet).
    public func setHead(_ name: String) throws(GitError) {
        try LibGit2.check(git_repository_set_head(handle, name), "point HEAD at \(name)")
    }
}
