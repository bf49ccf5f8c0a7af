import ArgumentParser
import Board
import Foundation
import Git

/// `mission archive`: move closed tickets to archive/YYYY/MM/ so the active folder stays small.
struct Archive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move closed tickets older than a given age to archive/YYYY/MM/.",
        discussion: "list --archived, show and log still find archived tickets; git log --follow keeps their history.")

    @OptionGroup var board: BoardOptions

    @Option(name: .customLong("older-than"), help: "Minimum age since closing, like 30d or 12h (default: archive_after, else 30d).")
    var olderThan: String?

    @Flag(name: .customLong("dry-run"), help: "Say what would move; commit nothing.")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let snapshot = try context.snapshot()
            let age: Interval
            if let olderThan {
                guard let parsed = Interval(olderThan) else { throw ValidationError("--older-than must be like 30d, 12h or 90m") }
                age = parsed
            } else {
                age = snapshot.config.settings.archiveAfter ?? Interval(seconds: 30 * 86_400)
            }
            let now = Date()
            guard let tip = snapshot.commit else { throw MissionFailure("the board has no commits") }
            var moves: [(id: String, from: String, to: String)] = []
            for record in snapshot.tickets where record.isClosed && !record.archived {
                guard let closed = try closedDate(record, tip: tip, repository: context.repository),
                      now.timeIntervalSince(closed) >= age.timeInterval else { continue }
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                let parts = calendar.dateComponents([.year, .month], from: closed)
                moves.append((record.id, record.folder,
                              context.location.archivedFolder(record.id, year: parts.year!, month: parts.month!)))
            }
            if moves.isEmpty || dryRun {
                if json { try Output.json(moves.map { ["id": $0.id, "from": $0.from, "to": $0.to] }) }
                else if moves.isEmpty { print("Nothing to archive: no ticket closed more than \(age) ago.") }
                else { for move in moves { print("would move \(move.id): \(move.from) -> \(move.to)") } }
                return
            }
            let result = try context.store.commit(
                message: "archive \(moves.count) closed ticket\(moves.count == 1 ? "" : "s")",
                trailers: moves.map { Trailer(key: "Mission-Ticket", value: $0.id) } + [Trailer(key: "Mission-Action", value: "archive")],
                reusing: snapshot
            ) { current in
                guard let commit = current.commit else { return [] }
                let tree = try context.repository.commit(commit).tree
                var changes: [FileChange] = []
                for move in moves where current.ticket(move.id)?.archived == false {
                    for entry in try context.repository.walkTree(tree, under: move.from) {
                        let relative = entry.path.dropFirst(move.from.count)
                        changes.append(.remove(path: entry.path))
                        changes.append(.copy(path: move.to + relative, blob: entry.id))
                    }
                }
                return changes
            }
            if json { try Output.json(moves.map { ["id": $0.id, "from": $0.from, "to": $0.to, "commit": result.id.hex] }) }
            else {
                for move in moves { print("archived \(move.id) -> \(move.to)") }
                print("Committed \(result.id.short).")
            }
        }
    }

    /// When the ticket closed: the status says so, else the last commit that touched it.
    private func closedDate(_ record: TicketRecord, tip: ObjectID, repository: Repository) throws -> Date? {
        if let closed = record.status?.closed ?? (record.status?.status.isClosed == true ? record.status?.updated : nil) {
            return closed
        }
        return try repository.log(from: tip, touching: [record.folder], limit: 1).first?.committer.date
    }
}
