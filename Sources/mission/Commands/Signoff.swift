import ArgumentParser
import Board
import Foundation
import Git

/// `mission approve ID --gate G`: a person in the gate's approver group lets a ticket past a human gate.
struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
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
    static let configuration = CommandConfiguration(
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
        let context = try BoardContext.open(options)
        let snapshot = try context.listing(parsing: [id])
        let record = try context.activeRecord(id, in: snapshot)
        let (workflowName, workflow) = try HumanGates.workflow(of: record, in: snapshot, context: context)
        guard let humanGate = workflow.gates.first(where: { $0.name == gate }), case .human(let group)? = humanGate.kind
        else {
            let what = workflow.gates.contains(where: { $0.name == gate }) ? "is not a human gate" : "is no gate"
            throw MissionFailure("'\(gate)' \(what) of workflow '\(workflowName)', which \(id) follows\n  "
                                 + HumanGates.describe(workflow, settings: snapshot.config.settings))
        }
        try requireWaiting(record, at: gate)

        let author = try context.store.identity()
        let settings = snapshot.config.settings
        guard settings.isApprover(in: group, name: author.name, email: author.email) else {
            throw MissionFailure("\(author.name) <\(author.email)> may not sign off \(gate) of \(id): only the approver "
                                 + "group '\(group)' may\n  " + HumanGates.members(group, settings: settings,
                                                                                    path: context.location.path(.settings)))
        }

        let signer = "\(author.name) <\(author.email)>"
        let action = decision == .approve ? "approved" : "rejected"
        let packet = EvidencePacket(kind: .signoff, ticket: id, gate: gate, ended: Date(),
                                    signoff: Signoff(by: signer, decision: decision, note: note))
        var written = ""
        let result = try context.store.commit(
            message: "\(id): \(gate) \(action) by \(author.name)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Gate", value: gate),
                       Trailer(key: "Mission-Action", value: decision.rawValue),
                       Trailer(key: "Mission-Signoff-By", value: signer)],
            reusing: snapshot
        ) { listing in
            // Read again on every attempt: the watcher may have moved the ticket on, or another sign-off landed.
            let current = try context.store.parsing([id], in: listing)
            guard let now = current.ticket(id), !now.archived else { throw MissionFailure("\(id) was removed meanwhile") }
            try requireWaiting(now, at: gate)
            let name = HumanGates.nextPacketName(in: now, gate: gate)
            written = "\(now.folder)/\(TicketFile.evidence)/\(name)"
            return [.write(path: written, bytes: try YAMLWriting.encode(packet))]
        }
        if json {
            try Output.json(SignoffResult(id: id, gate: gate, decision: decision.rawValue, by: signer, note: note,
                                          packet: written, commit: result.id.hex))
            return
        }
        print("\(id): \(gate) \(action) by \(signer) (\(result.id.short))")
        print("Recorded \(written).")
        switch decision {
        case .approve:
            let index = workflow.gates.firstIndex(of: humanGate)!
            if index + 1 < workflow.gates.count {
                print("The watcher moves \(id) on to \(workflow.gates[index + 1].name).")
            } else {
                print("\(gate) is the last gate: the watcher marks \(id) done; 'mission merge \(id)' merges its branch.")
            }
        case .reject:
            print("The watcher sends \(id) back to \(humanGate.onFail ?? gate) with your note as findings.")
        }

    }

    /// Fails unless the ticket's status is `waiting` at `gate` with no sign-off for it already pending.
    static func requireWaiting(_ record: TicketRecord, at gate: String) throws {
        let id = record.id
        guard let status = record.status else {
            throw MissionFailure("\(id) is not waiting at \(gate): the watcher has not started it yet (no status)")
        }
        guard status.status == .waiting, status.gate == gate else {
            let hint = status.status == .waiting ? "\n  sign off with --gate \(status.gate ?? "?")" : ""
            throw MissionFailure("\(id) is not waiting at \(gate): \(HumanGates.doing(status))\(hint)")
        }
        // The watcher takes the first sign-off after the last packet it wrote; a second would be ignored.
        if let pending = record.evidence.first(where: { $0.hasSuffix("-\(gate).yaml") && $0 > (status.lastEvidence ?? "") }) {
            throw MissionFailure("a sign-off for \(gate) of \(id) is already waiting for the watcher: \(pending)")
        }
    }
}

/// What `mission approve` or `mission reject` did, for `--json`.
struct SignoffResult: Encodable {
    let id: String
    let gate: String
    let decision: String
    let by: String
    let note: String?
    let packet: String
    let commit: String

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(id, forKey: "id")
        try c.encode(gate, forKey: "gate")
        try c.encode(decision, forKey: "decision")
        try c.encode(by, forKey: "by")
        try c.encode(note, forKey: "note")
        try c.encode(packet, forKey: "packet")
        try c.encode(commit, forKey: "commit")
    }
}

/// Human gates, approver groups and the evidence packets that record sign-offs.
enum HumanGates {
    /// The ticket's workflow and its name, as the watcher picks it; fails for a broken spec or an unknown workflow.
    static func workflow(of record: TicketRecord, in snapshot: BoardSnapshot,
                         context: BoardContext) throws -> (String, Workflow) {
        guard let spec = record.spec else {
            throw MissionFailure("\(record.id) is broken; fix its spec first:\n  " +
                                 snapshot.diagnostics(for: record.id).map(\.description).joined(separator: "\n  "))
        }
        let config = snapshot.config
        let name = spec.workflow ?? config.settings.defaultWorkflow ?? "code"
        guard let workflow = config.workflows.workflows[name] else {
            throw MissionFailure("\(record.id) follows workflow '\(name)', which \(context.location.path(.workflows)) "
                                 + "does not define")
        }
        return (name, workflow)
    }

    /// The human gates of `workflow` with their groups and members, in one line.
    static func describe(_ workflow: Workflow, settings: BoardSettings) -> String {
        let gates = workflow.gates.compactMap { gate -> String? in
            guard case .human(let group)? = gate.kind else { return nil }
            let members = settings.approvers[group] ?? []
            return "\(gate.name) (group \(group): \(members.isEmpty ? "nobody" : members.joined(separator: ", ")))"
        }
        return gates.isEmpty ? "the workflow has no human gates" : "human gates: " + gates.joined(separator: "; ")
    }

    /// What a ticket is doing, in words: "it is running at implement", "it waits for an answer at review".
    static func doing(_ status: TicketStatus) -> String {
        let at = status.gate.map { " at \($0)" } ?? ""
        return switch status.status {
        case .queued: "it is queued\(at)"
        case .running: "it is running\(at)"
        case .needsInput: "it waits for an answer\(at)"
        case .inReview: "it is in review\(at)"
        case .waiting: "it is waiting\(at)"
        case .done: "it is done"
        case .blocked: "it is blocked\(at)"
        case .failed: "it failed\(at)"
        case .cancelled: "it is cancelled"
        }
    }

    /// Who may sign for `group`, in a line for a refusal.
    static func members(_ group: String, settings: BoardSettings, path: String) -> String {
        guard let members = settings.approvers[group], !members.isEmpty else {
            return "the group '\(group)' lists nobody under approvers: in \(path), so nobody can sign yet"
        }
        return "members of '\(group)' (approvers in \(path)): \(members.joined(separator: ", "))"
    }

    /// The file name of the ticket's next evidence packet: its number is the count of packets so far plus one.
    static func nextPacketName(in record: TicketRecord, gate: String) -> String {
        var number = record.evidence.count + 1
        var name = String(format: "%04d-", number) + gate + ".yaml"
        while record.evidence.contains(name) {
            number += 1
            name = String(format: "%04d-", number) + gate + ".yaml"
        }
        return name
    }

    /// The ticket's evidence packets that parse, by file name in order; the ones that do not are left out.
    static func packets(of record: TicketRecord, in snapshot: BoardSnapshot,
                        repository: Repository) throws -> [(name: String, packet: EvidencePacket)] {
        guard let commit = snapshot.commit else { return [] }
        return TreeSource(repository: repository, root: try repository.commit(commit).tree).decodedEvidence(of: record)
    }
}
