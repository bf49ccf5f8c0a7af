import Foundation
import Testing

/// `mission board`, `mission list --owner` and `mission show` on a real repository whose statuses are committed
/// as the watcher would write them: where each ticket is, who steers it, who works on it, what happens next.
@Suite(.serialized)
struct ViewTests {
    /// A three-gate workflow of the test's own, so the gate positions do not move when the starter board changes.
    static let workflow = """
          views:
            max_rounds: 3
            gates:
              - {name: implement, role: coder}
              - {name: review, role: qa, on_fail: implement}
              - {name: signoff, human: designer, on_fail: implement}

        """

    /// The layout these tests check is a 100-column terminal's; a pipe gets every title whole.
    static let terminal = ["COLUMNS": "100"]

    /// The tickets of the board `make()` builds, by what they play.
    struct Ids {
        var campaign = "", ask = "", run = "", signoff = "", done = "", dropped = "", draft = ""
    }

    /// `date` as status.yaml holds it.
    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// Commits `status.yaml` of ticket `id` past the pre-commit hook, as the watcher would write it.
    static func setStatus(_ sandbox: Sandbox, _ id: String, _ yaml: String) throws {
        try sandbox.write("board/tickets/\(id)/status.yaml", yaml)
        try sandbox.git("add", "board/tickets/\(id)/status.yaml").expectSuccess()
        try sandbox.git("commit", "-q", "--no-verify", "-m", "\(id): status as the watcher writes it").expectSuccess()
    }

    /// `mission new` with the arguments; returns the id.
    static func new(_ sandbox: Sandbox, _ arguments: String...) throws -> String {
        let result = try sandbox.run(Sandbox.missionBinary, ["new"] + arguments + ["--no-edit", "--json"])
        try result.expectSuccess()
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
        return try #require(object?["id"])
    }

    static func json(_ result: RunResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// A board with a campaign (owner luci) of three children — one asking a question and overdue, one running on
    /// codex, one done — and, outside it, bob's ticket waiting for a sign-off, bob's cancelled one and carol's draft.
    static func make() throws -> (Sandbox, Ids) {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        try sandbox.write("board/workflows.yaml", try sandbox.read("board/workflows.yaml") + workflow)
        try sandbox.git("add", "board/workflows.yaml").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "a workflow for the views").expectSuccess()

        var ids = Ids()
        ids.campaign = try new(sandbox, "Parser campaign", "--kind", "campaign", "--owner", "luci")
        ids.ask = try new(sandbox, "Ask about the parser", "--parent", ids.campaign, "--owner", "luci",
                          "--workflow", "views", "--state", "ready")
        ids.run = try new(sandbox, "Run the implementation", "--parent", ids.campaign, "--owner", "luci",
                          "--workflow", "views", "--state", "ready")
        ids.done = try new(sandbox, "Finished piece", "--parent", ids.campaign, "--owner", "luci",
                           "--workflow", "views", "--state", "ready")
        ids.signoff = try new(sandbox, "Wait for sign-off", "--owner", "bob", "--workflow", "views", "--state", "ready")
        ids.dropped = try new(sandbox, "Dropped idea", "--owner", "bob")
        try sandbox.mission("cancel", ids.dropped).expectSuccess()
        ids.draft = try new(sandbox, "Carol's draft", "--owner", "carol")

        let now = Date()
        try setStatus(sandbox, ids.ask, """
            status: needs_input
            gate: review
            round: 2
            updated: \(iso(now.addingTimeInterval(-5 * 3_600 - 60)))
            question: "Which parser do we keep?\\nThe old one handles comments."
            next_action: {who: luci, what: "answer with 'mission answer \(ids.ask)'"}
            overdue: 2026-01-01T12:00:00Z

            """)
        try setStatus(sandbox, ids.run, """
            status: running
            gate: implement
            updated: \(iso(now.addingTimeInterval(-3 * 3_600 - 60)))
            session: {id: S-20261122-0007, profile: codex, runner: host-a, pid: 4242}

            """)
        try setStatus(sandbox, ids.done, """
            status: done
            gate: signoff
            updated: \(iso(now.addingTimeInterval(-2 * 86_400 - 60)))
            closed: \(iso(now.addingTimeInterval(-2 * 86_400 - 60)))

            """)
        try setStatus(sandbox, ids.signoff, """
            status: waiting
            gate: signoff
            updated: \(iso(now.addingTimeInterval(-2 * 3_600 - 60)))
            next_action: {who: designer, what: "sign off with 'mission approve \(ids.signoff) --gate signoff'"}

            """)
        return (sandbox, ids)
    }

    @Test func theBoardGroupsByStatusAndSaysWhereEachTicketIsAndWhoActsNext() throws {
        let (sandbox, ids) = try Self.make()
        let board = try sandbox.mission("board", environment: Self.terminal).expectSuccess().stdout
        let lines = board.components(separatedBy: "\n")
        for line in lines { #expect(line.count <= 100, "too wide (\(line.count)): \(line)") }

        // What needs a person first, what is finished last; cancelled is hidden and says so.
        let headings = lines.filter { $0.first?.isUppercase == true && $0.hasSuffix(")") }
        #expect(headings == ["NEEDS INPUT (1)", "WAITING (1)", "RUNNING (1)", "DRAFT (2)", "DONE (1)"])
        #expect(!board.contains(ids.dropped))
        #expect(board.hasSuffix("6 tickets; 1 cancelled hidden (--all shows them).\n"))

        func block(_ id: String) throws -> [String] {
            let start = try #require(lines.firstIndex { $0.hasPrefix("  \(id) ") }, "\(id) is not on the board")
            let end = lines[(start + 1)...].firstIndex { !$0.hasPrefix("          ") } ?? lines.count
            return Array(lines[start..<end])
        }
        let ask = try block(ids.ask)
        #expect(ask.count == 4)
        #expect(ask.prefix(3) == [
            "  \(ids.ask) Ask about the parser                  review 2/3     luci       qa               2   5h",
            "          → luci: answer with 'mission answer \(ids.ask)'",
            "          ? Which parser do we keep?",
        ])
        #expect(ask.last?.hasPrefix("          OVERDUE since 2026-01-01 12:00 UTC (") == true)
        #expect(ask.last?.hasSuffix(" ago)") == true)
        #expect(try block(ids.run) == [
            "  \(ids.run) Run the implementation                implement 1/3  luci       coder/codex      1   3h",
            "          → codex: work on implement",
        ])
        #expect(try block(ids.signoff) == [
            "  \(ids.signoff) Wait for sign-off                     signoff 3/3    bob        human/designer   1   2h",
            "          → designer: sign off with 'mission approve \(ids.signoff) --gate signoff'",
        ])
        let campaign = try block(ids.campaign)
        #expect(campaign[0].hasPrefix("  \(ids.campaign) Parser campaign                       -              luci       -"))
        #expect(campaign[1...] == [
            "          → luci: steer the children: 2 of 3 open ('mission show \(ids.campaign)')",
            "          campaign: 1/3 closed; 1 needs_input, 1 running",
        ])
        #expect(try block(ids.draft)[1] == "          → carol: mark it ready: 'mission ready \(ids.draft)'")
        #expect(try block(ids.done) == [
            "  \(ids.done) Finished piece                        signoff 3/3    luci       -                1   2d",
        ])

        let all = try sandbox.mission("board", "--all", environment: Self.terminal).expectSuccess().stdout
        #expect(all.contains("CANCELLED (1)\n  \(ids.dropped) Dropped idea"))
        #expect(all.hasSuffix("7 tickets.\n"))
    }

    @Test func theBoardForOneOwnerInFull() throws {
        let (sandbox, ids) = try Self.make()
        try #require(ids.signoff.count == 7, "the expected text assumes a four-character id")
        let board = try sandbox.mission("board", "--owner", "bob", environment: Self.terminal).expectSuccess().stdout
        #expect(board == """
              ID      TITLE                                 GATE           OWNER      ROLE/PROFILE     RND AGE

            WAITING (1)
              \(ids.signoff) Wait for sign-off                     signoff 3/3    bob        human/designer   1   2h
                      → designer: sign off with 'mission approve \(ids.signoff) --gate signoff'

            1 ticket steered by bob; 1 cancelled hidden (--all shows them).

            """)
        let nobody = try sandbox.mission("board", "--owner", "nobody").expectSuccess().stdout
        #expect(nobody == "No tickets steered by nobody.\n")
    }

    @Test func theBoardAsJSONHasTheSameDataUnderStableKeys() throws {
        let (sandbox, ids) = try Self.make()
        let object = try Self.json(try sandbox.mission("board", "--json").expectSuccess())
        #expect(object["hidden_cancelled"] as? Int == 1)
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.compactMap { $0["status"] as? String } == ["needs_input", "waiting", "running", "draft", "done"])
        let tickets = groups.flatMap { ($0["tickets"] as? [[String: Any]]) ?? [] }
        #expect(tickets.count == 6)
        let keys = Set(tickets[0].keys)
        for ticket in tickets { #expect(Set(ticket.keys) == keys, "keys differ for \(ticket["id"] ?? "?")") }
        for key in ["id", "title", "stage", "gate", "gate_index", "gate_count", "gate_text", "owner", "role", "profile",
                    "executing", "round", "age", "age_seconds", "next_action", "overdue", "question", "campaign"] {
            #expect(keys.contains(key), "no \(key)")
        }
        func ticket(_ id: String) throws -> [String: Any] { try #require(tickets.first { $0["id"] as? String == id }) }

        let ask = try ticket(ids.ask)
        #expect(ask["gate_text"] as? String == "review 2/3" && ask["gate_index"] as? Int == 2 && ask["gate_count"] as? Int == 3)
        #expect(ask["owner"] as? String == "luci" && ask["role"] as? String == "qa" && ask["round"] as? Int == 2)
        #expect(ask["overdue"] as? String == "2026-01-01T12:00:00Z")
        #expect(ask["question"] as? String == "Which parser do we keep?\nThe old one handles comments.")
        #expect(ask["next_action"] as? [String: String] == ["who": "luci", "what": "answer with 'mission answer \(ids.ask)'"])
        #expect(ask["next_action_recorded"] as? Bool == true)
        #expect(ask["age"] as? String == "5h")

        let run = try ticket(ids.run)
        #expect(run["profile"] as? String == "codex" && run["executing"] as? String == "coder/codex")
        #expect(run["session"] as? String == "S-20261122-0007")
        #expect(run["overdue"] is NSNull, "a key is present even when it has no value")

        let campaign = try #require(try ticket(ids.campaign)["campaign"] as? [String: Any])
        #expect(campaign["counts"] as? [String: Int] == ["needs_input": 1, "running": 1, "done": 1])
        #expect(campaign["complete"] as? Bool == false)
        #expect(campaign["total"] as? Int == 3 && campaign["closed"] as? Int == 1)
    }

    @Test func listFiltersByOwnerShowsTheOwnerAndMarksOverdueTickets() throws {
        let (sandbox, ids) = try Self.make()
        let bob = try sandbox.mission("list", "--owner", "bob").expectSuccess().stdout
        #expect(bob.contains(ids.signoff) && bob.contains(ids.dropped))
        for id in [ids.ask, ids.run, ids.campaign, ids.draft] { #expect(!bob.contains(id), "\(id) is not bob's") }
        #expect(bob.components(separatedBy: "\n")[0].contains("OWNER"))

        let two = try sandbox.mission("list", "--owner", "bob", "--owner", "carol").expectSuccess().stdout
        #expect(two.contains(ids.signoff) && two.contains(ids.draft) && !two.contains(ids.ask))

        let all = try sandbox.mission("list").expectSuccess().stdout
        let ask = try #require(all.components(separatedBy: "\n").first { $0.hasPrefix(ids.ask) })
        #expect(ask.contains(" luci ") && ask.contains("OVERDUE Ask about the parser"))
        #expect(all.contains("1 overdue ticket: 'mission board' and 'mission show' say since when."))
        for line in all.components(separatedBy: "\n") { #expect(line.count <= 80, "too wide: \(line)") }

        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(try sandbox.mission("list", "--owner", "luci", "--json").expectSuccess().stdout.utf8)) as? [[String: Any]])
        #expect(Set(json.compactMap { $0["id"] as? String }) == [ids.campaign, ids.ask, ids.run, ids.done])
        let position = try #require(json.first { $0["id"] as? String == ids.ask }?["position"] as? [String: Any])
        #expect(position["overdue"] as? String == "2026-01-01T12:00:00Z" && position["owner"] as? String == "luci")
    }

    @Test func showSaysWhoSteersWhoExecutesWhatIsNextAndWhetherItIsOverdue() throws {
        let (sandbox, ids) = try Self.make()
        let ask = try sandbox.mission("show", ids.ask).expectSuccess().stdout
        #expect(ask.contains("status: needs_input   gate: review (2/3)   round: 2   attempt: 1\n"
                             + "owner: luci (steers)\n"
                             + "executing: role qa, profile chosen at dispatch from the role's list\n"))
        #expect(ask.contains("next: luci — answer with 'mission answer \(ids.ask)'\n"))
        #expect(ask.contains("OVERDUE: the check-in was due 2026-01-01 12:00 UTC ("))

        let run = try sandbox.mission("show", ids.run).expectSuccess().stdout
        #expect(run.contains("owner: luci (steers)\nexecuting: role coder, profile codex\n"))
        #expect(run.contains("next: codex — work on implement (derived)\n"))
        #expect(!run.contains("OVERDUE"))

        let draft = try sandbox.mission("show", ids.draft).expectSuccess().stdout
        #expect(draft.contains("executing: role coder, profile chosen at dispatch from the role's list (at the first gate, once started)"))

        let json = try Self.json(try sandbox.mission("show", ids.ask, "--json").expectSuccess())
        let position = try #require(json["position"] as? [String: Any])
        #expect(position["owner"] as? String == "luci" && position["role"] as? String == "qa")
        #expect(position["next_action"] as? [String: String] == ["who": "luci", "what": "answer with 'mission answer \(ids.ask)'"])
        #expect(position["overdue"] as? String == "2026-01-01T12:00:00Z")
    }

    @Test func showOfACampaignRollsUpItsChildren() throws {
        let (sandbox, ids) = try Self.make()
        let show = try sandbox.mission("show", ids.campaign).expectSuccess().stdout
        for line in show.components(separatedBy: "\n") { #expect(line.count <= 100, "too wide: \(line)") }
        #expect(show.contains("""
            Campaign: 1/3 children closed (not complete)
              needs_input: 1   running: 1   done: 1
              \(ids.ask) needs_input  review       Ask about the parser
                      [review] luci: answer with 'mission answer \(ids.ask)'; question: Which parser do we keep?
              \(ids.run) running      implement    Run the implementation
                      [implement] codex: work on implement
              \(ids.done) done         signoff      Finished piece

            """), "\(show)")
        #expect(!show.contains("executing:"), "a campaign is steered, not executed")

        let json = try Self.json(try sandbox.mission("show", ids.campaign, "--json").expectSuccess())
        let campaign = try #require((json["position"] as? [String: Any])?["campaign"] as? [String: Any])
        #expect(campaign["complete"] as? Bool == false)
        let children = try #require(campaign["children"] as? [[String: Any]])
        #expect(children.count == 3)
        let ask = try #require(children.first { $0["id"] as? String == ids.ask })
        #expect(ask["status"] as? String == "needs_input" && ask["gate"] as? String == "review")
        let blocker = try #require(ask["blocker"] as? [String: Any])
        #expect(blocker["who"] as? String == "luci" && blocker["question"] as? String != nil)
        #expect(children.first { $0["id"] as? String == ids.done }?["blocker"] is NSNull)

        // Once every child is closed, the campaign is complete: the watcher's to close.
        try Self.setStatus(sandbox, ids.ask, "status: done\ngate: signoff\n")
        try Self.setStatus(sandbox, ids.run, "status: cancelled\ngate: implement\n")
        let complete = try sandbox.mission("show", ids.campaign).expectSuccess().stdout
        #expect(complete.contains("Campaign: 3/3 children closed (complete)\n  done: 2   cancelled: 1\n"))
        #expect(complete.contains("next: watcher — close the campaign: every child is done or cancelled (derived)"))
        let board = try sandbox.mission("board", environment: Self.terminal).expectSuccess().stdout
        #expect(board.contains("          campaign: 3/3 closed; complete\n"))
    }
}
