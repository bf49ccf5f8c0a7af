import Board
import Foundation
import Git

/// A sign-off committed at a human gate.
public struct SignoffResult: Encodable, Equatable {
    public let id: String
    public let gate: String
    public let decision: SignoffDecision
    public let by: String
    public let note: String?
    /// The packet's path in the repository.
    public let packet: String
    public let commit: String
    /// Where the watcher moves the ticket: the next gate on an approval (nil after the last gate: done), the
    /// gate's on_fail gate on a rejection.
    public let next: String?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(id, forKey: "id")
        try c.encode(gate, forKey: "gate")
        try c.encode(decision.rawValue, forKey: "decision")
        try c.encode(by, forKey: "by")
        try c.encode(note, forKey: "note")
        try c.encode(packet, forKey: "packet")
        try c.encode(commit, forKey: "commit")
    }
}

extension BoardContext {
    /// Approves or rejects ticket `id` waiting at human gate `gate`, signed with the git identity: a sign-off packet
    /// (evidence/NNNN-GATE.yaml). Only a member of the gate's approver group may sign; a rejection needs a note,
    /// which the ticket goes back with as findings.
    public func signOff(_ id: String, gate: String, decision: SignoffDecision, note: String?) throws -> SignoffResult {
        let note = note.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        if decision == .reject, note == nil {
            throw ActionError("a rejection needs a note saying what must change: the ticket goes back with it as findings")
        }
        let snapshot = try listing(parsing: [id])
        let record = try activeRecord(id, in: snapshot)
        let (workflowName, workflow) = try HumanGates.workflow(of: record, in: snapshot, context: self)
        guard let index = workflow.gates.firstIndex(where: { $0.name == gate }),
              case .human(let group)? = workflow.gates[index].kind
        else {
            let what = workflow.gates.contains(where: { $0.name == gate }) ? "is not a human gate" : "is no gate"
            throw ActionError("'\(gate)' \(what) of workflow '\(workflowName)', which \(id) follows\n  "
                              + HumanGates.describe(workflow, settings: snapshot.config.settings))
        }
        try HumanGates.requireWaiting(record, at: gate)

        let author = try store.identity()
        let settings = snapshot.config.settings
        guard settings.isApprover(in: group, name: author.name, email: author.email) else {
            throw ActionError("\(author.name) <\(author.email)> may not sign off \(gate) of \(id): only the approver "
                              + "group '\(group)' may\n  " + HumanGates.members(group, settings: settings,
                                                                                 path: location.path(.settings)))
        }

        let signer = "\(author.name) <\(author.email)>"
        let action = decision == .approve ? "approved" : "rejected"
        let packet = EvidencePacket(kind: .signoff, ticket: id, gate: gate, ended: Date(),
                                    signoff: Signoff(by: signer, decision: decision, note: note))
        var written = ""
        let result = try store.commit(
            message: "\(id): \(gate) \(action) by \(author.name)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Gate", value: gate),
                       Trailer(key: "Mission-Action", value: decision.rawValue),
                       Trailer(key: "Mission-Signoff-By", value: signer)],
            reusing: snapshot
        ) { listing in
            // Read again on every attempt: the watcher may have moved the ticket on, or another sign-off landed.
            let current = try store.parsing([id], in: listing)
            guard let now = current.ticket(id), !now.archived else { throw ActionError("\(id) was removed meanwhile") }
            try HumanGates.requireWaiting(now, at: gate)
            let name = HumanGates.nextPacketName(in: now, gate: gate)
            written = "\(now.folder)/\(TicketFile.evidence)/\(name)"
            return [.write(path: written, bytes: try YAMLWriting.encode(packet))]
        }
        let next = switch decision {
        case .approve: index + 1 < workflow.gates.count ? workflow.gates[index + 1].name : nil
        case .reject: workflow.gates[index].onFail ?? gate
        }
        return SignoffResult(id: id, gate: gate, decision: decision, by: signer, note: note, packet: written,
                             commit: result.id.hex, next: next)
    }
}
