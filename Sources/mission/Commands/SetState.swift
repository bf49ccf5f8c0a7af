import Actions
import ArgumentParser
import Board

/// Sets a ticket's desired state and says so.
enum SetState {
    static func run(_ options: BoardOptions, id: String, to state: DesiredState, json: Bool) throws {
        let change = try BoardContext.open(options).setState(id, to: state)
        if json { try Output.json(change) }
        else if let commit = change.commit { print("\(id): \(change.previous) -> \(change.state) (\(commit.prefix(7)))") }
        else { print("\(id) is already \(change.state).") }
    }
}

/// The arguments every state command takes.
struct StateArguments: ParsableArguments {
    @OptionGroup var board: BoardOptions
    @Argument(help: "The ticket id.") var id: String
    @Flag(help: "Print JSON.") var json = false
}

/// A command that sets one desired state.
protocol StateCommand: ParsableCommand {
    /// The state it sets.
    static var target: DesiredState { get }
    /// Its arguments.
    var arguments: StateArguments { get }
}

extension StateCommand {
    func run() throws {
        try failing { try SetState.run(arguments.board, id: arguments.id, to: Self.target, json: arguments.json) }
    }
}

/// `mission ready ID`.
struct Ready: StateCommand {
    static let configuration = CommandConfiguration(commandName: "ready", abstract: "Mark a ticket ready: the watcher takes it when its blockers are closed.")
    static let target = DesiredState.ready
    @OptionGroup var arguments: StateArguments
}

/// `mission hold ID`.
struct Hold: StateCommand {
    static let configuration = CommandConfiguration(commandName: "hold", abstract: "Put a ticket on hold: the watcher stops and leaves it alone.")
    static let target = DesiredState.hold
    @OptionGroup var arguments: StateArguments
}

/// `mission cancel ID`.
struct Cancel: StateCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a ticket: it counts as closed for the tickets it blocks.")
    static let target = DesiredState.cancelled
    @OptionGroup var arguments: StateArguments
}
