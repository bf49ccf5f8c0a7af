import Board
import Foundation

/// The board by status, as every view shows it: what needs a person first, what is finished last.
public enum BoardGroups {
    /// One status group: its stage, its heading, and its items (tickets or their positions) in the order shown.
    public struct Group<Item> {
        public let stage: String
        public let heading: String
        public let items: [Item]
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

    /// `items` grouped by `stage` in `order`, empty groups left out (and cancelled ones unless
    /// `includingCancelled`). Finished work reads newest first by `finished`; everything else in the given order.
    public static func make<Item>(_ items: [Item], stage: (Item) -> String, finished: (Item) -> Date?,
                                  includingCancelled: Bool) -> [Group<Item>] {
        var byStage: [String: [Item]] = [:]
        for item in items { byStage[stage(item), default: []].append(item) }
        return order.compactMap { group in
            guard includingCancelled || group.stage != "cancelled", var members = byStage[group.stage], !members.isEmpty
            else { return nil }
            if group.stage == "done" {
                members.sort { (finished($0) ?? .distantPast) > (finished($1) ?? .distantPast) }
            }
            return Group(stage: group.stage, heading: group.heading, items: members)
        }
    }

    /// Positions grouped by stage, finished work newest first.
    public static func make(_ positions: [TicketPosition], includingCancelled: Bool) -> [Group<TicketPosition>] {
        make(positions, stage: \.stage, finished: { $0.closed ?? $0.since }, includingCancelled: includingCancelled)
    }
}

extension BoardSnapshot {
    /// The board group `record` is in: the watcher's status when it has one, else the spec's state, else `broken`.
    /// Cheap, unlike its whole position: a view of a large board groups every ticket by this and works out the
    /// positions of the ones it shows.
    public func stage(of record: TicketRecord) -> String {
        record.status?.status.rawValue ?? record.spec?.state.rawValue ?? "broken"
    }

    /// When `record` finished, or last moved: the order of the done group.
    public func finished(_ record: TicketRecord) -> Date? {
        record.status?.closed ?? record.status?.updated ?? record.spec?.created
    }

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
