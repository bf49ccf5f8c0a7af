import Board
import Foundation

/// Where a ticket stands and who holds it: what every view shows, so an owner never has to ask
/// "where is my ticket?". Derived from the spec, the status and the workflow; pure.
public struct TicketPosition: Sendable, Hashable {
    /// Who or what works at a gate.
    public enum Executor: Sendable, Hashable {
        /// An agent in a role, on a runtime profile when one runs it or is pinned.
        case agent(role: String, profile: String?)
        /// A command the watcher runs.
        case check(command: String)
        /// A person from an approver group.
        case human(group: String)
    }

    /// The ticket id.
    public var id: String
    /// The title; for a ticket whose spec does not load, its first error.
    public var title: String
    /// The kind of work, when the spec loads.
    public var kind: TicketKind?
    /// One word for where the ticket is: the watcher's status when it has one; else the spec's state
    /// (`draft`, `ready`, `hold`, `cancelled`), or `broken` when the spec does not load.
    public var stage: String
    /// Whether the watcher has written a status for it.
    public var started: Bool
    /// The workflow it walks.
    public var workflow: String?
    /// The gate it is at (from the status); nil before the watcher takes it.
    public var gate: String?
    /// The gate's place in the workflow, 1-based; nil when not started or the gate is no longer in the workflow.
    public var gateIndex: Int?
    /// How many gates the workflow has; nil when the workflow does not exist.
    public var gateCount: Int?
    /// Who works at the current gate (the first gate's, before the watcher takes it); nil once closed, and for a
    /// campaign (its children do the work).
    public var executor: Executor?
    /// Who steers: the spec's `owner`, not who executes.
    public var owner: String?
    /// The review round, once started.
    public var round: Int?
    /// The attempt at the gate, once started.
    public var attempt: Int?
    /// The live session's id.
    public var session: String?
    /// The next action and who must take it: the watcher's when it recorded one, else derived from the state.
    public var nextAction: NextAction?
    /// Whether `nextAction` is the one the watcher recorded in `status.yaml`.
    public var nextActionRecorded: Bool
    /// The open question.
    public var question: String?
    /// Why the watcher blocked it.
    public var blockedReason: String?
    /// Blockers (`blocked_by`) not yet done or cancelled.
    public var openBlockers: [String]
    /// When a missed check-in was due, while the ticket is flagged overdue.
    public var overdue: Date?
    /// When the ticket was created.
    public var created: Date?
    /// When the watcher last wrote its status.
    public var updated: Date?
    /// When it was closed.
    public var closed: Date?
    /// The parent or campaign ticket.
    public var parent: String?
    /// Whether it lives in the archive.
    public var archived: Bool
    /// Whether its spec does not load.
    public var broken: Bool
    /// Whether it is done or cancelled for good.
    public var isClosed: Bool

    /// Since when it has been where it is: the status's last change, else the ticket's creation.
    public var since: Date? { updated ?? created }

    /// The gate and its place, like `review 2/5`; `-` before the watcher takes the ticket.
    public var gateText: String {
        guard let gate else { return "-" }
        guard let gateCount else { return gate }
        return "\(gate) \(gateIndex.map(String.init) ?? "?")/\(gateCount)"
    }

    /// Who executes, like `coder/codex`, `qa`, `check` or `human/designer`; `-` when nobody does.
    public var executorText: String {
        switch executor {
        case .agent(let role, let profile)?: profile.map { "\(role)/\($0)" } ?? role
        case .check?: "check"
        case .human(let group)?: "human/\(group)"
        case nil: "-"
        }
    }

    /// `seconds` in one compact unit, rounded down: `45s`, `3m`, `2h`, `4d`, `6w`.
    public static func compactAge(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s)s" }
        if s < 3_600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3_600)h" }
        if s < 14 * 86_400 { return "\(s / 86_400)d" }
        return "\(s / (7 * 86_400))w"
    }
}

extension BoardSnapshot {
    /// The workflow `spec` walks: its own, else the board's default, else `code` (as the planner takes it).
    public func workflowName(of spec: Ticket) -> String {
        spec.workflow ?? config.settings.defaultWorkflow ?? "code"
    }

    /// Where `record` stands and who holds it.
    public func position(of record: TicketRecord) -> TicketPosition {
        position(of: record, rollingUp: true)
    }

    /// Where `record` stands; `rollingUp` false takes no campaign's roll-up (a roll-up asks this of each child,
    /// and children may be campaigns, even in a parent cycle that `mission check` reports).
    func position(of record: TicketRecord, rollingUp: Bool) -> TicketPosition {
        let spec = record.spec
        let status = record.status
        let blockers = openBlockers(of: record)
        let title = spec?.title
            ?? diagnostics(for: record.id).first?.message
            ?? (record.isParsed ? "cannot be read" : "not loaded")
        let stage = stage(of: record)
        var position = TicketPosition(
            id: record.id, title: title, kind: spec?.kind, stage: stage, started: status != nil,
            workflow: spec.map(workflowName(of:)), gate: status?.gate, gateIndex: nil, gateCount: nil, executor: nil,
            owner: spec?.owner, round: status?.round, attempt: status?.attempt, session: status?.session?.id,
            nextAction: status?.nextAction, nextActionRecorded: status?.nextAction != nil,
            question: status?.question, blockedReason: status?.blockedReason, openBlockers: blockers,
            overdue: status?.overdue, created: spec?.created, updated: status?.updated, closed: status?.closed,
            parent: spec?.parent, archived: record.archived, broken: record.isBroken, isClosed: record.isClosed)

        let workflow = position.workflow.flatMap { config.workflows.workflows[$0] }
        position.gateCount = workflow?.gates.count
        let gateIndex = status?.gate.flatMap { name in workflow?.gates.firstIndex { $0.name == name } }
        position.gateIndex = gateIndex.map { $0 + 1 }
        // Before the watcher takes a ticket, the first gate is where it will start.
        let current = gateIndex.flatMap { workflow?.gates[$0] } ?? (status == nil ? workflow?.gates.first : nil)
        if !record.isClosed, let spec, spec.kind != .campaign {  // a campaign is steered, not executed
            switch current?.kind {
            case .agent(let role)?:
                // The planner's rule: the first gate is the assignee's; later gates are their role's.
                let executing = current == workflow?.gates.first ? (spec.assignee ?? role) : role
                position.executor = .agent(role: executing, profile: status?.session?.profile ?? spec.profile)
            case .check(let command)?:
                position.executor = .check(command: command)
            case .browser(let spec)?:
                position.executor = .check(command: "the browser check of \(spec.summary)")
            case .human(let group)?:
                position.executor = .human(group: group)
            case nil:
                if let role = spec.assignee ?? config.settings.defaultAssignee {
                    position.executor = .agent(role: role, profile: status?.session?.profile ?? spec.profile)
                }
            }
        }
        if position.nextAction == nil {
            position.nextAction = derivedNextAction(record, position: position, firstGate: workflow?.gates.first?.name,
                                                    rollingUp: rollingUp)
        }
        return position
    }

    /// The next action when the watcher recorded none: who the state says must act, and how.
    private func derivedNextAction(_ record: TicketRecord, position: TicketPosition, firstGate: String?,
                                   rollingUp: Bool) -> NextAction? {
        let person = position.owner ?? "a person"
        let id = record.id
        guard let spec = record.spec else {
            return record.isParsed ? NextAction(who: person, what: "fix the spec: 'mission check' shows the errors") : nil
        }
        if record.isClosed { return nil }
        if spec.kind == .campaign, record.status == nil, spec.state != .cancelled {
            guard rollingUp, let rollup = Campaigns.rollup(id, in: self) else {
                return NextAction(who: person, what: "steer the children ('mission show \(id)')")
            }
            if rollup.isComplete {
                return NextAction(who: "watcher", what: "close the campaign: every child is done or cancelled")
            }
            if rollup.children.isEmpty {
                return NextAction(who: person, what: "add children: tickets with 'parent: \(id)'")
            }
            let open = rollup.children.count - rollup.closedCount
            return NextAction(who: person, what: "steer the children: \(open) of \(rollup.children.count) open ('mission show \(id)')")
        }
        let gate = position.gate ?? firstGate ?? "the first gate"
        guard let status = record.status else {
            switch spec.state {
            case .draft: return NextAction(who: person, what: "mark it ready: 'mission ready \(id)'")
            case .hold: return NextAction(who: person, what: "release the hold: 'mission ready \(id)'")
            case .cancelled: return nil
            case .ready:
                if !spec.hasAcceptance, spec.kind != .campaign {
                    return NextAction(who: person, what: "write acceptance criteria in ticket.yaml ('mission edit \(id)')")
                }
                if !position.openBlockers.isEmpty {
                    return NextAction(who: "watcher", what: "start \(gate) once \(position.openBlockers.joined(separator: ", ")) "
                                      + (position.openBlockers.count == 1 ? "is" : "are") + " closed")
                }
                return NextAction(who: "watcher", what: "start \(gate)")
            }
        }
        switch status.status {
        case .running:
            let who = status.session?.profile ?? position.executorText
            return NextAction(who: who, what: "work on \(gate)")
        case .queued, .failed:
            return NextAction(who: "watcher", what: status.status == .failed ? "retry \(gate)" : "start \(gate)")
        case .needsInput:
            return NextAction(who: person, what: "answer with 'mission answer \(id)'")
        case .blocked:
            return .unblock(id, who: person, after: status.blockedReason)
        case .waiting:
            if case .human(let group)? = position.executor {
                return NextAction(who: group, what: "sign off with 'mission approve \(id) --gate \(gate)'")
            }
            return NextAction(who: "watcher", what: "go on with \(gate)")
        case .inReview:
            return NextAction(who: person, what: "review \(gate)")
        case .done, .cancelled:
            return nil
        }
    }
}

extension NextAction {
    /// What a person does about the blocked ticket `id`: `what` (the reason, or the first step), then `mission
    /// answer` to send it back to its gate, unless `what` says so already.
    public static func unblock(_ id: String, who: String, after what: String?) -> NextAction {
        let answer = "'mission answer \(id)' sends it back to its gate"
        guard let what else { return NextAction(who: who, what: "once it can go on, \(answer)") }
        return NextAction(who: who, what: what.contains("mission answer") ? what : "\(what); then \(answer)")
    }
}
