import Foundation

/// A span of time written the way people write it: `90s`, `30m`, `2h`, `7d`, `2w`.
public struct Interval: Sendable, Hashable, TextValue, CustomStringConvertible {
    /// The length in seconds.
    public let seconds: Int
    /// The text as written in the file.
    public let text: String

    /// Parses `90s`, `30m`, `2h`, `7d` or `2w` (digits without a leading zero, then the unit); nil for anything
    /// else, exactly as the JSON Schema's `^[1-9][0-9]*[smhdw]$`.
    public init?(_ text: String) {
        let trimmed = text
        let digits = trimmed.dropLast()
        guard let unit = trimmed.last, let first = digits.first, first != "0",
              digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits) else { return nil }
        let scale: Int
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3_600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        self.seconds = product
        self.text = trimmed
    }

    /// An interval of whole seconds, written in the largest unit that divides it.
    public init(seconds: Int) {
        self.seconds = seconds
        for (unit, scale) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] where seconds % scale == 0 && seconds > 0 {
            self.text = "\(seconds / scale)\(unit)"
            return
        }
        self.text = "\(seconds)s"
    }

    /// The interval as a `TimeInterval`.
    public var timeInterval: TimeInterval { TimeInterval(seconds) }
    /// The text as written.
    public var description: String { text }

    /// What a valid value looks like, for errors.
    public static let expected = "a duration like 30m, 2h or 7d"
}

/// A size in bytes written the way people write it: `512KB`, `20MB`, `1GB`, or a plain number.
public struct ByteSize: Sendable, Hashable, TextValue, CustomStringConvertible {
    /// The size in bytes.
    public let bytes: Int
    /// The text as written in the file.
    public let text: String

    /// Parses `123`, `512KB`, `20MB` or `1GB` (powers of 1024, any case); nil for anything else, exactly as
    /// the JSON Schema's `^[0-9]+([kKmMgG]?[bB])?$`.
    public init?(_ text: String) {
        let trimmed = text
        let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1), ("", 1)]
        for (suffix, scale) in units where trimmed.uppercased().hasSuffix(suffix) {
            let digits = trimmed.dropLast(suffix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits) else { continue }
            let (product, overflow) = count.multipliedReportingOverflow(by: scale)
            guard !overflow else { return nil }
            self.bytes = product
            self.text = trimmed
            return
        }
        return nil
    }

    /// The text as written.
    public var description: String { text }

    /// What a valid value looks like, for errors.
    public static let expected = "a size like 512KB, 20MB or 1GB"
}

/// A value people write as text (`2h`, `20MB`): read from and written as that text, with a located error
/// saying what a valid one looks like.
public protocol TextValue: Codable {
    /// Parses the text; nil when it is not valid.
    init?(_ text: String)
    /// The text as written.
    var text: String { get }
    /// What a valid value looks like, for errors.
    static var expected: String { get }
}

extension TextValue {
    /// Decodes from its text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be \(Self.expected) (found '\(text)')")
        }
        self = value
    }

    /// Encodes as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
