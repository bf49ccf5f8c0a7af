internal import CLibGit2

/// One "Key: value" line from the trailer block at the end of a commit message.
public struct Trailer: Sendable, Hashable, Codable {
    /// The key, e.g. "Ticket".
    public var key: String
    /// The value, e.g. "MC-7K3Q".
    public var value: String

    /// Makes a trailer.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Reading trailers out of commit messages.
public enum Trailers {
    /// The trailers of `message` by git's rules: "Key: value" lines in its last paragraph.
    public static func parse(_ message: String) -> [Trailer] {
        LibGit2.ensureInitialized()
        var array = git_message_trailer_array()
        guard git_message_trailers(&array, message) == 0 else { return [] }
        defer { git_message_trailer_array_free(&array) }
        guard let trailers = array.trailers else { return [] }
        return (0..<array.count).map { index in
            Trailer(
                key: String(optionalCString: trailers[index].key) ?? "",
                value: String(optionalCString: trailers[index].value) ?? "")
        }
    }
}
