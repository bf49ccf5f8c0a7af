import ArgumentParser
import Board
import Foundation
import Git

/// `mission answer ID "text"`: answer a ticket's open question, or say what was done about its block.
struct Answer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer a ticket's open question, or its block: the watcher sends it back to its gate with the answer in the prompt.",
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
            let status = record.status
            let heading: String
            switch status?.status {
            case .needsInput? where status?.question != nil:
                heading = "Answer to the question: \(status?.question ?? "")"
            case .blocked?:
                heading = "Answer to the block: \(status?.blockedReason ?? "blocked for a person")"
            default:
                throw MissionFailure("\(id) has no open question and is not blocked (status: \(status?.status.rawValue ?? "none")); "
                                     + "use 'mission note' for a comment")
            }
            let (path, commit) = try context.addNote("\(heading)\n\n\(body)", to: id, in: snapshot, action: "answer")
            let gate = status?.gate ?? "its gate"
            if json { try Output.json(["id": id, "path": path, "commit": commit.hex]) }
            else if status?.status == .blocked {
                print("Answered \(id)'s block; the watcher sends it back to \(gate) with your answer and a fresh set of retries.")
            } else {
                print("Answered \(id)'s question; the watcher sends it back to \(gate).")
            }
        }
    }
}
