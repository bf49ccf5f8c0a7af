/// Checks on the raw bytes of a board file, made before any `String` is built or libyaml runs.
/// Everything here is one linear pass without recursion, so hostile input costs little.
enum YAMLBytes {
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    /// What the byte checks found wrong, with the byte offset it concerns.
    enum Problem: Equatable {
        case nul(at: Int)
        case invalidUTF8(at: Int)
        case controlCharacter(UInt32, at: Int)
        case tooDeep(at: Int)
    }

    /// The first NUL, invalid UTF-8 sequence or character libyaml refuses, from `start` on.
    /// Also says whether the text has an `&`, `*` or `!` at all, so that the walk for anchors and tags can be skipped.
    static func validate(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (problem: Problem?, mayHaveMarks: Bool) {
        var mayHaveMarks = false
        let count = bytes.count
        var i = start
        while i < count {
            let byte = bytes[i]
            if byte < 0x80 {
                if byte >= 0x20 && byte != 0x7F {
                    if byte == 0x26 || byte == 0x2A || byte == 0x21 { mayHaveMarks = true }
                } else if byte != newline && byte != tab && byte != carriageReturn {
                    return (byte == 0 ? .nul(at: i) : .controlCharacter(UInt32(byte), at: i), mayHaveMarks)
                }
                i += 1
                continue
            }
            guard let (scalar, length) = decodeScalar(bytes, at: i) else {
                return (.invalidUTF8(at: i), mayHaveMarks)
            }
            // libyaml's own rule for printable characters (reader.c); it refuses the rest.
            let printable = scalar == 0x85 || (scalar >= 0xA0 && scalar <= 0xD7FF)
                || (scalar >= 0xE000 && scalar <= 0xFFFD) || scalar >= 0x10000
            if !printable {
                return (.controlCharacter(scalar, at: i), mayHaveMarks)
            }
            i += length
        }
        return (nil, mayHaveMarks)
    }

    /// The scalar starting at `i` and its length in bytes, or nil when the bytes there are not UTF-8
    /// (overlong forms, surrogates and values past U+10FFFF are refused).
    static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int)? {
        let lead = bytes[i]
        let length: Int
        var scalar: UInt32
        let minimum: UInt32
        switch lead {
        case 0xC2...0xDF: (length, scalar, minimum) = (2, UInt32(lead & 0x1F), 0x80)
        case 0xE0...0xEF: (length, scalar, minimum) = (3, UInt32(lead & 0x0F), 0x800)
        case 0xF0...0xF4: (length, scalar, minimum) = (4, UInt32(lead & 0x07), 0x10000)
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        for k in 1..<length {
            let next = bytes[i + k]
            guard next & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return nil }
        return (scalar, length)
    }

    /// The 1-based line and column (in Unicode scalars) of byte `offset`, counting from `start`.
    static func lineAndColumn(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var i = start
        let end = min(offset, bytes.count)
        while i < end {
            let byte = bytes[i]
            if byte == newline {
                line += 1
                column = 1
            } else if byte == carriageReturn {
                if i + 1 < bytes.count && bytes[i + 1] == newline {
                    // The line feed that follows ends the line.
                } else {
                    line += 1
                    column = 1
                }
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }

    /// The byte offset of 1-based `line` and `column` (in Unicode scalars), clamped to the line's end.
    static func offset(line: Int, column: Int, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        var currentLine = 1
        while currentLine < line && i < bytes.count {
            if bytes[i] == newline { currentLine += 1 }
            i += 1
        }
        var remaining = column - 1
        while remaining > 0 && i < bytes.count && bytes[i] != newline {
            i += 1
            while i < bytes.count && bytes[i] & 0xC0 == 0x80 { i += 1 }
            remaining -= 1
        }
        return i
    }

    /// The range of the line holding byte `offset`, without its line break.
    static func lineRange(around offset: Int, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int> {
        var lower = min(offset, bytes.count)
        while lower > start && bytes[lower - 1] != newline { lower -= 1 }
        var upper = lower
        while upper < bytes.count && bytes[upper] != newline { upper += 1 }
        if upper > lower && bytes[upper - 1] == carriageReturn { upper -= 1 }
        return lower..<upper
    }
}
