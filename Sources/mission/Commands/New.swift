import Actions
import ArgumentParser
import Board

/// `mission new "Title"`: create a ticket from the board's template.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new", 
        abstract: "Create a ticket from the template, open it in $EDITOR, validate and commit it.")

    @OptionGroup var board: BoardOptions

    @Argument(help: "One line saying what is wanted.")
    var title: String

    @Option(help: "feature, bug, chore, research or campaign.")
    var kind: TicketKind = .feature

    @Option(help: "low, medium, high or urgent.")
    var priority: Priority = .medium

    @Option(help: "draft (default) or ready.")
    var state: DesiredState = .draft

    @Option(help: "A workflow from workflows.yaml (default: the board's).")
    var workflow: String?

    @Option(help: "Who steers this ticket.")
    var owner: String?

    @Option(help: "The first role to execute (default: the board's).")
    var assignee: String?

    @Option(help: "A label. Repeatable.")
    var label: [String] = []

    @Option(name: .customLong("blocked-by"), help: "A ticket that must close first. Repeatable.")
    var blockedBy: [String] = []

    @Option(help: "The parent or campaign ticket.")
    var parent: String?

    @Option(help: "Something that must be true when this is done. Repeatable; a ticket runs only once it has one.")
    var acceptance: [String] = []

    @Flag(name: .customLong("no-edit"), help: "Commit without opening the editor.")
    var noEdit = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            var ticket = NewTicket(title: title)
            ticket.kind = kind
            ticket.priority = priority
            ticket.state = state
            ticket.workflow = workflow
            ticket.owner = owner
            ticket.assignee = assignee
            ticket.labels = label
            ticket.blockedBy = blockedBy
            ticket.parent = parent
            ticket.acceptance = acceptance
            let draft = try context.draft(ticket, placeholders: !noEdit)
            var bytes = draft.bytes
            // Saved unchanged (nil), the rendered template is what they want, once it validates.
            if !noEdit, let edited = try Editing.edit(bytes, name: "\(draft.id)-ticket.yaml", file: draft.path, in: context,
                                                      snapshot: draft.snapshot, validate: draft.problems) {
                bytes = edited
            }
            let result = try context.create(draft, bytes: bytes)
            if json {
                try Output.json(result)
            } else {
                print("Created \(result.id): \(title)")
                print("  \(result.path)")
            }
            if !result.hasAcceptance {
                Output.hint("\(result.id) has no acceptance criteria, so no agent starts it until it has some: 'mission edit \(result.id)'")
            }
        }
    }
}

extension TicketKind: ExpressibleByArgument {}
extension Priority: ExpressibleByArgument {}
