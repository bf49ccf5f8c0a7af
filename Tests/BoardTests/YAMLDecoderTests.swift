import Board
import Foundation
import Testing

// A small model shaped like the board's own: StrictEnum, optionals, dates, nested structs,
// a dictionary of structs, a list of structs, a type that validates itself.

enum SamplePriority: String, StrictEnum {
    case low, medium, high, urgent
}

/// A duration such as `2h`, validated by its own `init(from:)` as the board's `Interval` is.
struct SampleDuration: Codable, Equatable {
    var minutes: Int

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard text.hasSuffix("h"), let hours = Int(text.dropLast()) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a duration like 2h (found '\(text)')")
        }
        minutes = hours * 60
    }
}

/// A value whose validator throws a `Diagnostic` it cannot place itself.
struct SampleEven: Codable, Equatable {
    var value: Int

    init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Int.self)
        guard value.isMultiple(of: 2) else {
            throw Diagnostic("\(value) is odd; use an even number", at: .unknown)
        }
    }
}

struct SampleOwner: Codable, Equatable {
    var name: String
    var email: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, email
    }
}

struct SampleProfile: Codable, Equatable {
    var timeout: SampleDuration?
    var retries: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timeout, retries
    }
}

struct SampleStep: Codable, Equatable {
    var run: String
    var optional: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case run, optional
    }
}

struct Sample: Codable, Equatable {
    var id: String
    var title: String
    var priority: SamplePriority
    var labels: [String]?
    var due: Date?
    var owner: SampleOwner?
    var profiles: [String: SampleProfile]?
    var steps: [SampleStep]?
    var draft: Bool
    var estimate: Int
    var weight: Double?
    var pair: SampleEven?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, title, priority, labels, due, owner, profiles, steps, draft, estimate, weight, pair
    }
}

/// A valid sample; tests replace one line to break it.
extension Sample {
    /// A valid sample file; tests replace one line to break it.
    static let text = """
    id: MC-7K3Q
    title: Strict YAML decoding
    priority: high
    labels: [yaml, "board"]
    due: 2026-11-22T10:15:00Z
    owner:
      name: Ada
      email: ada@example.com
    profiles:
      dev:
        timeout: 2h
        retries: 3
      ci: {retries: 1}
    steps:
      - run: swift build
      - run: swift test
        optional: true
    draft: false
    estimate: 3
    weight: 0.5

    """


    /// `text` with the line starting with `prefix` replaced by `line` (or removed when nil), and the
    /// lines starting with any of `others` removed.
    static func text(replacing prefix: String, with line: String?, removing others: [String] = []) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .compactMap { text in
                if text.hasPrefix(prefix) { return line }
                return others.contains { text.hasPrefix($0) } ? nil : String(text)
            }
            .joined(separator: "\n")
    }
}

@Suite("YAMLDocument.decode: strict decoding with locations")
struct YAMLDecoderTests {
    @Test("a valid file decodes every field")
    func validSample() throws {
        let value = try YAMLCheck.decodeResult(Sample.self, Sample.text).get()
        #expect(value.id == "MC-7K3Q")
        #expect(value.title == "Strict YAML decoding")
        #expect(value.priority == .high)
        #expect(value.labels == ["yaml", "board"])
        #expect(value.due == Date(timeIntervalSince1970: 1_795_342_500))
        #expect(value.owner == SampleOwner(name: "Ada", email: "ada@example.com"))
        #expect(value.profiles?["dev"]?.timeout?.minutes == 120)
        #expect(value.profiles?["ci"]?.retries == 1)
        #expect(value.steps?.map(\.run) == ["swift build", "swift test"])
        #expect(value.steps?.map(\.optional) == [nil, true])
        #expect(value.draft == false)
        #expect(value.estimate == 3)
        #expect(value.weight == 0.5)
        #expect(value.pair == nil)
    }

    @Test("an unknown key is refused at the key, with a suggestion", arguments: [
        ("priority: high", "priorty: high", "t.yaml:3:1: error: unknown key 'priorty'; did you mean 'priority'?"),
        ("priority: high", "colour: red", "t.yaml:3:1: error: unknown key 'colour'"),
        ("  email: ada@example.com", "  emial: ada@example.com", "t.yaml:8:3: error: unknown key 'emial' in owner; did you mean 'email'?"),
        ("    retries: 3", "    retrys: 3", "t.yaml:12:5: error: unknown key 'retrys' in dev; did you mean 'retries'?"),
    ])
    func unknownKey(line: String, replacement: String, expected: String) {
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: line, with: replacement)) == expected)
    }

    @Test("a missing required key is reported at its mapping")
    func missingKey() {
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: "title:", with: nil))
            == "t.yaml:1:1: error: missing required key 'title'")
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: "  name: Ada", with: nil))
            == "t.yaml:7:3: error: missing required key 'name' in owner")
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: "  - run: swift build", with: "  - optional: false"))
            == "t.yaml:15:5: error: missing required key 'run' in steps[0]")
    }

    @Test("a value of the wrong shape or type names the field and what was found", arguments: [
        ("labels:", "labels: bug", "t.yaml:4:9: error: labels must be a list, found a string", []),
        ("labels:", "labels: [a, {b: 1}]", "t.yaml:4:13: error: labels[1] must be a string, found a mapping", []),
        ("owner:", "owner: [a]", "t.yaml:6:8: error: owner must be a mapping, found a list", ["  name:", "  email:"]),
        ("title:", "title: {a: 1}", "t.yaml:2:8: error: title must be a string, found a mapping", []),
        ("title:", "title:", "t.yaml:2:7: error: title must be a string, found nothing", []),
        ("title:", "title: ~", "t.yaml:2:8: error: title must be a string, found nothing", []),
        ("estimate:", "estimate: abc", "t.yaml:19:11: error: estimate must be an integer, found 'abc'", []),
        ("estimate:", "estimate: 1.5", "t.yaml:19:11: error: estimate must be an integer, found '1.5'", []),
        ("estimate:", "estimate: 0x10", "t.yaml:19:11: error: estimate must be an integer, found '0x10'", []),
        ("estimate:", "estimate: 99999999999999999999", "t.yaml:19:11: error: estimate must be an integer from -9223372036854775808 to 9223372036854775807, found '99999999999999999999'", []),
        ("draft:", "draft: yes", "t.yaml:18:8: error: draft must be true or false, found 'yes'", []),
        ("draft:", "draft: \"true\"", "t.yaml:18:8: error: draft must be true or false, found the quoted text 'true'", []),
        ("weight:", "weight: heavy", "t.yaml:20:9: error: weight must be a number, found 'heavy'", []),
        ("weight:", "weight: 0x1p3", "t.yaml:20:9: error: weight must be a number, found '0x1p3'", []),
        ("due:", "due: tomorrow", "t.yaml:5:6: error: due must be a date and time like 2026-11-22T10:15:00Z, found 'tomorrow'", []),
        ("due:", "due: 2026-11-22T10:15:00", "t.yaml:5:6: error: due must be a date and time like 2026-11-22T10:15:00Z, found '2026-11-22T10:15:00'", []),
        ("due:", "due: 2026-02-30", "t.yaml:5:6: error: due must be a date and time like 2026-11-22T10:15:00Z, found '2026-02-30'", []),
        ("profiles:", "profiles: none", "t.yaml:9:11: error: profiles must be a mapping, found a string", ["  dev:", "    timeout:", "    retries:", "  ci:"]),
        ("  - run: swift test", "  - run: [swift, test]", "t.yaml:16:10: error: run must be a string, found a list", []),
        ("  - run: swift test", "  - {run: x, optional: maybe}", "t.yaml:16:24: error: optional must be true or false, found 'maybe'", ["    optional:"]),
    ] as [(String, String, String, [String])])
    func wrongType(line: String, replacement: String, expected: String, removing: [String]) {
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: line, with: replacement, removing: removing)) == expected)
    }

    @Test("a bad enum value lists the choices and suggests the nearest", arguments: [
        ("priority: hihg", "t.yaml:3:11: error: priority must be one of low, medium, high, urgent (found 'hihg'); did you mean 'high'?"),
        ("priority: High", "t.yaml:3:11: error: priority must be one of low, medium, high, urgent (found 'High'); did you mean 'high'?"),
        ("priority: whenever", "t.yaml:3:11: error: priority must be one of low, medium, high, urgent (found 'whenever')"),
        ("priority:", "t.yaml:3:10: error: priority must be one of low, medium, high, urgent (found nothing)"),
        ("priority: [high]", "t.yaml:3:11: error: priority must be one of low, medium, high, urgent (found a list)"),
    ])
    func badEnum(replacement: String, expected: String) {
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: "priority:", with: replacement)) == expected)
    }

    @Test("the enum hint is the diagnostic's hint, apart from its message")
    func enumHint() throws {
        guard case .failure(let diagnostic) = YAMLCheck.decodeResult(Sample.self, Sample.text(replacing: "priority:", with: "priority: urgnet")) else {
            Issue.record("expected a failure")
            return
        }
        #expect(diagnostic.message == "priority must be one of low, medium, high, urgent (found 'urgnet')")
        #expect(diagnostic.hint == "did you mean 'urgent'?")
        #expect(diagnostic.location == SourceLocation(file: "t.yaml", line: 3, column: 11))
    }

    @Test("a type's own validation error comes out at its node, named by its field")
    func validatorError() {
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: "    timeout:", with: "    timeout: 2x"))
            == "t.yaml:11:14: error: timeout must be a duration like 2h (found '2x')")
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: "weight:", with: "pair: 3"))
            == "t.yaml:20:7: error: 3 is odd; use an even number")
        #expect(YAMLCheck.decodeFailure(Sample.self, Sample.text(replacing: "weight:", with: "pair: 4")) == nil)
    }

    @Test("a validator's error on a deeper key is placed at that key's value")
    func validatorErrorForKey() {
        struct Range: Decodable {
            var low: Int
            var high: Int
            enum CodingKeys: String, CodingKey, CaseIterable { case low, high }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                low = try container.decode(Int.self, forKey: .low)
                high = try container.decode(Int.self, forKey: .high)
                guard low <= high else {
                    throw DecodingError.dataCorruptedError(forKey: .high, in: container, debugDescription: "must not be below low (\(low))")
                }
            }
        }
        struct Holder: Decodable { var range: Range }
        #expect(YAMLCheck.decodeFailure(Holder.self, "range:\n  low: 5\n  high: 2\n")
            == "t.yaml:3:9: error: high must not be below low (5)")
    }

    @Test("plain null, ~ and nothing are nil for optionals; quoted ones are text", arguments: [
        "labels: ~", "labels: null", "labels:", "labels: NULL",
    ])
    func nullOptionals(replacement: String) throws {
        let value = try YAMLCheck.decodeResult(Sample.self, Sample.text(replacing: "labels:", with: replacement)).get()
        #expect(value.labels == nil)
    }

    @Test("any non-null scalar is a string, quoted null too")
    func scalarsAsStrings() throws {
        struct Texts: Decodable { var a: String; var b: String; var c: String; var d: String; var e: String }
        let value = try YAMLCheck.decodeResult(Texts.self, "a: 1234\nb: \"null\"\nc: true\nd: |\n  two\n  lines\ne: ''\n").get()
        #expect([value.a, value.b, value.c, value.d, value.e] == ["1234", "null", "true", "two\nlines\n", ""])
    }

    @Test("integers: plain decimal only (quoted or tagged text is a string, as in YAML 1.2), ranges checked")
    func integers() throws {
        struct Numbers: Decodable { var a: Int; var b: Int; var c: Int8; var d: UInt16 }
        let value = try YAMLCheck.decodeResult(Numbers.self, "a: -42\nb: 12\nc: 127\nd: +65535\n").get()
        let numbers: [Int] = [value.a, value.b, Int(value.c), Int(value.d)]
        #expect(numbers == [-42, 12, 127, 65535])
        #expect(YAMLCheck.decodeFailure(Numbers.self, "a: 1\nb: \"12\"\nc: 1\nd: 1\n")
            == "t.yaml:2:4: error: b must be an integer, found the quoted text '12'")
        #expect(YAMLCheck.decodeFailure(Numbers.self, "a: 1\nb: !!str 12\nc: 1\nd: 1\n")
            == "t.yaml:2:4: error: b must be an integer, found '12'")
        #expect(YAMLCheck.decodeFailure(Numbers.self, "a: 1\nb: 2\nc: 128\nd: 1\n")
            == "t.yaml:3:4: error: c must be an integer from -128 to 127, found '128'")
        #expect(YAMLCheck.decodeFailure(Numbers.self, "a: 1\nb: 2\nc: 1\nd: -1\n")
            == "t.yaml:4:4: error: d must be an integer from 0 to 65535, found '-1'")
    }

    @Test("dates: ISO 8601 with Z or an offset, with or without fractions, and plain dates", arguments: [
        ("2026-11-22T10:15:00Z", 1_795_342_500.0),
        ("2026-11-22T10:15:00.250Z", 1_795_342_500.25),
        ("2026-11-22T11:15:00+01:00", 1_795_342_500.0),
        ("2026-11-22T05:15:00-0500", 1_795_342_500.0),
        ("2026-11-22t10:15:00z", 1_795_342_500.0),
        ("2026-11-22 10:15:00Z", 1_795_342_500.0),
        ("2026-11-22", 1_795_305_600.0),
        ("2024-02-29", 1_709_164_800.0),
        ("1969-12-31T23:59:59Z", -1.0),
        ("\"2026-11-22T10:15:00Z\"", 1_795_342_500.0),
    ])
    func dates(text: String, seconds: Double) throws {
        struct When: Decodable { var at: Date }
        let value = try YAMLCheck.decodeResult(When.self, "at: \(text)\n").get()
        #expect(value.at.timeIntervalSince1970 == seconds)
    }

    @Test("malformed dates are refused", arguments: [
        "2026-13-01", "2025-02-29", "2026-11-22T24:00:00Z", "2026-11-22T10:15:00", "2026-11-22T10:15:00+25:00",
        "22/11/2026", "2026-11-22T10:15:00Zjunk", "1795342500",
    ])
    func badDates(text: String) {
        struct When: Decodable { var at: Date }
        #expect(YAMLCheck.decodeFailure(When.self, "at: \(text)\n")
            == "t.yaml:1:5: error: at must be a date and time like 2026-11-22T10:15:00Z, found '\(text)'")
    }

    @Test("an empty or comments-only file is an empty document for a struct", arguments: ["", "# nothing yet\n\n", "---\n# later\n"])
    func emptyFile(text: String) throws {
        #expect(YAMLCheck.decodeFailure(Sample.self, text) == "t.yaml:1:1: error: file is empty; expected a mapping")
        #expect(YAMLCheck.decodeFailure([String].self, text) == "t.yaml:1:1: error: file is empty; expected a list")
        #expect(try YAMLCheck.decodeResult(Sample?.self, text).get() == nil)
    }

    @Test("the root must be a mapping for a struct")
    func rootShape() {
        #expect(YAMLCheck.decodeFailure(Sample.self, "- a\n- b\n") == "t.yaml:1:1: error: document must be a mapping, found a list")
        #expect(YAMLCheck.decodeFailure(Sample.self, "just text\n") == "t.yaml:1:1: error: document must be a mapping, found a string")
    }

    @Test("mapping keys must be scalars")
    func complexKeys() {
        #expect(YAMLCheck.decodeFailure([String: Int].self, "a: 1\n[b, c]: 2\n") == "t.yaml:2:1: error: keys must be plain text, found a list")
    }

    @Test("dictionaries accept any key and keep their values' strictness")
    func dictionaries() throws {
        let value = try YAMLCheck.decodeResult([String: SampleProfile].self, "zeta: {retries: 1}\nalpha:\n  retries: 2\n").get()
        #expect(value.mapValues(\.retries) == ["zeta": 1, "alpha": 2])
        #expect(YAMLCheck.decodeFailure([String: SampleProfile].self, "zeta: {retries: 1, tries: 2}\n")
            == "t.yaml:1:20: error: unknown key 'tries' in zeta; did you mean 'retries'?")
        #expect(YAMLCheck.decodeFailure([String: [Int]].self, "a: [1, 2]\nb: [3, x]\n")
            == "t.yaml:2:8: error: b[1] must be an integer, found 'x'")
    }

    @Test("a large mapping decodes through its key index")
    func largeMapping() throws {
        let text = (0..<100).map { "key\($0): \($0)\n" }.joined()
        let value = try YAMLCheck.decodeResult([String: Int].self, text).get()
        #expect(value.count == 100)
        #expect(value["key57"] == 57)
    }

    @Test("nested containers and super decoders see the same strictness")
    func nestedContainers() throws {
        struct Outer: Decodable {
            var inner: Int
            var list: [Int]
            var base: SampleOwner
            enum CodingKeys: String, CodingKey, CaseIterable { case wrap, list, base }
            enum WrapKeys: String, CodingKey, CaseIterable { case inner }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                inner = try container.nestedContainer(keyedBy: WrapKeys.self, forKey: .wrap).decode(Int.self, forKey: .inner)
                var items = try container.nestedUnkeyedContainer(forKey: .list)
                var list: [Int] = []
                while !items.isAtEnd { list.append(try items.decode(Int.self)) }
                self.list = list
                base = try SampleOwner(from: container.superDecoder(forKey: .base))
            }
        }
        let value = try YAMLCheck.decodeResult(Outer.self, "wrap: {inner: 7}\nlist: [1, 2]\nbase: {name: x}\n").get()
        #expect(value.inner == 7)
        #expect(value.list == [1, 2])
        #expect(value.base.name == "x")
        #expect(YAMLCheck.decodeFailure(Outer.self, "wrap: {inner: 7, iner: 1}\nlist: []\nbase: {name: x}\n")
            == "t.yaml:1:18: error: unknown key 'iner' in wrap; did you mean 'inner'?")
        #expect(YAMLCheck.decodeFailure(Outer.self, "wrap: {inner: 7}\nlist: [1, b]\nbase: {name: x}\n")
            == "t.yaml:2:11: error: list[1] must be an integer, found 'b'")
        #expect(YAMLCheck.decodeFailure(Outer.self, "wrap: {inner: 7}\nlist: []\nbase: {nam: x}\n")
            == "t.yaml:3:8: error: unknown key 'nam' in base; did you mean 'name'?")
    }

    @Test("a StrictEnum decoded by another decoder gives the same words")
    func strictEnumElsewhere() throws {
        struct Holder: Decodable { var priority: SamplePriority }
        #expect(try JSONDecoder().decode(Holder.self, from: Data(#"{"priority":"low"}"#.utf8)).priority == .low)
        do {
            _ = try JSONDecoder().decode(Holder.self, from: Data(#"{"priority":"hgih"}"#.utf8))
            Issue.record("expected a failure")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription == "priority must be one of low, medium, high, urgent (found 'hgih'); did you mean 'high'?")
        }
    }
}

@Suite("YAMLDocument locations")
struct YAMLLocationTests {
    let document: YAMLDocument

    init() throws {
        document = try YAMLDocument.parse(Array(Sample.text.utf8), file: "board/tickets/MC-7K3Q/ticket.yaml")
    }

    @Test("location(of:) finds values by key and index", arguments: [
        ([], 1, 1),
        ([.key("title")], 2, 8),
        ([.key("labels"), .index(1)], 4, 16),
        ([.key("owner")], 7, 3),
        ([.key("owner"), .key("email")], 8, 10),
        ([.key("profiles"), .key("dev"), .key("timeout")], 11, 14),
        ([.key("profiles"), .key("ci"), .key("retries")], 13, 17),
        ([.key("steps"), .index(1), .key("optional")], 17, 15),
    ] as [([YAMLPath], Int, Int)])
    func valueLocations(path: [YAMLPath], line: Int, column: Int) {
        #expect(document.location(of: path) == SourceLocation(file: "board/tickets/MC-7K3Q/ticket.yaml", line: line, column: column))
    }

    @Test("location(of:) falls back to the nearest existing ancestor", arguments: [
        ([.key("nothing")], 1, 1),
        ([.key("owner"), .key("phone")], 7, 3),
        ([.key("labels"), .index(9)], 4, 9),
        ([.key("title"), .key("deeper")], 2, 8),
    ] as [([YAMLPath], Int, Int)])
    func fallbackLocations(path: [YAMLPath], line: Int, column: Int) {
        #expect(document.location(of: path) == SourceLocation(file: "board/tickets/MC-7K3Q/ticket.yaml", line: line, column: column))
    }

    @Test("keyLocation(of:) finds the key of the last key step")
    func keyLocations() {
        let file = "board/tickets/MC-7K3Q/ticket.yaml"
        #expect(document.keyLocation(of: [.key("priority")]) == SourceLocation(file: file, line: 3, column: 1))
        #expect(document.keyLocation(of: [.key("profiles"), .key("dev"), .key("retries")]) == SourceLocation(file: file, line: 12, column: 5))
        #expect(document.keyLocation(of: [.key("steps"), .index(1), .key("optional")]) == SourceLocation(file: file, line: 17, column: 5))
        #expect(document.keyLocation(of: [.key("labels"), .index(0)]) == SourceLocation(file: file, line: 4, column: 1))
        #expect(document.keyLocation(of: [.key("owner"), .key("phone")]) == nil)
        #expect(document.keyLocation(of: []) == nil)
    }

    @Test("an empty document answers 1:1")
    func emptyDocument() throws {
        let empty = try YAMLDocument.parse([], file: "e.yaml")
        #expect(empty.location(of: [.key("a")]) == SourceLocation(file: "e.yaml", line: 1, column: 1))
        #expect(empty.keyLocation(of: [.key("a")]) == nil)
    }
}
