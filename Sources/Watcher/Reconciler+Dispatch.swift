import Board
import Control
import Foundation
import Git
import Runtime

/// Starting work: claiming a ticket with a compare-and-swap commit, preparing its worktree and prompt, and
/// launching its runtime (or its check).
extension Reconciler {
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
        /// The command of a check gate, for a check the watcher runs itself.
        var check: String?
    }

    /// Nothing was started: why, and what was saved about the attempt.
    struct LaunchFailure: Error {
        let outcome: ProcessOutcome
        let started: Started
    }

    /// Claims the ticket for `session` with a compare-and-swap commit (queued or failed → running) before anything
    /// starts. False when another writer got there first or the ticket is no longer ready.
    func claim(_ ticket: String, gate: String, session: String, profile: String?, doing work: String, attempt: Int,
               now: Date) throws -> Bool {
        var claimed = true
        try store.commit(
            message: "\(ticket): claim \(gate) for \(work)",
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
            status.overdue = nil
            status.session = SessionRef(id: session, profile: profile, runner: self.runner, started: Date(),
                                        leaseUntil: now.addingTimeInterval(self.leaseDuration))
            status.nextAction = NextAction(who: "watcher", what: "\(work) at \(gate)")
            return [.write(path: fresh.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader))]
        }
        return claimed
    }

    /// Claims the ticket, then launches its runtime. Nil when the claim was lost.
    func dispatch(_ ticket: String, gate: String, role: String, profile name: String, attempt: Int,
                  snapshot: BoardSnapshot, now: Date) throws -> Started? {
        guard let profile = snapshot.config.runtimes.profiles[name], let record = snapshot.ticket(ticket),
              let spec = record.spec else { return nil }
        let session = Self.sessionID(now)
        let nonce = Self.randomHex(12)
        let directory = SessionDirectory(path: "\(sessionsRoot)/\(session)")
        guard try claim(ticket, gate: gate, session: session, profile: name, doing: "\(role) via \(name)",
                        attempt: attempt, now: now) else { return nil }

        var info = Started(ticket: ticket, session: session, gate: gate, role: role, profile: name, handle: nil,
                           nonce: nonce, argv: [], started: now,
                           limits: Runtime.SessionLimits(wall: profile.limits?.wall?.timeInterval,
                                                         idle: profile.limits?.idle?.timeInterval,
                                                         outputBytes: profile.limits?.output?.bytes),
                           harness: profile.harness, command: profile.command, provider: profile.provider,
                           model: profile.model)
        let history = packets(of: record, in: snapshot)
        let previous = history.last
        info.switchedFrom = previous?.profile.flatMap { $0 == name ? nil : $0 }
        info.passedOver = passedOver(before: name, role: role, spec: spec, snapshot: snapshot, now: now)
        try? FileManager.default.createDirectory(atPath: Artifacts.folder(of: directory), withIntermediateDirectories: true)
        let saveRecord = {
            if let data = try? JSONEncoder().encode(info) {
                _ = FileManager.default.createFile(atPath: "\(directory.path)/dispatch.json", contents: data)
            }
        }
        saveRecord()

        // The ticket's worktree, on its own branch: where the agent works.
        let workdir = worktrees.path(ticket)
        do throws(GitError) {
            try hub?.adoptTicketBranch(ticket, worktree: workdir)
            info.baseHead = try worktrees.prepare(ticket).hex
            info.worktree = workdir
        } catch {
            throw LaunchFailure(outcome: .worktreeFailed(error.description), started: info)
        }

        let harness: any Harness
        do throws(HarnessError) {
            harness = try Harnesses.named(profile.harness, command: profile.command)
        } catch {
            throw LaunchFailure(outcome: .launchFailed(error.message), started: info)
        }
        // A resumed CLI conversation holds the earlier session's nonce and signal: the prompt says they are void.
        let resumeSession = harness.capabilities.contains(.resume)
            ? Self.questionSession(previous, gate: gate, profile: name) : nil
        let context = PromptContext(
            spec: spec, gate: gate, role: role, roles: snapshot.config.roles, evidence: history,
            notes: notes(of: record, in: snapshot), profile: name, nonce: nonce, resumes: resumeSession != nil)
        let prompt = renderPrompt(context, snapshot: snapshot)
        let promptFile = "\(directory.path)/prompt.md"
        guard FileManager.default.createFile(atPath: promptFile, contents: Data(prompt.utf8)) else {
            throw LaunchFailure(outcome: .launchFailed("cannot write the prompt file \(promptFile)"), started: info)
        }
        let invocation: Invocation
        do throws(HarnessError) {
            invocation = try harness.invocation(for: HarnessRequest(
                harness: profile.harness, baseCommand: profile.command, promptFile: promptFile, model: profile.model,
                resumeSessionID: resumeSession, environmentNames: profile.env, host: profile.host))
        } catch {
            throw LaunchFailure(outcome: .launchFailed(error.message), started: info)
        }
        info.argv = invocation.argv
        let base = ["PATH": environment["PATH"] ?? "/usr/bin:/bin", "HOME": environment["HOME"] ?? "/",
                    "MISSION_PROMPT_FILE": promptFile, "MISSION_TICKET": ticket, "MISSION_SESSION": session,
                    "MISSION_NONCE": nonce, "MISSION_WORKTREE": workdir, "MISSION_GATE": gate, "MISSION_ROLE": role,
                    "MISSION_ARTIFACTS": Artifacts.folder(of: directory)]
            .merging(Self.gitIdentity(identity.agent(profile: name))) { ours, _ in ours }
        let variables = invocation.environment(base: base, host: environment)
        do throws(LaunchError) {
            let command = invocation.argv.first ?? ""
            let executable = try Launcher.resolve(command, path: variables["PATH"] ?? "", relativeTo: workdir)
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

    /// The CLI session to resume: the one that asked the question this dispatch carries the answer to, when
    /// it ran at the same gate on the same profile. The agent goes on with its own context, and the prompt
    /// still carries everything (the answer among it) for a CLI that has lost the session.
    static func questionSession(_ previous: EvidencePacket?, gate: String, profile: String) -> String? {
        guard let previous, previous.gate == gate, previous.profile == profile,
              previous.terminal?.rootCause == "question" else { return nil }
        return previous.adapter?.cliSession
    }

    /// The version an agent CLI reports (`--version`), for the evidence. Not asked of `script` and `ssh`
    /// profiles: an arbitrary program may not know the flag and would do its work instead.
    func version(of executable: String, harness name: String, path: String) -> String? {
        guard !["script", "ssh"].contains(name), let harness = try? Harnesses.named(name) else { return nil }
        if let known = versions[executable] { return known }
        let found = Preflight.check(harness, command: executable, path: path, environment: environment).version
        versions[executable] = found
        return found
    }

    /// Creates the ticket of a scheduled job's run, labelled with its job, in one commit; it then runs like any other
    /// ticket and leaves its evidence. A run whose ticket exists meanwhile (another watcher) is not created twice.
    func createScheduled(_ job: String, run: ScheduledRun) throws {
        let snapshot = try currentBoard()
        guard let spec = snapshot.config.schedule.jobs[job] else { return }
        var generator = SystemRandomNumberGenerator()
        let id = TicketID.mint(prefix: snapshot.config.settings.prefix, existing: snapshot.allIDs,
                               minimumLength: snapshot.config.settings.idLength, using: &generator)
        let ticket = Scheduler.ticket(for: run, job: spec, id: id)
        guard let commit = snapshot.commit else { return }
        let template = TicketTemplate.text(in: snapshot, source: TreeSource(repository: store.repository,
                                                                           root: try store.repository.commit(commit).tree))
        try store.commit(message: "\(id): scheduled run of \(job)\(run.missed ? " (missed while the watcher was down)" : "")",
                         trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "schedule"),
                                    Trailer(key: "Mission-Schedule", value: job)],
                         loading: .init(), reusing: snapshot) { current in
            // Another watcher may have made this run's ticket meanwhile (a retry reads every ticket to know).
            if (Scheduler.lastRuns(in: current)[job] ?? .distantPast) >= run.due { return [] }
            return [.write(path: "\(current.location.ticketFolder(id))/\(TicketFile.spec)",
                           bytes: Array(TicketTemplate.render(template, ticket: ticket).utf8))]
        }
    }

    /// The baseline: when the code branch's code (its tree without the board folder, which a board on the code
    /// branch moves on every commit) is not what a baseline ticket ran on, and none is waiting or running, makes a
    /// ticket on the board's `baseline_workflow`, labelled `baseline` with the tree and commit it is for; its gates
    /// run the whole suite on its branch, which starts there. Red runs it supersedes are cancelled, with why.
    /// Returns whether it committed.
    func createBaselineIfMoved(_ snapshot: BoardSnapshot, now: Date) throws -> Bool {
        guard let workflow = snapshot.config.settings.baselineWorkflow, snapshot.config.workflows.workflows[workflow] != nil
        else { return false }
        let repository = store.repository
        let branch = worktrees.codeBranch
        guard let tip = try repository.referenceTarget(branch) else { return false }
        let tree: ObjectID
        if let known = baselineCode, known.tip == tip {
            tree = known.tree
        } else {
            var code = try repository.commit(tip).tree
            if try repository.entry(at: snapshot.location.directory, in: code) != nil {
                code = try repository.updateTree(code, applying: [.remove(path: snapshot.location.directory)])
            }
            tree = code
            baselineCode = (tip, code)
        }
        let treeLabel = "baseline-tree:\(tree.hex)"
        let runs = snapshot.tickets.filter { $0.spec?.labels.contains(Ledger.baselineLabel) == true }
        let red: Set<StatusValue> = [.failed, .blocked, .needsInput]
        if runs.contains(where: { $0.spec?.labels.contains(treeLabel) == true }) { return false }
        if runs.contains(where: { !$0.isClosed && !red.contains($0.status?.status ?? .queued) }) { return false }
        var generator = SystemRandomNumberGenerator()
        let id = TicketID.mint(prefix: snapshot.config.settings.prefix, existing: snapshot.allIDs,
                               minimumLength: snapshot.config.settings.idLength, using: &generator)
        let name = branch.hasPrefix("refs/heads/") ? String(branch.dropFirst("refs/heads/".count)) : branch
        let ticket = Ticket(id: id, title: "Baseline: \(name) at \(tip.short)", kind: .chore, state: .ready, workflow: workflow,
                            labels: [Ledger.baselineLabel, treeLabel, "baseline-commit:\(tip.hex)"],
                            created: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)),
                            acceptance: ["The baseline passes on \(name) at \(tip.short)."],
                            description: "The watcher made this ticket when the code of \(name) changed to \(tip.hex): its workflow runs the baseline there.\n")
        guard let commit = snapshot.commit else { return false }
        let template = TicketTemplate.text(in: snapshot, source: TreeSource(repository: repository, root: try repository.commit(commit).tree))
        let superseded = runs.filter { !$0.isClosed && red.contains($0.status?.status ?? .queued) }
        try store.commit(message: "\(id): baseline of \(name) at \(tip.short)",
                         trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "baseline")],
                         loading: .init(), reusing: snapshot) { current in
            // Another watcher may have made it meanwhile.
            if current.tickets.contains(where: { $0.spec?.labels.contains(treeLabel) == true }) { return [] }
            var changes: [FileChange] = [.write(path: "\(current.location.ticketFolder(id))/\(TicketFile.spec)",
                                                bytes: Array(TicketTemplate.render(template, ticket: ticket).utf8))]
            for old in superseded {
                guard let record = current.ticket(old.id), var status = record.status, red.contains(status.status) else { continue }
                status.status = .cancelled
                status.closed = now
                status.updated = now
                status.blockedReason = "superseded by the baseline \(id) of \(tip.short)"
                status.nextAction = nil
                changes.append(.write(path: record.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader)))
            }
            return changes
        }
        return true
    }

    /// Claims the ticket, then runs a check gate's command in its worktree, within the gate's time limit (20 minutes
    /// when it names none). The command is one program and its arguments, never a shell line, and the program must
    /// be allowed on this host like any runtime's. Nil when the claim was lost.
    func startCheck(_ ticket: String, gate: String, command: String, attempt: Int, snapshot: BoardSnapshot,
                    now: Date) throws -> Started? {
        try startWatcherRun(ticket, gate: gate, shown: command, defaultTimeout: 20 * 60, attempt: attempt,
                            snapshot: snapshot, now: now) { (worktree, _) throws(LaunchError) -> ([String], String) in
            let argv = try Self.words(of: command)
            return (argv, try allowedProgram(argv[0], in: worktree, what: "the check's program"))
        }
    }

    /// Claims the ticket, then runs its browser gate as a check of the watcher's own (`mission browser-check`):
    /// the app's program must be allowed on this host like a check's; the gate's time limit (10 minutes when it
    /// names none) covers starting the app and every page.
    func startBrowser(_ ticket: String, gate: String, spec: BrowserGate, attempt: Int, snapshot: BoardSnapshot,
                      now: Date) throws -> Started? {
        try startWatcherRun(ticket, gate: gate, shown: "browser: \(spec.summary)", defaultTimeout: 10 * 60,
                            attempt: attempt, snapshot: snapshot, now: now) { (worktree, directory) throws(LaunchError) -> ([String], String) in
            var app = try Self.words(of: spec.start)
            app[0] = try allowedProgram(app[0], in: worktree, what: "the browser gate's app")
            let plan = BrowserCheck.Plan(app: app, gate: spec)
            let file = "\(directory.path)/browser.json"
            guard let data = try? JSONEncoder().encode(plan), FileManager.default.createFile(atPath: file, contents: data) else {
                throw LaunchError(message: "cannot write the browser gate's plan \(file)")
            }
            let mission = BrowserCheck.missionExecutable
            return ([mission, "browser-check", file], mission)
        }
    }

    /// The resolved path of `program`, a check's or an app's, once this host allows it.
    private func allowedProgram(_ program: String, in worktree: String, what: String) throws(LaunchError) -> String {
        let executable = try Launcher.resolve(program, path: environment["PATH"] ?? "/usr/bin:/bin", relativeTo: worktree)
        guard policy.permits(command: program, resolved: executable) else {
            throw LaunchError(message: "\(what) \(program) is not allowed on this host; allow it with "
                              + "'mission watch --allow \(program)' or in \(HostPolicy.hostFile(environment))")
        }
        return executable
    }

    /// Claims the ticket and runs a program of the watcher's choosing (a check, a browser check) in its worktree, as
    /// `argv` says once the worktree is ready; its outcome is judged as a check's. Nil when the claim was lost.
    private func startWatcherRun(_ ticket: String, gate: String, shown: String, defaultTimeout: TimeInterval, attempt: Int,
                                 snapshot: BoardSnapshot, now: Date,
                                 argv: (_ worktree: String, _ directory: SessionDirectory) throws(LaunchError) -> ([String], String))
        throws -> Started? {
        guard let spec = snapshot.ticket(ticket)?.spec else { return nil }
        let workflow = snapshot.config.workflows.workflows[spec.workflow ?? snapshot.config.settings.defaultWorkflow ?? "code"]
        let timeout = workflow?.gates.first { $0.name == gate }?.timeout?.timeInterval ?? defaultTimeout
        let session = Self.sessionID(now)
        let directory = SessionDirectory(path: "\(sessionsRoot)/\(session)")
        guard try claim(ticket, gate: gate, session: session, profile: nil, doing: "the check '\(shown)'",
                        attempt: attempt, now: now) else { return nil }
        var info = Started(ticket: ticket, session: session, gate: gate, role: nil, profile: nil, handle: nil, nonce: "",
                           argv: [], started: now, limits: Runtime.SessionLimits(wall: timeout), check: shown)
        try? FileManager.default.createDirectory(atPath: Artifacts.folder(of: directory), withIntermediateDirectories: true)
        do throws(GitError) {
            try hub?.adoptTicketBranch(ticket, worktree: worktrees.path(ticket))
            info.baseHead = try worktrees.prepare(ticket).hex
            info.worktree = worktrees.path(ticket)
        } catch {
            throw LaunchFailure(outcome: .worktreeFailed(error.description), started: info)
        }
        do throws(LaunchError) {
            let (words, executable) = try argv(worktrees.path(ticket), directory)
            info.argv = words
            info.executable = executable
            let path = environment["PATH"] ?? "/usr/bin:/bin"
            let variables = ["PATH": path, "HOME": environment["HOME"] ?? "/", "MISSION_TICKET": ticket,
                             "MISSION_SESSION": session, "MISSION_WORKTREE": worktrees.path(ticket),
                             "MISSION_ARTIFACTS": Artifacts.folder(of: directory)]
            var launched = words
            launched[0] = executable
            info.handle = try Launcher.launch(id: session, argv: launched, workingDirectory: worktrees.path(ticket),
                                              environment: variables, directory: directory, now: now)
        } catch {
            throw LaunchFailure(outcome: .launchFailed(error.message), started: info)
        }
        if let data = try? JSONEncoder().encode(info) {
            _ = FileManager.default.createFile(atPath: "\(directory.path)/dispatch.json", contents: data)
        }
        return info
    }

    /// The words of a check's command: split at spaces, with single and double quotes and backslashes as a shell
    /// reads them, but nothing else of a shell. A command that needs one (pipes, redirections, variables, `&&`)
    /// is refused: put it in a script in the repository and name the script.
    static func words(of command: String) throws(LaunchError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in command {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else if "|&;<>()$`*?[]{}~".contains(character) {
                throw LaunchError(message: "the check '\(command)' needs a shell ('\(character)'); a check runs one program "
                                  + "with its arguments: put the line in a script and name the script")
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { throw LaunchError(message: "the check '\(command)' has an unclosed quote") }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw LaunchError(message: "the check has no command") }
        return words
    }

    /// The role's profiles ahead of `chosen` in fallback order, each with why it did not serve.
    func passedOver(before chosen: String, role: String, spec: Ticket, snapshot: BoardSnapshot,
                    now: Date) -> [String]? {
        guard spec.profile == nil, let profiles = snapshot.config.roles.roles[role]?.profiles,
              let index = profiles.firstIndex(of: chosen), index > 0 else { return nil }
        let limited = Planner.rateLimitedProfiles(snapshot, now: now)
        return profiles[..<index].map { profile in
            limited[profile].map { "\(profile): rate limited until \($0.formatted(.iso8601))" } ?? "\(profile): at capacity"
        }
    }

    /// The ticket's notes (comments and answers), oldest first, for the prompt.
    func notes(of record: TicketRecord, in snapshot: BoardSnapshot) -> [PromptContext.Note] {
        guard let commit = snapshot.commit, let tree = try? store.repository.commit(commit).tree else { return [] }
        return record.notes.compactMap { name in
            guard let entry = try? store.repository.entry(at: "\(record.folder)/notes/\(name)", in: tree),
                  let bytes = try? store.repository.blob(entry.id) else { return nil }
            let text = String(decoding: bytes, as: UTF8.self)
            return PromptContext.Note(name: name, text: text, answersQuestion: Self.answerPrefixes.contains { text.hasPrefix($0) })
        }
    }

    /// How `mission answer` starts its note: to a question, or to the reason a ticket is blocked.
    static let answerPrefixes = ["Answer to the question", "Answer to the block"]

    /// The prompt from the board's own template (`templates/prompt.md` in the board folder), or the built-in one
    /// when the board has none; a template with mistakes falls back to the built-in one and the mistakes are said.
    func renderPrompt(_ context: PromptContext, snapshot: BoardSnapshot) -> String {
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
}

extension Reconciler {
    /// The variables that make git sign an agent's commits as `identity`, whatever the host's git config says.
    static func gitIdentity(_ identity: CommitIdentity) -> [String: String] {
        ["GIT_AUTHOR_NAME": identity.name, "GIT_AUTHOR_EMAIL": identity.email,
         "GIT_COMMITTER_NAME": identity.name, "GIT_COMMITTER_EMAIL": identity.email]
    }
}
