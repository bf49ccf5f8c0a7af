import Foundation
import Yams

/// How scalar text becomes values. No regular expressions, no formatters: this runs for every value
/// of every file on a cold load.
enum YAMLScalars {
    /// Whether `scalar` is YAML's null: plain `null`, `~` or nothing at all. Quoted text never is.
    @inline(__always)
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        guard scalar.style == .plain else { return false }
        switch scalar.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// Whether `scalar` is written plain and without an explicit tag: only such text can be a number or a boolean.
    @inline(__always)
    static func isPlainUntagged(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && scalar.tag.rawValue.isEmpty
    }

    /// Whether `node` is a null scalar.
    @inline(__always)
    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return isNull(scalar) }
        return false
    }

    /// What a person wrote, for "found …": `'hihg'`, `nothing`, `a list`, `a mapping`.
    static func describeFound(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(scalar) { return "nothing" }
            let quoted = "'" + shortened(scalar.string) + "'"
            return scalar.style == .plain ? quoted : "the quoted text \(quoted)"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    /// What a node is, for shape errors: `a string`, `nothing`, `a list`, `a mapping`.
    static func describeKind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return isNull(scalar) ? "nothing" : "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    /// The first line of `text`, cut to 40 characters, for quoting in a message.
    static func shortened(_ text: String) -> String {
        var line = text.prefix { $0 != "\n" && $0 != "\r" }
        var cut = line.endIndex != text.endIndex
        if line.count > 40 {
            line = line.prefix(39)
            cut = true
        }
        return cut ? line + "…" : String(line)
    }

    /// A decimal integer: optional sign and digits only.
    static func integer<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> (value: T?, isDecimal: Bool) {
        if let value = T(text, radix: 10) { return (value, true) }
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        let isDecimal = !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return (nil, isDecimal)
    }

    /// A decimal number such as `3`, `-1.5` or `2.5e3`; no hexadecimal, `inf` or `nan`.
    static func number(_ text: String) -> Double? {
        var sawDigit = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): break
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        return Double(text)
    }

    /// An ISO 8601 date and time with `Z` or an offset (`2026-11-22T10:15:00Z`,
    /// `2026-11-22T10:15:00.250+01:00`), or a plain date (`2026-11-22`) taken as midnight UTC.
    static func date(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { date(bytes: $0) }
    }

    private static func date(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for k in i..<(i + count) {
                let byte = bytes[k]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            i += count
            return value
        }
        func expect(_ character: Unicode.Scalar) -> Bool {
            guard i < bytes.count && bytes[i] == UInt8(ascii: character) else { return false }
            i += 1
            return true
        }

        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        if i == bytes.count {
            return Date(timeIntervalSince1970: TimeInterval(days * 86_400))
        }

        guard i < bytes.count, bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: "t") || bytes[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(2), expect(":"), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        var second = 0
        var fraction = 0.0
        if expect(":") {
            guard let value = digits(2), value < 60 else { return nil }
            second = value
            if expect(".") || expect(",") {
                var scale = 0.1
                let first = i
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                    fraction += Double(bytes[i] - UInt8(ascii: "0")) * scale
                    scale /= 10
                    i += 1
                }
                guard i > first else { return nil }
            }
        }

        var offset = 0
        if expect("Z") || expect("z") {
            offset = 0
        } else if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let hours = digits(2), hours < 24 else { return nil }
            var minutes = 0
            if i < bytes.count {
                _ = expect(":")
                guard let value = digits(2), value < 60 else { return nil }
                minutes = value
            }
            offset = sign * (hours * 3_600 + minutes * 60)
        } else {
            // A time without a zone means different instants on different machines: refuse it.
            return nil
        }
        guard i == bytes.count else { return nil }
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
