import ArgumentParser
import Board
import Foundation
import Git

/// `mission new "Title"`: create a ticket from the board's template.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
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
            let snapshot = try context.listing()
            let settings = snapshot.config.settings
            let id = TicketID.mint(prefix: settings.prefix, existing: snapshot.allIDs, minimumLength: settings.idLength)
            let ticket = Ticket(
                id: id, title: title, kind: kind, priority: priority, state: state, workflow: workflow, owner: owner,
                assignee: assignee, parent: parent, blockedBy: blockedBy, labels: label,
                created: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
                // In the editor the template's placeholders show where the criteria and the description go; a
                // placeholder criterion is refused on saving, and a placeholder description is never shown to an agent.
                acceptance: acceptance.isEmpty && !noEdit ? [Ticket.placeholderAcceptance] : acceptance,
                description: noEdit ? nil : Ticket.placeholderDescription + "\n")
            guard let tip = snapshot.commit else { throw MissionFailure("the board has no commits") }
            let template = TicketTemplate.text(
                in: snapshot, source: TreeSource(repository: context.repository, root: try context.repository.commit(tip).tree))
            let folder = context.location.ticketFolder(id)
            var bytes = Array(TicketTemplate.render(template, ticket: ticket).utf8)
            let validate = { (candidate: [UInt8]) in
                Editing.refusingPlaceholders(snapshot.checking(spec: candidate, id: id, folder: folder))
            }
            if noEdit {
                let problems = validate(bytes).filter { $0.severity == .error }
                if !problems.isEmpty {
                    throw MissionFailure("the new ticket does not validate:\n  " + problems.map(\.description).joined(separator: "\n  "))
                }
            } else if let edited = try Editing.edit(bytes, name: "\(id)-ticket.yaml", file: "\(folder)/\(TicketFile.spec)",
                                                    in: context, snapshot: snapshot, validate: validate) {
                bytes = edited
            } else {
                // Saved unchanged: the rendered template is what they want, once it validates.
                let problems = validate(bytes).filter { $0.severity == .error }
                if !problems.isEmpty {
                    throw MissionFailure("the new ticket does not validate:\n  " + problems.map(\.description).joined(separator: "\n  "))
                }
            }
            let path = "\(folder)/\(TicketFile.spec)"
            let written = (try? YAMLDocument.parse(bytes, file: path).decode(Ticket.self))?.hasAcceptance ?? true
            let result = try context.store.commit(
                message: "\(id): new \(kind.rawValue): \(title)",
                trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "new")],
                reusing: snapshot
            ) { current in
                if current.contains(id) { throw MissionFailure("\(id) was created meanwhile by someone else; run the command again") }
                return [.write(path: path, bytes: bytes)]
            }
            if json {
                try Output.json(["id": id, "path": path, "commit": result.id.hex])
            } else {
                print("Created \(id): \(title)")
                print("  \(path)")
            }
            if !written {
                Output.hint("\(id) has no acceptance criteria, so no agent starts it until it has some: 'mission edit \(id)'")
            }
        }
    }
}

extension TicketKind: ExpressibleByArgument {}
extension Priority: ExpressibleByArgument {}
