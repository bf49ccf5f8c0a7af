internal import CLibGit2

/// What a tree entry holds, by its git file mode.
public enum EntryKind: Sendable, Hashable {
    /// A regular file (100644).
    case blob
    /// An executable file (100755).
    case executable
    /// A folder (040000).
    case tree
    /// A symbolic link (120000).
    case link
    /// A submodule commit (160000).
    case submodule

    /// The kind for a libgit2 file mode; nil for a mode git does not write.
    init?(_ mode: git_filemode_t) {
        switch mode {
        case GIT_FILEMODE_BLOB: self = .blob
        case GIT_FILEMODE_BLOB_EXECUTABLE: self = .executable
        case GIT_FILEMODE_TREE: self = .tree
        case GIT_FILEMODE_LINK: self = .link
        case GIT_FILEMODE_COMMIT: self = .submodule
        default: return nil
        }
    }

    /// The kind for a file mode written as a number (as in a raw tree); nil for a mode git does not write.
    init?(mode: Int) {
        self.init(git_filemode_t(UInt32(truncatingIfNeeded: mode)))
    }

    /// The libgit2 file mode.
    var mode: git_filemode_t {
        switch self {
        case .blob: GIT_FILEMODE_BLOB
        case .executable: GIT_FILEMODE_BLOB_EXECUTABLE
        case .tree: GIT_FILEMODE_TREE
        case .link: GIT_FILEMODE_LINK
        case .submodule: GIT_FILEMODE_COMMIT
        }
    }
}

/// One entry of a tree.
public struct TreeEntry: Sendable, Hashable {
    /// The last path component.
    public let name: String
    /// The path relative to the root tree that was read or walked.
    public let path: String
    /// The id of the blob, tree or submodule commit.
    public let id: ObjectID
    /// What the entry holds.
    public let kind: EntryKind

    /// Makes an entry.
    public init(name: String, path: String, id: ObjectID, kind: EntryKind) {
        self.name = name
        self.path = path
        self.id = id
        self.kind = kind
    }

    /// Copies a libgit2 tree entry found at `path`; the pointer stays owned by the caller.
    init(_ entry: OpaquePointer, path: String) {
        name = String(optionalCString: git_tree_entry_name(entry)) ?? ""
        self.path = path
        id = ObjectID(git_tree_entry_id(entry))
        // Trees written by git only hold the five modes; treat anything odd as a regular file.
        kind = EntryKind(git_tree_entry_filemode(entry)) ?? .blob
    }
}

/// How a path changed between two trees.
public enum ChangeKind: String, Sendable, Codable {
    /// The path is new.
    case added
    /// The path is gone.
    case deleted
    /// The content or mode changed.
    case modified
    /// The path moved (only with rename detection, which `diff` does not do).
    case renamed
    /// The path changed between file, link and submodule.
    case typeChanged
}

/// One changed path between two trees.
public struct Change: Sendable, Hashable {
    /// How the path changed.
    public let kind: ChangeKind
    /// The path (the new path, or the old one for a deletion), relative to the root trees.
    public let path: String
    /// The path before a rename; nil otherwise.
    public let oldPath: String?
    /// The id before; nil when added.
    public let oldID: ObjectID?
    /// The id after; nil when deleted.
    public let newID: ObjectID?

    /// Makes a change.
    public init(kind: ChangeKind, path: String, oldPath: String? = nil, oldID: ObjectID?, newID: ObjectID?) {
        self.kind = kind
        self.path = path
        self.oldPath = oldPath
        self.oldID = oldID
        self.newID = newID
    }
}

/// One edit for `Repository.updateTree`.
public enum TreeEdit: Sendable {
    /// Puts a blob at `path`, creating folders as needed and replacing what was there.
    case write(path: String, blob: ObjectID, executable: Bool = false)
    /// Removes the entry at `path`; folders left empty disappear.
    case remove(path: String)
}
