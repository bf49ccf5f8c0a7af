import Actions
import ArgumentParser
import Board
import Control
import Foundation

/// `mission board`: the board in the terminal, by status; each ticket with its gate position, owner, executor,
/// round, age and next action. (Named `BoardView`: `Board` is the model module.)
struct BoardView: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "The board by status: where each ticket is, who steers it, who works on it, and what happens next.")

    @OptionGroup var board: BoardOptions

    @Option(help: "Only tickets steered by this owner. Repeatable.")
    var owner: [String] = []

    @Flag(help: "Show cancelled tickets too.")
    var all = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let snapshot = try context.snapshot()
            defer { Lifetime.keepUntilExit(context, snapshot) }
            var filter = TicketFilter()
            filter.owners = Set(owner)
            let now = Date()
            let positions = snapshot.tickets(matching: filter).map { snapshot.position(of: $0) }
            let hidden = all ? 0 : positions.filter { $0.stage == "cancelled" }.count
            let grouped = BoardGroups.make(positions, includingCancelled: all)
            let rollups = Dictionary(uniqueKeysWithValues: positions.filter { $0.kind == .campaign }.compactMap { position in
                Campaigns.rollup(position.id, in: snapshot).map { (position.id, $0) }
            })
            if json {
                try Output.json(BoardJSON(
                    groups: grouped.map { group in
                        BoardJSON.Group(status: group.stage, heading: group.heading, tickets: group.items.map {
                            PositionView($0, now: now, campaign: rollups[$0.id].map(CampaignView.init))
                        })
                    },
                    owners: owner.sorted(), hiddenCancelled: hidden, now: now))
                return
            }
            print(Output.visible(Self.render(grouped.map { ($0.heading, $0.items) }, rollups: rollups, hidden: hidden,
                                             owners: owner, now: now, width: Output.lineWidth), keepingNewlines: true))
        }
    }

    /// The board as text, no line wider than `width` (titles and details cut to fit), or nothing cut without one.
    static func render(_ groups: [(heading: String, tickets: [TicketPosition])], rollups: [String: CampaignRollup],
                       hidden: Int, owners: [String], now: Date, width: Int?) -> String {
        let total = groups.reduce(0) { $0 + $1.tickets.count }
        let whose = owners.isEmpty ? "" : " steered by \(owners.joined(separator: " or "))"
        guard total > 0 else {
            let note = hidden > 0 ? " (\(hidden) cancelled hidden: --all shows them)" : ""
            return "No tickets\(whose).\(note)"
        }
        let idWidth = max(7, groups.flatMap(\.tickets).map(\.id.count).max() ?? 7)
        let gateWidth = 14, ownerWidth = 10, execWidth = 16, roundWidth = 3, ageWidth = 4
        // Without a width (a pipe), the title column is as wide as the longest title, which only then is measured.
        let titleWidth = max(12, width.map { $0 - 2 - idWidth - gateWidth - ownerWidth - execWidth - roundWidth - ageWidth - 7 }
                                     ?? (groups.flatMap(\.tickets).map { Output.visible($0.title).count }.max() ?? 12))
        let detailIndent = String(repeating: " ", count: 2 + idWidth + 1)
        let detailWidth = width.map { max(20, $0 - detailIndent.count) }

        func row(_ cells: [String]) -> String {
            ("  " + Output.fit(cells[0], idWidth) + " " + Output.fit(cells[1], titleWidth) + " "
             + Output.fit(cells[2], gateWidth) + " " + Output.fit(cells[3], ownerWidth) + " "
             + Output.fit(cells[4], execWidth) + " " + Output.fit(cells[5], roundWidth) + " "
             + Output.fit(cells[6], ageWidth)).trimmingTrailingSpaces()
        }
        func detail(_ text: String) -> String {
            (detailIndent + Output.fit(text, detailWidth)).trimmingTrailingSpaces()
        }

        var out: [String] = []
        out.append(row(["ID", "TITLE", "GATE", "OWNER", "ROLE/PROFILE", "RND", "AGE"]))
        for group in groups {
            out.append("")
            out.append("\(group.heading) (\(group.tickets.count))")
            for p in group.tickets {
                let age = p.since.map { TicketPosition.compactAge(now.timeIntervalSince($0)) } ?? "-"
                out.append(row([p.id, p.title, p.gateText, p.owner ?? "-", p.executorText,
                                p.round.map(String.init) ?? "-", age]))
                if let next = p.nextAction { out.append(detail("→ \(next.who): \(next.what)")) }
                if let question = p.question, p.stage == "needs_input" {
                    out.append(detail("? " + (question.split(separator: "\n").first.map(String.init) ?? question)))
                }
                if let reason = p.blockedReason, !(p.nextAction?.what.contains(reason) ?? false) {
                    out.append(detail("blocked: \(reason)"))
                }
                if let rollup = rollups[p.id] { out.append(detail(Self.campaignLine(rollup))) }
                if let due = p.overdue { out.append(detail("OVERDUE \(When.since(due, now: now))")) }
            }
        }
        out.append("")
        var footer = "\(total) ticket\(total == 1 ? "" : "s")\(whose)"
        if hidden > 0 { footer += "; \(hidden) cancelled hidden (--all shows them)" }
        out.append(footer + ".")
        return out.joined(separator: "\n")
    }

    /// `campaign: 2/5 closed; 1 needs_input, 1 running, 1 not started`.
    static func campaignLine(_ rollup: CampaignRollup) -> String {
        guard !rollup.children.isEmpty else { return "campaign: no children yet (tickets with parent: \(rollup.id))" }
        let open = rollup.counts
            .filter { $0.key != StatusValue.done.rawValue && $0.key != StatusValue.cancelled.rawValue }
            .sorted { $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }
        let state = rollup.isComplete ? "complete" : open.joined(separator: ", ")
        return "campaign: \(rollup.closedCount)/\(rollup.children.count) closed; \(state)"
    }
}

/// `board --json`.
struct BoardJSON: Encodable {
    /// One status group.
    struct Group: Encodable {
        let status: String
        let heading: String
        let tickets: [PositionView]
    }

    let groups: [Group]
    let owners: [String]
    let hiddenCancelled: Int
    let now: Date

    enum CodingKeys: String, CodingKey {
        case groups, owners
        case hiddenCancelled = "hidden_cancelled"
        case now
    }
}
