import Actions
import ArgumentParser
import Foundation

/// `mission note ID "text"`: add a note to a ticket (append-only).
struct Note: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", 
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
            let note = try BoardContext.open(board).note(id, body: try NoteBody.read(text: text, file: file))
            if json { try Output.json(note) }
            else { print("Added a note to \(id): \(note.path)") }
        }
    }
}

/// Where a note's text comes from: the argument, a file, or standard input.
enum NoteBody {
    static func read(text: String?, file: String?) throws -> String {
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
