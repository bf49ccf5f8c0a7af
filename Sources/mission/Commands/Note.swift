import ArgumentParser
import Board
import Foundation
import Git

/// `mission note ID "text"`: add a note to a ticket (append-only).
struct Note: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a note to a ticket: from the argument, --file, or standard input.")

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Argument(help: "The note's text (Markdown). Omit to read --file or standard input.")
    var text: String?

    @Option(help: "Read the note from this file.")
    var file: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let body = try readBody()
            guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw MissionFailure("the note is empty; nothing was added")
            }
            let context = try BoardContext.open(board)
            let snapshot = try context.listing(parsing: [id])
            let record = try context.record(id, in: snapshot)
            let author = try context.store.identity()
            var written = ""
            let result = try context.store.commit(
                message: "\(id): note by \(author.name)",
                trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "note")],
                reusing: snapshot
            ) { listing in
                let now = try context.store.parsing([id], in: listing).ticket(id) ?? record
                var suffix = 0
                var name = NoteFile.name(author: author.name, date: author.date)
                while now.notes.contains(name) {
                    suffix += 1
                    name = NoteFile.name(author: author.name, date: author.date, suffix: suffix)
                }
                written = "\(now.folder)/\(TicketFile.notes)/\(name)"
                let text = body.hasSuffix("\n") ? body : body + "\n"
                return [.write(path: written, bytes: Array(text.utf8))]
            }
            if json { try Output.json(["id": id, "path": written, "commit": result.id.hex]) }
            else { print("Added a note to \(id): \(written)") }
        }
    }

    private func readBody() throws -> String {
        if let text {
            if file != nil { throw ValidationError("give the note as an argument or with --file, not both") }
            return text
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw MissionFailure("cannot read \(file)") }
            guard let body = String(data: data, encoding: .utf8) else { throw MissionFailure("\(file) is not UTF-8 text") }
            return body
        }
        if isatty(STDIN_FILENO) == 1 {
            throw ValidationError("give the note as an argument, with --file, or on standard input")
        }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let body = String(data: data, encoding: .utf8) else { throw MissionFailure("standard input is not UTF-8 text") }
        return body
    }
}
