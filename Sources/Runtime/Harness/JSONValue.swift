import Foundation

/// A JSON value decoded from one line of a CLI's event stream. The streams evolve (fields come and go between
/// CLI versions), so parsers read what they need from a generic value instead of strict structs: an unknown
/// field never makes a line unreadable.
enum JSONValue: Sendable, Hashable, Decodable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The object `line` holds, or nil when the line is not exactly one JSON object (plain text, a truncated
    /// line, an array): the one decoding step every JSON-stream parser shares.
    static func object(line: String) -> JSONValue? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}"),
              let value = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)),
              case .object = value else {
            return nil
        }
        return value
    }

    /// The member `key` of an object; nil for anything else.
    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }

    /// The string, when this is one.
    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The number, when this is one.
    var double: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The number as an integer, when this is a whole number in range.
    var int: Int? {
        guard let value = double, value.isFinite, value.rounded() == value,
              value >= Double(Int.min), value < Double(Int.max) else { return nil }
        return Int(value)
    }

    /// The boolean, when this is one.
    var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The elements, when this is an array.
    var array: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// Message content as text: a string as it is, or the `text` of each text part of a content array (the
    /// shape Anthropic- and OpenAI-style messages share), one per line. Thinking and image parts are left out.
    var contentText: String? {
        switch self {
        case .string(let text):
            return text
        case .array(let parts):
            let texts = parts.compactMap { part -> String? in
                if let text = part.string { return text }
                guard (part["type"]?.string ?? "text") == "text" else { return nil }
                return part["text"]?.string
            }
            return texts.isEmpty ? nil : texts.joined(separator: "\n")
        default:
            return nil
        }
    }

    /// A one-line rendering (keys sorted), cut to `limit` characters: how tool arguments are summarised.
    func summary(limit: Int = 200) -> String {
        let text = string ?? compact
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }

    /// Compact JSON text with sorted keys.
    var compact: String {
        switch self {
        case .object(let object):
            return "{" + object.keys.sorted().map { "\(JSONValue.quoted($0)):\(object[$0]?.compact ?? "null")" }
                .joined(separator: ",") + "}"
        case .array(let values):
            return "[" + values.map(\.compact).joined(separator: ",") + "]"
        case .string(let value):
            return JSONValue.quoted(value)
        case .number(let value):
            return int.map(String.init) ?? String(value)
        case .bool(let value):
            return value ? "true" : "false"
        case .null:
            return "null"
        }
    }

    /// `text` as a JSON string literal.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
