import Board
import Foundation
import Testing

/// `JSONOutput` must write what `JSONEncoder` with mission's options writes, byte for byte: scripts and docs rely on
/// the layout, and the encoder is the reference.
@Suite struct JSONOutputTests {
    struct Leaf: Encodable {
        var name: String
        var when: Date?
        var ratio: Double
        var tiny: Float = 0.3
        var flags: [Bool]
    }

    /// A type that writes nested containers by hand, as the CLI's views do.
    struct Hand: Encodable {
        var leaves: [Leaf]
        enum Keys: String, CodingKey { case zeta, alpha, nested, list, empty_list, empty_object, super_value }
        enum Inner: String, CodingKey { case b, a }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode("last key first", forKey: .zeta)
            var list = c.nestedUnkeyedContainer(forKey: .list)
            for leaf in leaves {
                var e = list.nestedContainer(keyedBy: Inner.self)
                try e.encode(leaf.name, forKey: .b)
                try e.encode(leaf, forKey: .a)
            }
            try list.encodeNil()
            var nested = c.nestedContainer(keyedBy: Inner.self, forKey: .nested)
            try nested.encode(1, forKey: .b)
            try nested.encodeNil(forKey: .a)
            try c.encode(-42, forKey: .alpha)
            _ = c.nestedUnkeyedContainer(forKey: .empty_list)
            _ = c.nestedContainer(keyedBy: Inner.self, forKey: .empty_object)
        }
    }

    struct Everything: Encodable {
        var text = "quote \" backslash \\ slash / newline \n tab \t return \r bell \u{7} nul \u{0} del \u{7F} é 🚀"
        var keys: [String: Int] = ["a_b": 1, "ab": 2, "a10": 3, "a9": 4, "B": 5, "é": 6, "": 7]
        var dates: [Date] = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_764_000_000.75),
                             Date(timeIntervalSince1970: -1.5), Date(timeIntervalSinceReferenceDate: 0)]
        var numbers: [Double] = [0, 1, -1, 0.1, 1.5, 1e21, 1e-7, 123_456_789.125, 0.1 + 0.2, -0.0]
        var integers: [Int] = [0, Int.max, Int.min]
        var unsigned: UInt64 = .max
        var optionalNil: String?
        var optionalSome: String? = "here"
        var emptyArray: [Int] = []
        var emptyObject: [String: String] = [:]
        var deep: [[[String]]] = [[["a"], []], []]
        var hand = Hand(leaves: [Leaf(name: "one", when: Date(timeIntervalSince1970: 86_400), ratio: 0.25, flags: [true, false]),
                                 Leaf(name: "two", when: nil, ratio: 2, flags: [])])
        var url = URL(string: "https://example.com/a/b?c=d")!
        var data = Data([0, 1, 2, 250])
    }

    static func reference(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: [true, false])
    func matchesJSONEncoderByteForByte(pretty: Bool) throws {
        let value = Everything()
        let ours = String(decoding: try JSONOutput.encode(value, pretty: pretty), as: UTF8.self)
        #expect(ours == (try Self.reference(value, pretty: pretty)))
        let many = Array(repeating: value, count: 3)
        #expect(String(decoding: try JSONOutput.encode(many, pretty: pretty), as: UTF8.self) == (try Self.reference(many, pretty: pretty)))
    }

    @Test func topLevelScalarsAndEmptyContainers() throws {
        for (ours, reference) in [
            (try JSONOutput.encode("a \"b\""), try Self.reference("a \"b\"", pretty: true)),
            (try JSONOutput.encode(3.5), try Self.reference(3.5, pretty: true)),
            (try JSONOutput.encode([Int]()), try Self.reference([Int](), pretty: true)),
            (try JSONOutput.encode([String: Int]()), try Self.reference([String: Int](), pretty: true)),
            (try JSONOutput.encode([Leaf]()), try Self.reference([Leaf](), pretty: true)),
        ] {
            #expect(String(decoding: ours, as: UTF8.self) == reference)
        }
    }

    @Test func refusesWhatJSONCannotHold() {
        #expect(throws: EncodingError.self) { try JSONOutput.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONOutput.encode(["x": Double.infinity]) }
    }

    /// A board's own models (spec and status, with their custom encodings) come out the same as well.
    @Test func boardModelsMatch() throws {
        let spec = try YAMLDocument.parse(Array("""
            id: MC-7K3Q
            title: "A title: with \\"quotes\\" and / slashes"
            kind: feature
            priority: high
            state: ready
            blocked_by: [MC-5HXA]
            labels: [runtime, ui]
            created: 2026-11-22T10:15:00Z
            acceptance:
              - It works.
            description: |
              Two lines
              of text.
            """.utf8), file: "ticket.yaml").decode(Ticket.self)
        let status = try YAMLDocument.parse(Array("""
            status: failed
            gate: review
            round: 2
            attempt: 3
            updated: 2026-11-22T11:00:00Z
            failures: {timeout: 2, crashed: 1}
            """.utf8), file: "status.yaml").decode(TicketStatus.self)
        struct Pair: Encodable { var spec: Ticket; var status: TicketStatus }
        let pair = [Pair(spec: spec, status: status), Pair(spec: spec, status: status)]
        #expect(String(decoding: try JSONOutput.encode(pair), as: UTF8.self) == (try Self.reference(pair, pretty: true)))
    }

    /// Written to a file as it encodes, the output is the same bytes and a newline.
    @Test func printsToAFileDescriptor() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("json-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(descriptor >= 0)
        let value = Array(repeating: Everything(), count: 200)  // larger than the sink's buffer
        try JSONOutput.print(value, to: descriptor)
        close(descriptor)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == (try Self.reference(value, pretty: true)) + "\n")
    }
}
