internal import CLibGit2
public import Foundation

/// Who made a commit and when, as git records it (whole seconds and a UTC offset).
public struct Signature: Sendable, Hashable {
    /// The person's name.
    public var name: String
    /// The person's email address.
    public var email: String
    /// The moment; git stores whole seconds.
    public var date: Date
    /// The offset from UTC in minutes at which the moment was recorded (east is positive).
    public var timeZoneOffsetMinutes: Int

    /// Makes a signature.
    public init(name: String, email: String, date: Date, timeZoneOffsetMinutes: Int = 0) {
        self.name = name
        self.email = email
        self.date = date
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
    }

    /// Copies a libgit2 signature.
    init(_ signature: UnsafePointer<git_signature>) {
        let value = signature.pointee
        self.init(
            name: String(optionalCString: value.name) ?? "",
            email: String(optionalCString: value.email) ?? "",
            date: Date(timeIntervalSince1970: Double(value.when.time)),
            timeZoneOffsetMinutes: Int(value.when.offset))
    }

    /// Runs `body` with a libgit2 copy of this signature, freed afterwards.
    func withGitSignature<Result>(
        _ operation: String, _ body: (UnsafePointer<git_signature>) throws(GitError) -> Result
    ) throws(GitError) -> Result {
        var pointer: UnsafeMutablePointer<git_signature>?
        let seconds = git_time_t(date.timeIntervalSince1970.rounded(.down))
        try LibGit2.check(
            git_signature_new(&pointer, name, email, seconds, Int32(timeZoneOffsetMinutes)),
            "\(operation): signature \(name) <\(email)>")
        defer { git_signature_free(pointer) }
        return try body(pointer!)
    }
}
