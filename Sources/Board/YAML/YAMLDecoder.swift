import Foundation
import Yams

/// The coding key the decoder reports in `codingPath`: a mapping key, or a list index.
struct PathKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    init(_ step: YAMLPath) {
        switch step {
        case .key(let name): self.init(stringValue: name)
        case .index(let index): self.init(intValue: index)
        }
    }
}

/// A strict `Decoder` over one `Yams.Node`. Errors are `Diagnostic`s located at the node they concern.
/// Not thread-safe; each decoding pass makes its own.
final class NodeDecoder: Decoder {
    let node: Node
    let path: [YAMLPath]
    let file: String
    /// True for the root of an empty file, so that errors can say so.
    let isEmptyDocument: Bool

    init(node: Node, path: [YAMLPath], file: String, isEmptyDocument: Bool) {
        self.node = node
        self.path = path
        self.file = file
        self.isEmptyDocument = isEmptyDocument
    }

    var codingPath: [any CodingKey] { path.map(PathKey.init) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try KeyedContainer<Key>(decoder: self, node: node, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try UnkeyedContainer(decoder: self, node: node, path: path)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }

    // MARK: Errors

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, mark: node.mark)
    }

    /// "labels must be a list, found a string", or "file is empty; expected a list" at an empty root.
    func mismatch(expected: String, found: String, at node: Node, path: [YAMLPath]) -> Diagnostic {
        if isEmptyDocument && path.isEmpty {
            return Diagnostic("file is empty; expected \(expected)", at: SourceLocation(file: file, line: 1, column: 1))
        }
        return Diagnostic("\(YAMLPath.fieldName(path)) must be \(expected), found \(found)", at: location(node))
    }

    /// " in owner", or nothing at the root.
    func within(_ path: [YAMLPath]) -> String {
        path.isEmpty ? "" : " in \(YAMLPath.fieldName(path))"
    }

    // MARK: Scalars

    func string(_ node: Node, _ path: @autoclosure () -> [YAMLPath]) throws -> String {
        guard case .scalar(let scalar) = node, !YAMLScalars.isNull(scalar) else {
            throw mismatch(expected: "a string", found: YAMLScalars.describeKind(node), at: node, path: path())
        }
        return scalar.string
    }

    func bool(_ node: Node, _ path: @autoclosure () -> [YAMLPath]) throws -> Bool {
        if case .scalar(let scalar) = node, YAMLScalars.isPlainUntagged(scalar) {
            switch scalar.string {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        throw mismatch(expected: "true or false", found: YAMLScalars.describeFound(node), at: node, path: path())
    }

    func integer<T: FixedWidthInteger>(_ node: Node, _ type: T.Type, _ path: @autoclosure () -> [YAMLPath]) throws -> T {
        // Quoted or tagged text is a string in YAML 1.2 (and in the JSON Schemas), never a number.
        if case .scalar(let scalar) = node, YAMLScalars.isPlainUntagged(scalar), !YAMLScalars.isNull(scalar) {
            let (value, isDecimal) = YAMLScalars.integer(scalar.string, as: T.self)
            if let value { return value }
            if isDecimal {
                throw mismatch(expected: "an integer from \(T.min) to \(T.max)", found: YAMLScalars.describeFound(node),
                               at: node, path: path())
            }
        }
        throw mismatch(expected: "an integer", found: YAMLScalars.describeFound(node), at: node, path: path())
    }

    func number(_ node: Node, _ path: @autoclosure () -> [YAMLPath]) throws -> Double {
        if case .scalar(let scalar) = node, YAMLScalars.isPlainUntagged(scalar), !YAMLScalars.isNull(scalar),
           let value = YAMLScalars.number(scalar.string) {
            return value
        }
        throw mismatch(expected: "a number", found: YAMLScalars.describeFound(node), at: node, path: path())
    }

    func date(_ node: Node, _ path: @autoclosure () -> [YAMLPath]) throws -> Date {
        if case .scalar(let scalar) = node, !YAMLScalars.isNull(scalar), let value = YAMLScalars.date(scalar.string) {
            return value
        }
        throw mismatch(expected: "a date and time like 2026-11-22T10:15:00Z", found: YAMLScalars.describeFound(node),
                       at: node, path: path())
    }

    func strictEnum<E: StrictEnum>(_ type: E.Type) throws -> E {
        if case .scalar(let scalar) = node, !YAMLScalars.isNull(scalar), let value = E(rawValue: scalar.string) {
            return value
        }
        let names = E.allCases.map(\.rawValue)
        var hint: String?
        if case .scalar(let scalar) = node, let near = Suggest.closest(to: scalar.string, in: names) {
            hint = "did you mean '\(near)'?"
        }
        throw Diagnostic(
            "\(YAMLPath.fieldName(path)) must be one of \(names.joined(separator: ", ")) (found \(YAMLScalars.describeFound(node)))",
            at: location(node), hint: hint)
    }

    // MARK: Values

    /// Decodes `T` from `node`, with fast paths for the common scalar types. Errors thrown by `T`'s own
    /// `init(from:)` come out as diagnostics located at `node` (or at the deeper node they name).
    func decodeValue<T: Decodable>(_ type: T.Type, node: Node, path: @autoclosure () -> [YAMLPath]) throws -> T {
        if T.self == String.self { return try string(node, path()) as! T }
        if T.self == Int.self { return try integer(node, Int.self, path()) as! T }
        if T.self == Bool.self { return try bool(node, path()) as! T }
        if T.self == Double.self { return try number(node, path()) as! T }
        if T.self == Date.self { return try date(node, path()) as! T }
        if T.self == [String].self { return try stringList(node, path()) as! T }
        let childPath = path()
        let child = NodeDecoder(node: node, path: childPath, file: file, isEmptyDocument: isEmptyDocument && childPath.isEmpty)
        do {
            return try T(from: child)
        } catch let diagnostic as Diagnostic where diagnostic.location != .unknown {
            throw diagnostic
        } catch {
            throw relocated(error, in: child)
        }
    }

    private func stringList(_ node: Node, _ path: @autoclosure () -> [YAMLPath]) throws -> [String] {
        guard case .sequence(let sequence) = node else {
            throw mismatch(expected: "a list", found: YAMLScalars.describeKind(node), at: node, path: path())
        }
        var result = [String]()
        result.reserveCapacity(sequence.count)
        for (offset, item) in sequence.enumerated() {
            result.append(try string(item, path() + [.index(offset)]))
        }
        return result
    }

    /// A diagnostic for an error thrown by a type's own `init(from:)` while decoding `child`.
    private func relocated(_ error: any Error, in child: NodeDecoder) -> Diagnostic {
        if var diagnostic = error as? Diagnostic {
            diagnostic.location = location(child.node)
            return diagnostic
        }
        guard let error = error as? DecodingError else {
            return Diagnostic(String(describing: error), at: location(child.node))
        }
        let context: DecodingError.Context
        var message: String
        switch error {
        case .dataCorrupted(let found), .typeMismatch(_, let found), .valueNotFound(_, let found):
            context = found
            message = found.debugDescription
        case .keyNotFound(let key, let found):
            context = found
            message = "missing required key '\(key.stringValue)'"
        @unknown default:
            return Diagnostic(String(describing: error), at: location(child.node))
        }
        // The error's coding path may go below the node being decoded (`dataCorruptedError(forKey:in:)`).
        var node = child.node
        var path = child.path
        if context.codingPath.count > path.count {
            for key in context.codingPath[path.count...] {
                let step: YAMLPath
                if case .sequence = node, let index = key.intValue {
                    step = .index(index)
                } else {
                    step = .key(key.stringValue)
                }
                guard let (_, next) = YAMLDocument.child(of: node, at: step) else { break }
                node = next
                path.append(step)
            }
        }
        if case .keyNotFound = error {
            message += within(path)
        } else if message.hasPrefix("must ") {
            // Validators say what a value must be; the field's name is added here.
            message = YAMLPath.fieldName(path) + " " + message
        }
        return Diagnostic(message, at: location(node))
    }
}

/// Decodes a mapping: every key must be one `Key` knows.
struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    /// Where the mapping starts, for "missing required key".
    let mark: Mark?
    let path: [YAMLPath]
    private let names: [String]
    private let values: [Node]
    /// Which values are null, worked out once: copying a `Node` to look again is not free.
    private let nulls: [Bool]
    /// Built only for large mappings, where a linear search per key would cost more than hashing.
    private let lookup: [String: Int]?

    init(decoder: NodeDecoder, node: Node, path: [YAMLPath]) throws {
        guard case .mapping(let mapping) = node else {
            throw decoder.mismatch(expected: "a mapping", found: YAMLScalars.describeKind(node), at: node, path: path)
        }
        var names = [String]()
        var values = [Node]()
        var nulls = [Bool]()
        names.reserveCapacity(mapping.count)
        values.reserveCapacity(mapping.count)
        nulls.reserveCapacity(mapping.count)
        // Indices, not `for (key, value) in mapping`: Yams' iterator copies every pair into a new array.
        for index in mapping.startIndex..<mapping.endIndex {
            let (key, value) = mapping[index]
            guard case .scalar(let scalar) = key else {
                throw Diagnostic("keys must be plain text, found \(YAMLScalars.describeKind(key))", at: decoder.location(key))
            }
            let name = scalar.string
            if Key(stringValue: name) == nil {
                throw KeyedContainer.unknownKey(name, at: key, path: path, decoder: decoder)
            }
            names.append(name)
            nulls.append(YAMLScalars.isNull(value))
            values.append(value)
        }
        self.decoder = decoder
        self.mark = node.mark
        self.path = path
        self.names = names
        self.values = values
        self.nulls = nulls
        if names.count > 32 {
            var lookup = [String: Int](minimumCapacity: names.count)
            for (index, name) in names.enumerated() { lookup[name] = index }
            self.lookup = lookup
        } else {
            self.lookup = nil
        }
    }

    private static func unknownKey(_ name: String, at key: Node, path: [YAMLPath], decoder: NodeDecoder) -> Diagnostic {
        var hint: String?
        if let cases = Key.self as? any CaseIterable.Type {
            let known = knownNames(cases)
            hint = Suggest.closest(to: name, in: known).map { "did you mean '\($0)'?" }
        }
        return Diagnostic("unknown key '\(name)'\(decoder.within(path))", at: decoder.location(key), hint: hint)
    }

    private static func knownNames<C: CaseIterable>(_ type: C.Type) -> [String] {
        type.allCases.compactMap { ($0 as? any CodingKey)?.stringValue }
    }

    var codingPath: [any CodingKey] { path.map(PathKey.init) }

    var allKeys: [Key] { names.compactMap { Key(stringValue: $0) } }

    private func index(of key: Key) -> Int? {
        let name = key.stringValue
        if let lookup { return lookup[name] }
        return names.firstIndex(of: name)
    }

    func contains(_ key: Key) -> Bool { index(of: key) != nil }

    /// The value under `key`; a "missing required key" diagnostic when there is none.
    private func value(_ key: Key) throws -> Node {
        guard let index = index(of: key) else {
            throw Diagnostic("missing required key '\(key.stringValue)'\(decoder.within(path))",
                             at: SourceLocation(file: decoder.file, mark: mark))
        }
        return values[index]
    }

    /// The value under `key` unless it is absent or null.
    private func present(_ key: Key) -> Node? {
        guard let index = index(of: key), !nulls[index] else { return nil }
        return values[index]
    }

    private func childPath(_ key: Key) -> [YAMLPath] { path + [.key(key.stringValue)] }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let index = index(of: key) else {
            _ = try value(key)  // throws "missing required key"
            return false
        }
        return nulls[index]
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.bool(try value(key), childPath(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.string(try value(key), childPath(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.number(try value(key), childPath(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decoder.number(try value(key), childPath(key))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.integer(try value(key), type, childPath(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeValue(type, node: try value(key), path: childPath(key))
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try present(key).map { try decoder.bool($0, childPath(key)) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try present(key).map { try decoder.string($0, childPath(key)) }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try present(key).map { try decoder.number($0, childPath(key)) }
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try present(key).map { Float(try decoder.number($0, childPath(key))) }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try integerIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try integerIfPresent(type, key) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = present(key) else { return nil }
        return try decoder.decodeValue(type, node: node, path: childPath(key))
    }

    private func integerIfPresent<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T? {
        try present(key).map { try decoder.integer($0, type, childPath(key)) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(try KeyedContainer<NestedKey>(decoder: decoder, node: try value(key), path: childPath(key)))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try UnkeyedContainer(decoder: decoder, node: try value(key), path: childPath(key))
    }

    func superDecoder() throws -> any Decoder {
        superDecoder(named: "super")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        superDecoder(named: key.stringValue)
    }

    /// A decoder for the value under `name`, or for nothing placed at this mapping when it is absent.
    private func superDecoder(named name: String) -> any Decoder {
        let value = names.firstIndex(of: name).map { values[$0] }
            ?? .scalar(.init("", .implicit, .plain, mark))
        return NodeDecoder(node: value, path: path + [.key(name)], file: decoder.file, isEmptyDocument: false)
    }
}

/// Decodes a list, item by item.
struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let node: Node
    let path: [YAMLPath]
    private let items: Node.Sequence
    private(set) var currentIndex = 0

    init(decoder: NodeDecoder, node: Node, path: [YAMLPath]) throws {
        guard case .sequence(let items) = node else {
            throw decoder.mismatch(expected: "a list", found: YAMLScalars.describeKind(node), at: node, path: path)
        }
        self.decoder = decoder
        self.node = node
        self.path = path
        self.items = items
    }

    var codingPath: [any CodingKey] { path.map(PathKey.init) }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    /// The current item; a diagnostic when the list has run out.
    private func current() throws -> Node {
        guard !isAtEnd else {
            throw Diagnostic("\(YAMLPath.fieldName(path)) has too few items (found \(items.count))", at: decoder.location(node))
        }
        return items[items.startIndex + currentIndex]
    }

    private func itemPath(_ index: Int) -> [YAMLPath] { path + [.index(index)] }

    /// Decodes the current item with `read` and moves past it.
    private mutating func next<T>(_ read: (Node, Int) throws -> T) throws -> T {
        let index = currentIndex
        let value = try read(try current(), index)
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard YAMLScalars.isNull(try current()) else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { [decoder, path] in try decoder.bool($0, path + [.index($1)]) } }
    mutating func decode(_ type: String.Type) throws -> String { try next { [decoder, path] in try decoder.string($0, path + [.index($1)]) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { [decoder, path] in try decoder.number($0, path + [.index($1)]) } }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next { [decoder, path] in try decoder.decodeValue(type, node: $0, path: path + [.index($1)]) }
    }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try next { [decoder, path] in try decoder.integer($0, type, path + [.index($1)]) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next { [decoder, path] in
            KeyedDecodingContainer(try KeyedContainer<NestedKey>(decoder: decoder, node: $0, path: path + [.index($1)]))
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next { [decoder, path] in try UnkeyedContainer(decoder: decoder, node: $0, path: path + [.index($1)]) }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next { [decoder, path] in
            NodeDecoder(node: $0, path: path + [.index($1)], file: decoder.file, isEmptyDocument: false)
        }
    }
}

/// Decodes the decoder's own node as one value.
struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { YAMLScalars.isNull(decoder.node) }

    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool(decoder.node, decoder.path) }
    func decode(_ type: String.Type) throws -> String { try decoder.string(decoder.node, decoder.path) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.number(decoder.node, decoder.path) }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.number(decoder.node, decoder.path)) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(decoder.node, type, decoder.path) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.decodeValue(type, node: decoder.node, path: decoder.path)
    }
}
