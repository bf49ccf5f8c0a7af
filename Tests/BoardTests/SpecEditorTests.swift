import Board
import Foundation
import Testing

@Suite struct SpecEditorTests {
    let original = """
        # A person's file: comments, order and spacing are theirs.
        id: MC-1
        title: "Quoted: title"   # why
        state: draft            # draft | ready
        labels: [a, b]
        description: |
          Free text with state: inside it.
        """

    func set(_ key: String, _ value: String, in text: String) throws -> String {
        String(decoding: try SpecEditor.set(key, to: value, in: Array(text.utf8), file: "t.yaml"), as: UTF8.self)
    }

    @Test func changesOnlyTheValueAndKeepsTheCommentInItsColumn() throws {
        let edited = try set("state", "ready", in: original)
        #expect(edited == original.replacingOccurrences(of: "state: draft ", with: "state: ready "))
        let longer = try set("state", "cancelled", in: original)
        #expect(longer.contains("state: cancelled        # draft | ready"))
        let shorter = try set("state", "hold", in: original)
        #expect(shorter.contains("state: hold             # draft | ready"))
        #expect(shorter.components(separatedBy: "\n").count == original.components(separatedBy: "\n").count)
    }

    @Test func aValueWithoutACommentAndAKeyThatIsAbsent() throws {
        let plain = "id: MC-1\ntitle: T\nstate: draft\n"
        #expect(try set("state", "ready", in: plain) == "id: MC-1\ntitle: T\nstate: ready\n")
        #expect(try set("priority", "high", in: plain) == "id: MC-1\ntitle: T\nstate: draft\npriority: high\n")
        #expect(try set("priority", "high", in: "id: MC-1\ntitle: T") == "id: MC-1\ntitle: T\npriority: high\n")
    }

    @Test func keepsWindowsLineEndings() throws {
        let crlf = "id: MC-1\r\ntitle: T\r\nstate: draft\r\n"
        #expect(try set("state", "ready", in: crlf) == "id: MC-1\r\ntitle: T\r\nstate: ready\r\n")
    }

    @Test func refusesWhatItCannotEditSafely() throws {
        #expect(throws: Diagnostic.self) { try set("description", "x", in: original) }
        #expect(throws: Diagnostic.self) { try set("state", "ready", in: "{id: MC-1, title: T}\n") }
    }

    @Test(arguments: [
        ("plain", "plain"), ("with: colon", "\"with: colon\""), ("yes", "\"yes\""), ("123", "\"123\""),
        ("- dash", "\"- dash\""), ("quote\"inside", "quote\"inside"), ("#hash", "\"#hash\""), ("a #b", "\"a #b\""),
        ("line\nbreak", "\"line\\nbreak\""), ("", "\"\""), (" lead", "\" lead\""), ("[x]", "\"[x]\""),
    ])
    func scalarsAreQuotedOnlyWhenNeeded(text: String, expected: String) {
        #expect(YAMLText.scalar(text) == expected)
    }

    @Test func everyQuotedScalarReadsBackAsTheSameString() throws {
        for text in ["with: colon", "yes", "123", "- dash", "#hash", "line\nbreak", "tab\there", "\u{7}bell", "ünï", "a,b"] {
            let yaml = "title: \(YAMLText.scalar(text))\nlist: \(YAMLText.list([text, "x"]))\n"
            let document = try YAMLDocument.parse(Array(yaml.utf8), file: "t.yaml")
            let decoded = try document.decode(Pair.self)
            #expect(decoded.title == text)
            #expect(decoded.list == [text, "x"])
        }
    }

    struct Pair: Decodable {
        let title: String
        let list: [String]
    }
}

/// Tickets the watcher writes (follow-ups, scheduled runs) carry text from agents and jobs: it must read back
/// exactly, whatever it holds.
@Suite struct TicketTemplateTests {
    @Test(arguments: [
        "One line.", "Two lines\nof text.\n", "A blank\n\nline between.\n", " leading space", "ends with two\n\n",
        "colon: and # hash", "tab\there", "", "null", "- a dash", "quote \" and \\ backslash\n",
    ])
    func descriptionsReadBackExactly(text: String) throws {
        let ticket = Ticket(id: "MC-AAAA", title: "T", created: Date(timeIntervalSince1970: 1_800_000_000),
                            acceptance: ["It works: really", "- also this"], description: text)
        let rendered = TicketTemplate.render(StarterBoard.file("templates/ticket.yaml")!, ticket: ticket)
        let decoded = try YAMLDocument.parse(Array(rendered.utf8), file: "ticket.yaml").decode(Ticket.self)
        #expect(decoded.description == text, "\(rendered)")
        #expect(decoded.acceptance == ["It works: really", "- also this"])
        #expect(!rendered.contains(": \n"))
    }
}
