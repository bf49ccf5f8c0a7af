/// A position in a board file: 1-based line and column (columns count Unicode scalars, as libyaml does).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file's path as shown to people, relative to the repository root.
    public var file: String
    /// The line, counting from 1.
    public var line: Int
    /// The column, counting Unicode scalars from 1.
    public var column: Int

    /// A location in `file` at `line` and `column`, both 1-based.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A placeholder for code that cannot know where it is; a `Diagnostic` thrown with it from inside
    /// `init(from:)` is moved to the YAML node being decoded.
    public static let unknown = SourceLocation(file: "", line: 0, column: 0)

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// A problem in a board file, written the way a compiler writes one: `file:line:col: error: message`.
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// How bad the problem is.
    public enum Severity: String, Sendable, Codable {
        /// The file cannot be used as written.
        case error
        /// The file can be used, but something looks wrong.
        case warning
    }

    /// Where the problem is.
    public var location: SourceLocation
    /// How bad it is.
    public var severity: Severity
    /// What is wrong, in plain words, without the location.
    public var message: String
    /// A suggestion such as "did you mean 'priority'?", if there is one.
    public var hint: String?

    /// A diagnostic saying `message` about `location`.
    public init(_ message: String, at location: SourceLocation, severity: Severity = .error, hint: String? = nil) {
        self.message = message
        self.location = location
        self.severity = severity
        self.hint = hint
    }

    /// `file:line:col: error: message`, followed by `; hint` when there is a hint.
    public var description: String {
        var text = "\(location.file):\(location.line):\(location.column): \(severity.rawValue): \(message)"
        if let hint {
            text += "; " + hint
        }
        return text
    }
}

extension Diagnostic {
    /// `diagnostics` in file order: by file, line and column.
    public static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.sorted {
            ($0.location.file, $0.location.line, $0.location.column) < ($1.location.file, $1.location.line, $1.location.column)
        }
    }
}
