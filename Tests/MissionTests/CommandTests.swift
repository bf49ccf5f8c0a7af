import Board
import Foundation
import Testing

/// The `mission` binary against real repositories: every command, what it commits, and what it prints.
@Suite(.serialized)
struct CommandTests {
    @Test func initCreatesTheBoardCommitsItAndLeavesTheCheckoutClean() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.mission("init").expectSuccess()
        #expect(result.stdout.contains("Created the board in board/ on branch main"))
        for file in ["mission.yaml", "runtimes.yaml", "roles.yaml", "workflows.yaml", "schedule.yaml",
                     "templates/ticket.yaml", "templates/prompt.md", "schemas/ticket.schema.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(sandbox.path)/board/\(file)"), "missing board/\(file)")
        }
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        #expect(try sandbox.read("board/mission.yaml").contains("designer: [\"test@example.com\"]"))
        let hook = try sandbox.read(".git/hooks/pre-commit")
        #expect(hook.contains("check --staged"))
        #expect(try sandbox.git("config", "mission.dir").stdout == "board\n")
        // A second init changes nothing.
        let again = try sandbox.mission("init").expectSuccess()
        #expect(again.stdout.contains("already in board/"))
        #expect(try sandbox.git("rev-list", "--count", "HEAD").stdout == "1\n")
    }

    @Test func thePreCommitHookChecksWhatCommitDashACommits() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let runtimes = try sandbox.read("board/runtimes.yaml")
        try sandbox.write("board/runtimes.yaml", runtimes.replacingOccurrences(of: "harness: codex", with: "harness: codx"))
        // Nothing staged by hand: `git commit -a` stages into a temporary index that only the hook sees.
        let refused = try sandbox.git("commit", "-q", "-am", "a typo in a harness")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("board/runtimes.yaml:"), "\(refused.stderr)")
        #expect(try sandbox.git("rev-list", "--count", "HEAD").stdout == "1\n")
    }

    /// The hook checks what a commit changes and what that can break, not the whole board: a cycle closed through a
    /// ticket the commit does not touch is refused, a dangling blocker is refused, and a valid edit goes through
    /// beside a ticket that was broken before (committed past the hook, it is not this commit's error).
    @Test func thePreCommitHookChecksWhatTheCommitChangesAndWhatItCanBreak() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["First", "Second", "Third"])
        func block(_ id: String, by blockers: [String]) throws {
            let path = "board/tickets/\(id)/ticket.yaml"
            let spec = try sandbox.read(path)
            let wanted = "blocked_by: [\(blockers.joined(separator: ", "))]"
            if let line = spec.split(separator: "\n").first(where: { $0.hasPrefix("blocked_by:") }) {
                try sandbox.write(path, spec.replacingOccurrences(of: String(line), with: wanted))
            } else {
                try sandbox.write(path, spec + wanted + "\n")  // a new ticket's spec leaves out an empty list
            }
        }
        try block(ids[0], by: [ids[1]])
        let first = try sandbox.git("commit", "-q", "-am", "first waits on second")
        #expect(first.status == 0, "\(first.stderr)")

        // Second on first closes a loop through a ticket this commit leaves alone.
        try block(ids[1], by: [ids[0]])
        let cycle = try sandbox.git("commit", "-q", "-am", "second waits on first")
        #expect(cycle.status != 0)
        #expect(cycle.stderr.contains("dependency cycle"), "\(cycle.stderr)")
        #expect(cycle.stderr.contains("the tickets it changes"), "checked the commit, not the board: \(cycle.stderr)")
        try sandbox.git("checkout", "--", ".").expectSuccess()

        try block(ids[2], by: ["MC-NOPE"])
        let dangling = try sandbox.git("commit", "-q", "-am", "third waits on nothing")
        #expect(dangling.status != 0)
        #expect(dangling.stderr.contains("blocked_by names MC-NOPE, which does not exist"), "\(dangling.stderr)")
        try sandbox.git("checkout", "--", ".").expectSuccess()

        // A broken ticket already on the board does not hold up a good edit elsewhere; `check` still reports it.
        let thirdPath = "board/tickets/\(ids[2])/ticket.yaml"
        try sandbox.write(thirdPath, try sandbox.read(thirdPath) + "bogus: 1\n")
        try sandbox.git("commit", "-q", "--no-verify", "-am", "broken past the hook").expectSuccess()
        let secondPath = "board/tickets/\(ids[1])/ticket.yaml"
        try sandbox.write(secondPath, try sandbox.read(secondPath).replacingOccurrences(of: "title: Second", with: "title: Second, renamed"))
        let good = try sandbox.git("commit", "-q", "-am", "a good edit")
        #expect(good.status == 0, "\(good.stderr)")
        let check = try sandbox.mission("check")
        #expect(check.status == 1)
        #expect(check.stdout.contains("\(thirdPath):"), "\(check.stdout)")
    }

    /// `check` of a checkout reads unchanged folders through git and what changed from disk: an edit not yet staged
    /// and an untracked ticket folder are both checked.
    @Test func checkSeesUnstagedEditsAndUntrackedTickets() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["One", "Two"])
        try sandbox.mission("check").expectSuccess()
        let path = "board/tickets/\(ids[0])/ticket.yaml"
        try sandbox.write(path, try sandbox.read(path) + "bogus: 1\n")
        try sandbox.write("board/tickets/MC-NEW1/ticket.yaml", "id: MC-NEW1\ntitle: Untracked\nkind: nope\n")
        let check = try sandbox.mission("check")
        #expect(check.status == 1)
        #expect(check.stdout.contains("\(path):"), "\(check.stdout)")
        #expect(check.stdout.contains("board/tickets/MC-NEW1/ticket.yaml:"), "\(check.stdout)")
        #expect(check.stderr.contains("3 tickets checked in the working files"), "\(check.stderr)")
    }

    @Test func initInAPlainFolderCreatesTheRepository() throws {
        let sandbox = try Sandbox(git: false)
        try sandbox.mission("init").expectSuccess()
        #expect(FileManager.default.fileExists(atPath: "\(sandbox.path)/.git"))
        #expect(try sandbox.git("log", "--format=%s").stdout == "mission: create the board in board/\n")
    }

    @Test func newListShowAndCheckOnARealRepository() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["First ticket", "Second: with a colon"])
        for id in ids { #expect(id.range(of: #"^MC-[0-9A-HJKMNP-TV-Z]{4,}$"#, options: .regularExpression) != nil, "\(id)") }
        let list = try sandbox.mission("list").expectSuccess()
        #expect(list.stdout.contains("First ticket"))
        #expect(list.stdout.contains("Second: with a colon"))
        for line in list.stdout.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }

        let show = try sandbox.mission("show", ids[1]).expectSuccess()
        #expect(show.stdout.contains("\(ids[1])  Second: with a colon"))
        #expect(show.stdout.contains("state: draft"))

        let json = try sandbox.mission("show", ids[0], "--json").expectSuccess()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["id"] as? String == ids[0])
        #expect((object["spec"] as? [String: Any])?["title"] as? String == "First ticket")

        try sandbox.mission("check").expectSuccess()
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
    }

    @Test func readyHoldCancelEditOneLineAndKeepTheRestByteForByte() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Keep my comments"]).first)
        let path = "board/tickets/\(id)/ticket.yaml"
        let before = try sandbox.read(path)
        #expect(before.contains("state: draft               # draft | ready | hold | cancelled"))

        try sandbox.mission("ready", id).expectSuccess()
        let after = try sandbox.read(path)
        #expect(after == before.replacingOccurrences(of: "state: draft ", with: "state: ready "))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        #expect(try sandbox.mission("list", "--ready").expectSuccess().stdout.contains(id))

        try sandbox.mission("hold", id).expectSuccess()
        #expect(try sandbox.read(path) == before.replacingOccurrences(of: "state: draft", with: "state: hold "))
        try sandbox.mission("cancel", id).expectSuccess()
        #expect(try sandbox.read(path).contains("state: cancelled"))
        let unchanged = try sandbox.mission("cancel", id).expectSuccess()
        #expect(unchanged.stdout.contains("already cancelled"))

        let log = try sandbox.mission("log", id).expectSuccess()
        #expect(log.stdout.contains("Mission-Action: cancelled"))
        #expect(log.stdout.contains("Mission-Action: ready"))
        #expect(log.stdout.contains("Mission-Action: new"))
    }

    @Test func aPersonsNextCommitRevertsNothingMissionWrote() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["One", "Two"])
        try sandbox.mission("ready", ids[0]).expectSuccess()
        try sandbox.mission("note", ids[1], "a note").expectSuccess()
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        // The person's next commit, with -a, must record nothing of ours as changed or deleted.
        try sandbox.write("README.txt", "mine\n")
        try sandbox.git("add", "README.txt").expectSuccess()
        try sandbox.git("commit", "-q", "-a", "-m", "person's commit").expectSuccess()
        let stat = try sandbox.git("show", "--name-status", "--format=", "HEAD").stdout
        #expect(stat == "A\tREADME.txt\n")
        let tree = try sandbox.git("ls-tree", "-r", "--name-only", "HEAD").stdout
        #expect(tree.contains("board/tickets/\(ids[0])/ticket.yaml"))
        #expect(tree.contains("board/tickets/\(ids[1])/notes/"))
        #expect(try sandbox.git("show", "HEAD:board/tickets/\(ids[0])/ticket.yaml").stdout.contains("state: ready"))
    }

    @Test func anUncommittedEditIsNeverOverwritten() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Mine"]).first)
        let path = "board/tickets/\(id)/ticket.yaml"
        let edited = try sandbox.read(path).replacingOccurrences(of: "title: Mine", with: "title: Mine, edited")
        try sandbox.write(path, edited)
        let result = try sandbox.mission("ready", id)
        #expect(result.status == 1)
        #expect(result.stderr.contains("has uncommitted changes"))
        #expect(try sandbox.read(path) == edited)
        #expect(try sandbox.git("rev-list", "--count", "HEAD").stdout == "2\n")
    }

    @Test func notesFromArgumentStdinAndFileAreAppendOnlyFiles() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Noted"]).first)
        try sandbox.mission("note", id, "from the argument").expectSuccess()
        try sandbox.mission("note", id, stdin: "line one\nline two\n").expectSuccess()
        try sandbox.write("note.md", "# From a file\n\nWith *Markdown*.\n")
        try sandbox.mission("note", id, "--file", "note.md").expectSuccess()
        let json = try sandbox.mission("show", id, "--json").expectSuccess()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let notes = try #require(object["note_texts"] as? [[String: String]])
        #expect(notes.count == 3)
        let texts = Set(notes.compactMap { $0["text"] })
        #expect(texts == ["from the argument\n", "line one\nline two\n", "# From a file\n\nWith *Markdown*.\n"])
        for note in notes { #expect(note["name"]?.hasSuffix("-test-person.md") == true || note["name"]?.contains("-test-person-") == true) }
        let empty = try sandbox.mission("note", id, "   ")
        #expect(empty.status == 1)
    }

    @Test func newOpensTheEditorAndCommitsWhatThePersonWrote() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let editor = try sandbox.script("editor.sh", """
            #!/bin/sh
            sed -i 's/^title: .*/title: Written in the editor/; s/^priority: .*/priority: urgent/; s/Say what must be true when this is done./It reads well./' "$1"
            """)
        let result = try sandbox.mission("new", "Placeholder", "--json", environment: ["EDITOR": editor]).expectSuccess()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String])
        let id = try #require(object["id"])
        let text = try sandbox.read("board/tickets/\(id)/ticket.yaml")
        #expect(text.contains("title: Written in the editor"))
        #expect(text.contains("priority: urgent"))
    }

    @Test func newAndEditRefuseTheTemplatesPlaceholderAsAcceptance() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let titleOnly = try sandbox.script("title-only.sh", """
            #!/bin/sh
            sed -i 's/^title: .*/title: Only the title changed/' "$1"
            """)
        let refused = try sandbox.mission("new", "Placeholder", environment: ["EDITOR": titleOnly])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(":10:5: error: acceptance still holds the template's placeholder; replace it with what"),
                "\(refused.stderr)")
        #expect(refused.stderr.contains("your edit is kept in"))
        #expect(try sandbox.git("rev-list", "--count", "HEAD").stdout == "1\n")

        // A ticket committed with the placeholder (by git, past the tools): check warns, edit refuses to keep it.
        let id = try sandbox.newTicket("Committed by hand", "--state", "ready")
        let path = "board/tickets/\(id)/ticket.yaml"
        try sandbox.write(path, try sandbox.read(path)
            .replacingOccurrences(of: "It does what the title says.", with: Ticket.placeholderAcceptance))
        try sandbox.git("commit", "-q", "-am", "the placeholder, by hand").expectSuccess()
        let checked = try sandbox.mission("check")
        #expect(checked.all.contains("\(path):10:5: warning: acceptance still holds the template's placeholder"), "\(checked.all)")
        let edited = try sandbox.mission("edit", id, environment: ["EDITOR": titleOnly])
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("\(path):10:5: error: acceptance still holds the template's placeholder"), "\(edited.stderr)")
        // It is not started, nor blocked: the views say what is missing.
        #expect(!(try sandbox.mission("list", "--ready").stdout.contains(id)))
        #expect(!(try sandbox.mission("list", "--blocked").stdout.contains(id)))
        #expect(try sandbox.mission("show", id).stdout.contains("write acceptance criteria in ticket.yaml ('mission edit \(id)')"))
    }

    /// A script or an agent's shell has no terminal: `new` says so rather than leaving vi waiting for keys.
    @Test func newWithNoTerminalAndNoEditorSetSaysToUseNoEdit() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let before = try sandbox.git("rev-parse", "HEAD").stdout
        let refused = try sandbox.mission("new", "From a script", environment: ["VISUAL": "", "EDITOR": ""])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("no terminal to open an editor in") && refused.stderr.contains("--no-edit"), "\(refused.stderr)")
        #expect(try sandbox.git("rev-parse", "HEAD").stdout == before, "nothing is committed")
    }

    @Test func newWithoutAcceptanceCommitsAndSaysItWillNotRunYet() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let created = try sandbox.mission("new", "No criteria yet", "--state", "ready", "--no-edit", "--json").expectSuccess()
        let id = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])["id"]
        let ticketID = try #require(id)
        #expect(created.stderr == "hint: \(ticketID) has no acceptance criteria, so no agent starts it until it has some: "
                + "'mission edit \(ticketID)'\n")
        let spec = try sandbox.read("board/tickets/\(ticketID)/ticket.yaml")
        #expect(!spec.contains("acceptance"))
        // Without the editor no placeholder is stored, the description's neither.
        #expect(!spec.contains(Ticket.placeholderDescription) && !spec.contains("description"), "\(spec)")
        try sandbox.reconcile([])
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(ticketID)/status.yaml"))
    }

    /// An editor that keeps what it was shown (`seen.yaml`) and the schema its modeline names (`seen-schema.json`,
    /// copied while the editor runs), then changes the title.
    static func schemaEditor(_ sandbox: Sandbox, title: String) throws -> (editor: String, seen: String, schema: String) {
        let seen = try sandbox.scratch("seen.yaml"), schema = try sandbox.scratch("seen-schema.json")
        let editor = try sandbox.script("schema-editor.sh", """
            #!/bin/sh
            cp "$1" '\(seen)'
            ref=$(sed -n 's/^# yaml-language-server: \\$schema=file:\\/\\/\\([^ ]*\\).*/\\1/p' "$1")
            [ -n "$ref" ] && cp "$ref" '\(schema)'
            sed -i 's/^title: .*/title: \(title)/; s/Say what must be true when this is done./It reads well./' "$1"
            """)
        return (editor, seen, schema)
    }

    static let committedModeline = "# yaml-language-server: $schema=../../schemas/ticket.schema.json\n"

    @Test(arguments: [false, true])
    func theEditorSeesTheBoardsSchemaByAnAbsolutePathAndTheCommitKeepsTheRelativeOne(dedicatedBranch: Bool) throws {
        let sandbox = try Sandbox()
        if dedicatedBranch {
            // The board's branch is not checked out: its schema is on no disk until the editor needs it.
            try sandbox.write("code.txt", "code\n")
            try sandbox.git("add", "code.txt").expectSuccess()
            try sandbox.git("commit", "-q", "-m", "code").expectSuccess()
            try sandbox.mission("init", "--branch", "mission").expectSuccess()
        } else {
            try sandbox.mission("init").expectSuccess()
        }
        let branch = dedicatedBranch ? "mission" : "main"
        let schemaFile = try sandbox.git("show", "\(branch):board/schemas/ticket.schema.json").expectSuccess().stdout

        // mission new: the temporary copy names a schema file that exists; the commit has the relative line.
        let (editor, seen, schema) = try Self.schemaEditor(sandbox, title: "Written with the schema at hand")
        let created = try sandbox.mission("new", "Placeholder", "--json", environment: ["EDITOR": editor]).expectSuccess()
        let id = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])["id"]
        let ticket = "board/tickets/\(try #require(id))/ticket.yaml"
        let shown = try String(contentsOfFile: seen, encoding: .utf8)
        let modeline = try #require(shown.split(separator: "\n").first)
        #expect(modeline.hasPrefix("# yaml-language-server: $schema=file:///"), "\(modeline)")
        #expect(try String(contentsOfFile: schema, encoding: .utf8) == schemaFile)
        let committed = try sandbox.git("show", "\(branch):\(ticket)").expectSuccess().stdout
        #expect(committed.hasPrefix(Self.committedModeline))
        // Byte for byte what the editor saved, but for the reference.
        let saved = shown.replacingOccurrences(of: "title: Placeholder", with: "title: Written with the schema at hand")
            .replacingOccurrences(of: "Say what must be true when this is done.", with: "It reads well.")
        #expect(committed == Self.committedModeline + saved.split(separator: "\n", maxSplits: 1)[1])

        // mission edit: the same, and the commit changes the title line only.
        try FileManager.default.removeItem(atPath: schema)
        let (again, seenAgain, schemaAgain) = try Self.schemaEditor(sandbox, title: "Edited with the schema at hand")
        try sandbox.mission("edit", try #require(id), environment: ["EDITOR": again]).expectSuccess()
        #expect(try String(contentsOfFile: seenAgain, encoding: .utf8).hasPrefix("# yaml-language-server: $schema=file:///"))
        #expect(try String(contentsOfFile: schemaAgain, encoding: .utf8) == schemaFile)
        let edited = try sandbox.git("show", "\(branch):\(ticket)").expectSuccess().stdout
        #expect(edited == committed.replacingOccurrences(of: "title: Written with the schema at hand",
                                                         with: "title: Edited with the schema at hand"))
        let diff = try sandbox.git("diff", "--numstat", "\(branch)~1", branch).expectSuccess().stdout
        #expect(diff == "1\t1\t\(ticket)\n")
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        // A checkout's own schema file, or a copy of the committed one that went with the temporary folder.
        let local = try #require(modeline.split(separator: "=", maxSplits: 1).last.flatMap { URL(string: String($0)) })
        if dedicatedBranch {
            #expect(!FileManager.default.fileExists(atPath: local.path))
        } else {
            #expect(local.path == "\(sandbox.path)/board/schemas/ticket.schema.json")
        }
    }

    @Test func editRefusesAnInvalidSpecSaysWhereAndKeepsTheEdit() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Edit me"]).first)
        let editor = try sandbox.script("editor.sh", """
            #!/bin/sh
            sed -i 's/^priority: .*/priority: hihg/' "$1"
            """)
        let result = try sandbox.mission("edit", id, environment: ["EDITOR": editor])
        #expect(result.status == 1)
        #expect(result.stderr.contains("board/tickets/\(id)/ticket.yaml:6:11: error: priority must be one of low, medium, high, urgent (found 'hihg')"))
        #expect(result.stderr.contains("did you mean 'high'?"))
        #expect(result.stderr.contains("your edit is kept in"))
        #expect(try sandbox.git("rev-list", "--count", "HEAD").stdout == "2\n")

        let good = try sandbox.script("good.sh", """
            #!/bin/sh
            sed -i 's/^title: .*/title: Edited well/' "$1"
            """)
        try sandbox.mission("edit", id, environment: ["EDITOR": good]).expectSuccess()
        #expect(try sandbox.read("board/tickets/\(id)/ticket.yaml").contains("title: Edited well"))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
    }

    @Test func aBrokenTicketIsReportedWithItsLocationAndTheRestStillLoads() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["Good one", "Will break"])
        let path = "board/tickets/\(ids[1])/ticket.yaml"
        try sandbox.write(path, try sandbox.read(path).replacingOccurrences(of: "kind: feature", with: "knd: feature"))
        try sandbox.git("commit", "-q", "--no-verify", "-a", "-m", "break it").expectSuccess()

        let check = try sandbox.mission("check")
        #expect(check.status == 1)
        #expect(check.stdout.contains("\(path):5:1: error: unknown key 'knd'; did you mean 'kind'?"))
        let list = try sandbox.mission("list").expectSuccess()
        #expect(list.stdout.contains("Good one"))
        #expect(list.stdout.contains("BROKEN"))
        let json = try sandbox.mission("check", "--json")
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"errors\" : 1"))
    }

    @Test func thePreCommitHookRejectsABrokenBoardAndWatcherFiles() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Hooked"]).first)
        let path = "board/tickets/\(id)/ticket.yaml"
        try sandbox.write(path, try sandbox.read(path).replacingOccurrences(of: "priority: medium", with: "priority: [medium]"))
        try sandbox.git("add", path).expectSuccess()
        let rejected = try sandbox.git("commit", "-q", "-m", "bad")
        #expect(rejected.status != 0)
        #expect(rejected.all.contains("\(path):6:11: error:"))
        try sandbox.git("checkout", "HEAD", "--", path).expectSuccess()

        try sandbox.write("board/tickets/\(id)/status.yaml", "status: done\n")
        try sandbox.git("add", "board").expectSuccess()
        let status = try sandbox.git("commit", "-q", "-m", "sneaky")
        #expect(status.status != 0)
        #expect(status.all.contains("status.yaml is written only by the watcher"))
        try sandbox.git("rm", "-q", "-f", "board/tickets/\(id)/status.yaml").expectSuccess()

        try sandbox.write("board/tickets/\(id)/notes/20261122T101500Z-me.md", "fine\n")
        try sandbox.git("add", "board").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "a note by hand").expectSuccess()
    }

    @Test func archiveMovesClosedTicketsAndShowListLogStillFindThem() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["Stays", "Goes"])
        try sandbox.mission("note", ids[1], "history before archiving").expectSuccess()
        try sandbox.mission("cancel", ids[1]).expectSuccess()
        Thread.sleep(forTimeInterval: 1.1)
        let moved = try sandbox.mission("archive", "--older-than", "1s").expectSuccess()
        #expect(moved.stdout.contains("archived \(ids[1]) -> board/archive/"))
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(ids[1])"))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")

        #expect(!(try sandbox.mission("list").expectSuccess().stdout.contains("Goes")))
        #expect(try sandbox.mission("list", "--archived").expectSuccess().stdout.contains("Goes"))
        let show = try sandbox.mission("show", ids[1]).expectSuccess()
        #expect(show.stdout.contains("archived: board/archive/"))
        #expect(show.stdout.contains("history before archiving"))
        let log = try sandbox.mission("log", ids[1]).expectSuccess()
        #expect(log.stdout.contains("Mission-Action: archive"))
        #expect(log.stdout.contains("Mission-Action: note"))
        #expect(log.stdout.contains("Mission-Action: new"))
        try sandbox.mission("check").expectSuccess()
        let frozen = try sandbox.mission("ready", ids[1])
        #expect(frozen.status == 1)
        #expect(frozen.stderr.contains("\(ids[1]) is archived; archived tickets do not change"))
        let all = try sandbox.mission("check", "--archived", "--json").expectSuccess()
        #expect(all.stdout.contains("\"tickets\" : 2"))
    }

    @Test func aBoardOnADedicatedBranchLeavesTheCheckoutAlone() throws {
        let sandbox = try Sandbox()
        try sandbox.write("code.txt", "code\n")
        try sandbox.git("add", "code.txt").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "code").expectSuccess()
        try sandbox.mission("init", "--branch", "mission").expectSuccess()
        let created = try sandbox.mission("new", "On its own branch", "--no-edit", "--json").expectSuccess()
        #expect(created.stdout.contains("MC-"))
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board"))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        #expect(try sandbox.git("rev-list", "--count", "main").stdout == "1\n")
        #expect(try sandbox.git("rev-list", "--count", "mission").stdout == "2\n")
        #expect(try sandbox.mission("list").expectSuccess().stdout.contains("On its own branch"))
    }

    @Test func blockedTicketsWaitUntilEveryBlockerCloses() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["Blocker"])
        let blocked = try sandbox.mission("new", "Waits", "--blocked-by", ids[0], "--state", "ready", "--acceptance", "It waited.",
                                          "--no-edit", "--json")
            .expectSuccess()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(blocked.stdout.utf8)) as? [String: String])
        let waiting = try #require(object["id"])
        #expect(!(try sandbox.mission("list", "--ready").stdout.contains(waiting)))
        #expect(try sandbox.mission("list", "--blocked").stdout.contains(waiting))
        try sandbox.mission("cancel", ids[0]).expectSuccess()
        #expect(try sandbox.mission("list", "--ready").stdout.contains(waiting))

        let dangling = try sandbox.mission("new", "Dangling", "--blocked-by", "MC-NOPE", "--no-edit")
        #expect(dangling.status == 1)
        #expect(dangling.stderr.contains("blocked_by names MC-NOPE, which does not exist"))
    }

    @Test func theTicketCacheIsDerivedAndDisposable() throws {
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["Cached one", "Cached two"])
        // What the listing says, without the ages (they move on with the clock between two runs).
        func listing() throws -> String {
            try sandbox.mission("list", "--json").expectSuccess().stdout.split(separator: "\n")
                .filter { !$0.contains("\"age\"") && !$0.contains("\"age_seconds\"") }.joined(separator: "\n")
        }
        let first = try listing()
        let cache = "\(sandbox.path)/.git/mission/tickets.cache"
        #expect(FileManager.default.fileExists(atPath: cache))
        #expect(try listing() == first)
        // A change shows at once: the cache is keyed by the folder's tree, not trusted by name.
        try sandbox.mission("ready", ids[0]).expectSuccess()
        #expect(try sandbox.mission("list", "--ready").expectSuccess().stdout.contains("Cached one"))
        // A damaged cache costs nothing but speed.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: cache))
        #expect(try sandbox.mission("list", "--ready").expectSuccess().stdout.contains("Cached one"))
        try FileManager.default.removeItem(atPath: cache)
        #expect(try sandbox.mission("list").expectSuccess().stdout.contains("Cached two"))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
    }

    @Test func errorsAreClearAndExitNonZero() throws {
        let sandbox = try Sandbox()
        let none = try sandbox.mission("list")
        #expect(none.status == 1)
        #expect(none.stderr.contains("no board in 'board/'"))
        _ = try sandbox.board(tickets: ["Only"])
        let missing = try sandbox.mission("show", "MC-ZZZZ")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no ticket MC-ZZZZ on the board"))
    }
}
