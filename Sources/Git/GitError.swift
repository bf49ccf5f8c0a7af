/// A failure in the git layer: what we were doing, why it failed (libgit2's words) and a code to branch on.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case notFound, exists, referenceMoved, locked, unbornBranch, ambiguous, invalid
            case uncommittedChange, mergeConflict, bareRepository, rejected, other
        }

        let value: Value

        /// The object, reference, path or setting does not exist.
        public static let notFound = Code(value: .notFound)
        /// Something is already there.
        public static let exists = Code(value: .exists)
        /// A compare-and-swap lost: the reference no longer points where we expected.
        public static let referenceMoved = Code(value: .referenceMoved)
        /// Another process holds a lock file.
        public static let locked = Code(value: .locked)
        /// HEAD names a branch with no commits yet.
        public static let unbornBranch = Code(value: .unbornBranch)
        /// A short id or revision matches more than one object.
        public static let ambiguous = Code(value: .ambiguous)
        /// A malformed name, path, revision or argument.
        public static let invalid = Code(value: .invalid)
        /// A person's uncommitted work stands in the way.
        public static let uncommittedChange = Code(value: .uncommittedChange)
        /// Two histories changed the same paths in ways a three-way merge cannot settle; a person must merge them.
        public static let mergeConflict = Code(value: .mergeConflict)
        /// The operation needs a working tree and the repository is bare.
        public static let bareRepository = Code(value: .bareRepository)
        /// A remote refused a push for a reason other than a race: its hook, a protected branch.
        public static let rejected = Code(value: .rejected)
        /// Any other failure.
        public static let other = Code(value: .other)

        /// The code's name, e.g. "referenceMoved".
        public var description: String { value.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What we were doing, e.g. "update reference refs/heads/main".
    public let operation: String
    /// Why it failed, usually libgit2's own message.
    public let message: String

    /// Makes an error from its parts.
    public init(code: Code, operation: String, message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    /// "operation: message".
    public var description: String { "\(operation): \(message)" }
}
