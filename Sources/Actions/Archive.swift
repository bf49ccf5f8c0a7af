import Board
import Foundation
import Git

/// What archiving closed tickets did, or would do.
public struct ArchiveResult {
    /// One ticket's move, from its active folder to archive/YYYY/MM/.
    public struct Move: Equatable {
        public let id: String
        public let from: String
        public let to: String
    }

    public let moves: [Move]
    /// The age past closing a ticket needed to move.
    public let age: Interval
    /// The commit; nil for a dry run or when nothing moved.
    public let commit: String?
}

extension BoardContext {
    /// Moves closed tickets closed longer than `olderThan` ago (default: the board's archive_after, else 30 days)
    /// to archive/YYYY/MM/ so the active folder stays small; with `dryRun`, only says what would move.
    public func archive(olderThan: Interval?, dryRun: Bool) throws -> ArchiveResult {
        let snapshot = try self.snapshot()
        let age = olderThan ?? snapshot.config.settings.archiveAfter ?? Interval(seconds: 30 * 86_400)
        let now = Date()
        guard let tip = snapshot.commit else { throw ActionError("the board has no commits") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var moves: [ArchiveResult.Move] = []
        for record in snapshot.tickets where record.isClosed && !record.archived {
            guard let closed = try closedDate(record, tip: tip), now.timeIntervalSince(closed) >= age.timeInterval
            else { continue }
            let parts = calendar.dateComponents([.year, .month], from: closed)
            moves.append(.init(id: record.id, from: record.folder,
                               to: location.archivedFolder(record.id, year: parts.year!, month: parts.month!)))
        }
        if moves.isEmpty || dryRun { return ArchiveResult(moves: moves, age: age, commit: nil) }
        let result = try store.commit(
            message: "archive \(moves.count) closed ticket\(moves.count == 1 ? "" : "s")",
            trailers: moves.map { Trailer(key: "Mission-Ticket", value: $0.id) } + [Trailer(key: "Mission-Action", value: "archive")],
            reusing: snapshot
        ) { current in
            guard let commit = current.commit else { return [] }
            let tree = try repository.commit(commit).tree
            var changes: [FileChange] = []
            for move in moves where current.ticket(move.id)?.archived == false {
                for entry in try repository.walkTree(tree, under: move.from) {
                    let relative = entry.path.dropFirst(move.from.count)
                    changes.append(.remove(path: entry.path))
                    changes.append(.copy(path: move.to + relative, blob: entry.id))
                }
            }
            return changes
        }
        return ArchiveResult(moves: moves, age: age, commit: result.id.hex)
    }

    /// When the ticket closed: the status says so, else the last commit that touched it.
    private func closedDate(_ record: TicketRecord, tip: ObjectID) throws -> Date? {
        if let closed = record.status?.closed ?? (record.status?.status.isClosed == true ? record.status?.updated : nil) {
            return closed
        }
        return try repository.log(from: tip, touching: [record.folder], limit: 1).first?.committer.date
    }
}
