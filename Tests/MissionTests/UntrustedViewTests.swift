import Board
import Foundation
import Testing

/// Views of a board whose files came from an untrusted push: nothing in them reaches a terminal as a control
/// sequence, nothing is cut for a reader that is not a terminal, and what is wrong is shown as wrong.
struct UntrustedViewTests {
    /// Commits `text` as `path` past the pre-commit hook, as a push made with `--no-verify` would.
    static func force(_ sandbox: Sandbox, _ path: String, _ text: String) throws {
        try sandbox.write(path, text)
        try sandbox.git("add", "-A").expectSuccess()
        try sandbox.git("commit", "-q", "--no-verify", "-m", "an untrusted push").expectSuccess()
    }

    /// The bytes a terminal would obey: ESC, other C0 controls but tab and newline, DEL, C1 controls, and the
    /// bidirectional overrides.
    static func obeyed(_ text: String) -> [UInt32] {
        text.unicodeScalars.map(\.value).filter {
            ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || (0x7F..<0xA0).contains($0) || (0x202A...0x202E).contains($0)
        }
    }

    @Test func controlCharactersFromTheBoardAreShownEscapedInEveryView() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let id = try sandbox.newTicket("A plain title")
        let spec = "board/tickets/\(id)/ticket.yaml"
        let yaml = try sandbox.read(spec).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("title:") ? #"title: "Fix \e]0;pwned\u0007 the \e[31mred\e[0m bug \u202Eevil\nINJECTED""# : String(line)
        }.joined(separator: "\n")
        try Self.force(sandbox, spec, yaml)
        try Self.force(sandbox, "board/tickets/\(id)/notes/20261207T000000Z-mallory.md", "a note \u{1B}[2J that clears\n")

        let list = try sandbox.mission("list").expectSuccess().stdout
        let board = try sandbox.mission("board").expectSuccess().stdout
        let show = try sandbox.mission("show", id).expectSuccess().stdout
        let log = try sandbox.mission("log", id).expectSuccess().stdout
        for (name, text) in [("list", list), ("board", board), ("show", show), ("log", log)] {
            #expect(Self.obeyed(text).isEmpty, "\(name) printed \(Self.obeyed(text)): \(text)")
        }
        let shown = #"Fix \e]0;pwned\x07 the \e[31mred\e[0m bug \u{202E}evil\nINJECTED"#
        #expect(list.contains(shown), "\(list)")
        #expect(board.contains(shown), "\(board)")
        #expect(show.contains("\(id)  \(shown)\n"), "\(show)")
        #expect(show.contains(#"a note \e[2J that clears"#), "\(show)")
        #expect(!show.contains("\nINJECTED"), "a newline in a title does not start a line of its own")
        // JSON keeps the text as it is, escaped the JSON way.
        let json = try sandbox.mission("list", "--json").expectSuccess().stdout
        #expect(json.contains(#"\u001b[31mred"#), "\(json)")
    }

    @Test func nothingIsCutForAPipeAndCOLUMNSSetsTheWidth() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let title = "A title long enough that an eighty-column listing would have cut it well before its end"
        _ = try sandbox.newTicket(title)
        #expect(try sandbox.mission("list").expectSuccess().stdout.contains(title))
        #expect(try sandbox.mission("board").expectSuccess().stdout.contains(title))
        let narrow = try sandbox.mission("list", environment: ["COLUMNS": "80"]).expectSuccess().stdout
        #expect(!narrow.contains(title) && narrow.contains("A title long enough"), "\(narrow)")
        #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(narrow)")
        let board = try sandbox.mission("board", environment: ["COLUMNS": "90"]).expectSuccess().stdout
        #expect(!board.contains(title) && board.split(separator: "\n").allSatisfy { $0.count <= 90 }, "\(board)")
    }

    @Test func aYAMLTagIsAnErrorWithItsLocation() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let id = try sandbox.newTicket("Tagged")
        let spec = "board/tickets/\(id)/ticket.yaml"
        let yaml = try sandbox.read(spec).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("title:") ? #"title: !!python/object/apply:os.system ["id"]"# : String(line)
        }.joined(separator: "\n")
        try sandbox.write(spec, yaml)
        let line = yaml.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("title:") }! + 1
        let check = try sandbox.mission("check")
        #expect(check.status == 1)
        #expect(check.stdout.contains("\(spec):\(line):8: error: the YAML tag !!python/object/apply:os.system is not allowed"),
                "\(check.all)")
        // Quoted values and the starter board's own files carry no tag, and pass.
        try sandbox.git("checkout", "--", spec).expectSuccess()
        try sandbox.mission("check").expectSuccess()
    }

    @Test func aDependencyCycleIsShownAsOneAndBlockedNotWaitedOn() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let first = try sandbox.newTicket("First")
        let second = try sandbox.newTicket("Second", "--state", "ready", "--blocked-by", first)
        let spec = "board/tickets/\(first)/ticket.yaml"
        let yaml = try sandbox.read(spec).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("blocked_by:") }.joined(separator: "\n")
        try Self.force(sandbox, spec, yaml + "\nblocked_by: [\(second)]\n")

        let check = try sandbox.mission("check")
        #expect(check.status == 1 && check.stdout.contains("dependency cycle"), "\(check.all)")
        let list = try sandbox.mission("list").expectSuccess().stdout
        #expect(list.split(separator: "\n").filter { $0.contains(" cycle ") }.count == 2, "\(list)")
        // The watcher blocks both, naming the loop, instead of waiting for blockers that never close.
        try sandbox.reconcile([])
        let status = try sandbox.ticketStatus(first)
        #expect(status.status == .blocked && status.blockedReason?.contains("dependency cycle") == true, "\(status)")
        #expect(try sandbox.ticketStatus(second).status == .blocked)
        #expect(try sandbox.mission("show", first).expectSuccess().stdout.contains("blocked: dependency cycle"))
    }

    @Test func aFolderWhoseNameIsNoTicketIdIsBrokenInEveryView() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let id = try sandbox.newTicket("Real")
        let text = try sandbox.read("board/tickets/\(id)/ticket.yaml").replacingOccurrences(of: "id: \(id)", with: "id: not_an_id")
        try Self.force(sandbox, "board/tickets/not_an_id/ticket.yaml", text)
        let list = try sandbox.mission("list").expectSuccess().stdout
        let row = list.split(separator: "\n").first { $0.hasPrefix("not_an_id") }
        #expect(row?.contains("BROKEN") == true, "\(list)")
        #expect(list.contains("1 broken ticket"), "\(list)")
        #expect(try sandbox.mission("check").status == 1)
        // Nothing runs it.
        try sandbox.reconcile([])
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/not_an_id/status.yaml"))
    }

    @Test func anUnknownStatusFilterIsAnErrorNamingTheValidOnes() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let result = try sandbox.mission("list", "--status", "bogus")
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown status 'bogus'") && result.stderr.contains("needs_input"), "\(result.stderr)")
    }
}
