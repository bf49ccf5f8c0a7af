import Board
import Testing

/// Finding a board file's schema reference, resolving it inside the repository, and replacing it byte for byte.
@Suite struct SchemaModelineTests {
    static let ticket = "board/tickets/MC-7K3Q/ticket.yaml"

    @Test func theTemplatesModelineIsFoundResolvedAndReplacedByteForByte() throws {
        let text = "# yaml-language-server: $schema=../../schemas/ticket.schema.json\r\n# The spec.\nid: MC-7K3Q\n"
        let bytes = Array(text.utf8)
        let modeline = try #require(SchemaModeline.find(in: bytes))
        #expect(modeline.reference == "../../schemas/ticket.schema.json")
        #expect(modeline.isRelative)
        #expect(modeline.resolved(from: Self.ticket) == "board/schemas/ticket.schema.json")
        let moved = modeline.replacing(in: bytes, with: "file:///srv/repo/board/schemas/ticket.schema.json")
        #expect(String(decoding: moved, as: UTF8.self)
            == "# yaml-language-server: $schema=file:///srv/repo/board/schemas/ticket.schema.json\r\n# The spec.\nid: MC-7K3Q\n")
        let back = try #require(SchemaModeline.find(in: moved))
        #expect(!back.isRelative)
        #expect(back.replacing(in: moved, with: modeline.reference) == bytes)
    }

    @Test(arguments: [
        // text, the reference found (nil: none)
        ("\n  #yaml-language-server : other=1 $schema=./s.json trailing\nid: x\n", "./s.json"),
        ("# a comment first\n\n# yaml-language-server: $schema=s.json", "s.json"),
        ("id: x\n# yaml-language-server: $schema=s.json\n", nil),       // after the document began: not a modeline
        ("# yaml-language-server $schema=s.json\n", nil),              // no colon after the marker
        ("# yaml-language-server: $schema=\n", nil),                   // nothing named
        ("# see yaml-language-server docs\n", nil),
    ] as [(String, String?)])
    func onlyAModelineInTheOpeningCommentsCounts(text: String, reference: String?) {
        #expect(SchemaModeline.find(in: Array(text.utf8))?.reference == reference)
    }

    @Test(arguments: [
        // reference, resolved from the ticket (nil: not a path inside the repository)
        ("../../schemas/ticket.schema.json", "board/schemas/ticket.schema.json"),
        ("./../.././schemas/x.json", "board/schemas/x.json"),
        ("schema.json", "board/tickets/MC-7K3Q/schema.json"),
        ("../../../../../etc/passwd", nil),
        ("/etc/passwd", nil),
        ("file:///etc/passwd", nil),
        ("https://example.com/ticket.schema.json", nil),
    ] as [(String, String?)])
    func aReferenceResolvesOnlyToAPathInsideTheRepository(reference: String, resolved: String?) throws {
        let modeline = try #require(SchemaModeline.find(in: Array("# yaml-language-server: $schema=\(reference)\n".utf8)))
        #expect(modeline.resolved(from: Self.ticket) == resolved)
    }
}
