@testable import Board
import Foundation
import Git
import Testing

@Suite struct TicketCacheTests {
    static func richRecord() throws -> TicketRecord {
        let at = SourceLocation(file: "board/tickets/MC-1/ticket.yaml", line: 3, column: 7)
        let tree: ObjectID = try #require(ObjectID(hex: "0123456789abcdef0123456789abcdef01234567"))
        return TicketRecord(
            id: "MC-1", folder: "board/tickets/MC-1", archived: false, treeID: tree,
            spec: Ticket(id: "MC-1", title: "Ünïcode title: with colon", kind: .bug, priority: .urgent, state: .ready,
                         workflow: "code", owner: "luci", assignee: "coder", profile: "codex", parent: "MC-0",
                         blockedBy: ["MC-2", "MC-3"], labels: ["a", ""], checkIn: Interval("2h"),
                         created: Date(timeIntervalSince1970: 1_795_000_000.5), acceptance: ["it works"],
                         description: "line one\nline two\n"),
            status: TicketStatus(status: .needsInput, gate: "review", round: 3, attempt: -1,
                                 updated: Date(timeIntervalSince1970: 1_795_000_100),
                                 session: SessionRef(id: "S-1", profile: "codex", runner: "host", pid: 4242,
                                                     pidStart: "123", started: Date(timeIntervalSince1970: 5),
                                                     leaseUntil: nil),
                                 question: "Which?", blockedReason: nil, failures: ["exit_nonzero": 2, "idle": 1],
                                 nextAction: NextAction(who: "luci", what: "answer"), lastEvidence: "0002-review.yaml",
                                 closed: nil),
            evidence: ["0001-implement.yaml"], notes: ["20261122T101500Z-luci.md"],
            diagnostics: [Diagnostic("something", at: at, severity: .warning, hint: "try this")],
            locations: SpecLocations(id: at, workflow: nil, assignee: at, blockedBy: [at, at], title: at))
    }

    @Test func aRecordSurvivesTheRoundTripExactly() throws {
        let record = try Self.richRecord()
        var writer = BinaryWriter()
        RecordCodec.writeFile([record, TicketRecord(id: "MC-2", folder: "f", archived: true, treeID: record.treeID,
                                                    spec: nil, status: nil, evidence: [], notes: [], diagnostics: [],
                                                    locations: SpecLocations())],
                              producer: "p", to: &writer)
        let decoded = try writer.bytes.withUnsafeBufferPointer { buffer in
            var reader = BinaryReader(buffer)
            return try RecordCodec.readFile(&reader, producer: "p")
        }
        #expect(decoded.count == 2)
        let back = try #require(decoded.first)
        #expect(back.spec == record.spec)
        #expect(back.status == record.status)
        #expect(back.diagnostics == record.diagnostics)
        #expect(back.locations == record.locations)
        #expect(back.evidence == record.evidence && back.notes == record.notes)
        #expect(back.treeID == record.treeID && back.id == "MC-1" && back.folder == record.folder)
        #expect(decoded[1].archived && decoded[1].spec == nil)
    }

    @Test func aDamagedTruncatedOrForeignFileIsNoCache() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tickets.cache").path
        TicketCache.save([try Self.richRecord()], to: path)
        #expect(TicketCache.load(from: path).count == 1)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        for cut in [0, 3, 10, bytes.count / 2, bytes.count - 1] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            #expect(TicketCache.load(from: path).count == 0, "cut at \(cut)")
        }
        var flipped = [UInt8](bytes)
        flipped[4] ^= 0xFF  // the version
        try Data(flipped).write(to: URL(fileURLWithPath: path))
        #expect(TicketCache.load(from: path).count == 0)
        var writer = BinaryWriter()
        RecordCodec.writeFile([try Self.richRecord()], producer: "another build", to: &writer)
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
        #expect(TicketCache.load(from: path).count == 0)
        #expect(TicketCache.load(from: folder.appendingPathComponent("missing").path).count == 0)
    }
}
