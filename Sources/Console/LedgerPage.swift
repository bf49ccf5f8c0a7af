import Actions
import Board
import Control
import Foundation

/// `/ledger`: the status ledger, as `mission ledger` prints it; each proven mark links to its packet.
enum LedgerPage {
    static func render(_ reading: LedgerReading, campaign: String?, context: PageContext) -> String {
        var main: [HTML] = [HTML.tag("h1", [], .text(campaign.map { "Ledger of \($0)" } ?? "Ledger"))]
        if let baseline = reading.baseline {
            let at = baseline.commit.map { " at \($0.prefix(7))" } ?? ""
            main.append(HTML.tag("p", [("id", "baseline")],
                                 HTML.tag("span", [("class", baseline.green ? "badge good" : "badge bad")],
                                          .text(baseline.green ? "baseline green" : "baseline red")),
                                 .text(" \(baseline.summary ?? "")\(at)" + (baseline.green ? "" : ": no campaign is DONE until it passes"))))
        }
        let headings = ["Ticket", "Title"] + LedgerColumn.allCases.map { $0 == .signoff ? "Sign-off" : $0.rawValue.capitalized } + ["Status"]
        var rows: [HTML] = []
        func add(_ row: Ledger.Row, depth: Int) {
            var cells: [HTML] = [
                HTML.tag("td", [("class", depth > 0 ? "child" : "")], .text(String(repeating: "↳ ", count: depth)), Layout.ticketLink(row.id)),
                HTML.tag("td", [("class", "title")], .text(row.title)),
            ]
            for column in LedgerColumn.allCases {
                let cell = row.cells[column]
                let mark = cell?.mark ?? .notApplicable
                let tone = switch mark {
                case .yes: "badge good"
                case .partial: "badge warn"
                case .no: "badge bad"
                case .notApplicable: "muted"
                }
                var content = HTML.tag("span", [("class", tone), ("title", cell?.why ?? "")], .text(mark.rawValue))
                if let proof = cell?.proof, mark != .no {
                    content = HTML.tag("a", [("href", "/tickets/\(URLText.component(row.id))#packet-\(URLText.component(proof))")], content)
                }
                cells.append(HTML.tag("td", [("class", "mark"), ("data-column", column.rawValue)], content))
            }
            let tone = row.status == .done ? "badge good" : row.status == .blocked ? "badge bad" : "badge"
            cells.append(HTML.tag("td", [("class", "status")], HTML.tag("span", [("class", tone)], .text(row.status.rawValue)),
                                  row.reason.map { HTML.tag("div", [("class", "next")], .text($0)) } ?? .empty))
            rows.append(HTML.tag("tr", [("data-id", row.id)], cells))
            for child in row.children { add(child, depth: depth + 1) }
        }
        for row in reading.rows { add(row, depth: 0) }
        if rows.isEmpty {
            main.append(HTML.tag("p", [("class", "muted")], .raw("No tickets.")))
        } else {
            main.append(HTML.tag("table", [("class", "board ledger")],
                                 HTML.tag("thead", [], HTML.tag("tr", [], headings.map { HTML.tag("th", [], .text($0)) })),
                                 HTML.tag("tbody", [], rows)))
        }
        main.append(HTML.tag("p", [("class", "muted")],
                             .raw("Every mark comes from committed evidence: yes, every gate of the column passed; partial, some did or the ticket was sent back; n/a, not needed by the workflow or its class.")))
        return Layout.page(title: "Ledger · Mission Control", section: .ledger, context: context, main: .join(main))
    }
}
