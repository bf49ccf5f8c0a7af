/// Text from a board (titles, notes, evidence, an agent's words: anyone's push) made safe and honest to show: a
/// character that could move a terminal's cursor, recolour, retitle a window or reorder what follows is shown as
/// an escape instead — `\e` for ESC, `\r`, `\x07` for other C0 and C1 controls and DEL, `\u{202E}` for format
/// characters (bidirectional overrides, zero-width ones) and line separators. A newline is shown as `\n` too
/// unless `keepingNewlines` (text shown as several lines); a tab stays a tab. The terminal views and the web
/// console both show board text through this.
public enum VisibleText {
    public static func escaped(_ text: String, keepingNewlines: Bool = false) -> String {
        // Nearly every string is printable ASCII: pay for nothing then.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 || keepingNewlines && $0 == 0x0A }) { return text }
        // Most of the rest (a rendered board with its rules and ellipses) needs no escape either: look before copying.
        if !text.unicodeScalars.contains(where: { needsEscape($0, keepingNewlines: keepingNewlines) }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x20..<0x7F, 0x09: out.unicodeScalars.append(scalar)
            case 0x0A where keepingNewlines: out.unicodeScalars.append(scalar)
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x1B: out += "\\e"
            case 0x00..<0x20, 0x7F..<0xA0: out += "\\x" + hex(scalar.value, digits: 2)
            case 0x2028, 0x2029: out += "\\u{\(hex(scalar.value, digits: 4))}"
            default:
                if scalar.properties.generalCategory == .format {
                    out += "\\u{\(hex(scalar.value, digits: 4))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar, keepingNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x20..<0x7F, 0x09: false
        case 0x0A: !keepingNewlines
        case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029: true
        default: scalar.properties.generalCategory == .format
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
