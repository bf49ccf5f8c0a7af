import Board
import Foundation

/// Pure policy over a snapshot: which tickets are ready, which are blocked, in which order the watcher takes them.
extension BoardSnapshot {
    /// The blockers of `record` that are neither done nor cancelled.
    public func openBlockers(of record: TicketRecord) -> [String] {
        (record.spec?.blockedBy ?? []).filter { blocker in
            if archivedFolders[blocker] != nil { return false }
            guard let other = ticket(blocker) else { return true }  // dangling: never counts as closed
            return !other.isClosed
        }
    }

    /// Ready for the watcher: the spec says ready and what must be true when it is done, every blocker is closed,
    /// and nothing is running or finished. A ticket without acceptance criteria is no agent's to guess at.
    public func isReady(_ record: TicketRecord) -> Bool {
        guard let spec = record.spec, spec.state == .ready, spec.hasAcceptance, !record.archived else { return false }
        if let status = record.status?.status, status != .queued { return false }
        return openBlockers(of: record).isEmpty
    }

    /// Waiting on blockers, or blocked by the watcher for a person.
    public func isBlocked(_ record: TicketRecord) -> Bool {
        guard !record.isClosed else { return false }
        return record.status?.status == .blocked || !openBlockers(of: record).isEmpty
    }

    /// The tickets that match `filter`, in the order the watcher would take them: priority, then age, then id.
    public func tickets(matching filter: TicketFilter) -> [TicketRecord] {
        // Sort on keys taken once per ticket, not read again on each of the n log n comparisons.
        let matching = tickets.filter { filter.matches($0, in: self) }
        let keys = matching.indices.map { index in
            let spec = matching[index].spec
            return (rank: spec?.priority.rank ?? -1, created: spec?.created ?? .distantFuture,
                    id: matching[index].id, index: index)
        }
        return keys.sorted {
            if $0.rank != $1.rank { return $0.rank > $1.rank }
            if $0.created != $1.created { return $0.created < $1.created }
            return $0.id < $1.id
        }.map { matching[$0.index] }
    }

    /// Priority first (urgent before low), then the older ticket, then id.
    public static func workOrder(_ lhs: TicketRecord, _ rhs: TicketRecord) -> Bool {
        let lp = lhs.spec?.priority.rank ?? -1, rp = rhs.spec?.priority.rank ?? -1
        if lp != rp { return lp > rp }
        let lc = lhs.spec?.created ?? .distantFuture, rc = rhs.spec?.created ?? .distantFuture
        if lc != rc { return lc < rc }
        return lhs.id < rhs.id
    }
}

/// Which tickets a listing shows. Empty sets match everything.
public struct TicketFilter: Sendable {
    /// Desired states to show.
    public var states: Set<DesiredState> = []
    /// Statuses to show (`none` is a ticket the watcher has not touched).
    public var statuses: Set<String> = []
    /// Labels that must all be present.
    public var labels: Set<String> = []
    /// Owners to show.
    public var owners: Set<String> = []
    /// Only ready tickets.
    public var readyOnly = false
    /// Only blocked tickets.
    public var blockedOnly = false
    /// Show archived tickets too.
    public var includeArchived = false

    /// A filter that matches every active ticket.
    public init() {}

    /// Whether `record` passes the filter.
    public func matches(_ record: TicketRecord, in snapshot: BoardSnapshot) -> Bool {
        if record.archived && !includeArchived { return false }
        if readyOnly && !snapshot.isReady(record) { return false }
        if blockedOnly && !snapshot.isBlocked(record) { return false }
        if !states.isEmpty && !(record.spec.map { states.contains($0.state) } ?? false) { return false }
        if !statuses.isEmpty && !statuses.contains(record.status?.status.rawValue ?? "none") { return false }
        if !labels.isEmpty && !labels.isSubset(of: record.spec?.labels ?? []) { return false }
        if !owners.isEmpty && !(record.spec?.owner.map(owners.contains) ?? false) { return false }
        return true
    }
}
