import Foundation

/// Why an agent CLI exited non-zero, as far as its exit code and last lines tell. A value, not an error: the
/// watcher records it as the session's root cause and decides from it whether a retry is safe.
public struct HarnessFailure: Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        enum Value: String, Sendable, Hashable {
            case hostUnreachable = "host_unreachable", rateLimited = "rate_limited", transient
            case authentication, badInput = "bad_input", sandbox, configuration, turnLimit = "turn_limit"
            case toolFailure = "tool_failure", cancelled, commandNotFound = "command_not_found"
            case cannotExecute = "cannot_execute", general
        }
        let value: Value

        /// The runner could not reach the host (ssh: unknown name, refused, timed out, key refused).
        public static let hostUnreachable = Kind(value: .hostUnreachable)
        /// A provider's rate or usage limit.
        public static let rateLimited = Kind(value: .rateLimited)
        /// A provider error the CLI itself calls retryable (connection, timeout, overload).
        public static let transient = Kind(value: .transient)
        /// The CLI is not logged in or its credentials were refused.
        public static let authentication = Kind(value: .authentication)
        /// The CLI rejected its arguments or input.
        public static let badInput = Kind(value: .badInput)
        /// The CLI's sandbox failed.
        public static let sandbox = Kind(value: .sandbox)
        /// The CLI's configuration is broken.
        public static let configuration = Kind(value: .configuration)
        /// The agent used up its turns.
        public static let turnLimit = Kind(value: .turnLimit)
        /// A tool failed in a way the agent cannot recover from (e.g. disk full).
        public static let toolFailure = Kind(value: .toolFailure)
        /// The CLI was interrupted.
        public static let cancelled = Kind(value: .cancelled)
        /// The command is not installed (the shell's 127, e.g. on an ssh host).
        public static let commandNotFound = Kind(value: .commandNotFound)
        /// The command exists but could not be run (the shell's 126).
        public static let cannotExecute = Kind(value: .cannotExecute)
        /// Anything else.
        public static let general = Kind(value: .general)

        /// The kind's name, as recorded in evidence.
        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var kind: Kind
    /// The exit code.
    public var exitCode: Int32
    /// What it means, with the CLI's own last words where they help.
    public var message: String

    /// A failure as given.
    public init(kind: Kind, exitCode: Int32, message: String) {
        self.kind = kind
        self.exitCode = exitCode
        self.message = message
    }

    /// A description for people.
    public var description: String { "\(kind) (exit \(exitCode)): \(message)" }

    /// The classification every harness shares: nil for 0; a CLI's own documented code from `known`; the shell's
    /// 126 and 127; a rate limit named in the last lines (more telling than a code `known` only as general or
    /// transient); else a general failure quoting the last line.
    static func classify(code: Int32, lastLines: [String], known: [Int32: (Kind, String)] = [:]) -> HarnessFailure? {
        guard code != 0 else { return nil }
        let last = lastWords(lastLines)
        let quoted = last.map { ": \($0)" } ?? ""
        let documented = known[code].map { HarnessFailure(kind: $0.0, exitCode: code, message: $0.1 + quoted) }
        if let documented, documented.kind != .general, documented.kind != .transient { return documented }
        if let (kind, meaning) = shellCodes[code] {
            return HarnessFailure(kind: kind, exitCode: code, message: meaning + quoted)
        }
        if let limit = lastLines.last(where: RateLimitText.isRateLimit) {
            return HarnessFailure(kind: .rateLimited, exitCode: code, message: shortened(limit))
        }
        return documented ?? HarnessFailure(kind: .general, exitCode: code, message: last ?? "exited with status \(code)")
    }

    /// What a POSIX shell's own exit codes mean (the session wrapper, or the login shell on an ssh host).
    private static let shellCodes: [Int32: (Kind, String)] = [
        126: (.cannotExecute, "the command could not be run"),
        127: (.commandNotFound, "the command was not found"),
    ]

    /// The last non-empty line, trimmed and shortened.
    static func lastWords(_ lines: [String]) -> String? {
        lines.lazy.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.last { !$0.isEmpty }.map(shortened)
    }

    /// `text` cut to a length a status file can hold.
    public static func shortened(_ text: String) -> String {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }
}
