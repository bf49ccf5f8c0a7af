import Actions
import ArgumentParser
import Foundation
import Board

/// `mission approve ID --gate G`: a person in the gate's approver group lets a ticket past a human gate.
struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", 
        abstract: "Approve a ticket waiting at a human gate: the watcher moves it on to the next gate.",
        discussion: """
            Commits a sign-off packet (evidence/NNNN-GATE.yaml) signed with your git identity \
            (GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL, else user.name/user.email). Only the members of the gate's \
            approver group in mission.yaml may sign; status.yaml stays the watcher's to change.
            """)

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Option(help: "The human gate the ticket waits at.")
    var gate: String

    @Option(help: "What you say about it, kept in the sign-off.")
    var note: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if let note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the --note is empty")
        }
    }

    func run() throws {
        try failing { try SignOff.run(board, id: id, gate: gate, decision: .approve, note: note, json: json) }
    }
}

/// `mission reject ID --gate G --note TEXT`: a person in the gate's approver group sends a ticket back.
struct Reject: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", 
        abstract: "Reject a ticket waiting at a human gate: the watcher sends it back with your note as findings.",
        discussion: """
            Commits a sign-off packet (evidence/NNNN-GATE.yaml) signed with your git identity. The ticket goes \
            back to the gate's on_fail gate, and the note reaches the next prompt. Only the members of the \
            gate's approver group in mission.yaml may sign.
            """)

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Option(help: "The human gate the ticket waits at.")
    var gate: String

    @Option(help: "What must change (required): the findings the ticket goes back with.")
    var note: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard let note, !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("a rejection needs a --note saying what must change: the ticket goes back with it as findings")
        }
    }

    func run() throws {
        try failing { try SignOff.run(board, id: id, gate: gate, decision: .reject, note: note, json: json) }
    }
}

/// Signing off at a human gate, shared by `approve` and `reject`.
enum SignOff {
    static func run(_ options: BoardOptions, id: String, gate: String, decision: SignoffDecision, note: String?,
                    json: Bool) throws {
        let result = try BoardContext.open(options).signOff(id, gate: gate, decision: decision, note: note)
        if json {
            try Output.json(result)
            return
        }
        let action = decision == .approve ? "approved" : "rejected"
        print("\(id): \(gate) \(action) by \(result.by) (\(result.commit.prefix(7)))")
        print("Recorded \(result.packet).")
        switch (decision, result.next) {
        case (.approve, let next?): print("The watcher moves \(id) on to \(next).")
        case (.approve, nil): print("\(gate) is the last gate: the watcher marks \(id) done; 'mission merge \(id)' merges its branch.")
        case (.reject, let next): print("The watcher sends \(id) back to \(next ?? gate) with your note as findings.")
        }
    }
}
