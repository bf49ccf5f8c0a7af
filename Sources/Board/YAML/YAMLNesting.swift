/// A cheap, linear, non-recursive estimate of how deeply a YAML text nests, made before libyaml runs:
/// Yams composes documents recursively, one stack frame per level, so a megabyte of `[[[[…` must
/// never reach it. The estimate counts flow brackets outside quotes and comments, block collections
/// by indentation, and every `- ` or `? ` on a line; block scalars (`|`, `>`) are skipped. Where it is
/// unsure it counts a level rather than miss one, so a real file (under 10 levels) stays far below
/// the limit while no text libyaml would nest deeply gets past it. (libyaml itself also stops at
/// 1,000 levels.)
struct YAMLNesting {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int

    /// Block collections open at this point: the column each starts at and whether it is a list.
    private var blocks: [(column: Int, isList: Bool)] = []
    /// Open flow brackets.
    private var flow = 0
    /// The quote character of a quoted scalar that goes on past the line, or 0.
    private var quote: UInt8 = 0
    /// The indentation of the collection holding a block scalar being skipped, if any.
    private var blockScalarParent: Int?
    /// The block scalar's content indentation, once known.
    private var blockScalarIndent: Int?
    /// The column of the node being scanned, for telling a key (`node: value`) by its colon.
    private var nodeColumn = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// The byte offset at which nesting first passes `maxDepth`, or nil when it never does.
    static func firstTooDeep(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, maxDepth: Int) -> Int? {
        var scanner = YAMLNesting(bytes: bytes, maxDepth: maxDepth)
        return scanner.scan(from: start)
    }

    private enum State {
        case lineStart
        case node(isValue: Bool)
        case afterNode(isValue: Bool)
        case flow
        case done
    }

    private mutating func scan(from start: Int) -> Int? {
        var lineStart = start
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count && bytes[lineEnd] != YAMLBytes.newline { lineEnd += 1 }
            if let offset = scanLine(lineStart, lineEnd) {
                return offset
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    private func isBlank(_ byte: UInt8) -> Bool {
        byte == YAMLBytes.space || byte == YAMLBytes.tab || byte == YAMLBytes.carriageReturn
    }

    /// Whether `i` ends a token: the line's end or a blank.
    private func endsToken(_ i: Int, _ lineEnd: Int) -> Bool {
        i >= lineEnd || isBlank(bytes[i])
    }

    private mutating func scanLine(_ lineStart: Int, _ lineEnd: Int) -> Int? {
        var i = lineStart
        while i < lineEnd && bytes[i] == YAMLBytes.space { i += 1 }
        let indent = i - lineStart
        var onlyBlanks = true
        var k = i
        while k < lineEnd {
            if !isBlank(bytes[k]) { onlyBlanks = false; break }
            k += 1
        }

        if let parent = blockScalarParent {
            if onlyBlanks { return nil }
            if let content = blockScalarIndent {
                if indent >= content { return nil }
            } else if indent > parent {
                blockScalarIndent = indent
                return nil
            }
            blockScalarParent = nil
            blockScalarIndent = nil
        }

        var pos = lineStart
        var state: State
        if quote != 0 {
            guard let after = skipQuote(quote, from: lineStart, lineEnd) else { return nil }
            quote = 0
            pos = after
            state = flow > 0 ? .flow : .afterNode(isValue: true)
        } else if flow > 0 {
            state = .flow
        } else {
            if onlyBlanks || bytes[i] == UInt8(ascii: "#") { return nil }
            if indent == 0 && bytes[i] == UInt8(ascii: "%") { return nil }
            if indent == 0 && lineEnd - lineStart >= 3 && endsToken(lineStart + 3, lineEnd)
                && (startsWith("---", at: lineStart) || startsWith("...", at: lineStart)) {
                blocks.removeAll()
                pos = lineStart + 3
                nodeColumn = 3
                state = .node(isValue: true)
            } else {
                while let last = blocks.last, last.column > indent { blocks.removeLast() }
                pos = i
                state = .lineStart
            }
        }

        while true {
            switch state {
            case .done:
                return nil

            case .lineStart:
                // `- ` and `? ` open a level each, as often as they repeat on the line.
                while pos < lineEnd, bytes[pos] == UInt8(ascii: "-") || bytes[pos] == UInt8(ascii: "?"),
                      endsToken(pos + 1, lineEnd) {
                    if open(column: pos - lineStart, isList: bytes[pos] == UInt8(ascii: "-")) {
                        return pos
                    }
                    pos += 1
                    while pos < lineEnd && isBlank(bytes[pos]) { pos += 1 }
                }
                nodeColumn = pos - lineStart
                state = .node(isValue: false)

            case .node(let isValue):
                while pos < lineEnd && isBlank(bytes[pos]) { pos += 1 }
                guard pos < lineEnd else { return nil }
                let byte = bytes[pos]
                switch byte {
                case UInt8(ascii: "#"):
                    return nil
                case UInt8(ascii: "&"), UInt8(ascii: "!"):
                    while pos < lineEnd && !isBlank(bytes[pos]) { pos += 1 }
                case UInt8(ascii: "*"):
                    while pos < lineEnd && !isBlank(bytes[pos]) { pos += 1 }
                    state = .afterNode(isValue: isValue)
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    guard let after = skipQuote(byte, from: pos + 1, lineEnd) else {
                        quote = byte
                        return nil
                    }
                    pos = after
                    state = .afterNode(isValue: isValue)
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flow = 1
                    if blocks.count + flow > maxDepth { return pos }
                    pos += 1
                    state = .flow
                case UInt8(ascii: "|"), UInt8(ascii: ">"):
                    let parent = blocks.last?.column ?? -1
                    blockScalarParent = parent
                    blockScalarIndent = nil
                    var j = pos + 1
                    while j < lineEnd && j < pos + 3 {
                        let indicator = bytes[j]
                        if indicator >= UInt8(ascii: "1") && indicator <= UInt8(ascii: "9") {
                            blockScalarIndent = max(parent, 0) + Int(indicator - UInt8(ascii: "0"))
                        }
                        j += 1
                    }
                    return nil
                default:
                    // A plain scalar: it runs to a `: ` (then it was a key), a ` #` or the line's end.
                    while pos < lineEnd {
                        let c = bytes[pos]
                        if c == UInt8(ascii: ":") && endsToken(pos + 1, lineEnd) {
                            if !isValue && open(column: nodeColumn, isList: false) { return lineStart + nodeColumn }
                            pos += 1
                            break
                        }
                        if c == UInt8(ascii: "#") && pos > lineStart && isBlank(bytes[pos - 1]) { return nil }
                        pos += 1
                    }
                    state = .node(isValue: true)
                }

            case .afterNode(let isValue):
                while pos < lineEnd && isBlank(bytes[pos]) { pos += 1 }
                guard pos < lineEnd else { return nil }
                if bytes[pos] == UInt8(ascii: ":") {
                    if !isValue && open(column: nodeColumn, isList: false) { return lineStart + nodeColumn }
                    pos += 1
                } else if bytes[pos] == UInt8(ascii: "#") {
                    return nil
                }
                // Anything else is an error for libyaml; scan on as a value all the same.
                state = .node(isValue: true)

            case .flow:
                while pos < lineEnd {
                    let c = bytes[pos]
                    let atTokenStart = pos == lineStart || {
                        let previous = bytes[pos - 1]
                        return isBlank(previous) || previous == UInt8(ascii: "[") || previous == UInt8(ascii: "{")
                            || previous == UInt8(ascii: ",") || previous == UInt8(ascii: ":")
                    }()
                    switch c {
                    case UInt8(ascii: "\""), UInt8(ascii: "'"):
                        guard atTokenStart else { break }
                        guard let after = skipQuote(c, from: pos + 1, lineEnd) else {
                            quote = c
                            return nil
                        }
                        pos = after
                        continue
                    case UInt8(ascii: "#") where pos == lineStart || isBlank(bytes[pos - 1]):
                        return nil
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        flow += 1
                        if blocks.count + flow > maxDepth { return pos }
                    case UInt8(ascii: "]"), UInt8(ascii: "}"):
                        flow -= 1
                        if flow == 0 {
                            pos += 1
                            break
                        }
                    default:
                        break
                    }
                    if flow == 0 { break }
                    pos += 1
                }
                if flow > 0 || pos >= lineEnd { return nil }
                state = .afterNode(isValue: false)
            }
        }
    }

    /// Opens a block collection at `column`, closing those it replaces; true when that is too deep.
    private mutating func open(column: Int, isList: Bool) -> Bool {
        while let last = blocks.last {
            // A list may sit at its parent mapping's own column (`key:` then `- item`).
            if last.column > column || (last.column == column && !(isList && !last.isList)) {
                blocks.removeLast()
            } else {
                break
            }
        }
        blocks.append((column, isList))
        return blocks.count + flow > maxDepth
    }

    /// The offset just after the closing quote, or nil when the quoted scalar goes on past `lineEnd`.
    private func skipQuote(_ quote: UInt8, from start: Int, _ lineEnd: Int) -> Int? {
        var i = start
        while i < lineEnd {
            let c = bytes[i]
            if quote == UInt8(ascii: "\"") && c == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if c == quote {
                if quote == UInt8(ascii: "'") && i + 1 < lineEnd && bytes[i + 1] == UInt8(ascii: "'") {
                    i += 2
                    continue
                }
                return i + 1
            }
            i += 1
        }
        return nil
    }

    private func startsWith(_ marker: StaticString, at i: Int) -> Bool {
        let count = marker.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        let pointer = marker.utf8Start
        for k in 0..<count where bytes[i + k] != pointer[k] {
            return false
        }
        return true
    }
}
