import Actions
import Board
import Foundation
import Git
import Testing

/// A board in a bare repository, made from the starter files, that the actions run on directly: no process, no
/// command line. Pat (pat@example.com) is the approver of every human gate; `context` signs as Pat unless told.
final class ActionBoard {
    let root: URL
    let repository: Repository
    let location = BoardLocation(branch: "main", directory: "board")

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mission-actions-\(UUID().uuidString.prefix(8))")
        repository = try Repository.create(at: root.path, bare: true)
        let location = location
        try context().store.commit(message: "board") { _ in StarterBoard.boardFiles(for: location, approver: "pat@example.com") }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// The board as `name` <`email`> acts on it.
    func context(_ name: String = "Pat", _ email: String = "pat@example.com") -> BoardContext {
        let store = BoardStore(repository: repository, location: location)
        store.signer = CommitIdentity(name: name, email: email)
        return BoardContext(repository: repository, store: store)
    }

    /// Commits `text` at `path` on the board, as the watcher (or a person's push) would.
    func write(_ path: String, _ text: String) throws {
        try context("Watcher", "watcher@example.com").store.commit(message: "write \(path)") { _ in
            [.write(path: path, bytes: Array(text.utf8))]
        }
    }

    /// A draft ticket with one acceptance criterion, on the starter's `code` workflow (which ends at the human gate
    /// `release`).
    func ticket(_ title: String = "Make it work") throws -> String {
        var ticket = NewTicket(title: title)
        ticket.workflow = "code"
        ticket.acceptance = ["it works"]
        return try context().create(ticket).id
    }

    /// The file at `path` at the branch tip, or nil.
    func file(_ path: String) throws -> String? {
        guard let tip = try repository.referenceTarget("refs/heads/main"),
              let entry = try repository.entry(at: path, in: try repository.commit(tip).tree) else { return nil }
        return String(decoding: try repository.blob(entry.id), as: UTF8.self)
    }

    /// The tip commit's message.
    func lastMessage() throws -> String {
        try repository.commit(try #require(try repository.referenceTarget("refs/heads/main"))).message
    }

    /// How many commits the branch has.
    func commitCount() throws -> Int {
        try repository.log(from: try #require(try repository.referenceTarget("refs/heads/main")), touching: [""], limit: 10_000).count
    }
}

/// Runs `body` and returns the `ActionError` it throws; fails the test when it throws none or another error.
func refusal(_ body: () throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
    do {
        try body()
        Issue.record("expected an ActionError, got none", sourceLocation: sourceLocation)
    } catch let error as ActionError {
        return error.message
    } catch {
        Issue.record("expected an ActionError, got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}

@Suite("Actions, called as a library")
struct ActionsTests {
    @Test("create makes a ticket from the template in one commit; its spec validates and names the title")
    func create() throws {
        let board = try ActionBoard()
        let before = try board.commitCount()
        var ticket = NewTicket(title: "Add a health page")
        ticket.labels = ["web"]
        ticket.acceptance = ["GET /health answers 200"]
        let result = try board.context().create(ticket)
        #expect(result.hasAcceptance)
        #expect(try board.commitCount() == before + 1)
        let spec = try #require(try board.file(result.path))
        #expect(spec.contains("title: Add a health page"))
        #expect(spec.contains("GET /health answers 200"))
        #expect(try board.lastMessage().hasPrefix("\(result.id): new feature: Add a health page"))
        #expect(try board.context().snapshot().ticket(result.id)?.spec?.labels == ["web"])
    }

    @Test("a draft with placeholders is refused until the placeholder criterion is replaced; nothing is committed")
    func placeholders() throws {
        let board = try ActionBoard()
        let context = board.context()
        let draft = try context.draft(NewTicket(title: "Write the docs"), placeholders: true)
        let before = try board.commitCount()
        let message = refusal { _ = try context.create(draft, bytes: draft.bytes) }
        #expect(message.hasPrefix("the new ticket does not validate:"))
        #expect(try board.commitCount() == before)
        #expect(draft.problems(draft.bytes).contains { $0.severity == .error })
    }

    @Test("setState edits the one line and says what it was; the same state twice commits nothing")
    func setState() throws {
        let board = try ActionBoard()
        let id = try board.ticket()
        let context = board.context()
        let change = try context.setState(id, to: .ready)
        #expect(change.previous == "draft")
        #expect(change.state == "ready")
        #expect(change.commit != nil)
        #expect(try board.file("board/tickets/\(id)/ticket.yaml")?.contains("state: ready") == true)
        let count = try board.commitCount()
        let again = try context.setState(id, to: .ready)
        #expect(again.commit == nil)
        #expect(try board.commitCount() == count)
        #expect(refusal { _ = try context.setState("MC-NOPE", to: .hold) }.hasPrefix("no ticket MC-NOPE on the board"))
    }

    @Test("a note is committed under notes/, named by its author; an empty one is refused")
    func note() throws {
        let board = try ActionBoard()
        let id = try board.ticket()
        let result = try board.context().note(id, body: "Looks fine to me")
        #expect(result.path.hasPrefix("board/tickets/\(id)/notes/"))
        #expect(try board.file(result.path) == "Looks fine to me\n")
        #expect(try board.lastMessage().hasPrefix("\(id): note by Pat"))
        #expect(refusal { _ = try board.context().note(id, body: "  \n") } == "the note is empty; nothing was added")
    }

    @Test("answer needs an open question or a block, and quotes the question above the answer")
    func answer() throws {
        let board = try ActionBoard()
        let id = try board.ticket()
        #expect(refusal { _ = try board.context().answer(id, body: "yes") }.contains("has no open question"))
        try board.write("board/tickets/\(id)/status.yaml", "status: needs_input\ngate: implement\nquestion: Which port?\n")
        let answer = try board.context().answer(id, body: "8080")
        #expect(answer.answered == .question)
        #expect(answer.gate == "implement")
        #expect(try board.file(answer.note.path) == "Answer to the question: Which port?\n\n8080\n")
    }

    @Test("signOff: only an approver signs, only at the gate the ticket waits at, and a rejection needs a note")
    func signOff() throws {
        let board = try ActionBoard()
        let id = try board.ticket()
        try board.write("board/tickets/\(id)/status.yaml", "status: waiting\ngate: release\n")
        let stranger = refusal { _ = try board.context("Sam", "sam@example.com").signOff(id, gate: "release", decision: .approve, note: nil) }
        #expect(stranger.contains("may not sign off release"))
        let wrongGate = refusal { _ = try board.context().signOff(id, gate: "review", decision: .approve, note: nil) }
        #expect(wrongGate.contains("'review' is not a human gate"))
        let bare = refusal { _ = try board.context().signOff(id, gate: "release", decision: .reject, note: " ") }
        #expect(bare.hasPrefix("a rejection needs a note"))

        let result = try board.context().signOff(id, gate: "release", decision: .reject, note: "The button is off-screen")
        #expect(result.by == "Pat <pat@example.com>")
        #expect(result.next == "implement")
        let packet = try #require(try board.file(result.packet))
        #expect(packet.contains("decision: reject"))
        #expect(packet.contains("The button is off-screen"))
        // The watcher has not taken it yet: a second sign-off would be ignored, so it is refused.
        let twice = refusal { _ = try board.context().signOff(id, gate: "release", decision: .approve, note: nil) }
        #expect(twice.contains("already waiting for the watcher"))
    }

    @Test("switchProfile pins the profile, warns about a profile outside the role, and names the nearest one")
    func switchProfile() throws {
        let board = try ActionBoard()
        let id = try board.ticket()
        let context = board.context()
        let profiles = try context.listing().config.runtimes.profiles.keys.sorted()
        let profile = try #require(profiles.first)
        let result = try context.switchProfile(id, to: profile, note: "try the other one")
        #expect(result.commit != nil)
        #expect(result.previous == nil)
        #expect(try board.file("board/tickets/\(id)/ticket.yaml")?.contains("profile: \(profile)") == true)
        #expect(try board.file(try #require(result.note))?.contains("Pat switched the runtime profile to `\(profile)`") == true)
        let typo = refusal { _ = try context.switchProfile(id, to: profile + "x", note: nil) }
        #expect(typo.contains("no runtime profile '\(profile)x'"))
        #expect(typo.contains("did you mean '\(profile)'?"))
    }

    @Test("merge refuses a ticket that is not done, and one whose workflow has no approval")
    func mergeRefusals() throws {
        let board = try ActionBoard()
        let id = try board.ticket()
        #expect(refusal { _ = try board.context().merge(id, into: "main") }.contains("is not done"))
        try board.write("board/tickets/\(id)/status.yaml", "status: done\n")
        let unapproved = refusal { _ = try board.context().merge(id, into: "main") }
        #expect(unapproved.contains("cannot merge: no approval at release"))
    }

    @Test("editDraft and commitEdit: an edit lands once it validates; an edit that breaks the spec is refused")
    func edit() throws {
        let board = try ActionBoard()
        let id = try board.ticket("Old title")
        let context = board.context()
        let draft = try context.editDraft(id)
        let text = String(decoding: draft.bytes, as: UTF8.self)
        let broken = refusal { _ = try context.commitEdit(draft, bytes: Array(text.replacingOccurrences(of: "priority: medium", with: "priority: soon").utf8)) }
        #expect(broken.hasPrefix("\(id) does not validate; nothing was committed"))
        _ = try context.commitEdit(draft, bytes: Array(text.replacingOccurrences(of: "Old title", with: "New title").utf8))
        #expect(try board.file(draft.path)?.contains("title: New title") == true)
        // A second edit from the same draft would overwrite the first: refused.
        let stale = refusal { _ = try context.commitEdit(draft, bytes: draft.bytes) }
        #expect(stale.contains("changed on main while you edited"))
    }

    @Test("archive moves a ticket closed long ago and leaves a fresh one; a dry run commits nothing")
    func archive() throws {
        let board = try ActionBoard()
        let old = try board.ticket("Old")
        let fresh = try board.ticket("Fresh")
        try board.write("board/tickets/\(old)/status.yaml", "status: done\nclosed: 2020-01-15T10:00:00Z\n")
        try board.write("board/tickets/\(fresh)/status.yaml", "status: done\nclosed: \(ISO8601DateFormatter().string(from: Date()))\n")
        let count = try board.commitCount()
        let dry = try board.context().archive(olderThan: nil, dryRun: true)
        #expect(dry.moves.map(\.id) == [old])
        #expect(dry.commit == nil)
        #expect(try board.commitCount() == count)
        let done = try board.context().archive(olderThan: nil, dryRun: false)
        #expect(done.moves.first?.to == "board/archive/2020/01/\(old)")
        #expect(try board.file("board/archive/2020/01/\(old)/ticket.yaml") != nil)
        #expect(try board.file("board/tickets/\(old)/ticket.yaml") == nil)
        #expect(refusal { _ = try board.context().setState(old, to: .ready) } == "\(old) is archived; archived tickets do not change")
    }
}
