import Foundation

/// Where a board lives: a folder on a branch.
public struct BoardLocation: Sendable, Hashable {
    /// The full branch name, e.g. `refs/heads/main`.
    public var branch: String
    /// The board folder inside the repository, e.g. `board`.
    public var directory: String

    /// A board location.
    public init(branch: String, directory: String = "board") {
        self.branch = branch.hasPrefix("refs/") ? branch : "refs/heads/\(branch)"
        self.directory = directory.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    /// The branch without `refs/heads/`.
    public var branchName: String {
        branch.hasPrefix("refs/heads/") ? String(branch.dropFirst("refs/heads/".count)) : branch
    }

    /// Path of a board-level file, e.g. `board/mission.yaml`.
    public func path(_ file: BoardFile) -> String { "\(directory)/\(file.rawValue)" }
    /// The folder of active tickets.
    public var ticketsFolder: String { "\(directory)/tickets" }
    /// The folder of archived tickets.
    public var archiveFolder: String { "\(directory)/archive" }
    /// The folder of an active ticket.
    public func ticketFolder(_ id: String) -> String { "\(ticketsFolder)/\(id)" }
    /// The folder an archived ticket closed in `year`/`month` lives in.
    public func archivedFolder(_ id: String, year: Int, month: Int) -> String {
        "\(archiveFolder)/\(String(format: "%04d/%02d", year, month))/\(id)"
    }
}

/// The board-level files.
public enum BoardFile: String, CaseIterable, Sendable {
    case settings = "mission.yaml"
    case runtimes = "runtimes.yaml"
    case roles = "roles.yaml"
    case workflows = "workflows.yaml"
    case schedule = "schedule.yaml"

    /// Whether a board must have this file.
    public var isRequired: Bool { self == .settings }
}

/// The files inside a ticket folder.
public enum TicketFile {
    /// The spec, owned by people.
    public static let spec = "ticket.yaml"
    /// The status, owned by the watcher.
    public static let status = "status.yaml"
    /// Evidence packets.
    public static let evidence = "evidence"
    /// Notes.
    public static let notes = "notes"
}
