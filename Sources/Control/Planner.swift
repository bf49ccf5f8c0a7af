import Board
import Foundation

/// A runtime session the watcher knows to be alive.
public struct LiveSession: Sendable, Hashable {
    /// The ticket it works on.
    public var ticket: String
    /// The session id.
    public var session: String
    /// The runtime profile it runs on (nil for a check the watcher runs itself).
    public var profile: String?

    /// A live session.
    public init(ticket: String, session: String, profile: String?) {
        self.ticket = ticket
        self.session = session
        self.profile = profile
    }
}

/// Why a session is stopped.
public enum StopReason: String, Sendable, Hashable, Codable {
    /// The spec says hold.
    case held
    /// The spec says cancelled.
    case cancelled
    /// The spec went back to draft.
    case draft
}

/// What the watcher should do next. The planner decides; the watcher carries it out and commits.
public enum Action: Sendable, Hashable {
    /// Claim the ticket (status queued → running, with compare-and-swap) and then start `profile` for `role`.
    case dispatch(ticket: String, gate: String, role: String, profile: String, attempt: Int)
    /// Claim the ticket and run a check gate's command in its worktree.
    case runCheck(ticket: String, gate: String, command: String, attempt: Int)
    /// Start the ticket's app and look at its pages in a headless browser, as a browser gate says.
    case runBrowser(ticket: String, gate: String, spec: BrowserGate, attempt: Int)
    /// Record that the ticket waits at a human gate for someone in `group`.
    case awaitSignoff(ticket: String, gate: String, group: String)
    /// Stop a live session and leave the ticket as its spec says.
    case stop(ticket: String, session: String, reason: StopReason)
    /// The board says a session runs but none is alive: let the reaper settle it (re-attach or "worker died").
    case settle(ticket: String, session: String)
    /// Record the ticket as cancelled (its spec says so and nothing runs).
    case cancel(ticket: String)
    /// Block the ticket for a person, with the reason.
    case block(ticket: String, reason: String)
    /// Flag an overdue check-in and say who should act.
    case flagOverdue(ticket: String, due: Date, who: String)
    /// A person answered the open question (a note after it): send the ticket back to its gate.
    case resume(ticket: String, gate: String?)
    /// A sign-off packet arrived for the human gate the ticket waits at: check who signed, and move on.
    case collectSignoff(ticket: String, gate: String, packet: String)
    /// Every child of a campaign is done or cancelled: close the campaign.
    case closeCampaign(ticket: String, children: Int)
    /// A scheduled job is due: create its ticket (which then runs like any other).
    case runScheduled(job: String, due: Date, missed: Bool)
    /// No profile this host can run may serve the ticket's role: it waits (not blocked) for an install, an
    /// allow-list entry or another runner, and says why.
    case waitForRuntime(ticket: String, reason: String)

    /// The ticket the action concerns.
    public var ticket: String {
        switch self {
        case .dispatch(let ticket, _, _, _, _), .runCheck(let ticket, _, _, _), .runBrowser(let ticket, _, _, _),
             .awaitSignoff(let ticket, _, _),
             .stop(let ticket, _, _), .settle(let ticket, _), .cancel(let ticket), .block(let ticket, _),
             .flagOverdue(let ticket, _, _), .resume(let ticket, _), .collectSignoff(let ticket, _, _),
             .closeCampaign(let ticket, _), .waitForRuntime(let ticket, _):
            ticket
        case .runScheduled(let job, _, _):
            Scheduler.label(for: job)
        }
    }

    /// Whether the action starts work that takes a worker slot.
    public var startsWork: Bool {
        switch self {
        case .dispatch, .runCheck, .runBrowser: true
        default: false
        }
    }
}

/// Concurrency limits for one plan.
public struct PlanLimits: Sendable, Hashable {
    /// Sessions and checks at once on this watcher.
    public var maxWorkers: Int
    /// Sessions at once per profile; a profile not listed has no limit of its own.
    public var perProfile: [String: Int]
    /// Profiles this host cannot run, with why (not installed, not allowed): fallback passes over them.
    public var unrunnable: [String: String] = [:]
    /// How far another runner's clock may be off from ours: its lease counts as held until this long after the
    /// time it names. Runners renew at half the lease, so a live runner is never near it.
    public var clockTolerance: TimeInterval = 30
    /// The host labels this runner offers: a ticket whose `runs_on` asks for one it lacks waits for another runner.
    public var labels: Set<String> = []

    /// Limits as given.
    public init(maxWorkers: Int, perProfile: [String: Int] = [:], unrunnable: [String: String] = [:]) {
        self.maxWorkers = maxWorkers
        self.perProfile = perProfile
        self.unrunnable = unrunnable
    }

    /// The board's limits: `max_workers` from mission.yaml, `concurrency` from each runtime profile.
    public init(_ config: BoardConfig) {
        maxWorkers = config.settings.limits.maxWorkers
        perProfile = config.runtimes.profiles.compactMapValues { $0.limits?.concurrency }
    }
}

/// The watcher's policy as a pure function: from the board, the live sessions and the time to the actions
/// that bring the board where its specs say it should be. No I/O; the same inputs give the same plan.
///
/// Failure counts in `status.yaml` are the current streak at the ticket's gate: the watcher resets them when
/// a session succeeds and keeps only the latest root cause's streak, so a count that reaches the board's
/// `circuit_breaker` means that many failures in a row with the same cause.
public enum Planner {
    /// The actions for `snapshot` given `live` sessions at `now`, planned by the watcher named `runner`.
    ///
    /// A session the board says runs, but that is not live here, is settled when it was this runner's, or when
    /// another runner's lease on it ran out (that runner is gone). While another runner's lease holds, the
    /// ticket is that runner's business. Without a `runner` every such session is settled (one watcher).
    public static func plan(_ snapshot: BoardSnapshot, live: [LiveSession], now: Date, limits: PlanLimits,
                            runner: String? = nil) -> [Action] {
        let config = snapshot.config
        let liveByTicket = Dictionary(live.map { ($0.ticket, $0) }, uniquingKeysWith: { first, _ in first })
        var actions: [Action] = []
        var candidates: [(record: TicketRecord, attempt: Int)] = []

        for record in snapshot.tickets where !record.archived {
            guard let spec = record.spec else { continue }  // broken: reported by check, never acted on
            let status = record.status
            let session = liveByTicket[record.id]

            if let due = overdue(spec, status, now: now), !record.isClosed, status?.overdue == nil {
                actions.append(.flagOverdue(ticket: record.id, due: due, who: spec.owner ?? "the ticket's owner"))
            }
            // A campaign is steered, not worked: its children do the work, and it closes when they all have,
            // whatever its own state (cancelling it is the one exception).
            if spec.kind == .campaign, spec.state != .cancelled {
                let baselineGreen = Ledger.baseline(in: snapshot)?.green ?? true
                // While the baseline is red, no campaign is done: it closes once the baseline passes again.
                if status?.status.isClosed != true, let rollup = Campaigns.rollup(record.id, in: snapshot), rollup.isComplete,
                   baselineGreen {
                    actions.append(.closeCampaign(ticket: record.id, children: rollup.children.count))
                }
                continue
            }
            switch spec.state {
            case .cancelled:
                if let session { actions.append(.stop(ticket: record.id, session: session.session, reason: .cancelled)) }
                else if status?.status != .cancelled && status?.status != .done { actions.append(.cancel(ticket: record.id)) }
                continue
            case .hold, .draft:
                if let session {
                    actions.append(.stop(ticket: record.id, session: session.session,
                                         reason: spec.state == .hold ? .held : .draft))
                }
                continue
            case .ready:
                break
            }
            switch status?.status {
            case .running?:
                if session == nil, let runner, let claim = status?.session, let owner = claim.runner, owner != runner,
                   claim.leaseUntil.map({ $0.addingTimeInterval(limits.clockTolerance) > now }) ?? false {
                    continue  // another runner's claim, and its lease holds (claims without one predate leases)
                }
                if session == nil, let id = status?.session?.id {
                    actions.append(.settle(ticket: record.id, session: id))
                } else if session == nil {
                    actions.append(.block(ticket: record.id, reason: "status says running but names no session"))
                }
            case .failed?:
                guard session == nil, let status else { continue }
                if let (cause, count) = status.failures.max(by: { $0.value < $1.value }),
                   count >= config.settings.retry.circuitBreaker {
                    actions.append(.block(ticket: record.id,
                                          reason: "circuit breaker: \(count) failures in a row caused by \(cause)"))
                } else if status.attempt > config.settings.retry.maxRetries {
                    actions.append(.block(ticket: record.id,
                                          reason: "retries exhausted: \(status.attempt) attempts at gate \(status.gate ?? "?")"))
                } else if snapshot.openBlockers(of: record).isEmpty {
                    candidates.append((record, status.attempt + 1))
                }
            case nil, .queued?:
                // Blockers that lead back to the ticket never close: a person must break the loop.
                if session == nil, record.spec?.state == .ready, let loop = snapshot.dependencyCycles[record.id] {
                    actions.append(.block(ticket: record.id,
                                          reason: "dependency cycle \(loop): remove one of these blocked_by entries"))
                } else if session == nil, snapshot.isReady(record) {
                    candidates.append((record, status?.attempt ?? 1))
                }
            case .needsInput?, .blocked?:
                // A person's note answers the question, or says the block is dealt with (`mission answer`): the
                // ticket goes back to its gate. Note names carry whole seconds: a note from the second the ticket
                // stopped on counts.
                if let stopped = status?.updated, let latest = record.notes.compactMap(Self.noteDate).max(),
                   latest >= Date(timeIntervalSince1970: stopped.timeIntervalSince1970.rounded(.down)) {
                    actions.append(.resume(ticket: record.id, gate: status?.gate))
                }
            case .waiting?:
                // A person signs off by committing a packet for the gate after the last one the watcher wrote.
                if let gate = status?.gate, let packet = record.evidence.first(where: { name in
                    name.hasSuffix("-\(gate).yaml") && name > (status?.lastEvidence ?? "")
                }) {
                    actions.append(.collectSignoff(ticket: record.id, gate: gate, packet: packet))
                }
            case .inReview?, .done?, .cancelled?:
                break  // a person acts, or it is finished
            }
        }

        // Reading every ticket's labels (the archive's too) is for boards that schedule anything.
        let lastRuns = config.schedule.jobs.isEmpty ? [:] : Scheduler.lastRuns(in: snapshot)
        for run in Scheduler.due(jobs: config.schedule.jobs, lastRuns: lastRuns, now: now) {
            actions.append(.runScheduled(job: run.job, due: run.due, missed: run.missed))
        }

        // Start work in the watcher's order, within the limits, passing over rate-limited profiles.
        let limited = rateLimitedProfiles(snapshot, now: now)
        var running = live.count
        var perProfile: [String: Int] = [:]
        for session in live { if let profile = session.profile { perProfile[profile, default: 0] += 1 } }
        let order = candidates.map(\.record)
        let ordered = order.indices.sorted { BoardSnapshot.workOrder(order[$0], order[$1]) }
        for index in ordered {
            let (record, attempt) = candidates[index]
            guard let spec = record.spec else { continue }
            let workflowName = spec.workflow ?? config.settings.defaultWorkflow ?? "code"
            guard let workflow = config.workflows.workflows[workflowName] else {
                actions.append(.block(ticket: record.id, reason: "workflow '\(workflowName)' does not exist"))
                continue
            }
            let gate = record.status?.gate.flatMap { name in workflow.gates.first { $0.name == name } } ?? workflow.gates.first
            guard let gate, let kind = gate.kind else {
                actions.append(.block(ticket: record.id, reason: "workflow '\(workflowName)' has no usable gate"))
                continue
            }
            // Work runs on the runner: a ticket that asks for labels this one lacks is another runner's to take.
            if kind.runsOnRunner, case let missing = spec.runsOn.filter({ !limits.labels.contains($0) }), !missing.isEmpty {
                actions.append(.waitForRuntime(ticket: record.id, reason: "waits for a runner labelled "
                                               + missing.sorted().joined(separator: " and ")))
                continue
            }
            switch kind {
            case .human(let group):
                actions.append(.awaitSignoff(ticket: record.id, gate: gate.name, group: group))
            case .check(let command):
                guard running < limits.maxWorkers else { continue }
                running += 1
                actions.append(.runCheck(ticket: record.id, gate: gate.name, command: command, attempt: attempt))
            case .browser(let spec):
                guard running < limits.maxWorkers else { continue }
                running += 1
                actions.append(.runBrowser(ticket: record.id, gate: gate.name, spec: spec, attempt: attempt))
            case .agent(let roleName):
                let role = gate == workflow.gates.first ? (spec.assignee ?? roleName) : roleName
                guard let profiles = spec.profile.map({ [$0] }) ?? config.roles.roles[role]?.profiles, !profiles.isEmpty else {
                    actions.append(.block(ticket: record.id, reason: "role '\(role)' has no runtime profile"))
                    continue
                }
                // A profile without what the role needs (tools to change code) never serves it.
                let needs = config.roles.roles[role]
                let able = profiles.filter { name in
                    config.runtimes.profiles[name].map { needs?.missingCapabilities(in: $0).isEmpty ?? true } ?? true
                }
                guard !able.isEmpty else {
                    let wanted = (needs?.requiredCapabilities ?? []).map(\.rawValue).joined(separator: " and ")
                    actions.append(.block(ticket: record.id, reason: "role '\(role)' needs \(wanted), and no profile that may "
                                          + "serve it (\(profiles.joined(separator: ", "))) has them"))
                    continue
                }
                let runnable = able.filter { limits.unrunnable[$0] == nil }
                guard !runnable.isEmpty else {
                    let why = able.map { "\($0): \(limits.unrunnable[$0] ?? "")" }.joined(separator: "; ")
                    actions.append(.waitForRuntime(ticket: record.id, reason: "no runtime on this host can serve role \(role) (\(why))"))
                    continue
                }
                guard running < limits.maxWorkers else { continue }
                // The first profile in fallback order with room; none with room: wait for one.
                guard let profile = runnable.first(where: {
                    limited[$0] == nil && perProfile[$0, default: 0] < limits.perProfile[$0, default: .max]
                }) else {
                    continue
                }
                running += 1
                perProfile[profile, default: 0] += 1
                actions.append(.dispatch(ticket: record.id, gate: gate.name, role: role, profile: profile, attempt: attempt))
            }
        }
        return actions
    }

    /// Profiles some session found rate limited, with the latest reset still ahead: a limit is the provider
    /// account's, so it holds for every ticket, not only the one whose session met it.
    public static func rateLimitedProfiles(_ snapshot: BoardSnapshot, now: Date) -> [String: Date] {
        var limited: [String: Date] = [:]
        // An archived ticket is closed: its limits are long past, and the archive is most of a large board.
        for record in snapshot.tickets where !record.archived && record.status?.rateLimits.isEmpty == false {
            for (profile, reset) in record.status?.rateLimits ?? [:] where reset > now {
                limited[profile] = max(limited[profile] ?? reset, reset)
            }
        }
        return limited
    }

    /// When a note was written, from its name (`20261122T101500Z-author.md`).
    public static func noteDate(_ name: String) -> Date? {
        let digits = Array(name.prefix(16))
        guard digits.count == 16, digits[8] == "T", digits[15] == "Z" else { return nil }
        let number = { (range: Range<Int>) in Int(String(digits[range])) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    /// When the check-in was due, if it is past: the last status update (or creation) plus `check_in`.
    static func overdue(_ spec: Ticket, _ status: TicketStatus?, now: Date) -> Date? {
        guard let interval = spec.checkIn, let since = status?.updated ?? spec.created else { return nil }
        let due = since.addingTimeInterval(interval.timeInterval)
        return due < now ? due : nil
    }
}
