import ArgumentParser
import Board
import Foundation
import Git

/// `mission answer ID "text"`: answer a ticket's open question.
struct Answer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer a ticket's open question: the watcher sends it back to its gate with the answer in the prompt.",
        discussion: "The answer is a note (append-only); status.yaml stays the watcher's to change.")

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Argument(help: "The answer (Markdown). Omit to read --file or standard input.")
    var text: String?

    @Option(help: "Read the answer from this file.")
    var file: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let body = try NoteBody.read(text: text, file: file)
            guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw MissionFailure("the answer is empty; nothing was added")
            }
            let context = try BoardContext.open(board)
            let snapshot = try context.listing(parsing: [id])
            let record = try context.record(id, in: snapshot)
            guard record.status?.status == .needsInput, let question = record.status?.question else {
                throw MissionFailure("\(id) has no open question (status: \(record.status?.status.rawValue ?? "none")); use 'mission note' for a comment")
            }
            let answer = "Answer to the question: \(question)\n\n\(body)"
            let (path, commit) = try context.addNote(answer, to: id, in: snapshot, action: "answer")
            if json { try Output.json(["id": id, "path": path, "commit": commit.hex]) }
            else { print("Answered \(id)'s question; the watcher sends it back to \(record.status?.gate ?? "its gate").") }
        }
    }
}
