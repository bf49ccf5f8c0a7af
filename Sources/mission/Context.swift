import Actions
import ArgumentParser
import Board
import Foundation
import Git
import Runtime
import Watcher

/// Options every board command shares.
struct BoardOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("repository")], help: "Run as if started in this folder.")
    var repository: String?

    @Option(help: "The board's branch (default: mission.branch from git config, else the current branch).")
    var branch: String?

    @Option(help: "The board's folder (default: mission.dir from git config, else 'board').")
    var dir: String?
}

/// The host's allow-list options of the commands that start (or check) runtimes.
struct HostOptions: ParsableArguments {
    @Option(help: "Allow this executable to run (an absolute path, a name found on PATH, or ./path for the repository's own file). Repeatable; adds to MISSION_ALLOW and the host file.")
    var allow: [String] = []

    @Option(help: "A label this host offers, for tickets and profiles whose runs_on asks for it (gpu, macos, browser). Repeatable; adds to MISSION_LABELS and the host file's labels.")
    var label: [String] = []

    /// The host's policy: these flags, MISSION_ALLOW and MISSION_LABELS, then the host file.
    func policy(_ environment: [String: String]) throws -> HostPolicy {
        try HostPolicy.load(extra: allow, labels: label, environment: environment)
    }
}

/// A failure the person can act on: printed as `error: …` and exit status 1. The library's own.
typealias MissionFailure = ActionError

extension BoardContext {
    /// Opens the repository and board the options name.
    static func open(_ options: BoardOptions) throws -> BoardContext {
        try open(repository: options.repository, branch: options.branch, dir: options.dir)
    }

    /// The board location the options name, else git config, else the current branch.
    static func resolveLocation(_ options: BoardOptions, repository: Repository) throws -> BoardLocation {
        try resolveLocation(branch: options.branch, dir: options.dir, repository: repository)
    }
}

/// Printing for commands: JSON for scripts, plain text for people.
enum Output {
    /// Prints `value` as pretty JSON with sorted keys and ISO 8601 dates, written as it encodes.
    static func json(_ value: some Encodable) throws {
        fflush(nil)  // whatever `print` buffered goes first
        try JSONOutput.print(value)
    }

    /// Board text made safe and honest for a terminal (see `VisibleText`).
    static func visible(_ text: String, keepingNewlines: Bool = false) -> String {
        VisibleText.escaped(text, keepingNewlines: keepingNewlines)
    }

    /// Writes a line to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints `hint: text` on standard error, beside the output and never in it (so JSON stays JSON).
    static func hint(_ text: String) {
        error("hint: \(text)")
    }

    /// How wide a line may be: `COLUMNS` when it is a number, else the terminal's width when standard output is
    /// one; nil for a pipe or a file, whose reader gets every character (nothing is cut).
    static let lineWidth: Int? = {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap({ Int($0) }), columns > 0 { return columns }
        guard isatty(1) == 1 else { return nil }
        var size = winsize()
        return ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }()

    /// `text` cut to `width` like `fit`, or whole (made visible) when there is no width.
    static func fit(_ text: String, _ width: Int?) -> String {
        guard let width else { return visible(text) }
        return fit(text, width)
    }

    /// `rows` (the first is the header) as aligned columns two spaces apart; the last column is not padded.
    static func table(_ rows: [[String]]) -> [String] {
        guard let header = rows.first else { return [] }
        let widths = header.indices.map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { column in column == row.count - 1 ? row[column] : fit(row[column], widths[column]) }
                .joined(separator: "  ")
        }
    }

    /// `text` on one line, cut to `width` characters with an ellipsis, or padded with spaces to `width`.
    /// Plain Swift: this runs for every row of a listing, and Foundation's string bridging was most of its cost.
    static func fit(_ text: String, _ width: Int) -> String {
        let text = visible(text)
        var out = ""
        out.reserveCapacity(width)
        var count = 0
        let cut = text.count > width
        for character in text {
            if count == width - 1, cut {
                out.append("…")
                return out
            }
            out.append(character.isNewline ? " " : character)
            count += 1
            if count == width { return out }
        }
        if count < width { out.append(String(repeating: " ", count: width - count)) }
        return out
    }
}

extension ParsableCommand {
    /// Runs `body`, turning failures into a clear message and exit status 1.
    func failing(_ body: () throws -> Void) throws {
        do { try body() } catch { throw Self.reported(error) }
    }

    /// `failing` for a command that awaits.
    func failingAsync(_ body: () async throws -> Void) async throws {
        do { try await body() } catch { throw Self.reported(error) }
    }

    /// A failure a person can act on, printed, as exit status 1; any other error as it is (the argument parser's own).
    static func reported(_ error: any Error) -> any Error {
        switch error {
        case let failure as MissionFailure: Output.error("error: \(failure.message)")
        case let error as GitError: Output.error("error: \(error.message)\n  (\(error.operation))")
        case let diagnostic as Diagnostic: Output.error(diagnostic.description)
        case let error as RunnerSlotError: Output.error("error: \(error.message)")
        default: return error
        }
        return ExitCode.failure
    }
}

/// What a read command keeps until the process exits instead of freeing it: a board of ten thousand tickets takes
/// longer to free, record by record, than to print, and the system takes the memory back at exit anyway (git's
/// UNLEAK does the same).
enum Lifetime {
    private static let kept = Kept()

    private final class Kept: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Any] = []
        func add(_ more: [Any]) { lock.withLock { values += more } }
    }

    static func keepUntilExit(_ values: Any...) { kept.add(values) }
}
