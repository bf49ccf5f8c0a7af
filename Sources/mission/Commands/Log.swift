import Actions
import ArgumentParser
import Board
import Foundation
import Git

/// `mission log ID`: the ticket's audit trail from git history, with trailers.
struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Show a ticket's history from git, with trailers.")

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Option(help: "Show at most this many commits.")
    var limit: Int?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let commits = try context.ticketHistory(id, in: try context.listing(), limit: limit)
            if json {
                try Output.json(commits.map(LogEntry.init))
                return
            }
            let formatter = ISO8601DateFormatter()
            for commit in commits {
                // Names, subjects and trailers are anyone's push away: shown, never obeyed, by the terminal.
                print("\(commit.id.short)  \(formatter.string(from: commit.author.date))  \(Output.visible(commit.author.name))")
                print("    \(Output.visible(commit.summary))")
                for trailer in commit.trailers { print("    \(Output.visible(trailer.key)): \(Output.visible(trailer.value))") }
            }
            if commits.isEmpty { print("No commits touch \(id).") }
        }
    }
}

/// One commit of a ticket's history, for `log --json`.
struct LogEntry: Encodable {
    let commit: String
    let author: String
    let email: String
    let date: Date
    let summary: String
    let message: String
    let trailers: [Trailer]

    init(_ commit: Commit) {
        self.commit = commit.id.hex
        author = commit.author.name
        email = commit.author.email
        date = commit.author.date
        summary = commit.summary
        message = commit.message
        trailers = commit.trailers
    }
}
