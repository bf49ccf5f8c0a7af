import Actions
import ArgumentParser
import Board

/// `mission archive`: move closed tickets to archive/YYYY/MM/ so the active folder stays small.
struct Archive: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "archive", 
        abstract: "Move closed tickets older than a given age to archive/YYYY/MM/.",
        discussion: "list --archived, show and log still find archived tickets; git log --follow keeps their history.")

    @OptionGroup var board: BoardOptions

    @Option(name: .customLong("older-than"), help: "Minimum age since closing, like 30d or 12h (default: archive_after, else 30d).")
    var olderThan: String?

    @Flag(name: .customLong("dry-run"), help: "Say what would move; commit nothing.")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            var age: Interval?
            if let olderThan {
                guard let parsed = Interval(olderThan) else { throw ValidationError("--older-than must be like 30d, 12h or 90m") }
                age = parsed
            }
            let result = try BoardContext.open(board).archive(olderThan: age, dryRun: dryRun)
            if json {
                try Output.json(result.moves.map { move in
                    ["id": move.id, "from": move.from, "to": move.to].merging(result.commit.map { ["commit": $0] } ?? [:]) { a, _ in a }
                })
            } else if result.moves.isEmpty {
                print("Nothing to archive: no ticket closed more than \(result.age) ago.")
            } else if let commit = result.commit {
                for move in result.moves { print("archived \(move.id) -> \(move.to)") }
                print("Committed \(commit.prefix(7)).")
            } else {
                for move in result.moves { print("would move \(move.id): \(move.from) -> \(move.to)") }
            }
        }
    }
}
