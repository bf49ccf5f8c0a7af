import Foundation

/// Changes one top-level field of a person's YAML file in place, keeping every other byte — comments, key
/// order, formatting — as it was. People own these files; re-encoding them would throw their work away.
public enum SpecEditor {
    /// Sets top-level `key` to `value` (already YAML-quoted as needed) in `bytes`.
    /// Replaces the value on the key's line, keeping a trailing comment; appends the key when absent.
    public static func set(_ key: String, to value: String, in bytes: [UInt8], file: String) throws(Diagnostic) -> [UInt8] {
        let document = try YAMLDocument.parse(bytes, file: file)
        // Split on the byte: Swift reads "\r\n" as one Character, so a String split would miss CRLF lines.
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard let keyAt = document.keyLocation(of: [.key(key)]) else {
            if lines.last == "" { lines.removeLast() }
            if let firstLine = lines.first(where: { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
               firstLine.hasPrefix("{") {
                throw Diagnostic("cannot edit a flow-style ({...}) file in place; write it as one key per line",
                                 at: SourceLocation(file: file, line: 1, column: 1))
            }
            lines.append("\(key): \(value)")
            return Array((lines.joined(separator: "\n") + "\n").utf8)
        }
        let index = keyAt.line - 1
        let carriageReturn = lines[index].utf8.last == UInt8(ascii: "\r")
        let line = carriageReturn ? String(decoding: lines[index].utf8.dropLast(), as: UTF8.self) : lines[index]
        guard keyAt.column == 1, line.hasPrefix("\(key):") else {
            throw Diagnostic("cannot edit '\(key)' in place: it is not a plain top-level key on its own line",
                             at: keyAt)
        }
        let afterKey = line.dropFirst(key.count + 1)
        let leading = afterKey.prefix { $0 == " " }
        let valueText = afterKey.dropFirst(leading.count)
        if valueText.hasPrefix("|") || valueText.hasPrefix(">") {
            throw Diagnostic("cannot edit '\(key)' in place: it is a block scalar", at: keyAt)
        }
        var rebuilt = "\(key):\(leading.isEmpty ? " " : String(leading))\(value)"
        if let comment = trailingComment(of: valueText) {
            // Keep the comment where it was: the gap absorbs the change in the value's length.
            let before = valueText.dropLast(comment.count)
            let oldValue = before.trimmingCharacters(in: .whitespaces)
            let gap = before.count - oldValue.count
            rebuilt += String(repeating: " ", count: max(1, gap + oldValue.count - value.count)) + comment
        }
        lines[index] = rebuilt + (carriageReturn ? "\r" : "")
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// The ` # comment` after a one-line value, if any; respects quotes.
    static func trailingComment(of value: Substring) -> String? {
        var quote: Character?
        var previous: Character = " "
        for index in value.indices {
            let char = value[index]
            if let open = quote {
                if char == open { quote = nil }
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == "#" && (previous == " " || previous == "\t") {
                return String(value[index...])
            }
            previous = char
        }
        return nil
    }
}

/// Writing YAML scalars and lists safely.
public enum YAMLText {
    /// `text` as a YAML scalar: plain when that reads back as the same string, else double-quoted.
    public static func scalar(_ text: String) -> String {
        scalar(text, inFlow: false)
    }

    private static func scalar(_ text: String, inFlow: Bool) -> String {
        if isPlainSafe(text) && !(inFlow && text.contains(",")) { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `text` as the value of a mapping key at the top level: a literal block (`|` and the lines indented by two),
    /// which keeps a person's line breaks readable; a double-quoted scalar when a block cannot hold it exactly.
    public static func block(_ text: String) -> String {
        let lines = text.hasSuffix("\n") ? String(text.dropLast()).components(separatedBy: "\n") : text.components(separatedBy: "\n")
        let blockSafe = !text.isEmpty && !text.hasSuffix("\n\n") && lines.first.map { !$0.hasPrefix(" ") && !$0.isEmpty } == true
            && !text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }
        guard blockSafe else { return scalar(text) }
        return (text.hasSuffix("\n") ? "|" : "|-") + lines.map { $0.isEmpty ? "" : "\n  \($0)" }.map { $0.isEmpty ? "\n" : $0 }.joined()
    }

    /// A block list of scalars, one item a line under the key (`\n  - a\n  - "b: c"`).
    public static func block(_ items: [String]) -> String {
        items.map { "\n  - " + scalar($0) }.joined()
    }

    /// A flow list of scalars: `[a, "b c"]`.
    public static func list(_ items: [String]) -> String {
        "[" + items.map { scalar($0, inFlow: true) }.joined(separator: ", ") + "]"
    }

    private static let reserved: Set<String> = ["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False",
                                                "FALSE", "yes", "no", "on", "off", "Yes", "No", "On", "Off", "y", "n"]

    private static func isPlainSafe(_ text: String) -> Bool {
        guard !reserved.contains(text), let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else {
            return false
        }
        if " \t".unicodeScalars.contains(last) || " \t".unicodeScalars.contains(first) { return false }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
        if Double(text) != nil || Int(text) != nil { return false }
        if text.contains(": ") || text.contains(" #") || text.hasSuffix(":") { return false }
        return !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            && !text.contains { "[]{}".contains($0) }
    }
}
