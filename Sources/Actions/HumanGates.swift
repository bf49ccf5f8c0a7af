import Board
import Foundation
import Git

/// Human gates, approver groups and the evidence packets that record sign-offs.
public enum HumanGates {
    /// The ticket's workflow and its name, as the watcher picks it; fails for a broken spec or an unknown workflow.
    public static func workflow(of record: TicketRecord, in snapshot: BoardSnapshot,
                                context: BoardContext) throws -> (String, Workflow) {
        let spec = try BoardContext.spec(of: record, in: snapshot)
        let config = snapshot.config
        let name = spec.workflow ?? config.settings.defaultWorkflow ?? "code"
        guard let workflow = config.workflows.workflows[name] else {
            throw ActionError("\(record.id) follows workflow '\(name)', which \(context.location.path(.workflows)) "
                                 + "does not define")
        }
        return (name, workflow)
    }

    /// The human gates of `workflow` with their groups and members, in one line.
    public static func describe(_ workflow: Workflow, settings: BoardSettings) -> String {
        let gates = workflow.gates.compactMap { gate -> String? in
            guard case .human(let group)? = gate.kind else { return nil }
            let members = settings.approvers[group] ?? []
            return "\(gate.name) (group \(group): \(members.isEmpty ? "nobody" : members.joined(separator: ", ")))"
        }
        return gates.isEmpty ? "the workflow has no human gates" : "human gates: " + gates.joined(separator: "; ")
    }

    /// What a ticket is doing, in words: "it is running at implement", "it waits for an answer at review".
    public static func doing(_ status: TicketStatus) -> String {
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
    public static func members(_ group: String, settings: BoardSettings, path: String) -> String {
        guard let members = settings.approvers[group], !members.isEmpty else {
            return "the group '\(group)' lists nobody under approvers: in \(path), so nobody can sign yet"
        }
        return "members of '\(group)' (approvers in \(path)): \(members.joined(separator: ", "))"
    }

    /// The file name of the ticket's next evidence packet: its number is the count of packets so far plus one.
    public static func nextPacketName(in record: TicketRecord, gate: String) -> String {
        var number = record.evidence.count + 1
        var name = String(format: "%04d-", number) + gate + ".yaml"
        while record.evidence.contains(name) {
            number += 1
            name = String(format: "%04d-", number) + gate + ".yaml"
        }
        return name
    }

    /// The ticket's evidence packets that parse, by file name in order; the ones that do not are left out.
    public static func packets(of record: TicketRecord, in snapshot: BoardSnapshot,
                               repository: Repository) throws -> [(name: String, packet: EvidencePacket)] {
        guard let commit = snapshot.commit else { return [] }
        return TreeSource(repository: repository, root: try repository.commit(commit).tree).decodedEvidence(of: record)
    }

    /// Fails unless the ticket's status is `waiting` at `gate` with no sign-off for it already pending.
    public static func requireWaiting(_ record: TicketRecord, at gate: String) throws {
        let id = record.id
        guard let status = record.status else {
            throw ActionError("\(id) is not waiting at \(gate): the watcher has not started it yet (no status)")
        }
        guard status.status == .waiting, status.gate == gate else {
            let hint = status.status == .waiting ? "\n  sign off with --gate \(status.gate ?? "?")" : ""
            throw ActionError("\(id) is not waiting at \(gate): \(HumanGates.doing(status))\(hint)")
        }
        // The watcher takes the first sign-off after the last packet it wrote; a second would be ignored.
        if let pending = record.evidence.first(where: { $0.hasSuffix("-\(gate).yaml") && $0 > (status.lastEvidence ?? "") }) {
            throw ActionError("a sign-off for \(gate) of \(id) is already waiting for the watcher: \(pending)")
        }
    }
}
