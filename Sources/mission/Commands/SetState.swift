import ArgumentParser
import Board
import Foundation
import Git

/// Sets a ticket's desired state, editing that one line of its spec in place.
enum SetState {
    static func run(_ options: BoardOptions, id: String, to state: DesiredState, json: Bool) throws {
        let context = try BoardContext.open(options)
        let snapshot = try context.listing(parsing: [id])
        let record = try context.activeRecord(id, in: snapshot)
        guard let spec = record.spec else {
            throw MissionFailure("\(id) is broken; fix its spec first:\n  " +
                                 snapshot.diagnostics(for: id).map(\.description).joined(separator: "\n  "))
        }
        if spec.state == state {
            if json { try Output.json(StateChange(id: id, state: state.rawValue, commit: nil)) }
            else { print("\(id) is already \(state.rawValue).") }
            return
        }
        let result = try context.commitSpecField(
            "state", to: state.rawValue, of: record, in: snapshot,
            message: "\(id): \(spec.state.rawValue) -> \(state.rawValue)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: state.rawValue)],
            refusal: "\(id) cannot become \(state.rawValue)")
        if json { try Output.json(StateChange(id: id, state: state.rawValue, commit: result.id.hex)) }
        else { print("\(id): \(spec.state.rawValue) -> \(state.rawValue) (\(result.id.short))") }
    }
}

extension BoardContext {
    /// Sets top-level `key` of `record`'s spec to `value` (already YAML-quoted as needed) in place, keeping every
    /// other byte of the person's file, and commits it once the result validates against the board. Refuses when
    /// the checkout holds an uncommitted edit of the spec; `refusal` opens the message when the edited spec would
    /// not validate. When another writer commits first, the edit is re-applied to the spec as it is then.
    func commitSpecField(_ key: String, to value: String, of record: TicketRecord, in snapshot: BoardSnapshot,
                         message: String, trailers: [Trailer], refusal: String) throws -> BoardCommit {
        let id = record.id
        let committed = try specBytes(record, in: snapshot)
        try requireNoUncommittedEdit(record.specPath, committed: committed)
        return try store.commit(message: message, trailers: trailers, reusing: snapshot) { listing in
            let current = try store.parsing([id], in: listing)
            guard let now = current.ticket(id) else { throw MissionFailure("\(id) was removed meanwhile") }
            let bytes = try SpecEditor.set(key, to: value, in: try specBytes(now, in: current), file: now.specPath)
            let problems = current.checking(spec: bytes, id: id, folder: now.folder).filter { $0.severity == .error }
            if let first = problems.first {
                throw MissionFailure("\(refusal):\n  \(first)")
            }
            return [.write(path: now.specPath, bytes: bytes)]
        }
    }
}

/// What a state command did, for `--json`.
struct StateChange: Encodable {
    let id: String
    let state: String
    let commit: String?
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
    static let configuration = CommandConfiguration(abstract: "Mark a ticket ready: the watcher takes it when its blockers are closed.")
    static let target = DesiredState.ready
    @OptionGroup var arguments: StateArguments
}

/// `mission hold ID`.
struct Hold: StateCommand {
    static let configuration = CommandConfiguration(abstract: "Put a ticket on hold: the watcher stops and leaves it alone.")
    static let target = DesiredState.hold
    @OptionGroup var arguments: StateArguments
}

/// `mission cancel ID`.
struct Cancel: StateCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a ticket: it counts as closed for the tickets it blocks.")
    static let target = DesiredState.cancelled
    @OptionGroup var arguments: StateArguments
}
