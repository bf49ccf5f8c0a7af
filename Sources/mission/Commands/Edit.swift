import Actions
import ArgumentParser

/// `mission edit ID`: edit a ticket's spec in the editor, validate, commit.
struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", 
        abstract: "Edit a ticket's spec in $EDITOR; it is validated before it is committed.")

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let draft = try context.editDraft(id)
            guard let edited = try Editing.edit(draft.bytes, name: "\(id)-ticket.yaml", file: draft.path, in: context,
                                                snapshot: draft.snapshot, validate: draft.problems) else {
                print("No changes to \(id).")
                return
            }
            let result = try context.commitEdit(draft, bytes: edited)
            print("Committed \(id) (\(result.commit.prefix(7))).")
        }
    }
}
