import Board
import Foundation

/// The board by status, as every view shows it: what needs a person first, what is finished last.
public enum BoardGroups {
    /// One status group: its stage, its heading, and its tickets in the order they are shown.
    public struct Group: Sendable {
        public let stage: String
        public let heading: String
        public let tickets: [TicketPosition]
    }

    /// The groups in the order a person wants to see them.
    public static let order: [(stage: String, heading: String)] = [
        ("broken", "BROKEN"),
        ("needs_input", "NEEDS INPUT"),
        ("blocked", "BLOCKED"),
        ("waiting", "WAITING"),
        ("running", "RUNNING"),
        ("queued", "QUEUED"),
        ("in_review", "IN REVIEW"),
        ("failed", "FAILED"),
        ("ready", "READY, NOT STARTED"),
        ("hold", "ON HOLD, NOT STARTED"),
        ("draft", "DRAFT"),
        ("done", "DONE"),
        ("cancelled", "CANCELLED"),
    ]

    /// `positions` grouped by stage in `order`, empty groups left out (and cancelled ones unless
    /// `includingCancelled`). Finished work reads newest first; everything else in the watcher's order.
    public static func make(_ positions: [TicketPosition], includingCancelled: Bool) -> [Group] {
        var byStage: [String: [TicketPosition]] = [:]
        for position in positions { byStage[position.stage, default: []].append(position) }
        return order.compactMap { group in
            guard includingCancelled || group.stage != "cancelled", var tickets = byStage[group.stage], !tickets.isEmpty
            else { return nil }
            if group.stage == "done" {
                tickets.sort { ($0.closed ?? $0.since ?? .distantPast) > ($1.closed ?? $1.since ?? .distantPast) }
            }
            return Group(stage: group.stage, heading: group.heading, tickets: tickets)
        }
    }
}

extension BoardSnapshot {
    /// How `record` reads in one word: the watcher's status when it has one, else the spec's state; `BROKEN` for a
    /// spec that does not load, `cycle` for a ticket in a dependency cycle (waited on by nobody: it would say
    /// "waiting" forever), `waiting` while a blocker is open.
    public func statusWord(of record: TicketRecord) -> String {
        if record.isBroken { return "BROKEN" }
        if let status = record.status { return status.status.rawValue }
        if dependencyCycles[record.id] != nil { return "cycle" }
        if isBlocked(record) { return "waiting" }
        if isReady(record) { return "ready" }
        return record.spec?.state.rawValue ?? "-"
    }
}

extension TicketPosition {
    /// Whether a person must act before the ticket moves: an open question, a block, a human gate, a review, a
    /// broken spec.
    public var needsPerson: Bool {
        switch stage {
        case "needs_input", "blocked", "in_review", "broken": true
        case "waiting": if case .human? = executor { true } else { false }
        default: false
        }
    }
}
