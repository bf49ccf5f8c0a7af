import Board
import Control
import Foundation
import Git

/// Human gates: taking a person's sign-off, and checking that it counts.
extension Reconciler {
    /// Takes a person's sign-off at a human gate: approved goes on to the next gate, rejected goes back with the
    /// note as findings. A sign-off counts only from someone in the gate's approver group, and only when the
    /// commit that added it was made by that person; anything else is recorded as not counting, and the ticket
    /// goes on waiting.
    func collectSignoff(_ ticket: String, gate: String, packet name: String, now: Date) throws {
        let snapshot = try currentBoard()
        guard let record = snapshot.ticket(ticket), let spec = record.spec,
              let workflow = snapshot.config.workflows.workflows[spec.workflow ?? snapshot.config.settings.defaultWorkflow ?? "code"],
              let group = workflow.gates.first(where: { $0.name == gate })?.human else { return }
        let path = "\(record.folder)/evidence/\(name)"
        let found = signoff(at: path, gate: gate, group: group, settings: snapshot.config.settings)
        let message = switch found {
        case .success(let signoff): "\(ticket): \(gate) \(signoff.decision == .approve ? "approved" : "rejected") by \(signoff.by)"
        case .failure(let refusal): "\(ticket): the sign-off \(name) at \(gate) does not count: \(refusal.why)"
        }
        try store.commit(message: message, trailers: [Trailer(key: "Mission-Ticket", value: ticket),
                                                      Trailer(key: "Mission-Gate", value: gate),
                                                      Trailer(key: "Mission-Action", value: "signoff")],
                         reusing: snapshot) { listing in
            let current = try self.store.parsing([ticket], in: listing)
            guard let record = current.ticket(ticket), var status = record.status, status.status == .waiting,
                  status.gate == gate, record.evidence.contains(name) else { return [] }
            switch found {
            case .failure(let refusal):
                status.updated = now
                status.nextAction = NextAction(who: group, what: "sign off with 'mission approve \(ticket) --gate \(gate)' "
                                               + "(\(name) does not count: \(refusal.why))")
            case .success(let signoff):
                let history = Self.returns(in: self.packets(of: record, in: current, excluding: name), gate: gate)
                let outcome: GateOutcome = signoff.decision == .approve ? .passed : .returned(findings: [signoff.note ?? "rejected"])
                status = Gates.advance(status, workflow: workflow, gate: gate, outcome: outcome,
                                       earlierFindings: history.previous, rounds: history.rounds, owner: spec.owner, now: now)
            }
            status.lastEvidence = name
            return [.write(path: record.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader))]
        }
    }

    /// Why a sign-off does not count, as a value.
    struct SignoffRefusal: Error { let why: String }

    /// The sign-off in the packet at `path`, if it counts for `gate`: a sign-off packet for that gate, by someone
    /// in the gate's approver group (see `BoardSettings.isApprover`), added in a commit by that person.
    func signoff(at path: String, gate: String, group: String, settings: BoardSettings) -> Result<Signoff, SignoffRefusal> {
        let repository = store.repository
        guard let tip = try? store.tip(), let tree = try? repository.commit(tip).tree,
              let entry = try? repository.entry(at: path, in: tree), let bytes = try? repository.blob(entry.id),
              let packet = try? YAMLDocument.parse(bytes, file: path).decode(EvidencePacket.self) else {
            return .failure(SignoffRefusal(why: "it is not a readable evidence packet (see 'mission check')"))
        }
        guard packet.kind == .signoff, packet.gate == gate, let signoff = packet.signoff else {
            return .failure(SignoffRefusal(why: "it is not a sign-off for \(gate)"))
        }
        let signer = signoff.signer
        guard settings.isApprover(in: group, name: signer.name, email: signer.email) else {
            return .failure(SignoffRefusal(why: "\(signoff.by) is not in the approvers of \(group) "
                                           + "(\((settings.approvers[group] ?? []).joined(separator: ", ")))"))
        }
        guard let added = (try? repository.log(from: tip, touching: [path]))?.last,
              signer.email.map({ $0.lowercased() == added.author.email.lowercased() })
                  ?? (signer.name.lowercased() == added.author.name.lowercased()) else {
            return .failure(SignoffRefusal(why: "the commit that added it was not made by \(signoff.by)"))
        }
        return .success(signoff)
    }
}
