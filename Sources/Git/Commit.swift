internal import CLibGit2

/// A commit object copied out of the repository.
public struct Commit: Sendable {
    /// The commit's own id.
    public let id: ObjectID
    /// The id of its root tree.
    public let tree: ObjectID
    /// Its parents, first parent first.
    public let parents: [ObjectID]
    /// Who wrote the change.
    public let author: Signature
    /// Who recorded the commit.
    public let committer: Signature
    /// The full message.
    public let message: String

    /// The first line of the message.
    public var summary: String {
        String(message.prefix { $0 != "\n" && $0 != "\r\n" })
    }

    /// The trailers of the message's last paragraph.
    public var trailers: [Trailer] { Trailers.parse(message) }

    /// Copies a libgit2 commit; the pointer stays owned by the caller.
    init(_ commit: OpaquePointer) {
        id = ObjectID(git_commit_id(commit))
        tree = ObjectID(git_commit_tree_id(commit))
        parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0)) }
        author = Signature(git_commit_author(commit))
        committer = Signature(git_commit_committer(commit))
        message = String(optionalCString: git_commit_message(commit)) ?? ""
    }
}
