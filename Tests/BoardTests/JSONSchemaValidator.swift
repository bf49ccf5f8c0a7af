import Foundation
import Testing
import Yams

/// A JSON value: what a schema is written in, and what a YAML board file reads as.
///
/// Integers are kept apart from floats and exact (a `Decimal` holds 38 digits), so that bounds such as
/// 9223372036854775807 and values such as 99999999999999999999 compare the way Python's jsonschema compares them.
enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Decimal)
    case float(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value in a JSON-like notation, for failure messages.
    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .float(let value): "\(value)"
        case .string(let value): "'\(value)'"
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.keys.sorted().map { "\($0): \(members[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    /// Equality as JSON Schema's `enum` and `const` mean it: 1 equals 1.0, but true is not 1.
    func isSameJSON(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.integer, .integer), (.integer, .float), (.float, .integer), (.float, .float):
            return number == other.number
        case let (.array(left), .array(right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.isSameJSON(as: $1) }
        case let (.object(left), .object(right)):
            return left.count == right.count
                && left.allSatisfy { key, value in right[key].map { value.isSameJSON(as: $0) } ?? false }
        default:
            return self == other
        }
    }

    /// The value as a number, when it is one (booleans are not).
    var number: Number? {
        switch self {
        case .integer(let value): .finite(value)
        case .float(let value) where value.isNaN: .notANumber
        case .float(let value) where value.isInfinite: value < 0 ? .negativeInfinity : .positiveInfinity
        case .float(let value): .finite(Decimal(value))
        default: nil
        }
    }

    /// A number for comparing against `minimum` and `maximum`.
    enum Number: Equatable {
        case finite(Decimal), negativeInfinity, positiveInfinity, notANumber

        /// `self < other`; false whenever either is NaN, as in Python.
        func isLess(than other: Number) -> Bool {
            switch (self, other) {
            case (.notANumber, _), (_, .notANumber): false
            case let (.finite(left), .finite(right)): left < right
            case (.negativeInfinity, .negativeInfinity), (.positiveInfinity, _): false
            case (.negativeInfinity, _), (_, .positiveInfinity): true
            case (_, .negativeInfinity): false
            }
        }
    }

    /// Whether JSON Schema calls the value an integer: an integer, or a float with no fractional part.
    var isInteger: Bool {
        switch self {
        case .integer: true
        case .float(let value): value.isFinite && value.rounded(.towardZero) == value
        default: false
        }
    }
}

// MARK: - JSON text

/// Where and why a JSON text does not parse.
struct JSONSyntaxError: Error, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "byte \(offset): \(message)" }
}

extension JSONValue {
    /// Parses `bytes` as strict JSON (RFC 8259): one value, nothing after it, no duplicate member names.
    init(json bytes: [UInt8]) throws(JSONSyntaxError) {
        var reader = JSONReader(bytes: bytes)
        self = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.error("text after the value") }
    }
}

/// A recursive-descent reader over JSON bytes.
private struct JSONReader {
    let bytes: [UInt8]
    var position = 0

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: position, message: message) }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func expect(_ literal: String) throws(JSONSyntaxError) {
        let expected = Array(literal.utf8)
        guard bytes[position...].starts(with: expected) else { throw error("expected \(literal)") }
        position += expected.count
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 256 else { throw error("nested too deeply") }
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                let name = try string()
                guard members[name] == nil else { throw error("duplicate member '\(name)'") }
                skipWhitespace()
                try expect(":")
                members[name] = try value(depth: depth + 1)
                skipWhitespace()
                guard position < bytes.count else { throw error("unterminated object") }
                position += 1
                if bytes[position - 1] == UInt8(ascii: "}") { return .object(members) }
                guard bytes[position - 1] == UInt8(ascii: ",") else { position -= 1; throw error("expected , or }") }
            }
        case UInt8(ascii: "["):
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw error("unterminated array") }
                position += 1
                if bytes[position - 1] == UInt8(ascii: "]") { return .array(elements) }
                guard bytes[position - 1] == UInt8(ascii: ",") else { position -= 1; throw error("expected , or ]") }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true"); return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false"); return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null"); return .null
        default:
            return try number()
        }
    }

    mutating func digits() -> Int {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position - start
    }

    mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        guard digits() > 0 else { throw error("expected a value") }
        guard bytes[integerStart] != UInt8(ascii: "0") || position - integerStart == 1 else { throw error("leading zero") }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard digits() > 0 else { throw error("expected digits after .") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            isInteger = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw error("expected an exponent") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger {
            guard let value = Decimal(string: text), text.count - (text.hasPrefix("-") ? 1 : 0) <= 38 else {
                throw error("integer \(text) has more digits than this reader keeps exactly")
            }
            return .integer(value)
        }
        guard let value = Double(text) else { throw error("bad number \(text)") }
        return .float(value)
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unterminated string") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else { throw error("invalid UTF-8 in a string") }
                return text
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw error("unterminated escape") }
                let escape = bytes[position]
                position += 1
                let simple: [UInt8: UInt8] = [
                    UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
                    UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
                ]
                if let replacement = simple[escape] {
                    utf8.append(replacement)
                } else if escape == UInt8(ascii: "u") {
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("unpaired surrogate") }
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                } else {
                    throw error("unknown escape")
                }
            case 0..<0x20:
                throw error("control character in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count,
              let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16) else {
            throw error("expected four hex digits")
        }
        position += 4
        return code
    }
}

// MARK: - YAML text

/// Why a YAML file could not be turned into a JSON value.
struct YAMLToJSONError: Error, CustomStringConvertible {
    var description: String
}

extension JSONValue {
    /// The value of a YAML file as editors and `/work/h-schema/validate.py` read it: YAML 1.2 core-schema
    /// scalars, so `2026-11-22` stays a string, `yes` and `no` stay strings, `0o17` and `0x1F` are integers,
    /// and only plain scalars are typed (quoted and block scalars are strings). Later duplicate keys win and
    /// non-string keys become their Python `str()`, as in validate.py. An empty file is null.
    init(yaml bytes: [UInt8]) throws {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: body, as: UTF8.self) else { throw YAMLToJSONError(description: "not UTF-8") }
        guard let root = try Yams.compose(yaml: text, .basic) else {
            self = .null
            return
        }
        self = try JSONValue(node: root)
    }

    private init(node: Node) throws {
        switch node {
        case .scalar(let scalar):
            self = try JSONValue.resolve(scalar)
        case .sequence(let sequence):
            self = .array(try sequence.map { try JSONValue(node: $0) })
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLToJSONError(description: "a key that is not a scalar is not supported")
                }
                members[try JSONValue.resolve(keyScalar).pythonString] = try JSONValue(node: value)
            }
            self = .object(members)
        case .alias:
            throw YAMLToJSONError(description: "an unresolved alias")
        }
    }

    /// A scalar typed by the YAML 1.2 core schema (validate.py's `Core12Loader`).
    private static func resolve(_ scalar: Node.Scalar) throws -> JSONValue {
        // The tag as written: "" when none, "!" for a quoted scalar. `!!str` makes a string; any other explicit
        // tag would be constructed in ways this reader does not mirror, so it is refused rather than guessed at.
        switch scalar.tag.description {
        case "", "!": break
        case Tag.Name.str.rawValue: return .string(scalar.string)
        case let tag: throw YAMLToJSONError(description: "explicit tag \(tag) is not supported")
        }
        guard scalar.style == .plain else { return .string(scalar.string) }
        let text = scalar.string
        if text.wholeMatch(of: #/~|null|Null|NULL|/#) != nil { return .null }
        if text.wholeMatch(of: #/true|True|TRUE/#) != nil { return .bool(true) }
        if text.wholeMatch(of: #/false|False|FALSE/#) != nil { return .bool(false) }
        if let match = text.wholeMatch(of: #/([-+]?)([0-9]+)/#) {
            return .integer(exactInteger(String(match.2), radix: 10, negative: match.1 == "-"))
        }
        if let match = text.wholeMatch(of: #/0o([0-7]+)/#) { return .integer(exactInteger(String(match.1), radix: 8)) }
        if let match = text.wholeMatch(of: #/0x([0-9a-fA-F]+)/#) { return .integer(exactInteger(String(match.1), radix: 16)) }
        if text.wholeMatch(of: #/[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?/#) != nil {
            guard let value = Double(text) else { throw YAMLToJSONError(description: "float \(text) does not convert") }
            return .float(value)
        }
        if text.wholeMatch(of: #/[-+]?\.(?:inf|Inf|INF)/#) != nil { return .float(text.hasPrefix("-") ? -.infinity : .infinity) }
        if text.wholeMatch(of: #/\.(?:nan|NaN|NAN)/#) != nil { return .float(.nan) }
        return .string(text)
    }

    /// The integer written with `digits` in `radix`, exactly (Python ints are unbounded; 38 digits suffice here).
    private static func exactInteger(_ digits: String, radix: Int, negative: Bool = false) -> Decimal {
        var value = Decimal(0)
        for digit in digits {
            value = value * Decimal(radix) + Decimal(digit.hexDigitValue!)
        }
        return negative ? -value : value
    }

    /// The value as Python's `str()` writes it, for mapping keys that are not strings.
    private var pythonString: String {
        switch self {
        case .string(let text): text
        case .null: "None"
        case .bool(let value): value ? "True" : "False"
        case .integer(let value): "\(value)"
        case .float(let value) where value.isNaN: "nan"
        case .float(let value): "\(value)"
        case .array, .object: description
        }
    }
}

// MARK: - Schema

/// Why a schema cannot be used: a keyword this validator does not implement, or a keyword with a bad value.
struct UnusableSchema: Error, CustomStringConvertible {
    var problems: [String]
    var description: String { problems.joined(separator: "\n") }
}

/// A JSON Schema (draft 2020-12) validator for exactly the keywords the board schemas use.
///
/// A schema using any other keyword is refused when the validator is made, so nothing is silently ignored;
/// add the keyword here (and a case in `check`) when a schema starts to need it.
struct JSONSchemaValidator {
    /// The draft the schemas declare.
    static let draft = "https://json-schema.org/draft/2020-12/schema"

    /// Keywords that only annotate: accepted and ignored.
    static let annotations: Set<String> = ["$schema", "$id", "title", "description"]

    /// Keywords that are checked.
    static let assertions: Set<String> = [
        "type", "enum", "const",
        "properties", "required", "additionalProperties",
        "items", "minItems",
        "pattern", "maxLength",
        "minimum", "maximum",
        "oneOf", "not", "if", "then",
    ]

    /// The schema.
    let schema: JSONValue
    /// Every `pattern`, compiled once.
    private let patterns: [String: NSRegularExpression]

    /// A validator for `schema`; throws when it uses a keyword not implemented here or gives one a bad value.
    init(_ schema: JSONValue) throws(UnusableSchema) {
        var problems: [String] = []
        var patterns: [String: NSRegularExpression] = [:]
        if case .object(let members) = schema, members["$schema"] != .string(Self.draft) {
            problems.append("/: $schema must be \(Self.draft)")
        }
        Self.inspect(schema, at: "", into: &problems, patterns: &patterns)
        guard problems.isEmpty else { throw UnusableSchema(problems: problems) }
        self.schema = schema
        self.patterns = patterns
    }

    /// A validator for the schema in `bytes`.
    init(json bytes: [UInt8]) throws {
        try self.init(JSONValue(json: bytes))
    }

    /// Every problem with `instance`, each as `/json/pointer: what is wrong`; empty when it is valid.
    func validate(_ instance: JSONValue) -> [String] {
        var errors: [String] = []
        check(instance, against: schema, at: "", into: &errors)
        return errors
    }

    // MARK: Checking the schema itself

    private static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// Collects keywords this validator does not implement, and implemented ones with values it cannot use.
    private static func inspect(_ schema: JSONValue, at path: String, into problems: inout [String],
                                patterns: inout [String: NSRegularExpression]) {
        let members: [String: JSONValue]
        switch schema {
        case .bool: return
        case .object(let object): members = object
        default: problems.append("\(path)/: a schema must be an object or a boolean"); return
        }
        for (keyword, argument) in members.sorted(by: { $0.key < $1.key }) {
            let here = "\(path)/\(keyword)"
            func bad(_ why: String) { problems.append("\(here): \(why)") }
            if annotations.contains(keyword) { continue }
            guard assertions.contains(keyword) else {
                bad("keyword '\(keyword)' is not implemented by JSONSchemaValidator")
                continue
            }
            switch (keyword, argument) {
            case ("type", .string(let name)):
                if !typeNames.contains(name) { bad("unknown type '\(name)'") }
            case ("type", .array(let names)):
                if names.isEmpty || !names.allSatisfy({ if case .string(let name) = $0 { typeNames.contains(name) } else { false } }) {
                    bad("must list known type names")
                }
            case ("enum", .array(let values)):
                if values.isEmpty { bad("must not be empty") }
            case ("const", _):
                break
            case ("properties", .object(let properties)):
                for (name, subschema) in properties.sorted(by: { $0.key < $1.key }) {
                    inspect(subschema, at: "\(here)/\(name)", into: &problems, patterns: &patterns)
                }
            case ("required", .array(let names)):
                if !names.allSatisfy({ if case .string = $0 { true } else { false } }) { bad("must list strings") }
            case ("then", _) where members["if"] == nil:
                bad("'then' without 'if' would be ignored")
            case ("additionalProperties", _), ("items", _), ("not", _), ("if", _), ("then", _):
                inspect(argument, at: here, into: &problems, patterns: &patterns)
            case ("oneOf", .array(let subschemas)) where !subschemas.isEmpty:
                for (index, subschema) in subschemas.enumerated() { inspect(subschema, at: "\(here)/\(index)", into: &problems, patterns: &patterns) }
            case ("pattern", .string(let pattern)):
                if let regex = try? NSRegularExpression(pattern: pattern) { patterns[pattern] = regex } else { bad("does not compile") }
            case ("maxLength", _), ("minItems", _):
                if !argument.isInteger || argument.number?.isLess(than: .finite(0)) != false { bad("must be a non-negative integer") }
            case ("minimum", _), ("maximum", _):
                if argument.number == nil { bad("must be a number") }
            default:
                bad("has a value of the wrong shape: \(argument)")
            }
        }
    }

    // MARK: Checking an instance

    /// Whether `instance` is valid against `schema`.
    private func isValid(_ instance: JSONValue, against schema: JSONValue) -> Bool {
        var errors: [String] = []
        check(instance, against: schema, at: "", into: &errors)
        return errors.isEmpty
    }

    /// Whether `value` is of the JSON Schema type `name`.
    private static func hasType(_ value: JSONValue, _ name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
             ("number", .integer), ("number", .float):
            true
        case ("integer", _):
            value.isInteger
        default:
            false
        }
    }

    // `init` refused every keyword the switch below does not handle; the default case is a guard against
    // the two lists drifting apart.
    private func check(_ instance: JSONValue, against schema: JSONValue, at path: String, into errors: inout [String]) {
        let members: [String: JSONValue]
        switch schema {
        case .bool(true): return
        case .bool(false): errors.append("\(path.isEmpty ? "/" : path): no value is allowed here"); return
        case .object(let object): members = object
        default: Issue.record("\(path): not a schema: \(schema)"); return
        }
        let at = path.isEmpty ? "/" : path
        for (keyword, argument) in members.sorted(by: { $0.key < $1.key }) {
            switch keyword {
            case _ where Self.annotations.contains(keyword), "then":
                continue
            case "type":
                let names: [String] = switch argument {
                case .string(let name): [name]
                case .array(let values): values.compactMap { if case .string(let name) = $0 { name } else { nil } }
                default: []
                }
                if !names.contains(where: { Self.hasType(instance, $0) }) {
                    errors.append("\(at): \(instance) is not of type \(names.joined(separator: ", "))")
                }
            case "enum":
                guard case .array(let values) = argument else { break }
                if !values.contains(where: { instance.isSameJSON(as: $0) }) {
                    errors.append("\(at): \(instance) is not one of \(argument)")
                }
            case "const":
                if !instance.isSameJSON(as: argument) { errors.append("\(at): \(instance) is not \(argument)") }
            case "properties":
                guard case .object(let object) = instance, case .object(let properties) = argument else { break }
                for (name, subschema) in properties.sorted(by: { $0.key < $1.key }) {
                    if let value = object[name] { check(value, against: subschema, at: "\(path)/\(name)", into: &errors) }
                }
            case "required":
                guard case .object(let object) = instance, case .array(let names) = argument else { break }
                for case .string(let name) in names where object[name] == nil {
                    errors.append("\(at): '\(name)' is a required property")
                }
            case "additionalProperties":
                guard case .object(let object) = instance else { break }
                let declared: Set<String> = if case .object(let properties)? = members["properties"] { Set(properties.keys) } else { [] }
                for (name, value) in object.sorted(by: { $0.key < $1.key }) where !declared.contains(name) {
                    if argument == .bool(false) {
                        errors.append("\(at): additional property '\(name)' is not allowed")
                    } else {
                        check(value, against: argument, at: "\(path)/\(name)", into: &errors)
                    }
                }
            case "items":
                guard case .array(let elements) = instance else { break }
                for (index, element) in elements.enumerated() {
                    check(element, against: argument, at: "\(path)/\(index)", into: &errors)
                }
            case "minItems":
                guard case .array(let elements) = instance, let minimum = argument.number else { break }
                if JSONValue.Number.finite(Decimal(elements.count)).isLess(than: minimum) {
                    errors.append("\(at): \(instance) has fewer than \(argument) items")
                }
            case "pattern":
                guard case .string(let text) = instance, case .string(let pattern) = argument else { break }
                // JSON Schema patterns are searched for, not anchored; ICU reads the ECMA-262 subset the schemas use.
                guard let regex = patterns[pattern] else {
                    Issue.record("\(path): pattern was not compiled: \(pattern)")
                    break
                }
                if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                    errors.append("\(at): \(instance) does not match \(pattern.count > 60 ? "its pattern" : "'\(pattern)'")")
                }
            case "maxLength":
                guard case .string(let text) = instance, let maximum = argument.number else { break }
                if maximum.isLess(than: .finite(Decimal(text.unicodeScalars.count))) {
                    errors.append("\(at): \(instance) is longer than \(argument) characters")
                }
            case "minimum":
                guard let value = instance.number, let minimum = argument.number else { break }
                if value.isLess(than: minimum) { errors.append("\(at): \(instance) is less than the minimum of \(argument)") }
            case "maximum":
                guard let value = instance.number, let maximum = argument.number else { break }
                if maximum.isLess(than: value) { errors.append("\(at): \(instance) is more than the maximum of \(argument)") }
            case "oneOf":
                guard case .array(let subschemas) = argument else { break }
                let valid = subschemas.filter { isValid(instance, against: $0) }.count
                if valid != 1 { errors.append("\(at): \(instance) is valid against \(valid) of the oneOf schemas, not exactly 1") }
            case "not":
                if isValid(instance, against: argument) { errors.append("\(at): \(instance) must not be valid against \(argument)") }
            case "if":
                if isValid(instance, against: argument), let then = members["then"] {
                    check(instance, against: then, at: path, into: &errors)
                }
            default:
                Issue.record("\(path)/\(keyword): keyword not implemented by JSONSchemaValidator")
                errors.append("\(at): keyword '\(keyword)' is not implemented")
            }
        }
    }
}
