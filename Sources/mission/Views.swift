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
    /// Where it stands and who holds it: gate position, owner, executor, next action, overdue flag.
    let position: PositionView

    enum CodingKeys: String, CodingKey {
        case id, folder, archived, broken, ready, blocked
        case openBlockers = "open_blockers"
        case spec, status, evidence, notes, diagnostics, position
    }

    init(_ record: TicketRecord, in snapshot: BoardSnapshot, now: Date = Date()) {
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
        let rollup = record.spec?.kind == .campaign ? Campaigns.rollup(record.id, in: snapshot) : nil
        position = PositionView(snapshot.position(of: record), now: now, campaign: rollup.map(CampaignView.init))
    }
}

/// A ticket's position as `board --json` prints it, and under `position` in `list --json` and `show --json`.
/// Every key is always present (null when unknown), so scripts can rely on them.
struct PositionView: Encodable {
    let position: TicketPosition
    let now: Date
    /// The roll-up of a campaign ticket (null for other kinds).
    var campaign: CampaignView?

    init(_ position: TicketPosition, now: Date, campaign: CampaignView? = nil) {
        self.position = position
        self.now = now
        self.campaign = campaign
    }

    enum Keys: String, CodingKey {
        case id, title, kind, stage, started, workflow, gate
        case gateIndex = "gate_index", gateCount = "gate_count", gateText = "gate_text", gateKind = "gate_kind"
        case role, profile, approvers, executing, owner, round, attempt, session
        case nextAction = "next_action", nextActionRecorded = "next_action_recorded"
        case question, blockedReason = "blocked_reason", openBlockers = "open_blockers"
        case overdue, created, updated, closed, since
        case ageSeconds = "age_seconds", age, parent, archived, broken
        case isClosed = "is_closed", campaign
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        let p = position
        try c.encode(p.id, forKey: .id)
        try c.encode(p.title, forKey: .title)
        try c.encode(p.kind?.rawValue, forKey: .kind)
        try c.encode(p.stage, forKey: .stage)
        try c.encode(p.started, forKey: .started)
        try c.encode(p.workflow, forKey: .workflow)
        try c.encode(p.gate, forKey: .gate)
        try c.encode(p.gateIndex, forKey: .gateIndex)
        try c.encode(p.gateCount, forKey: .gateCount)
        try c.encode(p.gateText, forKey: .gateText)
        var kind: String?, role: String?, profile: String?, group: String?
        switch p.executor {
        case .agent(let r, let pr)?: (kind, role, profile) = ("agent", r, pr)
        case .check?: kind = "check"
        case .human(let g)?: (kind, group) = ("human", g)
        case nil: break
        }
        try c.encode(kind, forKey: .gateKind)
        try c.encode(role, forKey: .role)
        try c.encode(profile, forKey: .profile)
        try c.encode(group, forKey: .approvers)
        try c.encode(p.executorText, forKey: .executing)
        try c.encode(p.owner, forKey: .owner)
        try c.encode(p.round, forKey: .round)
        try c.encode(p.attempt, forKey: .attempt)
        try c.encode(p.session, forKey: .session)
        try c.encode(p.nextAction, forKey: .nextAction)
        try c.encode(p.nextActionRecorded, forKey: .nextActionRecorded)
        try c.encode(p.question, forKey: .question)
        try c.encode(p.blockedReason, forKey: .blockedReason)
        try c.encode(p.openBlockers, forKey: .openBlockers)
        try c.encode(p.overdue, forKey: .overdue)
        try c.encode(p.created, forKey: .created)
        try c.encode(p.updated, forKey: .updated)
        try c.encode(p.closed, forKey: .closed)
        try c.encode(p.since, forKey: .since)
        let age = p.since.map { max(0, Int(now.timeIntervalSince($0))) }
        try c.encode(age, forKey: .ageSeconds)
        try c.encode(age.map { TicketPosition.compactAge(TimeInterval($0)) }, forKey: .age)
        try c.encode(p.parent, forKey: .parent)
        try c.encode(p.archived, forKey: .archived)
        try c.encode(p.broken, forKey: .broken)
        try c.encode(p.isClosed, forKey: .isClosed)
        try c.encode(campaign, forKey: .campaign)
    }
}

/// A campaign's roll-up as `show --json` and `board --json` print it; every key always present.
struct CampaignView: Encodable {
    let rollup: CampaignRollup

    enum Keys: String, CodingKey { case id, title, owner, counts, total, closed, complete, children }
    enum ChildKeys: String, CodingKey {
        case id, title, state, status, label, gate, owner, archived
        case isClosed = "is_closed", blocker
    }
    enum BlockerKeys: String, CodingKey {
        case gate, who, what, question, reason, summary
        case openBlockers = "open_blockers"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(rollup.id, forKey: .id)
        try c.encode(rollup.title, forKey: .title)
        try c.encode(rollup.owner, forKey: .owner)
        try c.encode(rollup.counts, forKey: .counts)
        try c.encode(rollup.children.count, forKey: .total)
        try c.encode(rollup.closedCount, forKey: .closed)
        try c.encode(rollup.isComplete, forKey: .complete)
        var list = c.nestedUnkeyedContainer(forKey: .children)
        for child in rollup.children {
            var e = list.nestedContainer(keyedBy: ChildKeys.self)
            try e.encode(child.id, forKey: .id)
            try e.encode(child.title, forKey: .title)
            try e.encode(child.state, forKey: .state)
            try e.encode(child.status, forKey: .status)
            try e.encode(child.label, forKey: .label)
            try e.encode(child.gate, forKey: .gate)
            try e.encode(child.owner, forKey: .owner)
            try e.encode(child.archived, forKey: .archived)
            try e.encode(child.isClosed, forKey: .isClosed)
            if let blocker = child.blocker {
                var b = e.nestedContainer(keyedBy: BlockerKeys.self, forKey: .blocker)
                try b.encode(blocker.gate, forKey: .gate)
                try b.encode(blocker.who, forKey: .who)
                try b.encode(blocker.what, forKey: .what)
                try b.encode(blocker.question, forKey: .question)
                try b.encode(blocker.reason, forKey: .reason)
                try b.encode(blocker.openBlockers, forKey: .openBlockers)
                try b.encode(blocker.summary, forKey: .summary)
            } else {
                try e.encodeNil(forKey: .blocker)
            }
        }
    }
}
