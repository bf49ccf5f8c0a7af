import Board
import Foundation
import Testing

/// Helpers shared by the YAML tests: parse or decode text as the file `t.yaml`.
enum YAMLCheck {
    /// Parses `text` as `t.yaml`, or returns the diagnostic it fails with.
    static func parseFailure(_ text: String, limits: YAMLLimits = .init()) -> Diagnostic? {
        parseFailure(Array(text.utf8), limits: limits)
    }

    /// Parses `bytes` as `t.yaml`, or returns the diagnostic it fails with.
    static func parseFailure(_ bytes: [UInt8], limits: YAMLLimits = .init()) -> Diagnostic? {
        do {
            _ = try YAMLDocument.parse(bytes, file: "t.yaml", limits: limits)
            return nil
        } catch {
            return error
        }
    }

    /// Parses and decodes `text` as `T`, or returns the first diagnostic.
    static func decodeResult<T: Decodable>(_ type: T.Type, _ text: String) -> Result<T, Diagnostic> {
        Result { () throws(Diagnostic) -> T in
            try YAMLDocument.parse(Array(text.utf8), file: "t.yaml").decode(T.self)
        }
    }

    /// The diagnostic decoding `text` as `T` fails with, as `file:line:col: error: message; hint`.
    static func decodeFailure<T: Decodable>(_ type: T.Type, _ text: String) -> String? {
        switch decodeResult(type, text) {
        case .success: nil
        case .failure(let diagnostic): diagnostic.description
        }
    }
}

@Suite("YAMLDocument.parse: checks before and during parsing")
struct YAMLParseTests {
    @Test("a file over the size limit is refused at 1:1 without parsing")
    func tooLarge() throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 20 << 20)
        let clock = ContinuousClock()
        var failure: Diagnostic?
        let elapsed = clock.measure { failure = YAMLCheck.parseFailure(bytes) }
        #expect(failure?.description == "t.yaml:1:1: error: file is 20.0 MB; board files are limited to 1.0 MB")
        #expect(elapsed < .milliseconds(50))
    }

    @Test("a file just at the limit is accepted")
    func atTheLimit() {
        let text = "a: " + String(repeating: "x", count: 97)
        #expect(YAMLCheck.parseFailure(text, limits: YAMLLimits(maxBytes: 100)) == nil)
        #expect(YAMLCheck.parseFailure(text + "y", limits: YAMLLimits(maxBytes: 100))?.message
            == "file is 101 bytes; board files are limited to 100 bytes")
    }

    @Test("a NUL byte marks a binary file, at its position")
    func nulByte() {
        #expect(YAMLCheck.parseFailure("a: 1\nb: x\u{0}y\n")?.description
            == "t.yaml:2:5: error: binary file: board files must be UTF-8 text")
    }

    @Test("invalid UTF-8 is reported at the bad byte's line and column")
    func invalidUTF8() {
        // Line 3 starts at byte 10; "title: café " is 12 characters but 13 bytes.
        let bytes = Array("a: 1\nb: 2\ntitle: café ".utf8) + [0xFF, 0xFE] + Array(" x\n".utf8)
        #expect(YAMLCheck.parseFailure(bytes)?.description == "t.yaml:3:13: error: invalid UTF-8 at byte 23")
    }

    @Test("overlong forms, surrogates and truncated sequences are invalid UTF-8", arguments: [
        [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
    ] as [[UInt8]])
    func invalidSequences(sequence: [UInt8]) {
        #expect(YAMLCheck.parseFailure(Array("k: ".utf8) + sequence)?.description == "t.yaml:1:4: error: invalid UTF-8 at byte 3")
    }

    @Test("control characters that libyaml refuses are reported plainly")
    func controlCharacter() {
        #expect(YAMLCheck.parseFailure("a: b\u{7}c\n")?.description
            == "t.yaml:1:5: error: control character U+0007 is not allowed in board files")
    }

    @Test("a leading byte order mark is skipped, and columns on line 1 ignore it")
    func byteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a: 1\nb: {\n".utf8)
        #expect(YAMLCheck.parseFailure([0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8)) == nil)
        #expect(YAMLCheck.parseFailure([0xEF, 0xBB, 0xBF] + Array("a: b: c\n".utf8))?.location
            == SourceLocation(file: "t.yaml", line: 1, column: 5))
        #expect(YAMLCheck.parseFailure(bytes) != nil)
    }

    @Test("100,000 nested brackets are refused by the pre-scan, fast")
    func deepFlowNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let clock = ContinuousClock()
        var failure: Diagnostic?
        let elapsed = clock.measure { failure = YAMLCheck.parseFailure(text) }
        #expect(failure?.description == "t.yaml:1:65: error: nesting is deeper than 64 levels")
        #expect(elapsed < .milliseconds(500))
    }

    @Test("deep block nesting is refused at the line that goes too deep")
    func deepBlockNesting() {
        var text = ""
        for level in 0..<100 {
            text += String(repeating: "  ", count: level) + "a:\n"
        }
        #expect(YAMLCheck.parseFailure(text)?.description == "t.yaml:65:129: error: nesting is deeper than 64 levels")
    }

    @Test("dashes on one line each count as a level")
    func dashesOnOneLine() {
        let text = String(repeating: "- ", count: 100) + "x\n"
        #expect(YAMLCheck.parseFailure(text)?.description == "t.yaml:1:129: error: nesting is deeper than 64 levels")
    }

    @Test("lists under keys at the same column nest, and count as nesting")
    func listsAtTheKeyColumn() {
        var text = ""
        for level in 0..<40 {
            let indent = String(repeating: "  ", count: level)
            text += indent + "- a:\n"
        }
        #expect(YAMLCheck.parseFailure(text)?.message == "nesting is deeper than 64 levels")
    }

    @Test("brackets in quotes, comments and block scalars do not count as nesting", arguments: [
        "title: \"" + String(repeating: "[", count: 200) + "\"\n",
        "title: '" + String(repeating: "{", count: 200) + "'\n",
        "# " + String(repeating: "[", count: 200) + "\nid: x\n",
        "description: |\n  " + String(repeating: "[", count: 200) + "\n  'open quote [[[[\nid: x\n",
        "description: >-\n    " + String(repeating: "{", count: 200) + "\n\n    more\nid: x\n",
        "title: see [" + String(repeating: "[", count: 200) + " in text\n",
        "list: ['a[[[[[[', \"b{{{{{{{{\", 'it''s [[[[[[[[']\n",
        "- a: |\n    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n  b: [1, [2, [3]]]\n",
    ])
    func bracketsThatAreText(text: String) {
        #expect(YAMLCheck.parseFailure(text) == nil)
    }

    @Test("a scanner error is reported in libyaml's words at its mark")
    func scannerError() {
        #expect(YAMLCheck.parseFailure("id: x\ntitle: foo: bar\n")?.description
            == "t.yaml:2:11: error: mapping values are not allowed in this context")
    }

    @Test("a parser error carries its context")
    func parserError() {
        #expect(YAMLCheck.parseFailure("a: [1, 2\nb: 3\n")?.description
            == "t.yaml:2:2: error: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)")
    }

    @Test("a tab used for indentation is named as such", arguments: [
        ("a:\n\tb: 1\n", "t.yaml:2:1"),
        ("a:\n  b: 1\n\tc: 2\n", "t.yaml:3:1"),
        ("a: 1\nb:\n  - x\n  \t- y\n", "t.yaml:4:3"),
    ])
    func tabIndentation(text: String, location: String) {
        #expect(YAMLCheck.parseFailure(text)?.description == "\(location): error: tabs are not allowed for indentation in YAML; use spaces")
    }

    @Test("a duplicate key is reported at its second occurrence", arguments: [
        ("id: MC-1\ntitle: x\nid: MC-2\n", "t.yaml:3:1", "id"),
        ("owner:\n  name: a\n  email: b\n  # again\n  name: c\n", "t.yaml:5:3", "name"),
        ("- name: a\n  x: 1\n  name: b\n", "t.yaml:3:3", "name"),
        ("x: {a: 1, b: 2, a: 3}\n", "t.yaml:1:17", "a"),
        ("\"priority\": low\npriority: high\n", "t.yaml:2:1", "priority"),
        ("b: 0\na: 1\nb: 2\na: 2\n", "t.yaml:4:1", "a"),
    ])
    func duplicateKey(text: String, location: String, key: String) {
        #expect(YAMLCheck.parseFailure(text)?.description == "\(location): error: duplicate key '\(key)'")
    }

    @Test("anchors are refused at the first anchor, aliases at an undefined alias", arguments: [
        ("a: 1\nb: &x 2\nc: *x\n", "t.yaml:2:4"),
        ("base: &base {x: 1}\nother: *base\n", "t.yaml:1:7"),
        ("a: *nothing\n", "t.yaml:1:4"),
        ("- &first a\n", "t.yaml:1:3"),
    ])
    func anchors(text: String, location: String) {
        #expect(YAMLCheck.parseFailure(text)?.description
            == "\(location): error: anchors and aliases (&name, *name) are not allowed in board files")
    }

    @Test("ampersands and asterisks in text are not anchors")
    func ampersandsInText() {
        #expect(YAMLCheck.parseFailure("title: R&D *now*\nnote: 'a & b'\n") == nil)
    }

    @Test("a billion laughs document is refused in well under a second")
    func billionLaughs() {
        var text = "lol0: &lol0 \"lol\"\n"
        for level in 1...9 {
            let items = Array(repeating: "*lol\(level - 1)", count: 9).joined(separator: ", ")
            text += "lol\(level): &lol\(level) [\(items)]\n"
        }
        let clock = ContinuousClock()
        var failure: Diagnostic?
        let elapsed = clock.measure { failure = YAMLCheck.parseFailure(text) }
        #expect(failure?.description == "t.yaml:1:7: error: anchors and aliases (&name, *name) are not allowed in board files")
        #expect(elapsed < .milliseconds(100))
    }

    @Test("an empty file, one with only blanks and one with only comments parse", arguments: [
        "", "\n\n   \n", "# just a comment\n# and another\n", "---\n",
    ])
    func emptyDocuments(text: String) {
        #expect(YAMLCheck.parseFailure(text) == nil)
    }

    @Test("a second document is refused where it starts")
    func twoDocuments() {
        #expect(YAMLCheck.parseFailure("a: 1\n---\nb: 2\n")?.description == "t.yaml:2:1: error: only one YAML document per file")
        #expect(YAMLCheck.parseFailure("---\na: 1\n") == nil)
        #expect(YAMLCheck.parseFailure("---\na: 1\n...\n") == nil)
        #expect(YAMLCheck.parseFailure("---\n---\n")?.description == "t.yaml:2:1: error: only one YAML document per file")
    }
}
