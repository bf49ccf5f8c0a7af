import Board
import Foundation
import Testing

/// One line of `Fixtures/badinput/EXPECT.txt`: a bad file and where its error must be reported.
struct BadInput: Sendable, CustomTestStringConvertible {
    /// The fixture's file name, or `GENERATED-20MB` / `GENERATED-DEEP` for files built at test time.
    var name: String
    var line: Int
    var column: Int
    /// Text the diagnostic's message must contain.
    var text: String

    var testDescription: String { name }

    /// The fixtures folder.
    static let folder = CorpusPaths.fixtures.appendingPathComponent("badinput")

    /// Every expectation, in file order; empty when EXPECT.txt is missing (a separate test catches that).
    static let all: [BadInput] = {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("EXPECT.txt"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> BadInput? in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let place = fields.count == 3 ? fields[1].split(separator: ":").compactMap { Int($0) } : []
            // A malformed line becomes a case that fails, rather than one that is skipped.
            guard place.count == 2 else { return BadInput(name: String(line), line: 0, column: 0, text: "") }
            return BadInput(name: fields[0], line: place[0], column: place[1], text: fields[2])
        }
    }()

    /// The file's bytes: read from the fixtures, or built for the generated cases (never committed).
    func bytes(_ name: String) throws -> [UInt8] {
        switch name {
        case "GENERATED-20MB":
            let line = Array(("  " + String(repeating: "x", count: 78) + "\n").utf8)
            var bytes = Array("id: MC-AAAA\ntitle: Big\ndescription: |\n".utf8)
            bytes.reserveCapacity(20 << 20)
            for _ in 0..<(20 << 20) / line.count { bytes += line }
            return bytes
        case "GENERATED-DEEP":
            return Array("id: MC-AAAA\ntitle: Deep\nlabels: ".utf8)
                + [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
                + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000) + [UInt8(ascii: "\n")]
        default:
            return try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
        }
    }

    /// The files to write for this case: the bad file, and the other half of a dependency cycle.
    var files: [String] {
        guard name.contains("-cycle-") else { return [name] }
        let a = name.replacingOccurrences(of: "-cycle-b", with: "-cycle-a")
        return [a, a.replacingOccurrences(of: "-cycle-a", with: "-cycle-b")]
    }

    /// Where a bad file goes on the board, relative to the board's folder (see EXPECT.txt's comments):
    /// `NN-status-*` is MC-GOOD1's status.yaml, `NN-<config>-*` replaces that configuration file, and anything
    /// else is the ticket.yaml of the folder named by a `# folder: X` second line, else of MC-AAAA.
    static func placement(of name: String, bytes: [UInt8]) -> String {
        let kind = name.split(separator: "-", maxSplits: 1).last.map(String.init) ?? name
        if kind.hasPrefix("status-") { return "tickets/MC-GOOD1/status.yaml" }
        for config in ["mission", "workflows", "roles", "runtimes", "schedule"] where kind.hasPrefix(config + "-") {
            return "\(config).yaml"
        }
        let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        if lines.count > 1, lines[1].starts(with: Array("# folder: ".utf8)) {
            let folder = String(decoding: lines[1].dropFirst("# folder: ".count), as: UTF8.self)
            return "tickets/\(folder.trimmingCharacters(in: .whitespacesAndNewlines))/ticket.yaml"
        }
        return "tickets/MC-AAAA/ticket.yaml"
    }
}

/// Hostile and broken board files: each is reported where it is wrong, the rest of the board still loads,
/// `mission check` would fail, and loading stays fast.
@Suite struct BadInputTests {
    @Test func everyFixtureHasAnExpectationAndTheGeneratedCasesAreThere() throws {
        let names = Set(BadInput.all.map(\.name))
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: BadInput.folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(fixtures).subtracting(names).isEmpty, "fixtures without an expectation")
        #expect(names.isSuperset(of: ["GENERATED-20MB", "GENERATED-DEEP"]))
    }

    @Test(arguments: BadInput.all)
    func aBadFileIsReportedWhereItIsWrongAndTheRestOfTheBoardLoads(_ input: BadInput) throws {
        let board = try BoardFixture()
        try board.ticket("MC-GOOD1", "state: ready\nworkflow: code\nassignee: coder\n")
        try board.ticket("MC-GOOD2", "blocked_by: [MC-GOOD1]\nparent: MC-GOOD1\n")
        var expectedFile = ""
        for name in input.files {
            let bytes = try input.bytes(name)
            let path = "\(board.location.directory)/\(BadInput.placement(of: name, bytes: bytes))"
            try board.write(path, bytes)
            if name == input.name { expectedFile = path }
        }

        let clock = ContinuousClock()
        let start = clock.now
        let snapshot = board.load()
        let elapsed = clock.now - start

        let diagnostics = snapshot.allDiagnostics
        let found = diagnostics.contains {
            $0.severity == .error && $0.location == SourceLocation(file: expectedFile, line: input.line, column: input.column)
                && $0.message.contains(input.text)
        }
        #expect(found, "expected \(expectedFile):\(input.line):\(input.column): error: …\(input.text)…; got:\n\(diagnostics.text)")
        #expect(snapshot.hasErrors)

        let good1 = snapshot.ticket("MC-GOOD1")?.spec
        #expect(good1?.title == "Ticket MC-GOOD1" && good1?.state == .ready && good1?.workflow == "code"
                    && good1?.assignee == "coder", "MC-GOOD1 lost: \(String(describing: good1))")
        let good2 = snapshot.ticket("MC-GOOD2")?.spec
        #expect(good2?.title == "Ticket MC-GOOD2" && good2?.blockedBy == ["MC-GOOD1"] && good2?.parent == "MC-GOOD1",
                "MC-GOOD2 lost: \(String(describing: good2))")
        // Generous for a debug build on a busy machine; a quadratic or unbounded path takes far longer.
        #expect(elapsed < .seconds(2), "loading took \(elapsed)")
    }
}
