internal import CLibGit2

/// Process-wide libgit2 set-up, run once by every entry point.
enum LibGit2 {
    /// `git_libgit2_init` runs exactly once, the first time this is read; we never shut down.
    /// Trees of any size stay in libgit2's object cache (the default keeps only trees under 4 KB): a board's
    /// `tickets/` tree is large and read over and over, and inflating it each time made loads quadratic.
    private static let initialized: Int32 = {
        let result = git_libgit2_init()
        _ = mission_git_set_cache_object_limit(GIT_OBJECT_TREE, 64 << 20)
        return result
    }()

    /// Makes sure libgit2 is initialised.
    static func ensureInitialized() {
        _ = initialized
    }

    /// Throws a `GitError` for a negative libgit2 result, capturing `git_error_last()` at once.
    static func check(
        _ result: Int32, _ operation: @autoclosure () -> String, codeFor: (Int32) -> GitError.Code = code(for:)
    ) throws(GitError) {
        guard result < 0 else { return }
        throw error(result, operation(), codeFor: codeFor)
    }

    /// Builds a `GitError` for a failed call; call it right after the failure (the message is thread-local).
    static func error(
        _ result: Int32, _ operation: String, codeFor: (Int32) -> GitError.Code = code(for:)
    ) -> GitError {
        var message = "libgit2 error \(result)"
        if let last = git_error_last(), let text = last.pointee.message {
            message = String(cString: text)
        }
        return GitError(code: codeFor(result), operation: operation, message: message)
    }

    /// Maps libgit2's error codes onto ours.
    static func code(for result: Int32) -> GitError.Code {
        switch result {
        case GIT_ENOTFOUND.rawValue: .notFound
        case GIT_EEXISTS.rawValue: .exists
        case GIT_EMODIFIED.rawValue: .referenceMoved
        case GIT_ELOCKED.rawValue: .locked
        case GIT_EUNBORNBRANCH.rawValue: .unbornBranch
        case GIT_EAMBIGUOUS.rawValue: .ambiguous
        case GIT_EINVALIDSPEC.rawValue, GIT_EINVALID.rawValue: .invalid
        case GIT_EUNCOMMITTED.rawValue, GIT_EINDEXDIRTY.rawValue, GIT_ECONFLICT.rawValue: .uncommittedChange
        case GIT_EBAREREPO.rawValue: .bareRepository
        default: .other
        }
    }
}

extension ObjectID {
    /// Copies a libgit2 id.
    init(_ oid: git_oid) {
        var oid = oid
        self = withUnsafeBytes(of: &oid.id) { ObjectID(raw: $0) }
    }

    /// Copies the id a libgit2 pointer points at.
    init(_ pointer: UnsafePointer<git_oid>) {
        self.init(pointer.pointee)
    }

    /// The id as a libgit2 value.
    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { store(into: $0) }
        return oid
    }
}

extension String {
    /// Copies a C string, or nil for a null pointer.
    init?(optionalCString pointer: UnsafePointer<CChar>?) {
        guard let pointer else { return nil }
        self.init(cString: pointer)
    }
}
