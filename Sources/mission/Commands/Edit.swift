import ArgumentParser
import Board
import Foundation
import Git

/// `mission edit ID`: edit a ticket's spec in the editor, validate, commit.
struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Edit a ticket's spec in $EDITOR; it is validated before it is committed.")

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let snapshot = try context.snapshot()
            let record = try context.activeRecord(id, in: snapshot)
            let committed = try context.specBytes(record, in: snapshot)
            try context.requireNoUncommittedEdit(record.specPath, committed: committed)
            guard let edited = try Editing.edit(committed, name: "\(id)-ticket.yaml", file: record.specPath, in: context,
                                                snapshot: snapshot, validate: { bytes in
                Editing.refusingPlaceholders(snapshot.checking(spec: bytes, id: id, folder: record.folder))
            }) else {
                print("No changes to \(id).")
                return
            }
            let result = try context.store.commit(
                message: "\(id): edit spec", trailers: [Trailer(key: "Mission-Ticket", value: id),
                                                        Trailer(key: "Mission-Action", value: "edit")],
                reusing: snapshot
            ) { current in
                guard let now = current.ticket(id) else { throw MissionFailure("\(id) was removed meanwhile") }
                let base = try context.specBytes(now, in: current)
                if base != committed {
                    throw MissionFailure("\(id) changed on \(context.location.branchName) while you edited; run 'mission edit \(id)' again")
                }
                return [.write(path: record.specPath, bytes: edited)]
            }
            print("Committed \(id) (\(result.id.short)).")
        }
    }
}
