import Actions
import ArgumentParser

/// `mission answer ID "text"`: answer a ticket's open question, or say what was done about its block.
struct Answer: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "answer", 
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
            let answer = try BoardContext.open(board).answer(id, body: try NoteBody.read(text: text, file: file))
            let gate = answer.gate ?? "its gate"
            if json { try Output.json(answer.note) }
            else if answer.answered == .block {
                print("Answered \(id)'s block; the watcher sends it back to \(gate) with your answer and a fresh set of retries.")
            } else {
                print("Answered \(id)'s question; the watcher sends it back to \(gate).")
            }
        }
    }
}
