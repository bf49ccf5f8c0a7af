import Control
import Foundation
import Git

/// `/log`: the board's recent history, one line per commit, linked to its tickets.
enum LogPage {
    static let limit = 200

    static func render(_ commits: [Commit], context: PageContext) -> String {
        let main = HTML.tag("h1", [], .raw("Log")) + (commits.isEmpty ? HTML.tag("p", [("class", "muted")], .raw("No commits yet."))
                                                                       : table(commits, linkTickets: true))
            + HTML.tag("p", [("class", "muted")], .text("The last \(commits.count) commits on the board; git log has them all."))
        return Layout.page(title: "Log · Mission Control", section: .log, context: context, main: main)
    }

    /// One row per commit: when, who, what, and (with `linkTickets`) the tickets its trailers name.
    static func table(_ commits: [Commit], linkTickets: Bool) -> HTML {
        let rows = commits.map { commit in
            let tickets = commit.trailers.filter { $0.key == "Mission-Ticket" }.map(\.value)
            let action = commit.trailers.last { $0.key == "Mission-Action" }?.value
            var what: [HTML] = [.text(commit.summary)]
            if let action { what.append(HTML.tag("span", [("class", "badge")], .text(action))) }
            return HTML.tag("tr", [("data-commit", commit.id.hex)],
                            HTML.tag("td", [("class", "mono")], .text(commit.id.short)),
                            HTML.tag("td", [("class", "optional")], .text(When.short(commit.author.date))),
                            HTML.tag("td", [("class", "optional")], .text(commit.author.name)),
                            HTML.tag("td", [("class", "title")], what),
                            linkTickets ? HTML.tag("td", [], .join(tickets.prefix(5).map { Layout.ticketLink($0) + .text(" ") })) : .empty)
        }
        return HTML.tag("table", [("class", "board log")], HTML.tag("tbody", [], rows))
    }
}
