import Board
import Control
import Foundation

/// One ticket as `list --json` and `show --json` print it.
struct TicketView: Encodable {
    let id: String
    let folder: String
    let archived: Bool
    let broken: Bool
    let ready: Bool
    let blocked: Bool
    let openBlockers: [String]
    let spec: Ticket?
    let status: TicketStatus?
    let evidence: [String]
    let notes: [String]
    let diagnostics: [Diagnostic]

    enum CodingKeys: String, CodingKey {
        case id, folder, archived, broken, ready, blocked
        case openBlockers = "open_blockers"
        case spec, status, evidence, notes, diagnostics
    }

    init(_ record: TicketRecord, in snapshot: BoardSnapshot) {
        id = record.id
        folder = record.folder
        archived = record.archived
        broken = record.isBroken
        ready = snapshot.isReady(record)
        blocked = snapshot.isBlocked(record)
        openBlockers = snapshot.openBlockers(of: record)
        spec = record.spec
        status = record.status
        evidence = record.evidence
        notes = record.notes
        diagnostics = snapshot.diagnostics(for: record.id)
    }
}

/// How a ticket reads in one word: the watcher's status when it has one, else the spec's state.
enum Describe {
    static func status(_ record: TicketRecord, in snapshot: BoardSnapshot) -> String {
        if record.isBroken { return "BROKEN" }
        if let status = record.status { return status.status.rawValue }
        if snapshot.isBlocked(record) { return "waiting" }
        if snapshot.isReady(record) { return "ready" }
        return record.spec?.state.rawValue ?? "-"
    }
}
