import Yams

/// Turns Yams' errors into diagnostics in plain words at the right line and column.
enum YAMLErrors {
    static func diagnostic(for error: YamlError, bytes: [UInt8], file: String) -> Diagnostic {
        bytes.withUnsafeBufferPointer { buffer in
            let start = buffer.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            func location(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, mark: mark) }
            func location(ofByte offset: Int) -> SourceLocation {
                let (line, column) = YAMLBytes.lineAndColumn(of: offset, in: buffer, from: start)
                return SourceLocation(file: file, line: line, column: column)
            }
            func plain(_ problem: String, _ context: YamlError.Context?) -> String {
                guard let context else { return problem }
                return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }

            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
                if let tab = tabOffset(near: mark, in: buffer, from: start) {
                    return Diagnostic(tab.inIndentation
                                      ? "tabs are not allowed for indentation in YAML; use spaces"
                                      : "tabs are not allowed here in YAML; use spaces",
                                      at: location(ofByte: tab.offset))
                }
                return Diagnostic(plain(problem, context), at: location(mark))

            case let .composer(context, problem, mark, _):
                if context?.text == "expected a single document in the stream" {
                    return Diagnostic("only one YAML document per file", at: location(mark))
                }
                if problem == "found undefined alias" {
                    return Diagnostic("anchors and aliases (&name, *name) are not allowed in board files", at: location(mark))
                }
                return Diagnostic(plain(problem, context), at: location(mark))

            case let .duplicatedKeysInMapping(duplicates, context):
                // Yams reports the first occurrence of the first duplicate (in sorted order); point at
                // the repeat, which is the line a person added last.
                let key = duplicates.first ?? ""
                let first = YAMLBytes.offset(line: context.mark.line, column: context.mark.column, in: buffer, from: start)
                if let second = repeatedKey(key, firstAt: first, column: context.mark.column, in: buffer) {
                    return Diagnostic("duplicate key '\(key)'", at: location(ofByte: second))
                }
                return Diagnostic("duplicate key '\(key)'", at: location(context.mark))

            case let .reader(problem, offset, _, yaml):
                // Yams counts this offset in Characters.
                var byte = start
                if let offset, let index = yaml.index(yaml.startIndex, offsetBy: offset, limitedBy: yaml.endIndex) {
                    byte += yaml.utf8.distance(from: yaml.startIndex, to: index)
                }
                return Diagnostic(problem, at: location(ofByte: byte))

            default:
                return Diagnostic("cannot parse the file: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
            }
        }
    }

    /// A tab libyaml tripped over: the first tab in the indentation of the error's line, or a tab right
    /// at the error's column.
    private static func tabOffset(near mark: Mark, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> (offset: Int, inIndentation: Bool)? {
        let at = YAMLBytes.offset(line: mark.line, column: mark.column, in: buffer, from: start)
        let line = YAMLBytes.lineRange(around: at, in: buffer, from: start)
        var contentStart = line.lowerBound
        while contentStart < line.upperBound && (buffer[contentStart] == YAMLBytes.space || buffer[contentStart] == YAMLBytes.tab) {
            contentStart += 1
        }
        if contentStart < line.upperBound, let tab = buffer[line.lowerBound..<contentStart].firstIndex(of: YAMLBytes.tab) {
            return (tab, true)
        }
        if at < buffer.count && buffer[at] == YAMLBytes.tab {
            return (at, false)
        }
        return nil
    }

    /// The byte offset where `key` is written a second time in the same mapping as the one at `first`.
    private static func repeatedKey(_ key: String, firstAt first: Int, column: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        let name = Array(key.utf8)
        let forms = [name, [0x22] + name + [0x22], [0x27] + name + [0x27]]
        func isKey(at i: Int) -> Int? {
            for form in forms where i + form.count <= buffer.count {
                guard buffer[i..<(i + form.count)].elementsEqual(form) else { continue }
                var j = i + form.count
                while j < buffer.count && (buffer[j] == YAMLBytes.space || buffer[j] == YAMLBytes.tab) { j += 1 }
                if j < buffer.count && buffer[j] == UInt8(ascii: ":") { return form.count }
            }
            return nil
        }
        guard let firstLength = isKey(at: first) else { return nil }

        // In a flow mapping (`{a: 1, a: 2}`) a key follows `{` or `,`.
        var back = first - 1
        while back >= 0 && (buffer[back] == YAMLBytes.space || buffer[back] == YAMLBytes.tab) { back -= 1 }
        if back >= 0 && (buffer[back] == UInt8(ascii: "{") || buffer[back] == UInt8(ascii: ",")) {
            var i = first + firstLength
            var previous = UInt8(ascii: ":")
            while i < buffer.count {
                let byte = buffer[i]
                if (previous == UInt8(ascii: "{") || previous == UInt8(ascii: ",")) && isKey(at: i) != nil { return i }
                if byte != YAMLBytes.space && byte != YAMLBytes.tab && byte != YAMLBytes.newline && byte != YAMLBytes.carriageReturn {
                    previous = byte
                }
                i += 1
            }
            return nil
        }

        // In a block mapping every key of the mapping starts at the same column; a line that starts
        // further left ends the mapping.
        var lineStart = first
        while lineStart < buffer.count && buffer[lineStart] != YAMLBytes.newline { lineStart += 1 }
        lineStart += 1
        while lineStart < buffer.count {
            var i = lineStart
            while i < buffer.count && buffer[i] == YAMLBytes.space { i += 1 }
            let indent = i - lineStart
            let blank = i >= buffer.count || buffer[i] == YAMLBytes.newline || buffer[i] == YAMLBytes.carriageReturn
                || buffer[i] == UInt8(ascii: "#")
            if !blank {
                if indent + 1 < column { return nil }
                if indent + 1 == column && isKey(at: i) != nil { return i }
            }
            while i < buffer.count && buffer[i] != YAMLBytes.newline { i += 1 }
            lineStart = i + 1
        }
        return nil
    }
}
