import Actions
import ArgumentParser
import Board
import Control
import Foundation

/// `mission ledger`: what is complete, tested, reviewed, browser-verified and signed off, from the evidence alone.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "The status ledger: per ticket, what its evidence proves (docs, code, tests, review, browser, sign-off) and its status.",
        discussion: """
            Every mark comes from committed evidence packets: yes (every gate of the column passed and the ticket \
            has not been sent back to it), partial, no, or n/a (neither the workflow's gates nor its work class \
            need it). DONE needs every needed column proven; SHIPPED PARTIAL is merged with a column still open. \
            Campaigns roll up their children; while the board's baseline check is red no campaign is DONE. \
            'mission show ID' lists the packets behind a row.
            """)

    @OptionGroup var board: BoardOptions

    @Option(help: "Only this campaign and its children.")
    var campaign: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print a Markdown table, to paste into a README or a report.")
    var markdown = false

    func validate() throws {
        if json && markdown { throw ValidationError("choose --json or --markdown, not both") }
    }

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let reading = try context.ledger(campaign: campaign)
            if json {
                try Output.json(LedgerJSON(reading: reading))
            } else if markdown {
                print(LedgerText.markdown(reading))
            } else {
                // Every cell from the board is made visible where the table is built.
                print(LedgerText.table(reading, width: Output.lineWidth))
            }
        }
    }
}

/// The ledger as text and Markdown.
enum LedgerText {
    static let headings = ["Docs", "Code", "Tests", "Review", "Browser", "Sign-off"]

    /// The rows in order, each child after its campaign, with its depth.
    static func flattened(_ rows: [Ledger.Row], depth: Int = 0) -> [(row: Ledger.Row, depth: Int)] {
        rows.flatMap { [($0, depth)] + flattened($0.children, depth: depth + 1) }
    }

    static func baselineLine(_ baseline: Ledger.Baseline?) -> String? {
        guard let baseline else { return nil }
        let at = baseline.commit.map { " at \($0.prefix(7))" } ?? ""
        return "Baseline: \(baseline.green ? "green" : "RED")\(at) (\(baseline.proof))"
            + (baseline.green ? "" : ": no campaign is DONE until it passes")
    }

    static func table(_ reading: LedgerReading, width: Int?) -> String {
        let rows = flattened(reading.rows)
        guard !rows.isEmpty else { return "No tickets." }
        var table = [["ID", "TITLE"] + headings.map { $0.uppercased() } + ["STATUS", "WHY"]]
        let titleWidth = max(16, (width ?? 130) - 90)
        for (row, depth) in rows {
            let id = String(repeating: "  ", count: depth) + (depth > 0 ? "└ " : "") + row.id
            table.append([Output.visible(id), Output.fit(row.title, titleWidth).trimmingTrailingSpaces()]
                         + LedgerColumn.allCases.map { row.cells[$0]?.mark.rawValue ?? "-" }
                         + [row.status.rawValue, Output.visible(row.reason ?? "")])
        }
        var out = Output.table(table).map { $0.trimmingTrailingSpaces() }
        if let line = baselineLine(reading.baseline) { out.insert(Output.visible(line), at: 0) }
        let counts = Dictionary(grouping: rows.filter { $0.depth == 0 || $0.row.kind != .campaign }, by: { $0.row.status })
        out.append("")
        out.append([Ledger.Status.done, .shippedPartial, .inProgress, .blocked, .notStarted, .cancelled]
            .compactMap { status in counts[status].map { "\($0.count) \(status.rawValue)" } }.joined(separator: ", ")
            + ". 'mission show ID' lists the packets behind a mark.")
        return out.joined(separator: "\n")
    }

    /// A GitHub-flavoured Markdown table; each proven mark links to the packet that proves it.
    static func markdown(_ reading: LedgerReading) -> String {
        var out: [String] = []
        if let line = baselineLine(reading.baseline) { out += [escape(line), ""] }
        out.append("| Ticket | Title | " + headings.joined(separator: " | ") + " | Status |")
        out.append("|---|---|" + headings.map { _ in "---" }.joined(separator: "|") + "|---|")
        for (row, depth) in flattened(reading.rows) {
            let id = (depth > 0 ? String(repeating: "↳ ", count: depth) : "") + "`\(row.id)`"
            let cells = LedgerColumn.allCases.map { column -> String in
                guard let cell = row.cells[column] else { return "-" }
                if let proof = cell.proof, let folder = row.evidenceFolder, cell.mark != .no {
                    return "[\(cell.mark.rawValue)](\(folder)/\(proof))"
                }
                return cell.mark.rawValue
            }
            let status = "**\(row.status.rawValue)**" + (row.reason.map { " — " + escape($0) } ?? "")
            out.append("| \(id) | \(escape(row.title)) | " + cells.joined(separator: " | ") + " | \(status) |")
        }
        return out.joined(separator: "\n")
    }

    /// Board text made inert in Markdown: no table cell broken, no link, emphasis or markup of its own.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in Output.visible(text) {
            switch character {
            case "\\", "|", "*", "_", "[", "]", "`", "#", "~": out += "\\\(character)"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// `ledger --json`: every key always present.
struct LedgerJSON: Encodable {
    let reading: LedgerReading

    enum Keys: String, CodingKey { case baseline, rows }
    enum BaselineKeys: String, CodingKey { case green, proof, commit, summary }
    enum RowKeys: String, CodingKey { case id, title, kind, workflow, workClass = "class", status, reason, merged, cells, children }
    enum CellKeys: String, CodingKey { case mark, proof, gates, why }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        if let baseline = reading.baseline {
            var b = c.nestedContainer(keyedBy: BaselineKeys.self, forKey: .baseline)
            try b.encode(baseline.green, forKey: .green)
            try b.encode(baseline.proof, forKey: .proof)
            try b.encode(baseline.commit, forKey: .commit)
            try b.encode(baseline.summary, forKey: .summary)
        } else {
            try c.encodeNil(forKey: .baseline)
        }
        var list = c.nestedUnkeyedContainer(forKey: .rows)
        for row in reading.rows { try Self.encode(row, into: &list) }
    }

    static func encode(_ row: Ledger.Row, into list: inout any UnkeyedEncodingContainer) throws {
        var r = list.nestedContainer(keyedBy: RowKeys.self)
        try r.encode(row.id, forKey: .id)
        try r.encode(row.title, forKey: .title)
        try r.encode(row.kind?.rawValue, forKey: .kind)
        try r.encode(row.workflow, forKey: .workflow)
        try r.encode(row.workClass?.rawValue, forKey: .workClass)
        try r.encode(row.status.rawValue, forKey: .status)
        try r.encode(row.reason, forKey: .reason)
        try r.encode(row.merged, forKey: .merged)
        var cells = r.nestedContainer(keyedBy: JSONKey.self, forKey: .cells)
        for column in LedgerColumn.allCases {
            var cell = cells.nestedContainer(keyedBy: CellKeys.self, forKey: JSONKey(stringValue: column.rawValue))
            let value = row.cells[column]
            try cell.encode(value?.mark.rawValue ?? "n/a", forKey: .mark)
            try cell.encode(value?.proof.flatMap { proof in row.evidenceFolder.map { "\($0)/\(proof)" } }, forKey: .proof)
            try cell.encode(value?.gates ?? [], forKey: .gates)
            try cell.encode(value?.why, forKey: .why)
        }
        var children = r.nestedUnkeyedContainer(forKey: .children)
        for child in row.children { try encode(child, into: &children) }
    }
}
