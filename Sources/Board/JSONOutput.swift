import Foundation

/// JSON as `mission` prints it: keys sorted (by code point, as `JSONEncoder`'s `.sortedKeys`), dates in ISO 8601,
/// slashes left as they are, pretty-printed in `JSONEncoder`'s own layout or compact. Byte for byte what
/// `JSONEncoder` with those options writes, at a fraction of its cost.
///
/// Written while the value encodes rather than built as a document first: each container's entries go into one
/// byte buffer as they come, and a finished child is copied into its parent once; only an object's keys are
/// sorted when it closes. The elements of a top-level array go to the output as soon as each is finished, so
/// `list --json` over ten thousand tickets never holds them all. `JSONEncoder` spent most of its time wrapping
/// each value in a document tree and casting it to find dates, URLs and data among them.
public enum JSONOutput {
    /// The bytes of `value`.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws -> [UInt8] {
        let sink = Sink(descriptor: nil)
        try write(value, pretty: pretty, sink: sink)
        return sink.bytes
    }

    /// Writes `value` and a newline to the file `descriptor` (standard output by default), as it encodes.
    public static func print<T: Encodable>(_ value: T, pretty: Bool = true, to descriptor: Int32 = 1) throws {
        let sink = Sink(descriptor: descriptor)
        try write(value, pretty: pretty, sink: sink)
        sink.bytes.append(UInt8(ascii: "\n"))
        try sink.flush()
    }

    private static func write<T: Encodable>(_ value: T, pretty: Bool, sink: Sink) throws {
        let root = Frame(kind: .single, depth: -1, pretty: pretty)
        root.sink = sink
        try root.add(value, key: nil)
        try root.finishRoot()
        try sink.flushIfLarge()
    }

    /// Where finished bytes go: a buffer, written out to a file when it grows.
    final class Sink {
        var bytes: [UInt8] = []
        let descriptor: Int32?

        init(descriptor: Int32?) {
            self.descriptor = descriptor
            bytes.reserveCapacity(1 << 16)
        }

        func flushIfLarge() throws {
            if descriptor != nil, bytes.count >= 1 << 16 { try flush() }
        }

        func flush() throws {
            guard let descriptor else { return }
            try bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else { throw CocoaError(.fileWriteUnknown) }
                    offset += count
                }
            }
            bytes.removeAll(keepingCapacity: true)
        }
    }

    /// One container being filled: an object, an array, or the single value a child encodes.
    final class Frame {
        enum Kind { case object, array, single }
        /// A finished value's bytes in `body`, or a nested container still open.
        enum Value {
            case bytes(Range<Int>)
            case nested(Frame)
        }

        var kind: Kind
        let depth: Int
        let pretty: Bool
        var body: [UInt8] = []
        var entries: [(key: String, value: Value)] = []
        /// Set on the top-level frame when its output goes to a sink.
        var sink: Sink?
        /// Whether the top-level array's elements are being written to the sink as they finish.
        var streamed = 0

        init(kind: Kind, depth: Int, pretty: Bool) {
            self.kind = kind
            self.depth = depth
            self.pretty = pretty
        }

        // MARK: Adding values

        func addScalar(key: String?, _ write: (inout [UInt8]) -> Void) {
            let start = body.count
            write(&body)
            entries.append((key ?? "", .bytes(start..<body.count)))
        }

        func add<T: Encodable>(_ value: T, key: String?) throws {
            if T.self == String.self {
                return addScalar(key: key) { JSONOutput.string(value as! String, into: &$0) }
            }
            if T.self == Date.self {
                return addScalar(key: key) { JSONOutput.string(JSONOutput.iso8601(value as! Date), into: &$0) }
            }
            if T.self == URL.self {
                return addScalar(key: key) { JSONOutput.string((value as! URL).absoluteString, into: &$0) }
            }
            if T.self == Data.self {
                return addScalar(key: key) { JSONOutput.string((value as! Data).base64EncodedString(), into: &$0) }
            }
            let child = Frame(kind: .single, depth: depth + 1, pretty: pretty)
            if depth == -1, let sink {
                // The top-level value: straight to the sink, a top-level array element by element.
                child.sink = sink
                try value.encode(to: JSONValueEncoder(frame: child))
                return try child.finish(into: sink)
            }
            try value.encode(to: JSONValueEncoder(frame: child))
            let start = body.count
            child.serialize(into: &body)
            entries.append((key ?? "", .bytes(start..<body.count)))
            if sink != nil, kind == .array { try stream() }
        }

        func nested(_ kind: Kind, key: String?) -> Frame {
            let child = Frame(kind: kind, depth: depth + 1, pretty: pretty)
            entries.append((key ?? "", .nested(child)))
            return child
        }

        /// This frame as the container `kind`: a single-value frame becomes it on first use.
        func become(_ kind: Kind) -> Frame {
            if self.kind == .single, entries.isEmpty { self.kind = kind }
            return self
        }

        // MARK: Writing

        private func newline(_ level: Int, into out: inout [UInt8]) {
            guard pretty else { return }
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<max(0, level) { out.append(UInt8(ascii: " ")); out.append(UInt8(ascii: " ")) }
        }

        private func value(_ value: Value, into out: inout [UInt8]) {
            switch value {
            case .bytes(let range): body.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
            case .nested(let frame): frame.serialize(into: &out)
            }
        }

        func serialize(into out: inout [UInt8]) {
            switch kind {
            case .single:
                if let first = entries.first { value(first.value, into: &out) } else { out += Array("{}".utf8) }
            case .array:
                out.append(UInt8(ascii: "["))
                if entries.isEmpty { newline(0, into: &out) }
                for (index, entry) in entries.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    newline(depth + 1, into: &out)
                    value(entry.value, into: &out)
                }
                newline(depth, into: &out)
                out.append(UInt8(ascii: "]"))
            case .object:
                out.append(UInt8(ascii: "{"))
                if entries.isEmpty { newline(0, into: &out) }
                let sorted = zip(entries, entries.dropFirst()).allSatisfy { $0.key < $1.key }
                    ? entries : entries.sorted { $0.key < $1.key }
                for (index, entry) in sorted.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    newline(depth + 1, into: &out)
                    JSONOutput.string(entry.key, into: &out)
                    out += pretty ? [0x20, 0x3A, 0x20] : [0x3A]
                    value(entry.value, into: &out)
                }
                newline(depth, into: &out)
                out.append(UInt8(ascii: "}"))
            }
        }

        /// The top-level array's finished elements, written to the sink in order; a nested one waits for the end.
        private func stream() throws {
            guard let sink else { return }
            while streamed < entries.count, case .bytes(let range) = entries[streamed].value {
                sink.bytes.append(streamed == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
                newline(depth + 1, into: &sink.bytes)
                body.withUnsafeBufferPointer { sink.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
                streamed += 1
                try sink.flushIfLarge()
            }
            if streamed == entries.count { body.removeAll(keepingCapacity: true) }
        }

        /// Writes what is left of the top-level value to `sink`.
        func finish(into sink: Sink) throws {
            guard kind == .array, streamed > 0 else { return serialize(into: &sink.bytes) }
            while streamed < entries.count {
                sink.bytes.append(UInt8(ascii: ","))
                newline(depth + 1, into: &sink.bytes)
                value(entries[streamed].value, into: &sink.bytes)
                streamed += 1
            }
            newline(depth, into: &sink.bytes)
            sink.bytes.append(UInt8(ascii: "]"))
        }

        /// Writes a top-level scalar (a string or a date, kept in `body`) to the sink.
        func finishRoot() throws {
            guard let sink else { return }
            if let first = entries.first, case .bytes(let range) = first.value { sink.bytes.append(contentsOf: body[range]) }
        }
    }

    // MARK: Scalars

    static func string(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var clean = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[clean..<index]))
                clean = index + 1
                switch byte {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                case 0x08: out += [0x5C, UInt8(ascii: "b")]
                case 0x0C: out += [0x5C, UInt8(ascii: "f")]
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out += [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[clean...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `2026-11-01T10:00:00Z`: UTC, whole seconds (as `JSONEncoder`'s `.iso8601` writes it).
    static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = Int(parts.tm_year) + 1900
        let yearText = year >= 1000 ? "\(year)" : String(repeating: "0", count: 4 - "\(year)".count) + "\(year)"
        return "\(yearText)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    static func number(_ value: Double) throws -> [UInt8] {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not valid JSON"))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return Array(text.utf8)
    }
}

// MARK: The Encoder protocols

private struct JSONValueEncoder: Encoder {
    let frame: JSONOutput.Frame
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyedContainer<Key>(frame: frame.become(.object)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(frame: frame.become(.array))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleContainer(frame: frame, key: nil)
    }
}

/// The scalar writes every container shares; `key` is where they go (nil for an array element or a single value).
private protocol ScalarWriting {
    var frame: JSONOutput.Frame { get }
}

extension ScalarWriting {
    func scalar(_ key: String?, _ text: String) { frame.addScalar(key: key) { $0 += Array(text.utf8) } }
    func scalar(_ key: String?, bool: Bool) { scalar(key, bool ? "true" : "false") }
    func scalar(_ key: String?, string: String) { frame.addScalar(key: key) { JSONOutput.string(string, into: &$0) } }
    func scalar(_ key: String?, double: Double) throws {
        let bytes = try JSONOutput.number(double)
        frame.addScalar(key: key) { $0 += bytes }
    }
    func scalar(_ key: String?, float: Float) throws {
        guard float.isFinite else { return try scalar(key, double: Double(float)) }  // throws, as for a double
        var text = float.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        scalar(key, text)
    }
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol, ScalarWriting {
    let frame: JSONOutput.Frame
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { scalar(key.stringValue, "null") }
    mutating func encode(_ value: Bool, forKey key: Key) throws { scalar(key.stringValue, bool: value) }
    mutating func encode(_ value: String, forKey key: Key) throws { scalar(key.stringValue, string: value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try scalar(key.stringValue, double: value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try scalar(key.stringValue, float: value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: Int8, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: Int16, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: Int32, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: Int64, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: UInt, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { scalar(key.stringValue, "\(value)") }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try frame.add(value, key: key.stringValue) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(frame: frame.nested(.object, key: key.stringValue)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(frame: frame.nested(.array, key: key.stringValue))
    }

    mutating func superEncoder() -> any Encoder { JSONValueEncoder(frame: frame.nested(.single, key: "super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { JSONValueEncoder(frame: frame.nested(.single, key: key.stringValue)) }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer, ScalarWriting {
    let frame: JSONOutput.Frame
    var codingPath: [any CodingKey] { [] }
    var count: Int { frame.entries.count }

    mutating func encodeNil() throws { scalar(nil, "null") }
    mutating func encode(_ value: Bool) throws { scalar(nil, bool: value) }
    mutating func encode(_ value: String) throws { scalar(nil, string: value) }
    mutating func encode(_ value: Double) throws { try scalar(nil, double: value) }
    mutating func encode(_ value: Int) throws { scalar(nil, "\(value)") }
    mutating func encode<T: Encodable>(_ value: T) throws { try frame.add(value, key: nil) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(frame: frame.nested(.object, key: nil)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(frame: frame.nested(.array, key: nil))
    }

    mutating func superEncoder() -> any Encoder { JSONValueEncoder(frame: frame.nested(.single, key: nil)) }
}

private struct JSONSingleContainer: SingleValueEncodingContainer, ScalarWriting {
    let frame: JSONOutput.Frame
    let key: String?
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { scalar(key, "null") }
    mutating func encode(_ value: Bool) throws { scalar(key, bool: value) }
    mutating func encode(_ value: String) throws { scalar(key, string: value) }
    mutating func encode(_ value: Double) throws { try scalar(key, double: value) }
    mutating func encode(_ value: Float) throws { try scalar(key, float: value) }
    mutating func encode(_ value: Int) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: Int8) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: Int16) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: Int32) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: Int64) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: UInt) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: UInt8) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: UInt16) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: UInt32) throws { scalar(key, "\(value)") }
    mutating func encode(_ value: UInt64) throws { scalar(key, "\(value)") }
    mutating func encode<T: Encodable>(_ value: T) throws { try frame.add(value, key: key) }
}
