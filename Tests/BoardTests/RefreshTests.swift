import Board
import Foundation
import Git
import Testing

/// `BoardStore.refreshed` reads only what changed; whatever changed, it must agree with a full load.
@Suite("Incremental board refresh")
struct RefreshTests {
    /// What a snapshot says, as comparable text: every ticket's tree, parse results and diagnostics.
    static func summary(_ snapshot: BoardSnapshot) -> [String] {
        snapshot.tickets.map { record in
            "\(record.id) \(record.treeID?.short ?? "-") \(record.spec?.title ?? "no spec") \(record.status?.status.rawValue ?? "-") "
                + "\(record.evidence) \(record.notes) | " + snapshot.diagnostics(for: record.id).map(\.description).joined(separator: "; ")
        } + snapshot.allDiagnostics.map(\.description) + ["commit \(snapshot.commit?.hex ?? "-")"]
    }

    @Test func agreesWithAFullLoadAfterEveryKindOfChange() throws {
        let fixture = try BoardFixture()
        try fixture.ticket("MC-AAAA", "state: ready\n")
        try fixture.ticket("MC-BBBB", "blocked_by: [MC-AAAA]\n")
        let (repository, _) = try fixture.commit()
        let store = BoardStore(repository: repository, location: fixture.location, cache: TicketCache())
        let tickets = fixture.location.ticketsFolder
        let steps: [(String, [FileChange])] = [
            ("new ticket", [.write(path: "\(tickets)/MC-CCCC/ticket.yaml", bytes: Array("id: MC-CCCC\ntitle: C\nstate: ready\n".utf8))]),
            ("status and evidence", [
                .write(path: "\(tickets)/MC-AAAA/status.yaml", bytes: Array("status: done\ngate: implement\n".utf8)),
                .write(path: "\(tickets)/MC-AAAA/evidence/0001-implement.yaml",
                       bytes: Array("kind: session\nticket: MC-AAAA\ngate: implement\n".utf8)),
            ]),
            ("broken spec", [.write(path: "\(tickets)/MC-CCCC/ticket.yaml", bytes: Array("id: MC-CCCC\ntitle: [\n".utf8))]),
            ("dangling blocker", [.write(path: "\(tickets)/MC-BBBB/ticket.yaml",
                                         bytes: Array("id: MC-BBBB\ntitle: B\nblocked_by: [MC-ZZZZ]\n".utf8))]),
            ("removed ticket", [.remove(path: "\(tickets)/MC-AAAA/ticket.yaml"), .remove(path: "\(tickets)/MC-AAAA/status.yaml"),
                                .remove(path: "\(tickets)/MC-AAAA/evidence/0001-implement.yaml")]),
            ("blocker appears", [.write(path: "\(tickets)/MC-ZZZZ/ticket.yaml", bytes: Array("id: MC-ZZZZ\ntitle: Z\n".utf8))]),
            ("cycle closes", [.write(path: "\(tickets)/MC-ZZZZ/ticket.yaml",
                                     bytes: Array("id: MC-ZZZZ\ntitle: Z\nblocked_by: [MC-BBBB]\n".utf8))]),
            ("cycle member's title changes", [.write(path: "\(tickets)/MC-BBBB/ticket.yaml",
                                                     bytes: Array("id: MC-BBBB\ntitle: B2\nblocked_by: [MC-ZZZZ]\n".utf8))]),
            ("cycle opens", [.write(path: "\(tickets)/MC-ZZZZ/ticket.yaml", bytes: Array("id: MC-ZZZZ\ntitle: Z\n".utf8))]),
            ("parent appears", [.write(path: "\(tickets)/MC-CCCC/ticket.yaml",
                                       bytes: Array("id: MC-CCCC\ntitle: C\nparent: MC-QQQQ\n".utf8))]),
            ("the parent is created", [.write(path: "\(tickets)/MC-QQQQ/ticket.yaml", bytes: Array("id: MC-QQQQ\ntitle: Q\n".utf8))]),
            ("stray file", [.write(path: "\(tickets)/README", bytes: Array("hello\n".utf8))]),
            ("stray file gone", [.remove(path: "\(tickets)/README")]),
            ("configuration", [.write(path: fixture.location.path(.settings), bytes: Array("prefix: MC\nmax_workers: [\n".utf8))]),
            ("note", [.write(path: "\(tickets)/MC-ZZZZ/notes/20261122T101500Z-pat.md", bytes: Array("hi\n".utf8))]),
        ]
        var previous = try store.snapshot()
        for (name, changes) in steps {
            try store.commit(message: name) { _ in changes }
            let refreshed = try store.refreshed(previous)
            let full = try BoardStore(repository: repository, location: fixture.location, cache: TicketCache()).snapshot()
            #expect(Self.summary(refreshed) == Self.summary(full), "after \(name)")
            previous = refreshed
        }
        #expect(try store.refreshed(previous).commit == previous.commit)
    }
}
