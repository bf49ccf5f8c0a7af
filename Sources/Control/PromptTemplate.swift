import Board

/// The small template language of `templates/prompt.md`; every word of the prompt lives in the template.
///
/// - `{{name}}` inserts a text value exactly as it is: a value is never read as template text, so a ticket
///   that says `{{instructions}}` shows those characters and nothing more.
/// - `{{#name}}…{{/name}}` is a section. Over text it is shown once when the text is not empty; over a list
///   it is shown once per item, and `{{.field}}` (or a section `{{#.field}}…{{/.field}}`) inside it names
///   that item's field.
/// - `{{?name}}…{{/name}}` is shown once when the value is not empty (a list with at least one item): for a
///   heading above a list.
/// - `{{! … !}}` is a comment (comments nest, and may span lines); it is left out.
/// - A line holding only a section tag or a comment, and spaces, is left out whole. After rendering, lines of
///   only spaces become empty, runs of empty lines become one, and the text ends with one newline.
/// - A tag ends on the line it starts. An unknown name, a field outside a list section, a list used as
///   text, or an unbalanced section is an error at the tag's `file:line:column`.
struct PromptTemplate: Sendable {
    /// A value a template can name.
    enum Value: Sendable {
        case text(String)
        case list([[String: String]])
    }

    /// The names a template may use.
    struct Schema: Sendable {
        /// Names of text values.
        var texts: [String]
        /// Names of list values, with the fields of their items.
        var lists: [String: [String]]
        /// A name starting with one of these is a text value, empty unless the context gives it.
        var textPrefixes: [String]

        enum Kind { case text, list([String]) }

        func kind(of name: String) -> Kind? {
            if texts.contains(name) { return .text }
            if let fields = lists[name] { return .list(fields) }
            if textPrefixes.contains(where: { name.hasPrefix($0) && name.count > $0.count }) { return .text }
            return nil
        }

        var allNames: [String] { texts + lists.keys.sorted() }
    }

    /// How a section decides whether, and how often, to show its body.
    enum Sigil: Sendable {
        /// `#`: once when text is not empty, once per item of a list.
        case each
        /// `?`: once when the value is not empty.
        case any
    }

    indirect enum Node: Sendable {
        case text(String)
        case value(String)
        case field(String)
        case section(Sigil, name: String, isField: Bool, body: [Node])
    }

    /// The parsed template; render it only when `diagnostics` holds no error.
    let nodes: [Node]
    /// Every top-level name the template uses.
    let names: Set<String>
    /// Problems, with their place in the template.
    let diagnostics: [Diagnostic]

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Parses `text` (shown to people as `file`) and checks its names against `schema`. `required` names must
    /// appear exactly once, outside every section.
    init(_ text: String, file: String, schema: Schema, required: [String] = []) {
        var diagnostics: [Diagnostic] = []
        let tokens = Self.standalone(Self.tokenize(Array(text.unicodeScalars), file: file, diagnostics: &diagnostics))
        var builder = TreeBuilder(schema: schema, file: file)
        for token in tokens { builder.add(token) }
        builder.finish()
        diagnostics += builder.diagnostics
        for name in required {
            let uses = builder.uses[name] ?? []
            let tag = "{{\(name)}}"
            if uses.isEmpty {
                diagnostics.append(Diagnostic("the template has no \(tag); every prompt needs it",
                                              at: SourceLocation(file: file, line: 1, column: 1)))
            }
            for use in uses where use.nested {
                diagnostics.append(Diagnostic("\(tag) must not be inside a section; every prompt needs it", at: use.location))
            }
            for use in uses.dropFirst() {
                diagnostics.append(Diagnostic("\(tag) appears more than once; it must appear once", at: use.location))
            }
        }
        nodes = builder.root
        names = builder.names
        self.diagnostics = diagnostics.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }

    /// The text for `values`; a name without a value is empty.
    func render(_ values: [String: Value]) -> String {
        var out = ""
        Self.render(nodes, values: values, item: nil, into: &out)
        return Self.tidy(out)
    }

    // MARK: Tokens

    private struct Token {
        enum Kind {
            case text(String)
            case value(String)
            case open(Sigil, String)
            case close(String)
            case comment
        }
        var kind: Kind
        var location: SourceLocation

        /// Section tags and comments print nothing, so a line holding only one is left out whole.
        var isSilent: Bool {
            switch kind {
            case .open, .close, .comment: true
            case .text, .value: false
            }
        }
    }

    private static let open: [Unicode.Scalar] = ["{", "{"]
    private static let close: [Unicode.Scalar] = ["}", "}"]
    private static let commentOpen: [Unicode.Scalar] = ["{", "{", "!"]
    private static let commentClose: [Unicode.Scalar] = ["!", "}", "}"]

    private static func tokenize(_ s: [Unicode.Scalar], file: String, diagnostics: inout [Diagnostic]) -> [Token] {
        var tokens: [Token] = []
        var text = String.UnicodeScalarView()
        var textLocation = SourceLocation(file: file, line: 1, column: 1)
        var line = 1, column = 1
        var i = 0

        func has(_ pattern: [Unicode.Scalar], at index: Int) -> Bool {
            index + pattern.count <= s.count && s[index..<index + pattern.count].elementsEqual(pattern)
        }
        func advance(to end: Int) {
            while i < end {
                if s[i] == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                i += 1
            }
        }
        func flush() {
            if !text.isEmpty { tokens.append(Token(kind: .text(String(text)), location: textLocation)) }
            text = String.UnicodeScalarView()
        }

        while i < s.count {
            guard has(open, at: i) else {
                if text.isEmpty { textLocation = SourceLocation(file: file, line: line, column: column) }
                text.append(s[i])
                advance(to: i + 1)
                continue
            }
            let location = SourceLocation(file: file, line: line, column: column)
            if has(commentOpen, at: i) {
                var depth = 0
                var j = i
                while j < s.count {
                    if has(commentOpen, at: j) {
                        depth += 1
                        j += commentOpen.count
                    } else if has(commentClose, at: j) {
                        depth -= 1
                        j += commentClose.count
                        if depth == 0 { break }
                    } else {
                        j += 1
                    }
                }
                if depth != 0 {
                    diagnostics.append(Diagnostic("this comment is never closed; end it with !}}", at: location))
                }
                flush()
                tokens.append(Token(kind: .comment, location: location))
                advance(to: j)
                continue
            }
            var end = i + open.count
            while end < s.count, s[end] != "\n", !has(close, at: end) { end += 1 }
            guard has(close, at: end) else {
                diagnostics.append(Diagnostic("'{{' is not closed with '}}' on its line", at: location,
                                              hint: "a tag such as {{title}} ends on the line it starts"))
                if text.isEmpty { textLocation = location }
                text.append(contentsOf: open)
                advance(to: i + open.count)
                continue
            }
            let content = String(String.UnicodeScalarView(s[(i + open.count)..<end])).trimmingSpaces
            let tag = "{{\(content)}}"
            var kind: Token.Kind?
            var name = content
            var sigil: Character?
            if let first = content.first, "#?/".contains(first) {
                sigil = first
                name = String(content.dropFirst()).trimmingSpaces
            }
            if isName(name) {
                switch sigil {
                case "#": kind = .open(.each, name)
                case "?": kind = .open(.any, name)
                case "/": kind = .close(name)
                default: kind = .value(name)
                }
            } else {
                diagnostics.append(Diagnostic("\(tag) is not a placeholder: a name is letters, digits and _, "
                                              + "parts joined by '.', a field starting with '.'", at: location))
            }
            flush()
            if let kind { tokens.append(Token(kind: kind, location: location)) }
            advance(to: end + close.count)
        }
        flush()
        return tokens
    }

    /// `title`, `evidence.tests`, `.summary`.
    private static func isName(_ name: String) -> Bool {
        let body = name.hasPrefix(".") ? Substring(name.dropFirst()) : Substring(name)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "_" }
        }
    }

    /// Leaves out the rest of each line that holds only one silent tag: the spaces before it and the line end after.
    private static func standalone(_ tokens: [Token]) -> [Token] {
        func spaces(_ text: Substring) -> Bool { text.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }
        var trimBefore = Set<Int>()  // text tokens that lose their trailing spaces after their last line end
        var trimAfter = Set<Int>()   // text tokens that lose everything up to and including their first line end
        for (index, token) in tokens.enumerated() where token.isSilent {
            var startsLine = index == 0
            if index > 0, case .text(let text) = tokens[index - 1].kind {
                if let newline = text.lastIndex(of: "\n") {
                    startsLine = spaces(text[text.index(after: newline)...])
                } else {
                    startsLine = index == 1 && spaces(Substring(text))
                }
            }
            var endsLine = index == tokens.count - 1
            if index + 1 < tokens.count, case .text(let text) = tokens[index + 1].kind {
                if let newline = text.firstIndex(of: "\n") {
                    endsLine = spaces(text[..<newline])
                } else {
                    endsLine = index + 1 == tokens.count - 1 && spaces(Substring(text))
                }
            }
            if startsLine && endsLine {
                trimBefore.insert(index - 1)
                trimAfter.insert(index + 1)
            }
        }
        return tokens.enumerated().map { index, token in
            guard case .text(let text) = token.kind, trimBefore.contains(index) || trimAfter.contains(index) else { return token }
            var start = text.startIndex, end = text.endIndex
            if trimAfter.contains(index) { start = text.firstIndex(of: "\n").map { text.index(after: $0) } ?? text.endIndex }
            if trimBefore.contains(index) { end = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex }
            var trimmed = token
            trimmed.kind = .text(start < end ? String(text[start..<end]) : "")
            return trimmed
        }
    }

    // MARK: Tree

    private struct TreeBuilder {
        struct Frame {
            var sigil: Sigil
            var name: String
            var location: SourceLocation
            /// The fields of the list this section repeats over, when it does.
            var itemFields: [String]?
            var body: [Node] = []
        }

        let schema: Schema
        let file: String
        var stack: [Frame] = []
        var root: [Node] = []
        var names = Set<String>()
        var uses: [String: [(location: SourceLocation, nested: Bool)]] = [:]
        var diagnostics: [Diagnostic] = []

        init(schema: Schema, file: String) {
            self.schema = schema
            self.file = file
        }

        mutating func append(_ node: Node) {
            if stack.isEmpty { root.append(node) } else { stack[stack.count - 1].body.append(node) }
        }

        mutating func add(_ token: Token) {
            switch token.kind {
            case .text(let text):
                if !text.isEmpty { append(.text(text)) }
            case .comment:
                break
            case .value(let name):
                if name.hasPrefix(".") {
                    if field(name, tag: "{{\(name)}}", at: token.location) { append(.field(String(name.dropFirst()))) }
                    return
                }
                uses[name, default: []].append((token.location, !stack.isEmpty))
                switch resolve(name, tag: "{{\(name)}}", at: token.location) {
                case .text?: append(.value(name))
                case .list?:
                    diagnostics.append(Diagnostic("'\(name)' is a list; show its items with {{#\(name)}}…{{/\(name)}}",
                                                  at: token.location))
                case nil: break
                }
            case .open(let sigil, let name):
                let mark = sigil == .each ? "#" : "?"
                var frame = Frame(sigil: sigil, name: name, location: token.location)
                if name.hasPrefix(".") {
                    _ = field(name, tag: "{{\(mark)\(name)}}", at: token.location)
                } else if case .list(let fields)? = resolve(name, tag: "{{\(mark)\(name)}}", at: token.location), sigil == .each {
                    frame.itemFields = fields
                }
                stack.append(frame)
            case .close(let name):
                guard let open = stack.lastIndex(where: { $0.name == name }) else {
                    diagnostics.append(Diagnostic("{{/\(name)}} closes no open section", at: token.location))
                    return
                }
                if open != stack.count - 1 {
                    let inner = stack[stack.count - 1]
                    diagnostics.append(Diagnostic("{{/\(name)}} comes before {{/\(inner.name)}}, which closes the section "
                                                  + "opened at \(inner.location.line):\(inner.location.column)", at: token.location))
                }
                while stack.count > open { closeTop() }
            }
        }

        mutating func finish() {
            for frame in stack.reversed() {
                diagnostics.append(Diagnostic("this section is never closed; end it with {{/\(frame.name)}}", at: frame.location))
            }
            while !stack.isEmpty { closeTop() }
        }

        private mutating func closeTop() {
            let frame = stack.removeLast()
            let isField = frame.name.hasPrefix(".")
            append(.section(frame.sigil, name: isField ? String(frame.name.dropFirst()) : frame.name, isField: isField,
                            body: frame.body))
        }

        private mutating func resolve(_ name: String, tag: String, at location: SourceLocation) -> Schema.Kind? {
            names.insert(name)
            if let kind = schema.kind(of: name) { return kind }
            diagnostics.append(Diagnostic("unknown placeholder \(tag)", at: location,
                                          hint: Suggest.closest(to: name, in: schema.allNames).map { "did you mean '\($0)'?" }))
            return nil
        }

        /// Whether `.field` names a field of the list the innermost repeating section goes over.
        private mutating func field(_ name: String, tag: String, at location: SourceLocation) -> Bool {
            let field = String(name.dropFirst())
            guard let list = stack.last(where: { $0.itemFields != nil }), let fields = list.itemFields else {
                diagnostics.append(Diagnostic("\(tag) names an item's field, but it is not inside a list section", at: location,
                                              hint: "lists: " + schema.lists.keys.sorted().map { "{{#\($0)}}" }.joined(separator: ", ")))
                return false
            }
            guard fields.contains(field) else {
                diagnostics.append(Diagnostic("unknown field \(tag) in {{#\(list.name)}}", at: location,
                                              hint: Suggest.closest(to: field, in: fields).map { "did you mean '.\($0)'?" }
                                                  ?? "its fields: " + fields.map { ".\($0)" }.joined(separator: ", ")))
                return false
            }
            return true
        }
    }

    // MARK: Rendering

    private static func render(_ nodes: [Node], values: [String: Value], item: [String: String]?, into out: inout String) {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .value(let name):
                if case .text(let text)? = values[name] { out += text }
            case .field(let name):
                out += item?[name] ?? ""
            case .section(let sigil, let name, let isField, let body):
                let value: Value? = isField ? item?[name].map(Value.text) : values[name]
                switch value {
                case .text(let text)? where !text.isEmpty:
                    render(body, values: values, item: item, into: &out)
                case .list(let items)? where !items.isEmpty:
                    if sigil == .each {
                        for each in items { render(body, values: values, item: each, into: &out) }
                    } else {
                        render(body, values: values, item: item, into: &out)
                    }
                default:
                    break
                }
            }
        }
    }

    /// Lines of only spaces become empty, runs of empty lines become one, none lead or trail, one newline ends it.
    private static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let blank = line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            if blank {
                if let last = lines.last, !last.isEmpty { lines.append("") }
            } else {
                lines.append(line)
            }
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}
