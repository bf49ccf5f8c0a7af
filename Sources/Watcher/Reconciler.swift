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
            case .settle, .block, .cancel, .stop, .resume, .awaitSignoff: true
            case .dispatch, .runCheck, .flagOverdue: false
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
    let runner: String
    let environment: [String: String]
    let policy: HostPolicy
    let worktrees: TicketWorktrees

    /// A reconciler over `store`, keeping sessions under the git folder, passing on variables from `environment`,
    /// and starting only what the host's `policy` allows.
    public init(store: BoardStore, policy: HostPolicy,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.store = store
        self.policy = policy
        self.sessionsRoot = "\(store.repository.gitDirectory)/mission/sessions"
        self.worktrees = TicketWorktrees(repository: store.repository, boardBranch: store.location.branch)
        self.runner = environment["MISSION_RUNNER"] ?? ProcessInfo.processInfo.hostName
        self.environment = environment
    }

    /// The board as last read; each read brings it forward by what changed since (see `BoardStore.refreshed`).
    private var board: BoardSnapshot?

    /// The board at the branch's tip.
    private func currentBoard() throws -> BoardSnapshot {
        let current = try board.map(store.refreshed) ?? store.snapshot()
        board = current
        return current
    }

    /// Sessions this watcher follows, by session id: the ones it started and the ones it re-attached to.
    private var tracked: [String: (started: Started, watch: Monitor.Watch)] = [:]

    /// How long a claim is this runner's without renewal. Another runner takes a ticket over only after its
    /// lease ran out, so a dead runner's tickets go on; a live one renews at half time.
    public var leaseDuration: TimeInterval = 600

    /// When each followed session's lease runs out, as last committed.
    private var leases: [String: Date] = [:]

    /// How many sessions this watcher follows.
    public var runningSessions: Int { tracked.count }

    /// One pass and then wait for every session it started: `mission reconcile --once`.
    public func runOnce(now: () -> Date = Date.init) throws -> ReconcileReport {
        var report = try pass(now: now())
        while !tracked.isEmpty {
            report.sessions += try collect(now: now())
            if !tracked.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        report.waiting = waiting
        return report
    }

    /// Reads the board, re-attaches to live sessions it does not follow yet, plans, and carries the plan out.
    /// Starts sessions without waiting for them; `collect` records them when they end.
    public func pass(now: Date) throws -> ReconcileReport {
        var report = ReconcileReport()
        let snapshot = try currentBoard()
        for record in snapshot.tickets where record.status?.status == .running {
            guard let id = record.status?.session?.id, tracked[id] == nil, let handle = handle(id),
                  Processes.isAlive(handle), let started = dispatchRecord(id) else { continue }
            tracked[id] = (started, Monitor.Watch(handle: handle, limits: started.limits, isChild: false, now: now))
            leases[id] = record.status?.session?.leaseUntil ?? now
        }
        let live = tracked.values.map { LiveSession(ticket: $0.started.ticket, session: $0.started.session, profile: $0.started.profile) }
        report.actions = Planner.plan(snapshot, live: live, now: now, limits: PlanLimits(snapshot.config), runner: runner)

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

    private func carryOut(_ action: Action, snapshot: BoardSnapshot, now: Date, report: inout ReconcileReport) throws {
            switch action {
            case .dispatch(let ticket, let gate, let role, let profile, let attempt):
                do {
                    if let session = try dispatch(ticket, gate: gate, role: role, profile: profile, attempt: attempt,
                                                  snapshot: snapshot, now: now), let handle = session.handle {
                        tracked[session.session] = (session, Monitor.Watch(handle: handle, limits: session.limits,
                                                                           isChild: true, now: now))
                        leases[session.session] = now.addingTimeInterval(leaseDuration)
                    } else {
                        report.skipped.append((action, "another writer claimed it first"))
                    }
                } catch let failure as LaunchFailure {
                    let conclusion = Conclusion(failure.outcome, gate: gate)
                    try record(failure.started, end: nil, conclusion: conclusion, now: now)
                    report.sessions.append((ticket, failure.started.session, conclusion.terminal))
                }
            case .settle(let ticket, let session):
                let finding = handle(session).map { Reaper.settle($0) } ?? .ended(.vanished, tail: [])
                guard case .ended(let end, _) = finding, let status = snapshot.ticket(ticket)?.status else { return }
                let info = dispatchRecord(session) ?? Started(
                    ticket: ticket, session: session, gate: status.gate ?? "?", role: nil, profile: status.session?.profile,
                    handle: handle(session), nonce: "", argv: [], started: status.session?.started ?? now, limits: .init())
                let conclusion = conclude(info, end: end, seenByParent: false, now: now)
                try record(info, end: end, conclusion: conclusion, now: now)
                report.sessions.append((ticket, session, conclusion.terminal))
            case .block(let ticket, let reason):
                try writeStatus(ticket, message: "\(ticket): blocked: \(reason)") { status, spec in
                    status.status = .blocked
                    status.blockedReason = reason
                    status.nextAction = NextAction(who: spec.owner ?? "a person", what: reason)
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
                    status.nextAction = NextAction(who: "watcher", what: "dispatch \(gate ?? "the gate") with the answer")
                }
            case .runCheck, .flagOverdue:
                report.skipped.append((action, "check gates and check-in flags are not carried out yet"))
            }
    }

    /// Outcomes of ended sessions not committed yet (a person's uncommitted edit was in the way): kept, never lost.
    private var unrecorded: [(started: Started, end: SessionEnd, conclusion: Conclusion)] = []

    /// Why outcomes are waiting to be committed, if they are.
    public private(set) var waiting: [String] = []

    /// What is wrong with the board's prompt template, as found by the last dispatch (the built-in one served).
    public private(set) var templateProblems: [String] = []

    /// Checks every followed session once; records and forgets those that ended (or broke a limit). An outcome
    /// that cannot be committed yet waits and is tried again on the next call; `waiting` says why.
    public func collect(now: Date) throws -> [(ticket: String, session: String, terminal: TerminalState)] {
        var finished: [(ticket: String, session: String, terminal: TerminalState)] = []
        waiting = []
        for pending in unrecorded {
            do {
                try record(pending.started, end: pending.end, conclusion: pending.conclusion, now: now)
                finished.append((pending.started.ticket, pending.started.session, pending.conclusion.terminal))
                unrecorded.removeAll { $0.started.session == pending.started.session }
            } catch {
                waiting.append("\(pending.started.ticket): the outcome of \(pending.started.session) waits: \(error)")
            }
        }
        for id in tracked.keys.sorted() {
            guard var item = tracked[id] else { continue }
            guard let end = item.watch.check(now: now) else {
                tracked[id] = item
                renewLease(of: item.started, handle: item.watch.handle, now: now)
                continue
            }
            tracked[id] = nil
            leases[id] = nil
            let session = item.started
            let conclusion = conclude(session, end: end, seenByParent: item.watch.isChild, now: now)
            do {
                try record(session, end: end, conclusion: conclusion, now: now)
                finished.append((session.ticket, session.session, conclusion.terminal))
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

    // MARK: Dispatch

    /// A session this watcher started (or tried to), as saved in its folder for a watcher that re-attaches.
    struct Started: Codable {
        var ticket: String
        var session: String
        var gate: String
        var role: String?
        var profile: String?
        var handle: SessionHandle?
        var nonce: String
        var argv: [String]
        var started: Date
        var limits: Runtime.SessionLimits
        /// The profile's harness and command template, to read the output the way the CLI writes it.
        var harness: String?
        var command: [String]?
        var provider: String?
        var model: String?
        /// The resolved executable, and the ticket branch's head when the session started.
        var executable: String?
        var version: String?
        var baseHead: String?
        var worktree: String?
        /// The profile of the ticket's previous session when it differs, and the role's profiles passed over.
        var switchedFrom: String?
        var passedOver: [String]?
    }

    /// Nothing was started: why, and what was saved about the attempt.
    struct LaunchFailure: Error {
        let outcome: ProcessOutcome
        let started: Started
    }

    /// How a session ended: its terminal state and what its output said.
    struct Conclusion {
        var terminal: TerminalState
        var findings: SessionFindings

        /// A session that never ran.
        init(_ outcome: ProcessOutcome, gate: String) {
            let silence = Harvest(signal: .none, summary: nil, source: .none, rejected: [])
            findings = SessionFindings(harvest: silence, outcome: outcome)
            terminal = TerminalStates.decide(outcome, harvest: silence, gate: gate)
        }

        init(findings: SessionFindings, gate: String) {
            self.findings = findings
            terminal = TerminalStates.decide(findings.outcome, harvest: findings.harvest, gate: gate)
        }
    }

    /// Reads a finished session's output through its harness and decides its terminal state.
    private func conclude(_ session: Started, end: SessionEnd, seenByParent: Bool, now: Date) -> Conclusion {
        let directory = SessionDirectory(path: "\(sessionsRoot)/\(session.session)")
        let output = (try? String(contentsOfFile: directory.output, encoding: .utf8)) ?? ""
        let prompt = (try? String(contentsOfFile: "\(directory.path)/prompt.md", encoding: .utf8)) ?? ""
        let nonce = session.nonce.isEmpty ? PromptRenderer.nonce(in: prompt) ?? "" : session.nonce
        let harness = (try? Harnesses.named(session.harness ?? "script", command: session.command ?? [])) ?? ScriptHarness()
        let findings = SessionFindings.read(output: output, prompt: prompt, harness: harness, ticket: session.ticket,
                                            nonce: nonce, outcome: Self.outcome(of: end, seenByParent: seenByParent), now: now)
        return Conclusion(findings: findings, gate: session.gate)
    }

    /// Claims the ticket with a compare-and-swap commit, then launches. Nil when the claim was lost.
    private func dispatch(_ ticket: String, gate: String, role: String, profile name: String, attempt: Int,
                          snapshot: BoardSnapshot, now: Date) throws -> Started? {
        guard let profile = snapshot.config.runtimes.profiles[name], let record = snapshot.ticket(ticket),
              let spec = record.spec else { return nil }
        let session = Self.sessionID(now)
        let nonce = Self.randomHex(12)
        let directory = SessionDirectory(path: "\(sessionsRoot)/\(session)")
        var claimed = true
        try store.commit(
            message: "\(ticket): claim \(gate) for \(role) via \(name)",
            trailers: [Trailer(key: "Mission-Ticket", value: ticket), Trailer(key: "Mission-Session", value: session),
                       Trailer(key: "Mission-Gate", value: gate), Trailer(key: "Mission-Action", value: "claim")],
            reusing: try currentBoard()
        ) { listing in
            let current = try self.store.parsing([ticket], in: listing)
            guard let fresh = current.ticket(ticket), fresh.spec?.state == .ready,
                  [nil, .queued, .failed].contains(fresh.status?.status) else {
                claimed = false
                return []
            }
            var status = fresh.status ?? TicketStatus(status: .queued)
            status.status = .running
            status.gate = gate
            status.attempt = attempt
            status.updated = Date()
            status.session = SessionRef(id: session, profile: name, runner: self.runner, started: Date(),
                                        leaseUntil: now.addingTimeInterval(self.leaseDuration))
            status.nextAction = NextAction(who: "watcher", what: "\(role) works on \(gate)")
            return [.write(path: fresh.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader))]
        }
        guard claimed else { return nil }

        var info = Started(ticket: ticket, session: session, gate: gate, role: role, profile: name, handle: nil,
                           nonce: nonce, argv: [], started: now,
                           limits: Runtime.SessionLimits(wall: profile.limits?.wall?.timeInterval,
                                                         idle: profile.limits?.idle?.timeInterval,
                                                         outputBytes: profile.limits?.output?.bytes),
                           harness: profile.harness, command: profile.command, provider: profile.provider,
                           model: profile.model)
        info.switchedFrom = packets(of: record, in: snapshot).last?.profile.flatMap { $0 == name ? nil : $0 }
        info.passedOver = passedOver(before: name, role: role, spec: spec, snapshot: snapshot, now: now)
        try? FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let saveRecord = {
            if let data = try? JSONEncoder().encode(info) {
                _ = FileManager.default.createFile(atPath: "\(directory.path)/dispatch.json", contents: data)
            }
        }
        saveRecord()

        // The ticket's worktree, on its own branch: where the agent works.
        let workdir = worktrees.path(ticket)
        do {
            info.baseHead = try worktrees.prepare(ticket).hex
            info.worktree = workdir
        } catch {
            throw LaunchFailure(outcome: .worktreeFailed(error.description), started: info)
        }

        let prompt = renderPrompt(PromptContext(
            spec: spec, gate: gate, role: role, roles: snapshot.config.roles, evidence: packets(of: record, in: snapshot),
            notes: notes(of: record, in: snapshot), profile: name, nonce: nonce), snapshot: snapshot)
        let promptFile = "\(directory.path)/prompt.md"
        guard FileManager.default.createFile(atPath: promptFile, contents: Data(prompt.utf8)) else {
            throw LaunchFailure(outcome: .launchFailed("cannot write the prompt file \(promptFile)"), started: info)
        }
        let invocation: Invocation
        do throws(HarnessError) {
            let harness = try Harnesses.named(profile.harness, command: profile.command)
            invocation = try harness.invocation(for: HarnessRequest(
                harness: profile.harness, baseCommand: profile.command, promptFile: promptFile, model: profile.model,
                environmentNames: profile.env, host: profile.host))
        } catch {
            throw LaunchFailure(outcome: .launchFailed(error.message), started: info)
        }
        info.argv = invocation.argv
        let base = ["PATH": environment["PATH"] ?? "/usr/bin:/bin", "HOME": environment["HOME"] ?? "/",
                    "MISSION_PROMPT_FILE": promptFile, "MISSION_TICKET": ticket, "MISSION_SESSION": session,
                    "MISSION_NONCE": nonce, "MISSION_WORKTREE": workdir]
        let variables = invocation.environment(base: base, host: environment)
        do throws(LaunchError) {
            let command = invocation.argv.first ?? ""
            let executable = try Launcher.resolve(command, path: variables["PATH"] ?? "")
            info.executable = executable
            guard policy.permits(command: command, resolved: executable) else {
                throw LaunchError(message: "\(command) is not allowed on this host; allow it with "
                                  + "'mission reconcile --allow \(command)' or in \(HostPolicy.hostFile(environment))")
            }
            info.version = version(of: executable, harness: profile.harness, path: variables["PATH"] ?? "")
            info.handle = try Launcher.launch(id: session, invocation: invocation, workingDirectory: workdir,
                                              environment: variables, directory: directory, now: now)
        } catch {
            saveRecord()
            throw LaunchFailure(outcome: .launchFailed(error.message), started: info)
        }
        saveRecord()
        return info
    }

    /// Versions of the agent CLIs this watcher started, asked once per executable.
    private var versions: [String: String?] = [:]

    /// The version an agent CLI reports (`--version`), for the evidence. Not asked of `script` and `ssh`
    /// profiles: an arbitrary program may not know the flag and would do its work instead.
    private func version(of executable: String, harness name: String, path: String) -> String? {
        guard !["script", "ssh"].contains(name), let harness = try? Harnesses.named(name) else { return nil }
        if let known = versions[executable] { return known }
        let found = Preflight.check(harness, command: executable, path: path, environment: environment).version
        versions[executable] = found
        return found
    }

    /// The role's profiles ahead of `chosen` in fallback order, each with why it did not serve.
    private func passedOver(before chosen: String, role: String, spec: Ticket, snapshot: BoardSnapshot,
                            now: Date) -> [String]? {
        guard spec.profile == nil, let profiles = snapshot.config.roles.roles[role]?.profiles,
              let index = profiles.firstIndex(of: chosen), index > 0 else { return nil }
        let limited = Planner.rateLimitedProfiles(snapshot, now: now)
        return profiles[..<index].map { profile in
            limited[profile].map { "\(profile): rate limited until \($0.formatted(.iso8601))" } ?? "\(profile): at capacity"
        }
    }

    /// Removes a closed ticket's worktree (its branch stays until merged). A failure only costs disk space; the
    /// next close tries again.
    private func pruneWorktree(_ ticket: String) {
        do {
            try worktrees.prune(ticket)
        } catch {
            waiting.append("\(ticket): its worktree stays for now: \(error)")
        }
    }

    // MARK: Outcome

    /// Commits a session's outcome: the status, the evidence packet, and the transcript on its side ref.
    /// Everything that leaves the session folder is redacted first: transcript, tail, argv, the agent's words.
    private func record(_ session: Started, end: SessionEnd?, conclusion: Conclusion, now: Date) throws {
        let unredacted = conclusion.terminal, raw = conclusion.findings.harvest
        let directory = SessionDirectory(path: "\(sessionsRoot)/\(session.session)")
        // The agent's commits and what it left uncommitted, as the session's code change.
        var change: Board.ChangeRecord?
        if let base = session.baseHead.flatMap(ObjectID.init(hex:)) {
            change = try worktrees.recordChange(session.ticket, since: base,
                                                message: Redactor.redact(raw.summary ?? "\(session.ticket): \(session.gate) (\(session.session))"),
                                                author: store.identity())
        }
        let output = FileManager.default.contents(atPath: directory.output).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let transcript = Redactor.redact(output)
        let transcriptBlob = try storeTranscript(Array(transcript.utf8), ticket: session.ticket, session: session.session)
        let tail = transcript.split(separator: "\n", omittingEmptySubsequences: false).suffix(21)
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
        var harvest = raw
        harvest.summary = raw.summary.map(Redactor.redact)
        var terminal = unredacted
        terminal.summary = Redactor.redact(unredacted.summary)
        var exitCode: Int?
        var signal: Int?
        if case .exited(let code)? = end { exitCode = Int(code) }
        if case .signaled(let number)? = end { signal = Int(number) }
        var closed = false
        try store.commit(
            message: "\(session.ticket): \(session.gate): \(terminal.rootCause ?? "ended") (\(harvest.signal.rawValue))",
            trailers: [Trailer(key: "Mission-Ticket", value: session.ticket), Trailer(key: "Mission-Session", value: session.session),
                       Trailer(key: "Mission-Gate", value: session.gate),
                       Trailer(key: "Mission-Signal", value: harvest.signal.rawValue),
                       Trailer(key: "Mission-Root-Cause", value: terminal.rootCause ?? "unknown")],
            reusing: try currentBoard()
        ) { listing in
            let current = try self.store.parsing([session.ticket], in: listing)
            guard let record = current.ticket(session.ticket), let spec = record.spec else { return [] }
            var status = record.status ?? TicketStatus(status: .queued)
            status.updated = now
            status.session = nil
            status.lastEvidence = Self.evidenceName(record.evidence.count + 1, gate: session.gate)
            let workflow = current.config.workflows.workflows[spec.workflow ?? current.config.settings.defaultWorkflow ?? "code"]
            switch terminal.rootCause {
            case "done", "review":
                status.failures = [:]
                status.attempt = 1
                let gates = workflow?.gates ?? []
                if let index = gates.firstIndex(where: { $0.name == session.gate }), index + 1 < gates.count {
                    let nextGate = gates[index + 1].name
                    status.status = .queued
                    status.gate = nextGate
                    status.nextAction = NextAction(who: "watcher", what: "dispatch \(nextGate)")
                } else {
                    status.status = .done
                    status.closed = now
                    status.nextAction = nil
                    closed = true
                }
            case "rate_limited":
                // Not a failed attempt: the profile waits for its reset and the role's next profile may serve.
                if case .rateLimited(let reset) = conclusion.findings.outcome, let profile = session.profile {
                    // A reset already past still earns a short rest, so a stale reset time cannot make a loop.
                    status.rateLimits[profile] = max(reset ?? now.addingTimeInterval(Self.unknownResetWait),
                                                     now.addingTimeInterval(Self.minimumRateLimitRest))
                }
                status.status = .queued
                status.nextAction = NextAction(who: "watcher", what: "dispatch \(session.gate) on another profile or after the reset")
            case "question":
                status.status = .needsInput
                status.question = harvest.summary
                status.nextAction = NextAction(who: spec.owner ?? "a person", what: "answer with 'mission answer \(session.ticket)'")
            default:
                let cause = terminal.rootCause ?? "unknown"
                // Keep only the current streak: the circuit breaker counts failures in a row with one cause.
                status.failures = [cause: (status.failures[cause] ?? 0) + 1]
                if terminal.safeRetry?.allowed == true {
                    status.status = .failed
                    status.nextAction = NextAction(who: "watcher", what: "retry \(session.gate) (\(cause))")
                } else {
                    status.status = .blocked
                    status.blockedReason = terminal.summary
                    status.nextAction = NextAction(who: spec.owner ?? "a person",
                                                   what: terminal.nextActions?.first ?? "look at the evidence")
                }
            }
            let packet = EvidencePacket(
                kind: .session, ticket: session.ticket, gate: session.gate, session: session.session, role: session.role,
                profile: session.profile,
                adapter: session.profile.map { _ in
                    AdapterRecord(contractVersion: Self.adapterContractVersion, harness: session.harness ?? "script",
                                  executable: session.executable ?? session.argv.first, version: session.version,
                                  argv: Redactor.redact(argv: session.argv), provider: session.provider,
                                  model: conclusion.findings.model ?? session.model, workdir: session.worktree,
                                  runner: self.runner, cliSession: conclusion.findings.cliSession,
                                  switchedFrom: session.switchedFrom, passedOver: session.passedOver)
                },
                started: session.started, ended: now, durationSeconds: now.timeIntervalSince(session.started),
                exitCode: exitCode, signal: signal, harvested: harvest.signal, summary: harvest.summary,
                change: change, usage: conclusion.findings.usage,
                terminal: terminal, transcript: TranscriptRef(blob: transcriptBlob?.hex, tail: tail.isEmpty ? nil : tail))
            return [
                .write(path: record.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader)),
                .write(path: "\(record.folder)/evidence/\(status.lastEvidence!)", bytes: try YAMLWriting.encode(packet)),
            ]
        }
        if closed { pruneWorktree(session.ticket) }
    }

    /// Commits the transcript as a blob on `refs/mission/transcripts` (one path per session), so it replicates
    /// when asked for and never bloats the board branch.
    private func storeTranscript(_ bytes: [UInt8], ticket: String, session: String) throws -> ObjectID? {
        let repository = store.repository
        let reference = "refs/mission/transcripts"
        let blob = try repository.writeBlob(bytes)
        for _ in 0..<8 {
            let parent = try repository.referenceTarget(reference)
            let base = try parent.map { try repository.commit($0).tree }
            let tree = try repository.updateTree(base, applying: [.write(path: "\(ticket)/\(session).log", blob: blob)])
            let signature = try store.identity()
            let commit = try repository.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: signature,
                                                     committer: signature, message: "\(ticket): transcript of \(session)\n")
            do {
                try repository.updateReference(reference, to: commit, expecting: parent, logMessage: "mission: transcript")
                return blob
            } catch {
                guard error.code == .referenceMoved else { throw error }  // lost a race: read again
            }
        }
        return blob
    }

    private func writeStatus(_ ticket: String, message: String, _ change: (inout TicketStatus, Ticket) -> Void) throws {
        try store.commit(message: message, trailers: [Trailer(key: "Mission-Ticket", value: ticket)],
                         reusing: try currentBoard()) { listing in
            let current = try self.store.parsing([ticket], in: listing)
            guard let record = current.ticket(ticket), let spec = record.spec else { return [] }
            let before = record.status ?? TicketStatus(status: .queued)
            var status = before
            change(&status, spec)
            if status == before { return [] }
            status.updated = Date()
            return [.write(path: record.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader))]
        }
    }

    /// The ticket's notes (comments and answers), oldest first, for the prompt.
    private func notes(of record: TicketRecord, in snapshot: BoardSnapshot) -> [PromptContext.Note] {
        guard let commit = snapshot.commit, let tree = try? store.repository.commit(commit).tree else { return [] }
        return record.notes.compactMap { name in
            guard let entry = try? store.repository.entry(at: "\(record.folder)/notes/\(name)", in: tree),
                  let bytes = try? store.repository.blob(entry.id) else { return nil }
            let text = String(decoding: bytes, as: UTF8.self)
            return PromptContext.Note(name: name, text: text, answersQuestion: text.hasPrefix(Self.answerPrefix))
        }
    }

    /// How `mission answer` starts its note.
    static let answerPrefix = "Answer to the question"

    /// The prompt from the board's own template (`templates/prompt.md` in the board folder), or the built-in one
    /// when the board has none; a template with mistakes falls back to the built-in one and the mistakes are said.
    private func renderPrompt(_ context: PromptContext, snapshot: BoardSnapshot) -> String {
        let path = "\(store.location.directory)/\(PromptRenderer.templatePath)"
        guard let commit = snapshot.commit, let tree = try? store.repository.commit(commit).tree,
              let entry = try? store.repository.entry(at: path, in: tree),
              let bytes = try? store.repository.blob(entry.id) else {
            return PromptRenderer.render(context)
        }
        let (text, diagnostics) = PromptRenderer.render(template: String(decoding: bytes, as: UTF8.self), file: path,
                                                        context: context)
        templateProblems = diagnostics.map(\.description)
        return text
    }

    /// The ticket's evidence packets that decode, oldest first (a packet that does not is reported by `check`).
    private func packets(of record: TicketRecord, in snapshot: BoardSnapshot) -> [EvidencePacket] {
        guard let commit = snapshot.commit, let tree = try? store.repository.commit(commit).tree else { return [] }
        return record.evidence.compactMap { name in
            let path = "\(record.folder)/evidence/\(name)"
            guard let entry = try? store.repository.entry(at: path, in: tree),
                  let bytes = try? store.repository.blob(entry.id),
                  let document = try? YAMLDocument.parse(bytes, file: path) else { return nil }
            return try? document.decode(EvidencePacket.self)
        }
    }

    /// What the watcher that started `session` saved about it.
    private func dispatchRecord(_ session: String) -> Started? {
        guard let data = FileManager.default.contents(atPath: "\(sessionsRoot)/\(session)/dispatch.json") else { return nil }
        var started = try? JSONDecoder().decode(Started.self, from: data)
        started?.handle = handle(session)
        return started
    }

    private func handle(_ session: String) -> SessionHandle? {
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
    static let minimumRateLimitRest: TimeInterval = 60

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
