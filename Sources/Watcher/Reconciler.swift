import Board
import Control
import Foundation
import Git
import Runtime

/// What one reconcile pass did.
public struct ReconcileReport: Sendable {
    /// The planner's actions.
    public var actions: [Action] = []
    /// Each session that ended in this pass, with its terminal state.
    public var sessions: [(ticket: String, session: String, terminal: TerminalState)] = []
    /// Actions that were not carried out, and why.
    public var skipped: [(action: Action, why: String)] = []
    /// Outcomes that could not be committed yet, and why (they are kept and tried again).
    public var waiting: [String] = []

    /// Whether the pass changed a ticket's status other than by starting work, so that another pass may have
    /// more to do (a failure to retry, an answered question to dispatch).
    public var changedTickets: Bool {
        !sessions.isEmpty || actions.contains { action in
            switch action {
            case .settle, .block, .cancel, .stop, .resume, .awaitSignoff, .collectSignoff, .runScheduled, .closeCampaign: true
            case .dispatch, .runCheck, .runBrowser, .flagOverdue, .waitForRuntime: false
            }
        }
    }
}

/// One pass of the watcher's loop, synchronously: read the board, plan, carry the actions out, wait for the
/// sessions it started, and commit what they proved. `mission reconcile --once` runs it; the daemon will run
/// the same steps on every wake. Confine to one thread: it holds the repository.
public final class Reconciler {
    let store: BoardStore
    let sessionsRoot: String
    /// The runner name this reconciler plans under, held while it lives (see `RunnerSlot`).
    let slot: RunnerSlot
    /// The runner name this reconciler plans under.
    public var runner: String { slot.name }
    let environment: [String: String]
    let policy: HostPolicy

    /// A reconciler over `store`, keeping sessions under the git folder, passing on variables from `environment`,
    /// and starting only what the host's `policy` allows. It runs as `MISSION_RUNNER` when that is set, else as
    /// the first runner name of this host that no other watcher on the repository holds.
    public init(store: BoardStore, policy: HostPolicy,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(RunnerSlotError) {
        self.store = store
        self.policy = policy
        self.sessionsRoot = "\(store.repository.gitDirectory)/mission/sessions"
        self.slot = try RunnerSlot.acquire(environment["MISSION_RUNNER"].flatMap { $0.isEmpty ? nil : $0 }, in: store.repository)
        self.environment = environment
        // The watcher's commits are the runner's, not the person's whose git config the host has.
        store.signer = policy.identity ?? .runner(slot.name)
    }

    /// Who the runner's commits are by (see `BoardStore.signer`).
    var identity: CommitIdentity { store.signer ?? .runner(runner) }

    /// The hub this runner shares with others, when it works from a clone of one: every commit is pushed there
    /// before it counts, and ticket branches travel with the sessions.
    public var hub: Hub? {
        didSet {
            store.upstream = hub
            hub?.tag = runner
        }
    }

    /// The board as last read; each read brings it forward by what changed since (see `BoardStore.refreshed`).
    var board: BoardSnapshot?

    /// The ticket worktrees, in the root the host names, else the board as last read, else the default.
    var worktrees: TicketWorktrees {
        let setting = board?.config.settings.worktreeRoot
        if let cached = cachedWorktrees, cached.setting == setting { return cached.worktrees }
        let worktrees = TicketWorktrees(repository: store.repository, boardBranch: store.location.branch,
                                        host: policy.worktreeRoot, board: setting, environment: environment)
        cachedWorktrees = (setting, worktrees)
        return worktrees
    }
    private var cachedWorktrees: (setting: String?, worktrees: TicketWorktrees)?

    /// What each followed session's stream said so far (see `LiveStream`), by session id.
    var liveStreams: [String: LiveStream] = [:]

    /// When the reaper last swept the ticket worktrees and branches (see `TicketWorktrees.sweep`).
    var lastSweep: Date?
    /// The code branch's tip and its tree without the board folder, as the baseline last compared them: a pass
    /// whose tip has not moved writes no tree.
    var baselineCode: (tip: ObjectID, tree: ObjectID)?
    /// What the last sweep could not clean up: each is reported when it first appears, not every sweep.
    var sweepProblems: Set<String> = []
    /// How often the reaper sweeps; each pass checks.
    public var sweepInterval: TimeInterval = 60

    /// The board at the branch's tip.
    func currentBoard() throws -> BoardSnapshot {
        let current = try board.map(store.refreshed) ?? store.snapshot()
        board = current
        return current
    }

    /// Sessions this watcher follows, by session id: the ones it started and the ones it re-attached to.
    var tracked: [String: (started: Started, watch: Monitor.Watch)] = [:]

    /// How long a claim is this runner's without renewal. Another runner takes a ticket over only after its
    /// lease ran out, so a dead runner's tickets go on; a live one renews at half time.
    public var leaseDuration: TimeInterval = 600

    /// How far another runner's clock may be off from this one's (see `PlanLimits.clockTolerance`).
    public var clockTolerance: TimeInterval = 30

    /// When each followed session's lease runs out, as last committed.
    var leases: [String: Date] = [:]

    /// When this reconciler started: its runner record says so.
    let startedAt = Date()
    /// How often the runner record's heartbeat is renewed when nothing else changes (see `announce`).
    public var heartbeatInterval: TimeInterval = 30
    /// The runner record as last written.
    var announced: RunnerRecord?
    /// Whether the last write of the runner record failed (said once).
    var announceFailed = false

    /// How many sessions this watcher follows.
    public var runningSessions: Int { tracked.count }

    /// One pass and then wait for every session it started: `mission reconcile --once`.
    public func runOnce(now: () -> Date = Date.init) throws -> ReconcileReport {
        var report = try pass(now: now())
        while !tracked.isEmpty {
            report.sessions += try collect(now: now())
            if !tracked.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        report.waiting += waiting + news
        news = []
        return report
    }

    /// Reads the board, re-attaches to live sessions of its own runner name it does not follow yet (a restarted
    /// watcher's), plans, and carries the plan out. Starts sessions without waiting for them; `collect` records
    /// them when they end. Another runner's live session on this host is that runner's to follow and record.
    public func pass(now: Date) throws -> ReconcileReport {
        var report = ReconcileReport()
        var snapshot = try currentBoard()
        if try createBaselineIfMoved(snapshot, now: now) { snapshot = try currentBoard() }
        for record in snapshot.tickets where record.status?.status == .running {
            guard let claim = record.status?.session, claim.runner == nil || claim.runner == runner else { continue }
            let id = claim.id
            // An ended session whose outcome waits to be committed is not followed again.
            guard tracked[id] == nil, !unrecorded.contains(where: { $0.started.session == id }), let handle = handle(id),
                  Processes.isAlive(handle), let started = dispatchRecord(id) else { continue }
            tracked[id] = (started, Monitor.Watch(handle: handle, limits: started.limits, isChild: false, now: now))
            leases[id] = record.status?.session?.leaseUntil ?? now
        }
        // A session whose ticket another runner took over (its lease ran out while this one was cut off from the
        // hub) is stopped, and its outcome is never recorded: the board is the taker's now.
        for (id, item) in tracked {
            guard let record = snapshot.ticket(item.started.ticket), record.status?.session?.id != id else { continue }
            Monitor.killGroup(item.watch.handle, isChild: item.watch.isChild)
            tracked[id] = nil
            leases[id] = nil
            liveStreams[id] = nil
            report.waiting.append("\(ClaimLost(ticket: item.started.ticket, session: id, holder: record.status?.session)): "
                                  + "the session was stopped")
        }
        unrecorded.removeAll { pending in
            let claim = snapshot.ticket(pending.started.ticket)?.status?.session
            guard claim?.id != pending.started.session else { return false }
            report.waiting.append("\(ClaimLost(ticket: pending.started.ticket, session: pending.started.session, holder: claim))")
            return true
        }
        // An ended session whose outcome waits to be committed is still this watcher's: not one to settle.
        let live = tracked.values.map(\.started).map { LiveSession(ticket: $0.ticket, session: $0.session, profile: $0.profile) }
            + unrecorded.map(\.started).map { LiveSession(ticket: $0.ticket, session: $0.session, profile: $0.profile) }
        if lastSweep.map({ now.timeIntervalSince($0) >= sweepInterval }) ?? true {
            lastSweep = now
            sweepWorktrees(snapshot, busy: Set(live.map(\.ticket)), report: &report)
        }
        var limits = PlanLimits(snapshot.config)
        limits.unrunnable = unrunnableProfiles(snapshot)
        limits.clockTolerance = clockTolerance
        limits.labels = Set(policy.labels)
        report.actions = Planner.plan(snapshot, live: live, now: now, limits: limits, runner: runner)

        for action in report.actions {
            do {
                try carryOut(action, snapshot: snapshot, now: now, report: &report)
            } catch {
                // One action failing (a person's uncommitted edit in the way, a lock) does not stop the others;
                // the next pass tries again, since the board still says what is needed.
                report.skipped.append((action, "\(error)"))
            }
        }
        return report
    }

    /// The profiles whose executable this host does not have or does not allow, with why. A path inside the
    /// repository (`./scripts/agent.sh`) is only known in the worktree, so it is left to the launch to judge.
    func unrunnableProfiles(_ snapshot: BoardSnapshot) -> [String: String] {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        var unrunnable: [String: String] = [:]
        for (name, profile) in snapshot.config.runtimes.profiles {
            let missing = policy.missingLabels(profile.runsOn)
            if !missing.isEmpty {
                unrunnable[name] = "needs a runner labelled \(missing.sorted().joined(separator: " and "))"
                continue
            }
            let command = profile.harness == "ssh" ? "ssh" : (profile.command.first ?? "")
            guard !command.isEmpty, command.hasPrefix("/") || !command.contains("/") else { continue }
            if let reason = policy.check(command: command, path: path).reason { unrunnable[name] = reason }
        }
        return unrunnable
    }

    /// The reaper's sweep: closed tickets' worktrees and merged branches go, open ones' worktrees move to the root.
    /// A ticket that is running somewhere (any runner) is left alone.
    private func sweepWorktrees(_ snapshot: BoardSnapshot, busy: Set<String>, report: inout ReconcileReport) {
        let running = Set(snapshot.tickets.filter { $0.status?.status == .running }.map(\.id))
        // An archived ticket is closed; one the board does not know (not fetched yet, say) is treated as open.
        let sweep = worktrees.sweep(isOpen: { ticket in
            snapshot.ticket(ticket).map { !$0.isClosed } ?? !snapshot.contains(ticket)
        }, busy: busy.union(running))
        report.waiting += sweep.problems.filter { !sweepProblems.contains($0) }.map { "a ticket worktree stays for now: \($0)" }
        sweepProblems = Set(sweep.problems)
    }

    /// Starts a session with `start` and follows it; a lost claim is skipped, and a launch that failed is recorded
    /// as the session's outcome at once.
    private func follow(_ action: Action, ticket: String, gate: String, now: Date, report: inout ReconcileReport,
                        _ start: () throws -> Started?) throws {
        do {
            guard let started = try start(), let handle = started.handle else {
                report.skipped.append((action, "another writer claimed it first"))
                return
            }
            tracked[started.session] = (started, Monitor.Watch(handle: handle, limits: started.limits, isChild: true, now: now))
            leases[started.session] = now.addingTimeInterval(leaseDuration)
        } catch let failure as LaunchFailure {
            let conclusion = Conclusion(failure.outcome, gate: gate)
            let recorded = try record(failure.started, end: nil, conclusion: conclusion, now: now)
            report.sessions.append((ticket, failure.started.session, recorded))
        }
    }

    private func carryOut(_ action: Action, snapshot: BoardSnapshot, now: Date, report: inout ReconcileReport) throws {
            switch action {
            case .dispatch(let ticket, let gate, let role, let profile, let attempt):
                try follow(action, ticket: ticket, gate: gate, now: now, report: &report) {
                    try dispatch(ticket, gate: gate, role: role, profile: profile, attempt: attempt, snapshot: snapshot, now: now)
                }
            case .settle(let ticket, let session):
                let finding = handle(session).map { Reaper.settle($0) } ?? .ended(.vanished, tail: [])
                guard case .ended(let end, _) = finding, let status = snapshot.ticket(ticket)?.status else { return }
                let info = dispatchRecord(session) ?? Started(
                    ticket: ticket, session: session, gate: status.gate ?? "?", role: nil, profile: status.session?.profile,
                    handle: handle(session), nonce: "", argv: [], started: status.session?.started ?? now, limits: .init())
                // Another runner's claim whose lease ran out, with nothing of its session on this host: that runner
                // is lost (its host, its watcher, or its route to the hub).
                var conclusion = conclude(info, end: end, seenByParent: false, now: now)
                if handle(session) == nil, let owner = status.session?.runner, owner != runner {
                    conclusion = Conclusion(.runnerLost(runner: owner, leaseEnded: status.session?.leaseUntil), gate: info.gate)
                }
                let recorded = try record(info, end: end, conclusion: conclusion, now: now)
                report.sessions.append((ticket, session, recorded))
            case .block(let ticket, let reason):
                try writeStatus(ticket, message: "\(ticket): blocked: \(reason)") { status, spec in
                    status.status = .blocked
                    status.blockedReason = reason
                    status.nextAction = .unblock(ticket, who: spec.owner ?? "a person", after: reason)
                }
            case .cancel(let ticket):
                try writeStatus(ticket, message: "\(ticket): cancelled") { status, _ in
                    status.status = .cancelled
                    status.closed = now
                    status.session = nil
                }
                pruneWorktree(ticket)
            case .awaitSignoff(let ticket, let gate, let group):
                try writeStatus(ticket, message: "\(ticket): waiting for sign-off at \(gate)") { status, _ in
                    status.status = .waiting
                    status.gate = gate
                    status.nextAction = NextAction(who: group, what: "sign off with 'mission approve \(ticket) --gate \(gate)'")
                }
            case .stop(let ticket, let session, let reason):
                if let handle = handle(session) { Monitor.killGroup(handle, isChild: tracked[session]?.watch.isChild ?? false) }
                tracked[session] = nil
                try writeStatus(ticket, message: "\(ticket): stopped (\(reason.rawValue))") { status, _ in
                    status.status = reason == .cancelled ? .cancelled : .queued
                    status.session = nil
                    if reason == .cancelled { status.closed = now }
                }
                if reason == .cancelled { pruneWorktree(ticket) }
            case .resume(let ticket, let gate):
                try writeStatus(ticket, message: "\(ticket): answered; back to \(gate ?? "its gate")") { status, _ in
                    status.status = .queued
                    status.question = nil
                    // A person has looked: a blocked ticket starts a fresh streak with its retries.
                    status.blockedReason = nil
                    status.failures = [:]
                    status.attempt = 1
                    status.nextAction = NextAction(who: "watcher", what: "dispatch \(gate ?? "the gate") with the answer")
                }
            case .runCheck(let ticket, let gate, let command, let attempt):
                try follow(action, ticket: ticket, gate: gate, now: now, report: &report) {
                    try startCheck(ticket, gate: gate, command: command, attempt: attempt, snapshot: snapshot, now: now)
                }
            case .runBrowser(let ticket, let gate, let spec, let attempt):
                try follow(action, ticket: ticket, gate: gate, now: now, report: &report) {
                    try startBrowser(ticket, gate: gate, spec: spec, attempt: attempt, snapshot: snapshot, now: now)
                }
            case .collectSignoff(let ticket, let gate, let packet):
                try collectSignoff(ticket, gate: gate, packet: packet, now: now)
            case .closeCampaign(let ticket, let children):
                try writeStatus(ticket, message: "\(ticket): campaign complete: all \(children) children closed") { status, _ in
                    status.status = .done
                    status.closed = now
                    status.nextAction = nil
                }
            case .runScheduled(let job, let due, let missed):
                try createScheduled(job, run: ScheduledRun(job: job, due: due, missed: missed))
            case .waitForRuntime(let ticket, let reason):
                report.waiting.append("\(ticket): \(reason)")
                try writeStatus(ticket, message: "\(ticket): waits for a runtime") { status, _ in
                    status.nextAction = NextAction(who: "a runner", what: reason)
                }
            case .flagOverdue(let ticket, let due, let who):
                try writeStatus(ticket, message: "\(ticket): check-in overdue since \(due.formatted(.iso8601))") { status, _ in
                    status.overdue = due
                    status.nextAction = NextAction(who: who, what: "check in: the ticket expected news by \(due.formatted(.iso8601))")
                }
            }
    }

    /// Outcomes of ended sessions not committed yet (a person's uncommitted edit was in the way): kept, never lost.
    var unrecorded: [(started: Started, end: SessionEnd, conclusion: Conclusion)] = []

    /// Why outcomes are waiting to be committed, if they are.
    public internal(set) var waiting: [String] = []

    /// What is wrong with the board's prompt template, as found by the last dispatch (the built-in one served).
    public internal(set) var templateProblems: [String] = []

    /// What happened once and should be said once (an outcome not recorded over a takeover, a push the hub
    /// refused); the daemon logs and clears it. Unlike `waiting`, nothing here repeats.
    public var news: [String] = []

    /// Checks every followed session once; records and forgets those that ended (or broke a limit). An outcome
    /// that cannot be committed yet waits and is tried again on the next call; `waiting` says why.
    public func collect(now: Date) throws -> [(ticket: String, session: String, terminal: TerminalState)] {
        var finished: [(ticket: String, session: String, terminal: TerminalState)] = []
        waiting = []
        news += hub?.problems ?? []
        hub?.problems = []
        for pending in unrecorded {
            do {
                let recorded = try record(pending.started, end: pending.end, conclusion: pending.conclusion, now: now)
                finished.append((pending.started.ticket, pending.started.session, recorded))
                unrecorded.removeAll { $0.started.session == pending.started.session }
            } catch let lost as ClaimLost {
                unrecorded.removeAll { $0.started.session == pending.started.session }
                news.append("\(lost)")
            } catch {
                waiting.append("\(pending.started.ticket): the outcome of \(pending.started.session) waits: \(error)")
            }
        }
        for id in tracked.keys.sorted() {
            guard var item = tracked[id] else { continue }
            // Stopped (and reaped) for what its stream said: the findings read from the stream say why.
            let stopped: SessionEnd? = stopEarlyIfTold(item.started, watch: item.watch, now: now) ? .signaled(SIGTERM) : nil
            guard let end = stopped ?? item.watch.check(now: now) else {
                tracked[id] = item
                renewLease(of: item.started, handle: item.watch.handle, now: now)
                continue
            }
            tracked[id] = nil
            leases[id] = nil
            liveStreams[id] = nil
            let session = item.started
            let conclusion = conclude(session, end: end, seenByParent: item.watch.isChild, now: now)
            do {
                let recorded = try record(session, end: end, conclusion: conclusion, now: now)
                finished.append((session.ticket, session.session, recorded))
            } catch let lost as ClaimLost {
                news.append("\(lost)")
            } catch {
                unrecorded.append((session, end, conclusion))
                waiting.append("\(session.ticket): the outcome of \(session.session) waits: \(error)")
            }
        }
        return finished
    }

    /// Commits a later lease for a running session once half of it has passed, with the session's pid, so other
    /// runners leave the ticket alone. A failed renewal is tried again on the next call.
    private func renewLease(of session: Started, handle: SessionHandle, now: Date) {
        guard let until = leases[session.session], until.timeIntervalSince(now) < leaseDuration / 2 else { return }
        let renewed = now.addingTimeInterval(leaseDuration)
        do {
            try writeStatus(session.ticket, message: "\(session.ticket): lease of \(session.session) renewed") { status, _ in
                guard status.session?.id == session.session else { return }
                status.session?.leaseUntil = renewed
                status.session?.pid = Int(handle.pid)
                status.session?.pidStart = String(handle.pidStart)
            }
            leases[session.session] = renewed
        } catch {
            waiting.append("\(session.ticket): the lease of \(session.session) waits: \(error)")
        }
    }

    /// What a session's end means for its terminal state. A session that ended while this watcher was not its
    /// parent (a restart came between) ended during a restart; one that vanished without an exit status died.
    static func outcome(of end: SessionEnd, seenByParent: Bool) -> ProcessOutcome {
        switch end {
        case .exited(let code): seenByParent ? .exited(code) : .endedDuringRestart(code)
        case .signaled(let signal): .signaled(signal)
        case .killed(.wall): .wallTimeLimit
        case .killed(.idle): .idleLimit
        case .killed(.output): .outputFlood
        case .vanished: .workerDied
        }
    }

    /// Versions of the agent CLIs this watcher started, asked once per executable.
    var versions: [String: String?] = [:]


    /// The ticket's evidence packets that decode, oldest first (a packet that does not is reported by `check`).
    func packets(of record: TicketRecord, in snapshot: BoardSnapshot, excluding excluded: String? = nil) -> [EvidencePacket] {
        guard let commit = snapshot.commit, let tree = try? store.repository.commit(commit).tree else { return [] }
        return TreeSource(repository: store.repository, root: tree).decodedEvidence(of: record)
            .filter { $0.name != excluded }.map(\.packet)
    }

    /// What the watcher that started `session` saved about it.
    func dispatchRecord(_ session: String) -> Started? {
        guard let data = FileManager.default.contents(atPath: "\(sessionsRoot)/\(session)/dispatch.json") else { return nil }
        var started = try? JSONDecoder().decode(Started.self, from: data)
        started?.handle = handle(session)
        return started
    }

    func handle(_ session: String) -> SessionHandle? {
        guard let data = FileManager.default.contents(atPath: SessionDirectory(path: "\(sessionsRoot)/\(session)").record) else {
            return nil
        }
        return try? JSONDecoder().decode(SessionHandle.self, from: data)
    }

    /// The version of the adapter contract evidence packets record: what a harness promises the watcher.
    static let adapterContractVersion = 1
    /// How long a profile rests after a rate limit that gave no reset time.
    static let unknownResetWait: TimeInterval = 15 * 60
    /// The least a profile rests after a rate limit.
    static let minimumRateLimitRest: TimeInterval = 10

    static let statusHeader = "# Written by the Mission Control watcher; edit ticket.yaml, not this file."

    static func evidenceName(_ number: Int, gate: String) -> String {
        String(format: "%04d-", number) + gate + ".yaml"
    }

    static func sessionID(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "S-%04d%02d%02d-", c.year!, c.month!, c.day!) + randomHex(6)
    }

    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
    }

}
