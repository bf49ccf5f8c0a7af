/// A failure a person can act on: what went wrong and, on the lines after, what to do about it. Every surface shows
/// its text as it is: the command line as `error: …` with exit status 1, the console beside the action refused.
public struct ActionError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A JSON key written as a string literal, for hand-written `encode(to:)` that keep every key present.
public struct JSONKey: CodingKey, ExpressibleByStringLiteral {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
    public init(stringLiteral value: String) { stringValue = value }
}
