import Board
import Foundation
import Testing

@Suite struct StarterTests {
    /// The package root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theEmbeddedStarterFilesMatchTheFoldersRunScriptsEmbedStarterIfNot() throws {
        var onDisk: [String: String] = [:]
        for folder in ["board", "templates", "schemas", "hooks"] {
            let url = Self.root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                var isDirectory: ObjCBool = false
                let path = url.appendingPathComponent(name).path
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                      folder != "board" || name.hasSuffix(".yaml") else { continue }
                onDisk["\(folder)/\(name)"] = try String(contentsOfFile: path, encoding: .utf8)
            }
        }
        let embedded = Dictionary(uniqueKeysWithValues: StarterBoard.files.map { ($0.path, $0.contents) })
        #expect(Set(embedded.keys) == Set(onDisk.keys))
        for (path, text) in onDisk {
            #expect(embedded[path] == text, "\(path) differs from the embedded copy: run scripts/embed-starter")
        }
    }

    @Test func aRenderedTicketDropsAbsentFieldsAndQuotesWhatNeedsIt() throws {
        let template = try #require(StarterBoard.file("templates/ticket.yaml"))
        let ticket = Ticket(id: "MC-7K3Q", title: "Fix: the \"login\" # redirect", priority: .high,
                            labels: ["ui", "a,b"], created: Date(timeIntervalSince1970: 1_795_000_000))
        let text = TicketTemplate.render(template, ticket: ticket)
        #expect(!text.contains("{{"))
        #expect(!text.contains("owner:"))
        #expect(!text.contains("blocked_by:"))
        let decoded = try YAMLDocument.parse(Array(text.utf8), file: "t.yaml").decode(Ticket.self)
        #expect(decoded.title == ticket.title)
        #expect(decoded.labels == ["ui", "a,b"])
        #expect(decoded.priority == .high)
        #expect(decoded.created == ticket.created)
        #expect(text.hasPrefix("# yaml-language-server: $schema=../../schemas/ticket.schema.json\n"))
    }
}
