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

/// A failure the person can act on: printed as `error: …` and exit status 1.
struct MissionFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The repository and board a command works on.
struct BoardContext {
    let repository: Repository
    let store: BoardStore
    var location: BoardLocation { store.location }

    /// Opens the repository around the working directory and finds its board.
    static func open(_ options: BoardOptions) throws -> BoardContext {
        let start = options.repository ?? FileManager.default.currentDirectoryPath
        let repository: Repository
        do {
            repository = try Repository.discover(from: start)
        } catch {
            throw MissionFailure("not a git repository (or any parent up to /): \(start)\n  run 'mission init' in a git repository first")
        }
        let location = try resolveLocation(options, repository: repository)
        return BoardContext(repository: repository, store: BoardStore(repository: repository, location: location))
    }

    /// The board location from options, then git config, then the current branch.
    static func resolveLocation(_ options: BoardOptions, repository: Repository) throws -> BoardLocation {
        let configuredBranch = try repository.configString("mission.branch")
        let configuredDir = try repository.configString("mission.dir")
        let branch: String
        if let explicit = options.branch ?? configuredBranch {
            branch = explicit
        } else if let head = try repository.headBranch() {
            branch = head
        } else {
            throw MissionFailure("HEAD is detached: name the board's branch with --branch")
        }
        return BoardLocation(branch: branch, directory: options.dir ?? configuredDir ?? "board")
    }

    /// The board at the branch tip with every ticket parsed; fails when there is no board yet.
    func snapshot(includeArchived: Bool = false) throws -> BoardSnapshot {
        try requireBoard(try store.snapshot(.init(includeArchived: includeArchived)))
    }

    /// The configuration and id listing at the branch tip, with `ids` parsed; fails when there is no board yet.
    /// Cheap on any board size: commands that touch a few tickets use this.
    func listing(parsing ids: [String] = []) throws -> BoardSnapshot {
        let snapshot = try requireBoard(try store.snapshot(.listing))
        return ids.isEmpty ? snapshot : try store.parsing(ids, in: snapshot)
    }

    private func requireBoard(_ snapshot: BoardSnapshot) throws -> BoardSnapshot {
        if snapshot.config.documents[.settings] == nil, snapshot.tickets.isEmpty, snapshot.archivedFolders.isEmpty {
            throw MissionFailure("no board in '\(location.directory)/' on branch \(location.branchName)\n  run 'mission init' to create one")
        }
        return snapshot
    }

    /// The ticket `id`, active or archived; fails with a hint when there is none.
    func record(_ id: String, in snapshot: BoardSnapshot) throws -> TicketRecord {
        if let record = snapshot.ticket(id), record.isParsed { return record }
        if let record = try store.parsing([id], in: snapshot).ticket(id) { return record }
        throw Self.noTicket(id, in: snapshot)
    }

    /// The failure for an id that is not on the board, with the nearest id as a hint.
    static func noTicket(_ id: String, in snapshot: BoardSnapshot) -> MissionFailure {
        let hint = Suggest.closest(to: id, in: Array(snapshot.allIDs)).map { "\n  did you mean \($0)?" } ?? ""
        return MissionFailure("no ticket \(id) on the board\(hint)")
    }

    /// The active ticket `id`; fails when there is none or it is archived (archived tickets do not change).
    func activeRecord(_ id: String, in snapshot: BoardSnapshot) throws -> TicketRecord {
        if let record = snapshot.ticket(id), !record.archived { return record }
        if snapshot.archivedFolders[id] != nil {
            throw MissionFailure("\(id) is archived; archived tickets do not change")
        }
        throw Self.noTicket(id, in: snapshot)
    }

    /// Whether the board's branch is checked out in this repository's working tree.
    var isCheckedOut: Bool {
        guard !repository.isBare, repository.workingDirectory != nil else { return false }
        return (try? repository.headBranch()) == location.branch
    }
}

/// Printing for commands: JSON for scripts, plain text for people.
enum Output {
    /// Prints `value` as pretty JSON with sorted keys and ISO 8601 dates.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// Text from a board (titles, notes, evidence, an agent's words: anyone's push) made safe and honest for a
    /// terminal: a character that could move the cursor, recolour, retitle the window or reorder what follows is
    /// shown as an escape instead — `\e` for ESC, `\r`, `\x07` for other C0 and C1 controls and DEL,
    /// `\u{202E}` for format characters (bidirectional overrides, zero-width ones) and line separators. A newline
    /// is shown as `\n` too unless `keepingNewlines` (text printed as several lines); a tab stays a tab.
    static func visible(_ text: String, keepingNewlines: Bool = false) -> String {
        // Nearly every string is printable ASCII: pay for nothing then.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A where keepingNewlines, 0x09: out.unicodeScalars.append(scalar)
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

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
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
        do {
            try body()
        } catch let failure as MissionFailure {
            Output.error("error: \(failure.message)")
            throw ExitCode.failure
        } catch let error as GitError {
            Output.error("error: \(error.message)\n  (\(error.operation))")
            throw ExitCode.failure
        } catch let diagnostic as Diagnostic {
            Output.error(diagnostic.description)
            throw ExitCode.failure
        } catch let error as RunnerSlotError {
            Output.error("error: \(error.message)")
            throw ExitCode.failure
        }
    }
}

extension BoardContext {
    /// Commits `body` as a new note on ticket `id`, named by time and author; returns its path and the commit.
    func addNote(_ body: String, to id: String, in snapshot: BoardSnapshot, action: String) throws -> (String, ObjectID) {
        let record = try self.record(id, in: snapshot)
        let author = try store.identity()
        var written = ""
        let result = try store.commit(
            message: "\(id): \(action) by \(author.name)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: action)],
            reusing: snapshot
        ) { listing in
            let now = try store.parsing([id], in: listing).ticket(id) ?? record
            var suffix = 0
            var name = NoteFile.name(author: author.name, date: author.date)
            while now.notes.contains(name) {
                suffix += 1
                name = NoteFile.name(author: author.name, date: author.date, suffix: suffix)
            }
            written = "\(now.folder)/\(TicketFile.notes)/\(name)"
            let text = body.hasSuffix("\n") ? body : body + "\n"
            return [.write(path: written, bytes: Array(text.utf8))]
        }
        return (written, result.id)
    }
}
