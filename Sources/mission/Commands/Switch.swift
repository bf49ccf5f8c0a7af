import Actions
import ArgumentParser
import Foundation

/// `mission switch ID --profile P`: the ticket's next session runs on another runtime profile.
struct Switch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "switch", 
        abstract: "Run a ticket's next session on another runtime profile (sets the profile: line of its spec).",
        discussion: """
            The profile pins the ticket: its sessions run on it instead of its role's profiles in fallback order. \
            A running session goes on with the profile it has; evidence and notes already written stay as they \
            are. --note adds a note saying who switched and why.
            """)

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Option(help: "The runtime profile, from runtimes.yaml.")
    var profile: String

    @Option(help: "Why: added to the ticket as a note, with who switched.")
    var note: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if profile.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--profile needs a profile's name") }
        if let note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the --note is empty")
        }
    }

    func run() throws {
        try failing {
            let result = try BoardContext.open(board).switchProfile(id, to: profile, note: note)
            for warning in result.warnings { Output.error("warning: \(warning)") }
            if json {
                try Output.json(result)
                return
            }
            guard let commit = result.commit else {
                print("\(id) already runs on \(profile).")
                return
            }
            let was = result.previous.map { " (was \($0))" } ?? ""
            print("\(id): the next session runs on \(profile)\(was) (\(commit.prefix(7)))")
            if let running = result.runningSession {
                print("The running session \(running) goes on with \(result.runningProfile ?? "its profile").")
            }
            if let path = result.note { print("Added a note: \(path)") }
        }
    }
}
