import Board
import Foundation
import Testing

/// One file of the shared corpus: `Fixtures/corpus/<kind>/<good|bad>/<name>.yaml`.
struct CorpusFile: Sendable, CustomTestStringConvertible {
    /// The board file kind, which names both the schema and the Swift model.
    var kind: String
    /// Whether the file must be accepted.
    var isGood: Bool
    /// Where the file is.
    var url: URL

    /// The path diagnostics are reported against.
    var path: String { "corpus/\(kind)/\(isGood ? "good" : "bad")/\(url.lastPathComponent)" }
    var testDescription: String { path }
}

/// Where the corpus, the schemas and the starter board are.
enum CorpusPaths {
    /// The board file kinds, each with a schema in `schemas/` and a folder in the corpus.
    static let kinds = ["ticket", "status", "evidence", "mission", "runtimes", "roles", "workflows", "schedule"]

    /// The package's root folder, for the schemas and the starter board that live outside the test bundle.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The test bundle's copy of `Fixtures`.
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    /// `schemas/<kind>.schema.json`.
    static func schema(_ kind: String) -> URL {
        packageRoot.appendingPathComponent("schemas/\(kind).schema.json")
    }

    /// Every corpus file, sorted; empty when the folder is missing (a separate test catches that).
    static let corpus: [CorpusFile] = kinds.flatMap { kind in
        [true, false].flatMap { isGood in
            let folder = fixtures.appendingPathComponent("corpus/\(kind)/\(isGood ? "good" : "bad")")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().map {
                CorpusFile(kind: kind, isGood: isGood, url: folder.appendingPathComponent($0))
            }
        }
    }

    /// The board configuration files of the starter board in `board/`, by kind.
    static let starterKinds = ["mission", "runtimes", "roles", "workflows", "schedule"]
}

/// Decodes `document` as the Swift model of `kind`, as the loader does.
func decodeBoardFile(_ kind: String, _ document: YAMLDocument) throws(Diagnostic) {
    switch kind {
    case "ticket": _ = try document.decode(Ticket.self)
    case "status": _ = try document.decode(TicketStatus.self)
    case "evidence": _ = try document.decode(EvidencePacket.self)
    case "mission": _ = try document.decode(BoardSettings.self)
    case "runtimes": _ = try document.decode(RuntimesFile.self)
    case "roles": _ = try document.decode(RolesFile.self)
    case "workflows": _ = try document.decode(WorkflowsFile.self)
    case "schedule": _ = try document.decode(ScheduleFile.self)
    default: Issue.record("no Swift model for kind '\(kind)'")
    }
}

/// The Swift decoder and the JSON Schemas must agree on every file of the shared corpus.
@Suite struct CorpusTests {
    /// The validator for `kind`'s schema; records a failure when the schema cannot be used.
    static func validator(_ kind: String) throws -> JSONSchemaValidator {
        let bytes = try [UInt8](Data(contentsOf: CorpusPaths.schema(kind)))
        return try JSONSchemaValidator(json: bytes)
    }

    @Test(arguments: CorpusPaths.kinds)
    func theSchemaIsValidJSONAndUsesOnlyImplementedKeywords(_ kind: String) throws {
        let bytes = try [UInt8](Data(contentsOf: CorpusPaths.schema(kind)))
        // Foundation's parser too, so a lenient spot in ours cannot hide a broken file.
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(bytes)) }
        let schema = try JSONValue(json: bytes)
        #expect(throws: Never.self) { try JSONSchemaValidator(schema) }
    }

    @Test func theCorpusHasGoodAndBadFilesOfEveryKind() {
        for kind in CorpusPaths.kinds {
            let files = CorpusPaths.corpus.filter { $0.kind == kind }
            #expect(files.contains { $0.isGood }, "no good \(kind) files")
            #expect(files.contains { !$0.isGood }, "no bad \(kind) files")
        }
    }

    @Test(arguments: CorpusPaths.corpus)
    func theSwiftDecoderAndTheSchemaAgree(_ file: CorpusFile) throws {
        let bytes = try [UInt8](Data(contentsOf: file.url))
        let schemaErrors = try Self.validator(file.kind).validate(JSONValue(yaml: bytes))
        let swiftResult = Result { () throws(Diagnostic) in
            try decodeBoardFile(file.kind, YAMLDocument.parse(bytes, file: file.path))
        }

        if file.isGood {
            #expect(schemaErrors.isEmpty, "the schema rejects a good file:\n\(schemaErrors.joined(separator: "\n"))")
            if case .failure(let diagnostic) = swiftResult {
                Issue.record("the Swift decoder rejects a good file: \(diagnostic)")
            }
            return
        }

        #expect(!schemaErrors.isEmpty, "the schema accepts a bad file")
        let expectation = try #require(CorpusExpectation(firstLineOf: bytes), "a bad file must start with '# expect: LINE:COLUMN: TEXT'")
        guard case .failure(let diagnostic) = swiftResult else {
            Issue.record("the Swift decoder accepts a bad file; expected \(expectation)")
            return
        }
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.location == SourceLocation(file: file.path, line: expectation.line, column: expectation.column)
                    && diagnostic.message.contains(expectation.text),
                "expected \(file.path):\(expectation), got \(diagnostic)")
    }

    @Test(arguments: CorpusPaths.starterKinds)
    func theStarterBoardFilePassesItsSchema(_ kind: String) throws {
        let url = CorpusPaths.packageRoot.appendingPathComponent("board/\(kind).yaml")
        let bytes = try [UInt8](Data(contentsOf: url))
        let errors = try Self.validator(kind).validate(JSONValue(yaml: bytes))
        #expect(errors.isEmpty, "board/\(kind).yaml:\n\(errors.joined(separator: "\n"))")
        #expect(throws: Never.self) { try decodeBoardFile(kind, YAMLDocument.parse(bytes, file: "board/\(kind).yaml")) }
    }
}

/// The `# expect: LINE:COLUMN: TEXT` first line of a bad corpus file.
struct CorpusExpectation: CustomStringConvertible {
    var line: Int
    var column: Int
    var text: String

    init?(firstLineOf bytes: [UInt8]) {
        let first = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard first.hasPrefix("# expect: ") else { return nil }
        let parts = first.dropFirst("# expect: ".count).split(separator: ":", maxSplits: 2)
        guard parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]), parts[2].hasPrefix(" ") else { return nil }
        self.line = line
        self.column = column
        text = String(parts[2].dropFirst())
    }

    var description: String { "\(line):\(column): \(text)" }
}
