import Yams

/// A parsed board file that passed the structural checks (size, encoding, depth, one document,
/// no anchors, no duplicate keys), ready to decode and to answer "where is this value?".
///
/// Sendable although it holds `Yams.Node` values: the tree is never mutated after `parse`, and this
/// type reads only what Yams never changes lazily (strings, styles, marks, children), never a
/// node's `tag` (resolved on first use) nor its weakly held `anchor`.
public struct YAMLDocument: @unchecked Sendable {
    /// The file's path as shown in diagnostics.
    public let file: String
    /// The document's root node; nil for an empty file or one holding only comments.
    let root: Node?

    /// Parses and checks `bytes` (UTF-8, an optional byte order mark) as the single YAML document of `file`.
    public static func parse(_ bytes: [UInt8], file: String, limits: YAMLLimits = .init()) throws(Diagnostic) -> YAMLDocument {
        let top = SourceLocation(file: file, line: 1, column: 1)
        guard bytes.count <= limits.maxBytes else {
            throw Diagnostic("file is \(describeSize(bytes.count)); board files are limited to \(describeSize(limits.maxBytes))", at: top)
        }
        let checked: Result<(text: String, mayHaveMarks: Bool), Diagnostic> = bytes.withUnsafeBufferPointer { buffer in
            let start = buffer.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            func at(_ offset: Int) -> SourceLocation {
                let (line, column) = YAMLBytes.lineAndColumn(of: offset, in: buffer, from: start)
                return SourceLocation(file: file, line: line, column: column)
            }
            // A NUL anywhere means a binary file, whatever else is wrong before it.
            if let nul = buffer[start...].firstIndex(of: 0) {
                return .failure(Diagnostic("binary file: board files must be UTF-8 text", at: at(nul)))
            }
            let (problem, mayHaveMarks) = YAMLBytes.validate(buffer, from: start)
            switch problem {
            case .invalidUTF8(let offset):
                return .failure(Diagnostic("invalid UTF-8 at byte \(offset)", at: at(offset)))
            case .controlCharacter(let scalar, let offset):
                return .failure(Diagnostic("control character \(describeScalar(scalar)) is not allowed in board files", at: at(offset)))
            case .nul(let offset), .tooDeep(let offset):
                return .failure(Diagnostic("binary file: board files must be UTF-8 text", at: at(offset)))
            case nil:
                break
            }
            if let offset = YAMLNesting.firstTooDeep(in: buffer, from: start, maxDepth: limits.maxDepth) {
                return .failure(Diagnostic("nesting is deeper than \(limits.maxDepth) levels", at: at(offset)))
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
            return .success((text, mayHaveMarks))
        }
        let (text, mayHaveMarks) = try checked.get()

        let parser: Parser
        var root: Node?
        do {
            // The basic resolver has no regular expressions: scalars are typed by the decoder instead.
            parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            root = try parser.singleRoot()
        } catch let error as YamlError {
            throw YAMLErrors.diagnostic(for: error, bytes: bytes, file: file)
        } catch {
            throw Diagnostic("cannot parse the file: \(error)", at: top)
        }
        // A lone `---` composes to an empty plain scalar: that is an empty file too.
        if case .scalar(let scalar)? = root, scalar.style == .plain, scalar.string.isEmpty {
            root = nil
        }
        if mayHaveMarks, let root {
            // Anchors are held weakly by the nodes and strongly by the parser: keep it alive for the walk.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let marked = withExtendedLifetime(parser) { firstMarkedNode(in: root, lines: lines) }
            if let (node, tag) = marked {
                let message = tag.map {
                    "the YAML tag \(YAMLScalars.shortened($0)) is not allowed in board files: no format defines tags; write the value plainly"
                } ?? "anchors and aliases (&name, *name) are not allowed in board files"
                throw Diagnostic(message, at: SourceLocation(file: file, mark: node.mark))
            }
        }
        return YAMLDocument(file: file, root: root)
    }

    /// Decodes the document as `type`, strictly: unknown keys, wrong shapes and bad values are errors
    /// located at the offending node.
    public func decode<T: Decodable>(_ type: T.Type) throws(Diagnostic) -> T {
        let decoder = NodeDecoder(
            node: root ?? .scalar(.init("", .implicit, .plain, nil)),
            path: [], file: file, isEmptyDocument: root == nil)
        do {
            return try decoder.decodeValue(T.self, node: decoder.node, path: [])
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw Diagnostic("\(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// Where the value at `path` starts; the nearest existing ancestor's place when the path goes past
    /// what the file has, and 1:1 for the root itself or an empty file.
    public func location(of path: [YAMLPath]) -> SourceLocation {
        var location = SourceLocation(file: file, line: 1, column: 1)
        guard var node = root else { return location }
        for step in path {
            guard let (_, child) = YAMLDocument.child(of: node, at: step) else { break }
            node = child
            location = SourceLocation(file: file, mark: child.mark)
        }
        return location
    }

    /// Where the `offset`-th Unicode scalar (0-based) of the string at `path` is written, for pointing inside a
    /// value such as one field of a cron expression. Counts past the opening quote of a quoted value, and past
    /// `''` in single quotes and `\"`, `\\` in double quotes; other escapes are taken to be absent. A value over
    /// several lines, a block scalar, or a path that is not a string is located at its start.
    public func location(of path: [YAMLPath], offset: Int) -> SourceLocation {
        var location = self.location(of: path)
        guard offset >= 0, var node = root else { return location }
        for step in path {
            guard let (_, child) = YAMLDocument.child(of: node, at: step) else { return location }
            node = child
        }
        guard case .scalar(let scalar) = node, !scalar.string.contains(where: \.isNewline) else { return location }
        let before = scalar.string.unicodeScalars.prefix(offset)
        switch scalar.style {
        case .plain, .any:
            location.column += before.count
        case .singleQuoted:
            location.column += 1 + before.count + before.filter { $0 == "'" }.count
        case .doubleQuoted:
            location.column += 1 + before.count + before.filter { $0 == "\"" || $0 == "\\" }.count
        case .literal, .folded:
            break
        }
        return location
    }

    /// Where the key of the last `.key` step of `path` is written, for editing that line in place;
    /// nil when the path up to that step does not exist in the file.
    public func keyLocation(of path: [YAMLPath]) -> SourceLocation? {
        guard var node = root,
              let last = path.lastIndex(where: { if case .key = $0 { true } else { false } }) else { return nil }
        for (index, step) in path[...last].enumerated() {
            guard let (key, child) = YAMLDocument.child(of: node, at: step) else { return nil }
            if index == last {
                return key.map { SourceLocation(file: file, mark: $0.mark) }
            }
            node = child
        }
        return nil
    }

    /// The child of `node` at `step`, with its key node when `node` is a mapping.
    static func child(of node: Node, at step: YAMLPath) -> (key: Node?, value: Node)? {
        switch (node, step) {
        case let (.mapping(mapping), .key(name)):
            for index in mapping.startIndex..<mapping.endIndex {
                let (key, value) = mapping[index]
                if case .scalar(let scalar) = key, scalar.string == name {
                    return (key, value)
                }
            }
            return nil
        case let (.sequence(sequence), .index(index)):
            guard index >= 0 && index < sequence.count else { return nil }
            return (nil, sequence[sequence.startIndex + index])
        default:
            return nil
        }
    }

    /// The first node in document order that carries an anchor. An anchor precedes all its aliases,
    /// so this stops before any alias is expanded, however many times the aliases repeat it.
    /// The first node with an anchor (tag nil) or an explicit tag but `!!str`, such as `!!python/object` (the tag as
    /// written).
    /// Yams gives plain and quoted scalars resolved tags too, so a tag is known by the text: a tagged node starts
    /// at its `!` (Yams's marks are 1-based, in characters).
    private static func firstMarkedNode(in node: Node, lines: [Substring]) -> (Node, String?)? {
        if node.anchor != nil { return (node, nil) }
        if let mark = node.mark, mark.line >= 1, mark.line <= lines.count {
            let rest = lines[mark.line - 1].unicodeScalars.dropFirst(mark.column - 1)
            if rest.first == "!" {
                let tag = String(String.UnicodeScalarView(rest.prefix { $0 != " " && $0 != "\t" && $0 != "\r" }))
                // `!!str` only says what the decoder does anyway: tagged text is a string.
                if tag != "!!str" { return (node, tag) }
            }
        }
        switch node {
        case .scalar, .alias:
            return nil
        case .mapping(let mapping):
            for index in mapping.startIndex..<mapping.endIndex {
                let (key, value) = mapping[index]
                if let found = firstMarkedNode(in: key, lines: lines) ?? firstMarkedNode(in: value, lines: lines) {
                    return found
                }
            }
            return nil
        case .sequence(let sequence):
            for item in sequence {
                if let found = firstMarkedNode(in: item, lines: lines) { return found }
            }
            return nil
        }
    }

    /// "20.0 MB", "12.5 KB" or "100 bytes".
    static func describeSize(_ count: Int) -> String {
        func tenths(_ unit: Int) -> String {
            let tenths = (count * 10 + unit / 2) / unit
            return "\(tenths / 10).\(tenths % 10)"
        }
        if count >= 1 << 20 { return tenths(1 << 20) + " MB" }
        if count >= 1 << 10 { return tenths(1 << 10) + " KB" }
        return "\(count) bytes"
    }

    /// "U+0007".
    static func describeScalar(_ scalar: UInt32) -> String {
        let hex = String(scalar, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension SourceLocation {
    /// The location of a Yams mark in `file`; 1:1 when there is no mark.
    init(file: String, mark: Mark?) {
        self.init(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }
}
