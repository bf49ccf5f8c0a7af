internal import CLibGit2

/// An open git repository; owns the libgit2 handle and frees it when released.
///
/// Not `Sendable`: libgit2 forbids using one repository from two threads at once, so confine an
/// instance to one thread or actor and keep its blocking calls off the cooperative pool.
public final class Repository {
    /// The libgit2 handle; valid for the life of this object.
    let handle: OpaquePointer

    /// Serialized trees this repository wrote or read for editing, so that the next commit on the same folder
    /// starts from bytes in memory; bounded by `rawTreeBudget`.
    var rawTrees: [ObjectID: [UInt8]] = [:]
    var rawTreeBytes = 0
    let rawTreeBudget = 32 << 20

    init(handle: OpaquePointer) {
        self.handle = handle
        useFastLooseObjects()
    }

    /// Writes new loose objects at zlib level 1, git's own default (`core.looseCompression`), instead of
    /// libgit2's level 6. A commit rewrites every tree on its path, and a board's `tickets/` tree of ten
    /// thousand entries is ~400 KB: deflating it at level 6 made each commit ~3x dearer. Objects stay
    /// ordinary git objects; every reader inflates any level. Best effort: on failure the default stays.
    private func useFastLooseObjects() {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return }
        defer { git_odb_free(odb) }
        let objects = "\(commonDirectory)/objects"
        var backend: UnsafeMutablePointer<git_odb_backend>?
        guard git_odb_backend_loose(&backend, objects, 1, 0, 0, 0) == 0 else { return }
        // Highest priority, so writes (which go to the first writable backend) land here.
        if git_odb_add_backend(odb, backend, 3) != 0 {
            backend?.pointee.free(backend)
        }
    }

    deinit {
        git_repository_free(handle)
    }

    /// Reads objects from the folder `path` too (an `objects` folder): where git keeps a push's objects while its
    /// `pre-receive` hook decides (`GIT_QUARANTINE_PATH`), which libgit2 does not look in by itself.
    public func addObjectDirectory(_ path: String) throws(GitError) {
        let operation = "read objects from \(path)"
        var odb: OpaquePointer?
        try LibGit2.check(git_repository_odb(&odb, handle), operation)
        defer { git_odb_free(odb) }
        try LibGit2.check(git_odb_add_disk_alternate(odb, path), operation)
    }

    /// Opens the repository exactly at `path`: a working tree, a `.git` folder or a bare repository.
    public static func open(at path: String) throws(GitError) -> Repository {
        try open(path, flags: GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, operation: "open repository \(path)")
    }

    /// Opens the repository containing `path`, searching upward like git does.
    public static func discover(from path: String) throws(GitError) -> Repository {
        try open(path, flags: 0, operation: "discover repository from \(path)")
    }

    private static func open(_ path: String, flags: UInt32, operation: String) throws(GitError) -> Repository {
        LibGit2.ensureInitialized()
        var handle: OpaquePointer?
        try LibGit2.check(git_repository_open_ext(&handle, path, flags, nil), operation)
        return Repository(handle: handle!)
    }

    /// Creates a new repository at `path` (making folders as needed) whose HEAD names `initialBranch`.
    public static func create(at path: String, bare: Bool, initialBranch: String = "main") throws(GitError) -> Repository {
        LibGit2.ensureInitialized()
        let operation = "create \(bare ? "bare " : "")repository \(path)"
        var options = git_repository_init_options()
        try LibGit2.check(
            git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), operation)
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
        if bare {
            options.flags |= GIT_REPOSITORY_INIT_BARE.rawValue
        }
        var handle: OpaquePointer?
        let result = initialBranch.withCString { branch in
            options.initial_head = branch
            return git_repository_init_ext(&handle, path, &options)
        }
        try LibGit2.check(result, operation)
        return Repository(handle: handle!)
    }

    /// Whether the repository has no working tree.
    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    /// The working tree's absolute path without a trailing slash; nil when bare.
    public var workingDirectory: String? {
        String(optionalCString: git_repository_workdir(handle)).map(Self.trimmingSlash)
    }

    /// The git folder's absolute path without a trailing slash.
    public var gitDirectory: String {
        Self.trimmingSlash(String(optionalCString: git_repository_path(handle)) ?? "")
    }

    private static func trimmingSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
