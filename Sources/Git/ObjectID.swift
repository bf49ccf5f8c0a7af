/// A git object id: the 20 raw bytes of a SHA-1, stored inline.
public struct ObjectID: Hashable, Sendable {
    // Big-endian words, so comparing (high, middle, low) orders ids like their bytes.
    let high: UInt64
    let middle: UInt64
    let low: UInt32

    /// Reads 20 bytes from `raw`.
    public init(raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= 20, "an object id has 20 bytes")
        high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        middle = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        low = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
    }

    /// Writes the 20 bytes into `raw`.
    public func store(into raw: UnsafeMutableRawBufferPointer) {
        precondition(raw.count >= 20, "an object id has 20 bytes")
        raw.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
        raw.storeBytes(of: middle.bigEndian, toByteOffset: 8, as: UInt64.self)
        raw.storeBytes(of: low.bigEndian, toByteOffset: 16, as: UInt32.self)
    }

    /// The 20 raw bytes.
    var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 20) { buffer, count in
            store(into: UnsafeMutableRawBufferPointer(buffer))
            count = 20
        }
    }

    /// Parses a full 40-digit hexadecimal id (either case); nil for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 20)
        for index in 0..<20 {
            guard let high = Self.nibble(utf8[2 * index]), let low = Self.nibble(utf8[2 * index + 1]) else {
                return nil
            }
            bytes[index] = high << 4 | low
        }
        self = bytes.withUnsafeBytes { ObjectID(raw: $0) }
    }

    /// The 40-digit lowercase hexadecimal form.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        let raw = bytes
        return String(unsafeUninitializedCapacity: 40) { buffer in
            for (index, byte) in raw.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return 40
        }
    }

    /// The first seven hexadecimal digits, as `git log --oneline` shows them.
    public var short: String { String(hex.prefix(7)) }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension ObjectID: Comparable {
    /// Orders ids by their bytes, as git sorts them.
    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}

extension ObjectID: CustomStringConvertible {
    /// The 40-digit hexadecimal form.
    public var description: String { hex }
}

extension ObjectID: Codable {
    /// Decodes a 40-digit hexadecimal string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ObjectID(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a 40-digit hexadecimal object id, found \"\(text)\"")
        }
        self = id
    }

    /// Encodes the 40-digit hexadecimal string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
