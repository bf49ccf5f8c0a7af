import Board
import Foundation
import Git
import Testing

@Suite struct BoardLoaderTests {
    @Test func theStarterBoardLoadsWithoutAProblem() throws {
        let board = try BoardFixture()
        try board.ticket("MC-AAAA", "state: ready\n")
        let snapshot = board.load()
        #expect(snapshot.allDiagnostics.isEmpty, "\(snapshot.allDiagnostics.text)")
        #expect(snapshot.config.workflows.workflows.keys.sorted() == ["code", "research", "task", "ui"])
        #expect(snapshot.config.settings.approvers["designer"] == ["pat@example.com"])
        #expect(snapshot.ticket("MC-AAAA")?.spec?.state == .ready)
    }

    @Test func crossFileProblemsAreLocatedAtTheValueThatIsWrong() throws {
        let board = try BoardFixture()
        try board.ticket("MC-AAAA", "workflow: cod\nassignee: codr\nprofile: clade\nparent: MC-NONE\nblocked_by:\n  - MC-AAAA\n  - MC-ZZZZ\n")
        let problems = board.load().diagnostics(for: "MC-AAAA").map(\.description)
        let file = "board/tickets/MC-AAAA/ticket.yaml"
        #expect(problems.contains("\(file):3:11: error: unknown workflow 'cod'; did you mean 'code'?"), "\(problems)")
        #expect(problems.contains("\(file):4:11: error: unknown role 'codr' in assignee; did you mean 'coder'?"), "\(problems)")
        #expect(problems.contains("\(file):5:10: error: unknown runtime profile 'clade'; did you mean 'claude'?"), "\(problems)")
        #expect(problems.contains("\(file):6:9: error: parent MC-NONE does not exist"), "\(problems)")
        #expect(problems.contains("\(file):8:5: error: a ticket cannot be blocked by itself"), "\(problems)")
        #expect(problems.contains("\(file):9:5: error: blocked_by names MC-ZZZZ, which does not exist"), "\(problems)")
    }

    @Test func dependencyCyclesAreReportedOnEveryTicketInThem() throws {
        let board = try BoardFixture()
        try board.ticket("MC-A", "blocked_by: [MC-B]\n")
        try board.ticket("MC-B", "blocked_by: [MC-C]\n")
        try board.ticket("MC-C", "blocked_by: [MC-A]\n")
        try board.ticket("MC-D", "blocked_by: [MC-A]\n")
        let snapshot = board.load()
        for id in ["MC-A", "MC-B", "MC-C"] {
            let messages = snapshot.diagnostics(for: id).map(\.message)
            #expect(messages.contains { $0.hasPrefix("dependency cycle: ") && $0.contains("MC-A") && $0.contains("MC-C") },
                    "\(id): \(messages)")
        }
        #expect(snapshot.diagnostics(for: "MC-D").isEmpty)
        let a = snapshot.diagnostics(for: "MC-A").first { $0.message.hasPrefix("dependency cycle") }
        #expect(a?.location.line == 3 && a?.location.column == 14)
    }

    @Test func aTicketThatDoesNotLoadIsBrokenNeverSkippedAndTheRestLoads() throws {
        let board = try BoardFixture()
        try board.ticket("MC-GOOD")
        try board.write("board/tickets/MC-BAD/ticket.yaml", "id: MC-BAD\ntitle: [unterminated\n")
        try board.ticket("MC-OTHER", folder: "MC-WRONG")
        try board.write("board/tickets/MC-NOSPEC/notes/20261122T101500Z-pat.md", "orphan\n")
        try board.write("board/tickets/stray.yaml", "x: 1\n")
        let snapshot = board.load()
        #expect(snapshot.tickets.map(\.id) == ["MC-BAD", "MC-GOOD", "MC-NOSPEC", "MC-WRONG"])
        #expect(snapshot.ticket("MC-GOOD")?.isBroken == false)
        #expect(snapshot.ticket("MC-BAD")?.isBroken == true)
        #expect(snapshot.ticket("MC-WRONG")?.isBroken == true)
        #expect(snapshot.diagnostics(for: "MC-WRONG").first?.description ==
                "board/tickets/MC-WRONG/ticket.yaml:1:5: error: id 'MC-OTHER' does not match its folder 'MC-WRONG'; rename the folder or set id: MC-WRONG")
        #expect(snapshot.diagnostics(for: "MC-NOSPEC").first?.message == "missing ticket.yaml: every ticket folder needs one")
        #expect(snapshot.layoutDiagnostics.contains { $0.location.file == "board/tickets/stray.yaml" })
        #expect(snapshot.hasErrors)
    }

    @Test func configurationCrossReferencesAreChecked() throws {
        let board = try BoardFixture()
        try board.write("board/workflows.yaml", """
            workflows:
              code:
                gates:
                  - {name: implement, role: coder}
                  - {name: review, role: reviewer, on_fail: implemnt}
                  - {name: both, role: qa, check: "make"}
                  - {name: sign, human: nobody}
            """)
        try board.write("board/roles.yaml", "roles:\n  coder:\n    profiles: [codex, missing]\n  qa:\n    profiles: [claude]\n")
        let problems = board.load().configReferenceDiagnostics.map(\.description)
        #expect(problems.contains("board/workflows.yaml:5:30: error: unknown role 'reviewer'"), "\(problems)")
        #expect(problems.contains("board/workflows.yaml:5:49: error: on_fail names gate 'implemnt', which is not in workflow 'code'; did you mean 'implement'?"), "\(problems)")
        #expect(problems.contains("board/workflows.yaml:6:9: error: gate 'both' must have exactly one of role, check, human or browser"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("board/workflows.yaml:7:29: error: no approver group 'nobody'") }, "\(problems)")
        #expect(problems.contains("board/roles.yaml:3:23: error: unknown runtime profile 'missing'"), "\(problems)")
    }

    @Test func aBrokenConfigFileIsOneErrorNotAFloodOfUnknownNames() throws {
        let board = try BoardFixture()
        for index in 0..<5 { try board.ticket("MC-\(index)", "workflow: code\nassignee: coder\n") }
        try board.write("board/workflows.yaml", "workflows:\n  code:\n    gates:\n      - {name: test, check: make, timeout: 2x}\n")
        let problems = board.load().allDiagnostics
        #expect(problems.map(\.description) == [
            "board/workflows.yaml:4:44: error: timeout must be a duration like 30m, 2h or 7d (found '2x')",
        ])
    }

    @Test func archivedTicketsAreListedByIDAndCloseTheirDependents() throws {
        let board = try BoardFixture()
        try board.ticket("MC-OLD", folder: "../archive/2026/10/MC-OLD")
        try board.ticket("MC-NEW", "state: ready\nblocked_by: [MC-OLD]\n")
        let snapshot = board.load()
        #expect(snapshot.archivedFolders["MC-OLD"] == "board/archive/2026/10/MC-OLD")
        #expect(snapshot.ticket("MC-OLD") == nil)
        #expect(!snapshot.hasErrors, "\(snapshot.allDiagnostics.text)")
        let all = board.load(includeArchived: true)
        #expect(all.ticket("MC-OLD")?.archived == true)
    }

    @Test func theArchiveListingIsCachedByTreeAndFollowsAChangedArchive() throws {
        let board = try BoardFixture()
        try board.ticket("MC-OLD", folder: "../archive/2026/10/MC-OLD")
        try board.ticket("MC-NEW")
        let (repository, first) = try board.commit()
        let cache = TicketCache()
        let location = board.location
        #expect(try BoardLoader.load(repository: repository, commit: first, location: location, cache: cache)
            .archivedFolders == ["MC-OLD": "board/archive/2026/10/MC-OLD"])
        // Archive one more ticket: a new archive tree, so the listing is read again.
        let spec = try repository.writeBlob(Array("id: MC-GONE\ntitle: gone\n".utf8))
        let tree = try repository.updateTree(try repository.commit(first).tree,
                                             applying: [.write(path: "board/archive/2026/11/MC-GONE/ticket.yaml", blob: spec)])
        let me = Signature(name: "T", email: "t@example.com", date: Date())
        let second = try repository.createCommit(tree: tree, parents: [first], author: me, committer: me, message: "archive\n")
        let again = try BoardLoader.load(repository: repository, commit: second, location: location, cache: cache)
        #expect(again.archivedFolders.keys.sorted() == ["MC-GONE", "MC-OLD"])
        // And back to the first commit's archive.
        #expect(try BoardLoader.load(repository: repository, commit: first, location: location, cache: cache)
            .archivedFolders.keys.sorted() == ["MC-OLD"])
    }

    @Test func loadingFromAGitTreeMatchesTheDiskAndReusesTheCache() throws {
        let board = try BoardFixture()
        for index in 0..<150 { try board.ticket("MC-\(index)", "labels: [l\(index % 3)]\n") }
        try board.write("board/tickets/MC-7/ticket.yaml", "id: MC-7\ntitle: [\n")
        let (repository, commit) = try board.commit()
        let cache = TicketCache()
        let fromTree = try BoardLoader.load(repository: repository, commit: commit, location: board.location, cache: cache)
        let fromDisk = board.load()
        #expect(fromTree.tickets.map(\.id) == fromDisk.tickets.map(\.id))
        #expect(fromTree.tickets.map(\.spec) == fromDisk.tickets.map(\.spec))
        #expect(fromTree.allDiagnostics == fromDisk.allDiagnostics)
        #expect(cache.count == 150)
        let again = try BoardLoader.load(repository: repository, commit: commit, location: board.location, cache: cache)
        #expect(again.tickets.map(\.spec) == fromTree.tickets.map(\.spec))
        #expect(cache.count == 150)
    }
}
