import Board
import Foundation

/// A campaign's status rolled up from its children: the tickets whose spec's `parent` names it.
public struct CampaignRollup: Sendable, Hashable {
    /// The label of a child the watcher has not taken yet.
    public static let notStarted = "not started"

    /// What holds an open child up: the gate it is at and who must act, with why.
    public struct Blocker: Sendable, Hashable {
        /// The gate the child is at (or will start at).
        public var gate: String?
        /// Who must act: a person, a role or profile, or `watcher`.
        public var who: String?
        /// What they must do.
        public var what: String?
        /// The open question, while the child waits for an answer.
        public var question: String?
        /// Why the watcher blocked it.
        public var reason: String?
        /// Its blockers (`blocked_by`) that are not closed yet.
        public var openBlockers: [String]

        /// One line: `[review] luci: answer with 'mission answer MC-7K3Q'; waits for MC-5HXA`.
        public var summary: String {
            var parts: [String] = []
            if let who, let what { parts.append("\(who): \(what)") }
            if let reason, !(what?.contains(reason) ?? false) { parts.append("blocked: \(reason)") }
            if let question { parts.append("question: \(question.split(separator: "\n").first.map(String.init) ?? "")") }
            if !openBlockers.isEmpty { parts.append("waits for \(openBlockers.joined(separator: ", "))") }
            let text = parts.joined(separator: "; ")
            guard let gate else { return text }
            return text.isEmpty ? "[\(gate)]" : "[\(gate)] \(text)"
        }
    }

    /// One child of the campaign.
    public struct Child: Sendable, Hashable {
        /// The child's id.
        public var id: String
        /// Its title.
        public var title: String
        /// The state its spec asks for.
        public var state: DesiredState
        /// The watcher's status, once it took the child.
        public var status: StatusValue?
        /// The status as one word: the watcher's status, `cancelled` when the spec cancelled a child the watcher
        /// never took, else `not started`. The keys of `counts`.
        public var label: String
        /// The gate it is at, once started.
        public var gate: String?
        /// Who owns (steers) it.
        public var owner: String?
        /// Whether it lives in the archive.
        public var archived: Bool
        /// Whether it is done or cancelled for good.
        public var isClosed: Bool
        /// What holds it up; nil once it is closed.
        public var blocker: Blocker?
    }

    /// The campaign's id.
    public var id: String
    /// Its title.
    public var title: String
    /// Who steers it.
    public var owner: String?
    /// Its children, in the order the watcher takes work (priority, then age, then id).
    public var children: [Child]
    /// How many children have each status label (`Child.label`).
    public var counts: [String: Int]

    /// How many children are done or cancelled.
    public var closedCount: Int { children.filter(\.isClosed).count }

    /// Whether the campaign is finished: it has children, and every one is done or cancelled.
    public var isComplete: Bool { !children.isEmpty && children.allSatisfy(\.isClosed) }
}

/// Campaign tickets (`kind: campaign`) and their roll-ups. Pure: reads only the snapshot it is given.
public enum Campaigns {
    /// The roll-up of campaign `id`; nil when there is no such loaded ticket, or it is not `kind: campaign`.
    /// Its children are the loaded tickets (active, and archived ones when the snapshot holds them) whose
    /// `parent` names it.
    public static func rollup(_ id: String, in snapshot: BoardSnapshot) -> CampaignRollup? {
        guard let campaign = snapshot.ticket(id), let spec = campaign.spec, spec.kind == .campaign else { return nil }
        let records = snapshot.tickets
            .filter { $0.id != id && $0.spec?.parent == id }
            .sorted(by: BoardSnapshot.workOrder)
        var counts: [String: Int] = [:]
        let children = records.map { record -> CampaignRollup.Child in
            let child = Self.child(record, in: snapshot)
            counts[child.label, default: 0] += 1
            return child
        }
        return CampaignRollup(id: id, title: spec.title, owner: spec.owner, children: children, counts: counts)
    }

    /// The ids of every loaded campaign ticket, sorted.
    public static func campaigns(in snapshot: BoardSnapshot) -> [String] {
        snapshot.tickets.filter { $0.spec?.kind == .campaign }.map(\.id)
    }

    private static func child(_ record: TicketRecord, in snapshot: BoardSnapshot) -> CampaignRollup.Child {
        // Only records with a spec get here: a child is known by its spec's parent.
        let spec = record.spec!
        let status = record.status?.status
        let label = status?.rawValue ?? (spec.state == .cancelled ? StatusValue.cancelled.rawValue : CampaignRollup.notStarted)
        var blocker: CampaignRollup.Blocker?
        if !record.isClosed {
            let position = snapshot.position(of: record, rollingUp: false)
            let firstGate = position.workflow.flatMap { snapshot.config.workflows.workflows[$0]?.gates.first?.name }
            blocker = CampaignRollup.Blocker(
                gate: position.gate ?? firstGate, who: position.nextAction?.who, what: position.nextAction?.what,
                question: position.question, reason: position.blockedReason, openBlockers: position.openBlockers)
        }
        return CampaignRollup.Child(
            id: record.id, title: spec.title, state: spec.state, status: status, label: label, gate: record.status?.gate,
            owner: spec.owner, archived: record.archived, isClosed: record.isClosed, blocker: blocker)
    }
}
