import Foundation
import Testing

/// `mission ledger` and the console's ledger page on a board seeded as the watcher would leave it: a campaign with a
/// child in every state, tickets on other workflows, and the baseline's runs.
@Suite("The status ledger", .serialized)
struct LedgerCommandTests {
    /// The seeded board and its ids by role.
    struct Seeded {
        let sandbox: Sandbox
        var ids: [String: String] = [:]

        /// A ticket made with `mission new`, then the files the watcher would have committed for it.
        mutating func ticket(_ key: String, _ title: String, workflow: String = "code", parent: String? = nil,
                             kind: String = "feature", labels: [String] = [], status: String? = nil,
                             packets: [(String, String)] = []) throws {
            var arguments = ["new", title, "--workflow", workflow, "--state", "ready", "--acceptance", "It works.",
                             "--kind", kind, "--no-edit", "--json"] + labels.flatMap { ["--label", $0] }
            if let parent { arguments += ["--parent", try #require(ids[parent])] }
            let created = try sandbox.mission(arguments: arguments).expectSuccess()
            let object = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String]
            let id = try #require(object?["id"])
            ids[key] = id
            if let status { try sandbox.write("board/tickets/\(id)/status.yaml", status) }
            for (index, (gate, body)) in packets.enumerated() {
                try sandbox.write("board/tickets/\(id)/evidence/\(String(format: "%04d", index + 1))-\(gate).yaml",
                                  "kind: \(gate == "merge" ? "merge" : body.hasPrefix("check") ? "check" : body.hasPrefix("signoff") ? "signoff" : "session")\nticket: \(id)\ngate: \(gate)\n"
                                    + Seeded.body(body))
            }
        }

        static func body(_ kind: String) -> String {
            switch kind {
            case "done": "terminal: {status: ok, summary: done, root_cause: done}\n"
            case "pass": "terminal: {status: ok, summary: reviewed, root_cause: done}\nverdict: {decision: pass}\n"
            case "return": "terminal: {status: ok, summary: returned, root_cause: done}\nverdict: {decision: return_for_fixes, findings: [fix it]}\n"
            case "check": "terminal: {status: ok, summary: passed, root_cause: check_passed}\n"
            case "check-failed": "terminal: {status: warning, summary: '2 failed', root_cause: check_failed}\n"
            case "signoff": "signoff: {by: 'Test Person <test@example.com>', decision: approve}\n"
            default: "summary: merged\n"
            }
        }

        func commit(_ message: String) throws {
            try sandbox.git("add", "-A").expectSuccess()
            try sandbox.git("commit", "-q", "--no-verify", "-m", message).expectSuccess()
        }
    }

    static let allPassed = [("implement", "done"), ("review", "pass"), ("test", "check"), ("validate", "pass"), ("release", "signoff")]

    static func seed() throws -> Seeded {
        // (The baseline's tickets are made by the watcher; BaselineTests runs it for real.)
        var board = Seeded(sandbox: try Sandbox())
        try board.sandbox.mission("init").expectSuccess()
        try board.ticket("campaign", "Search", kind: "campaign")
        try board.ticket("done", "Index the docs", parent: "campaign", status: "status: done\ngate: release\n", packets: allPassed)
        try board.ticket("partial", "Search box", parent: "campaign", status: "status: waiting\ngate: release\n",
                         packets: Array(allPassed.prefix(4)) + [("merge", "merge")])
        try board.ticket("blocked", "Ranking", parent: "campaign", status: "status: blocked\ngate: test\nblocked_reason: the check hangs\n",
                         packets: [("implement", "done"), ("review", "pass"), ("test", "check-failed")])
        try board.ticket("fresh", "Synonyms", parent: "campaign")
        try board.ticket("returned", "Highlighting", parent: "campaign", status: "status: queued\ngate: implement\nround: 2\n",
                         packets: [("implement", "done"), ("review", "return")])
        try board.ticket("task", "Tidy the README", workflow: "task", status: "status: done\ngate: review\n",
                         packets: [("run", "done"), ("review", "pass")])
        try board.ticket("ui", "A dark mode", workflow: "ui")
        try board.ticket("finished", "Release 1", kind: "campaign")
        try board.ticket("shipped", "Changelog", parent: "finished", status: "status: done\ngate: release\n", packets: allPassed)
        try board.commit("the watcher's work, as it would have committed it")
        return board
    }

    static func json(_ result: RunResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// The rows of `--json` by id, children included.
    static func rows(_ object: [String: Any]) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        func walk(_ rows: [[String: Any]]) {
            for row in rows {
                out[row["id"] as? String ?? ""] = row
                walk(row["children"] as? [[String: Any]] ?? [])
            }
        }
        walk(object["rows"] as? [[String: Any]] ?? [])
        return out
    }

    static func mark(_ row: [String: Any]?, _ column: String) -> String? {
        ((row?["cells"] as? [String: Any])?[column] as? [String: Any])?["mark"] as? String
    }

    @Test("every row's marks and status follow from the evidence, in JSON, text and Markdown")
    func marksAndStatuses() throws {
        let board = try Self.seed()
        let ids = board.ids
        let rows = Self.rows(try Self.json(try board.sandbox.mission("ledger", "--json").expectSuccess()))
        func row(_ key: String) -> [String: Any]? { rows[ids[key] ?? ""] }
        #expect(row("done")?["status"] as? String == "DONE")
        #expect(Self.mark(row("done"), "code") == "yes")
        #expect(Self.mark(row("done"), "signoff") == "yes")
        #expect(Self.mark(row("done"), "browser") == "n/a")
        #expect(((row("done")?["cells"] as? [String: Any])?["tests"] as? [String: Any])?["proof"] as? String
                == "board/tickets/\(ids["done"]!)/evidence/0003-test.yaml")
        #expect(row("partial")?["status"] as? String == "SHIPPED PARTIAL")
        #expect(row("partial")?["reason"] as? String == "merged; still open: signoff")
        #expect(row("blocked")?["status"] as? String == "BLOCKED")
        #expect(row("blocked")?["reason"] as? String == "the check hangs")
        #expect(Self.mark(row("blocked"), "tests") == "no")
        #expect(row("fresh")?["status"] as? String == "NOT STARTED")
        #expect(row("returned")?["status"] as? String == "IN PROGRESS")
        #expect(Self.mark(row("returned"), "code") == "partial")
        #expect(Self.mark(row("returned"), "review") == "no")
        // A workflow with no class needs only what its gates prove.
        #expect(row("task")?["status"] as? String == "DONE")
        #expect(Self.mark(row("task"), "tests") == "n/a")
        #expect(Self.mark(row("task"), "signoff") == "n/a")
        // The ui class needs a browser column.
        #expect(Self.mark(row("ui"), "browser") == "no")
        #expect(row("campaign")?["status"] as? String == "BLOCKED")
        #expect(row("campaign")?["reason"] as? String == "\(ids["blocked"]!): the check hangs")
        #expect(Self.mark(row("campaign"), "code") == "partial")
        #expect(row("finished")?["status"] as? String == "DONE")
        // Children sit under their campaign, not beside it.
        let top = (try Self.json(try board.sandbox.mission("ledger", "--json"))["rows"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(!top.contains(ids["done"]!))
        #expect(top.contains(ids["campaign"]!))

        let text = try board.sandbox.mission("ledger").expectSuccess().stdout
        let line = try #require(text.split(separator: "\n").first { $0.contains(ids["partial"]!) })
        #expect(line.contains("└ \(ids["partial"]!)"))
        #expect(line.contains("SHIPPED PARTIAL"))
        #expect(text.contains("merged; still open: signoff"))

        let markdown = try board.sandbox.mission("ledger", "--markdown").expectSuccess().stdout
        #expect(markdown.hasPrefix("| Ticket | Title | Docs | Code | Tests | Review | Browser | Sign-off | Status |\n|---|"))
        #expect(markdown.contains("| ↳ `\(ids["done"]!)` | Index the docs | n/a | [yes](board/tickets/\(ids["done"]!)/evidence/0001-implement.yaml) |"))
        #expect(markdown.contains("**SHIPPED PARTIAL** — merged; still open: signoff"))

        let one = Self.rows(try Self.json(try board.sandbox.mission("ledger", "--campaign", ids["finished"]!, "--json").expectSuccess()))
        #expect(Set(one.keys) == [ids["finished"]!, ids["shipped"]!])
        let wrong = try board.sandbox.mission("ledger", "--campaign", ids["task"]!)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("is a feature, not a campaign"))
    }

    @Test("a red baseline keeps a finished campaign out of DONE, naming the failing run; green releases it")
    func baseline() throws {
        var board = try Self.seed()
        let finished = try #require(board.ids["finished"])
        try board.ticket("red", "Baseline: main at 0123456", kind: "chore",
                         labels: ["baseline", "baseline-commit:0123456789abcdef0123456789abcdef01234567"],
                         status: "status: needs_input\ngate: suite\nlast_evidence: 0001-suite.yaml\nquestion: 3 tests failed\n",
                         packets: [("suite", "check-failed")])
        let red = try #require(board.ids["red"])
        try board.commit("the baseline is red")
        var rows = Self.rows(try Self.json(try board.sandbox.mission("ledger", "--json").expectSuccess()))
        #expect(rows[finished]?["status"] as? String == "BLOCKED")
        #expect((rows[finished]?["reason"] as? String)?.contains("baseline check is red (board/tickets/\(red)/evidence/0001-suite.yaml at 0123456)") == true)
        #expect(rows[red] == nil, "baseline runs are not rows of their own")
        #expect(try board.sandbox.mission("ledger").stdout.hasPrefix("Baseline: RED at 0123456"))

        try board.sandbox.write("board/tickets/\(red)/status.yaml", "status: done\ngate: suite\nlast_evidence: 0001-suite.yaml\n")
        try board.commit("the baseline is green")
        rows = Self.rows(try Self.json(try board.sandbox.mission("ledger", "--json").expectSuccess()))
        #expect(rows[finished]?["status"] as? String == "DONE")
    }

    @Test("the console's ledger page shows the same rows, each proven mark a link to its packet (in Chromium)")
    func consolePage() throws {
        guard Browser.available() else { return }
        let board = try Self.seed()
        let console = try ConsoleProcess(board.sandbox)
        defer { console.stop() }
        let done = try #require(board.ids["done"])
        let partial = try #require(board.ids["partial"])
        let report = try Browser.run([
            ["open": console.url + "ledger"],
            ["eval": "document.querySelector('tr[data-id=\"\(done)\"] td.status span').textContent"],
            ["eval": "document.querySelector('tr[data-id=\"\(partial)\"] td.status').textContent"],
            ["eval": "document.querySelector('tr[data-id=\"\(done)\"] td[data-column=tests] a').getAttribute('href')"],
            ["eval": "document.querySelector('tr[data-id=\"\(done)\"] td[data-column=browser]').textContent"],
            ["click": "tr[data-id=\"\(done)\"] td[data-column=tests] a"],
            ["eval": "document.getElementById('packet-0003-test.yaml') !== null && location.hash"],
        ], in: board.sandbox)
        #expect(report.string(1) == "DONE")
        #expect(report.string(2) == "SHIPPED PARTIALmerged; still open: signoff")
        #expect(report.string(3) == "/tickets/\(done)#packet-0003-test.yaml")
        #expect(report.string(4) == "n/a")
        #expect(report.string(6) == "#packet-0003-test.yaml")
        #expect(report.consoleErrors.isEmpty, "\(report.consoleErrors)")
    }
}
