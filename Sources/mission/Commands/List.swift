import Actions
import ArgumentParser
import Board
import Control
import Foundation

/// `mission list`: the tickets, filtered, in the order the watcher takes them.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tickets, in the order the watcher takes them.")

    @OptionGroup var board: BoardOptions

    @Option(help: "Only tickets in this desired state (draft, ready, hold, cancelled). Repeatable.")
    var state: [DesiredState] = []

    @Option(help: "Only tickets with this status (queued, running, needs_input, …, or none). Repeatable.")
    var status: [String] = []

    @Option(help: "Only tickets with this label. Repeatable: all must be present.")
    var label: [String] = []

    @Option(help: "Only tickets steered by this owner. Repeatable.")
    var owner: [String] = []

    @Flag(help: "Only tickets ready for the watcher.")
    var ready = false

    @Flag(help: "Only tickets waiting on blockers or blocked for a person.")
    var blocked = false

    @Flag(name: .customLong("archived"), help: "Include archived tickets.")
    var includeArchived = false

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        let known = StatusValue.allCases.map(\.rawValue) + ["none"]
        for value in status where !known.contains(value) {
            throw ValidationError("unknown status '\(value)' for --status; the statuses are \(known.joined(separator: ", "))")
        }
    }

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let snapshot = try context.snapshot(includeArchived: includeArchived)
            defer { Lifetime.keepUntilExit(context, snapshot) }
            var filter = TicketFilter()
            filter.states = Set(state)
            filter.statuses = Set(status)
            filter.labels = Set(label)
            filter.owners = Set(owner)
            filter.readyOnly = ready
            filter.blockedOnly = blocked
            filter.includeArchived = includeArchived
            let records = snapshot.tickets(matching: filter)
            if json {
                let now = Date()
                try Output.json(records.map { TicketView($0, in: snapshot, now: now) })
                return
            }
            if records.isEmpty {
                print("No tickets match.")
                return
            }
            let idWidth = max(6, records.map(\.id.count).max() ?? 6)
            print(Output.fit("ID", idWidth), "PRI   ", "STATUS     ", "GATE      ", "OWNER     ", "TITLE")
            let titleWidth = Output.lineWidth.map { max(10, $0 - idWidth - 42) }
            for record in records {
                let spec = record.spec
                let title = record.isBroken
                    ? (snapshot.diagnostics(for: record.id).first?.message ?? "cannot be read")
                    : (spec?.title ?? "")
                // A missed check-in leads the title, so no cut can hide it.
                let overdue = record.status?.overdue != nil && !record.isClosed ? "OVERDUE " : ""
                print(Output.fit(record.id, idWidth),
                      Output.fit(spec?.priority.rawValue ?? "-", 6),
                      Output.fit(snapshot.statusWord(of: record), 11),
                      Output.fit(record.status?.gate ?? "-", 10),
                      Output.fit(spec?.owner ?? "-", 10),
                      Output.fit(overdue + title, titleWidth).trimmingTrailingSpaces())
            }
            let overdue = records.filter { $0.status?.overdue != nil && !$0.isClosed }.count
            if overdue > 0 {
                print("\n\(overdue) overdue ticket\(overdue == 1 ? "" : "s"): 'mission board' and 'mission show' say since when.")
            }
            let broken = records.filter(\.isBroken).count
            if broken > 0 {
                print("\n\(broken) broken ticket\(broken == 1 ? "" : "s"): run 'mission check' for the errors.")
            }
        }
    }
}

extension DesiredState: ExpressibleByArgument {}

extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.hasSuffix(" ") { copy.removeLast() }
        return copy
    }
}
