import Board
import Control
import Foundation
import Git
import Runtime

/// Ending work: reading what a session said, deciding where the ticket goes, and committing the outcome.
extension Reconciler {
    /// How a session ended: its terminal state and what its output said.
    struct Conclusion {
        var terminal: TerminalState
        var findings: SessionFindings
        /// What the round means for the workflow, when it ended in a way the workflow decides on (an agent's
        /// DONE or REVIEW, a check's exit); nil for failures, which the retry policy handles.
        var gateOutcome: GateOutcome?

        /// A session that never ran.
        init(_ outcome: ProcessOutcome, gate: String) {
            let silence = Harvest(signal: .none, summary: nil, source: .none, rejected: [])
            findings = SessionFindings(harvest: silence, outcome: outcome)
            terminal = TerminalStates.decide(outcome, harvest: silence, gate: gate)
        }

        init(findings: SessionFindings, gate: String) {
            self.findings = findings
            terminal = TerminalStates.decide(findings.outcome, harvest: findings.harvest, gate: gate)
            if ["done", "review"].contains(terminal.rootCause) { gateOutcome = .passed }
        }

        /// Holds an agent's DONE to its role: a role that gives verdicts must give a readable one (`pass` goes on,
        /// `fail` and `return_for_fixes` go back with the findings; an unreadable or missing verdict stops for a
        /// person, never read as a rejection), and the role's evidence must all be there, or the gate gets the
        /// ticket back with the list of what is missing.
        mutating func judge(required: [String], changed: Bool, gate: String) {
            guard gateOutcome == .passed else { return }
            let harvest = findings.harvest
            if required.contains("verdict") {
                switch harvest.verdict {
                case .valid(let verdict)? where verdict.decision != .pass:
                    gateOutcome = .returned(findings: verdict.findings ?? ["the reviewer gave no findings"])
                    return
                case .valid?:
                    break
                case .unreadable(let text)?:
                    terminal = TerminalStates.unreadableVerdict(text, gate: gate)
                    gateOutcome = nil
                    return
                case nil:
                    terminal = TerminalStates.unreadableVerdict("no verdict was given (\(harvest.summary ?? "no summary"))", gate: gate)
                    gateOutcome = nil
                    return
                }
            }
            let missing = harvest.missingEvidence(required: required, change: changed)
            guard !missing.isEmpty else { return }
            terminal = TerminalStates.missingEvidence(missing, gate: gate)
            gateOutcome = .incomplete(findings: missing.map { "Missing evidence: \($0). Leave it and report it in the sentinel's \"evidence\"." })
        }

        /// A check gate's run of `command` that ended with `outcome`, having printed `tail` last.
        init(check command: String, outcome: ProcessOutcome, tail: [String], gate: String) {
            let silence = Harvest(signal: .none, summary: nil, source: .none, rejected: [])
            findings = SessionFindings(harvest: silence, outcome: outcome)
            var failure: String?
            switch outcome {
            case .exited(0), .endedDuringRestart(0?):
                gateOutcome = .passed
            case .exited(let code), .endedDuringRestart(let code?):
                failure = "it exited with status \(code)"
            case .wallTimeLimit:
                failure = "it ran past its time limit"
            default:
                terminal = TerminalStates.decide(outcome, harvest: silence, gate: gate)
                return
            }
            if let failure { gateOutcome = .returned(findings: ["The check '\(command)' failed: \(failure)."] + tail) }
            terminal = Gates.checkTerminal(command: command, failure: failure)
        }
    }

    /// Reads a finished session's output through its harness and decides its terminal state.
    func conclude(_ session: Started, end: SessionEnd, seenByParent: Bool, now: Date) -> Conclusion {
        let directory = SessionDirectory(path: "\(sessionsRoot)/\(session.session)")
        let output = (try? String(contentsOfFile: directory.output, encoding: .utf8)) ?? ""
        let prompt = (try? String(contentsOfFile: "\(directory.path)/prompt.md", encoding: .utf8)) ?? ""
        if let command = session.check {
            let tail = output.outputLines(omittingEmpty: true).suffix(Self.checkFindingLines).map(String.init)
            return Conclusion(check: command, outcome: Self.outcome(of: end, seenByParent: seenByParent), tail: tail,
                              gate: session.gate)
        }
        let nonce = session.nonce.isEmpty ? PromptRenderer.nonce(in: prompt) ?? "" : session.nonce
        let harness = (try? Harnesses.named(session.harness ?? "script", command: session.command ?? [])) ?? ScriptHarness()
        let findings = SessionFindings.read(output: output, prompt: prompt, harness: harness, ticket: session.ticket,
                                            nonce: nonce, earlierNonces: earlierNonces(of: session.ticket, besides: session.session),
                                            outcome: Self.outcome(of: end, seenByParent: seenByParent), now: now)
        return Conclusion(findings: findings, gate: session.gate)
    }

    /// The nonces of the ticket's sessions other than `session`, all void: each from its evidence packet, or, for a
    /// packet written before packets kept the nonce, from what this host saved of the session. A resumed
    /// conversation that repeats one is stale, not forged (see `Harvester`).
    func earlierNonces(of ticket: String, besides session: String) -> Set<String> {
        guard let snapshot = try? currentBoard(), let record = snapshot.ticket(ticket) else { return [] }
        let nonces = packets(of: record, in: snapshot).compactMap { packet -> String? in
            guard packet.kind == .session, let id = packet.session, id != session else { return nil }
            return packet.nonce ?? savedNonce(of: id)
        }
        return Set(nonces.filter { !$0.isEmpty })
    }

    /// The nonce this host saved for `session`: in its dispatch record, or in the prompt it was given.
    func savedNonce(of session: String) -> String? {
        if let nonce = dispatchRecord(session)?.nonce, !nonce.isEmpty { return nonce }
        let prompt = try? String(contentsOfFile: "\(sessionsRoot)/\(session)/prompt.md", encoding: .utf8)
        return prompt.flatMap(PromptRenderer.nonce(in:))
    }

    /// Commits a session's outcome: the status, the evidence packet, and the transcript on its side ref.
    /// Everything that leaves the session folder is redacted first: transcript, tail, argv, the agent's words.
    /// Returns the terminal state as committed: judged against the role, explained by the last output, redacted.
    func record(_ session: Started, end: SessionEnd?, conclusion judged: Conclusion, now: Date) throws -> TerminalState {
        var conclusion = judged
        let raw = conclusion.findings.harvest
        let directory = SessionDirectory(path: "\(sessionsRoot)/\(session.session)")
        // The agent's commits and what it left uncommitted, as the session's code change.
        var change: Board.ChangeRecord?
        if let base = session.baseHead.flatMap(ObjectID.init(hex:)) {
            change = try worktrees.recordChange(session.ticket, since: base,
                                                message: Redactor.redact(raw.summary ?? "\(session.ticket): \(session.gate) (\(session.session))"),
                                                author: identity.agent(profile: session.profile ?? "check").signature())
        }
        // On a hub, the code goes with the outcome: the evidence names its head, and the next gate may run elsewhere.
        if change != nil { hub?.stageTicketBranch(session.ticket) }
        // An agent's DONE passes its gate only with its role's evidence, and a reviewer's only with a readable verdict.
        if session.check == nil, let role = session.role, let needs = try currentBoard().config.roles.roles[role] {
            conclusion.judge(required: needs.evidence, changed: !(change?.files ?? []).isEmpty, gate: session.gate)
        }
        let unredacted = conclusion.terminal
        let output = FileManager.default.contents(atPath: directory.output).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let transcript = Redactor.redact(output)
        let transcriptBlob = try storeTranscript(Array(transcript.utf8), ticket: session.ticket, session: session.session)
        let artifacts = try storeArtifacts(ticket: session.ticket, session: session.session)
        let tail = transcript.outputLines().suffix(21)
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
        var harvest = raw
        harvest.summary = raw.summary.map(Redactor.redact)
        var terminal = TerminalStates.withLastOutput(unredacted, tail: tail)
        terminal.summary = Redactor.redact(terminal.summary)
        var exitCode: Int?
        var signal: Int?
        if case .exited(let code)? = end { exitCode = Int(code) }
        if case .signaled(let number)? = end { signal = Int(number) }
        var closed = false
        var lost: ClaimLost?
        // `git log --oneline` says how each round went: a reviewer's verdict as well as how the session ended.
        let verdict = session.check == nil ? Self.verdict(of: conclusion).map { ", verdict \($0.decision.rawValue)" } : nil
        try store.commit(
            message: "\(session.ticket): \(session.gate): \(terminal.rootCause ?? "ended")\(verdict ?? "") (\(harvest.signal.rawValue))",
            trailers: [Trailer(key: "Mission-Ticket", value: session.ticket), Trailer(key: "Mission-Session", value: session.session),
                       Trailer(key: "Mission-Gate", value: session.gate),
                       Trailer(key: "Mission-Signal", value: harvest.signal.rawValue),
                       Trailer(key: "Mission-Root-Cause", value: terminal.rootCause ?? "unknown")],
            reusing: try currentBoard()
        ) { listing in
            let current = try self.store.parsing([session.ticket], in: listing)
            guard let record = current.ticket(session.ticket), let spec = record.spec else { return [] }
            // Only over this session's own claim: once its outcome is recorded, or another runner took the ticket
            // over, the board no longer names it, and a second record would be a duplicate or a clobber.
            guard record.status?.session?.id == session.session else {
                lost = ClaimLost(ticket: session.ticket, session: session.session, holder: record.status?.session)
                return []
            }
            var status = record.status ?? TicketStatus(status: .queued)
            status.updated = now
            status.session = nil
            status.lastEvidence = Self.evidenceName(record.evidence.count + 1, gate: session.gate)
            let workflow = current.config.workflows.workflows[spec.workflow ?? current.config.settings.defaultWorkflow ?? "code"]
            if let outcome = conclusion.gateOutcome, let workflow {
                let history = Self.returns(in: self.packets(of: record, in: current), gate: session.gate)
                status = Gates.advance(status, workflow: workflow, gate: session.gate, outcome: outcome,
                                       earlierFindings: history.previous, rounds: history.rounds, owner: spec.owner, now: now)
                status.lastEvidence = Self.evidenceName(record.evidence.count + 1, gate: session.gate)
                closed = status.status == .done
            } else {
                Self.settle(&status, session: session, conclusion: conclusion, owner: spec.owner,
                            unknownResetWait: current.config.settings.retry.rateLimitWait.map { TimeInterval($0.seconds) }
                                ?? Self.unknownResetWait, now: now)
            }
            status.overdue = nil
            // Notes that came in after this session started reached no agent; once the ticket closes none will.
            var terminal = terminal
            let late = record.notes.filter { Planner.noteDate($0).map { $0 >= session.started.addingTimeInterval(-1) } ?? false }
            if status.status == .done, !late.isEmpty {
                let what = "read the notes no agent saw: \(late.joined(separator: ", ")) (they came after the last session started)"
                terminal.nextActions = (terminal.nextActions ?? []) + [what]
                status.nextAction = NextAction(who: spec.owner ?? "a person", what: what)
            }
            let (followUps, followUpFiles) = try self.followUps(harvest.followUps, of: session.ticket, in: current, now: now)
            let packet = EvidencePacket(
                kind: session.check == nil ? .session : .check, ticket: session.ticket, gate: session.gate,
                session: session.session, nonce: conclusion.findings.nonce, role: session.role,
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
                verdict: Self.verdict(of: conclusion), change: change,
                checks: session.check.map { [CheckResult(command: $0, exitCode: exitCode,
                                                         durationSeconds: now.timeIntervalSince(session.started),
                                                         outputTail: tail.isEmpty ? nil : tail)] },
                artifacts: artifacts.isEmpty ? nil : artifacts,
                usage: conclusion.findings.usage, terminal: terminal,
                transcript: TranscriptRef(blob: transcriptBlob?.hex, tail: tail.isEmpty ? nil : tail),
                reported: harvest.reported.isEmpty ? nil : harvest.reported.mapValues(Redactor.redact),
                followUps: followUps.isEmpty ? nil : followUps)
            return [
                .write(path: record.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader)),
                .write(path: "\(record.folder)/evidence/\(status.lastEvidence!)", bytes: try YAMLWriting.encode(packet)),
            ] + followUpFiles
        }
        if let lost { throw lost }
        if closed { pruneWorktree(session.ticket) }
        return terminal
    }

    /// Commits the transcript as a blob on `refs/mission/transcripts` (one path per session), so it replicates
    /// when asked for and never bloats the board branch; a runner of a hub uses a side ref of its own.
    func storeTranscript(_ bytes: [UInt8], ticket: String, session: String) throws -> ObjectID? {
        let reference = hub?.transcriptsReference ?? "refs/mission/transcripts"
        let blob = try store.storeOnSideRef([("\(ticket)/\(session).log", bytes)], reference: reference,
                                            message: "\(ticket): transcript of \(session)").first
        hub?.stage(reference)  // on a hub, it goes with the outcome's commit
        return blob
    }

    /// What a session left in its artifacts folder (`$MISSION_ARTIFACTS`), committed as blobs on
    /// `refs/mission/artifacts` under `TICKET/SESSION/` and listed for its packet by blob id, name, media type and
    /// size. Text is redacted like the transcript; a file past `Artifacts.maxFile`, or past the session's total, is
    /// left out and said so in its description line.
    func storeArtifacts(ticket: String, session: String) throws -> [Artifact] {
        let folder = Artifacts.folder(of: SessionDirectory(path: "\(sessionsRoot)/\(session)"))
        var found = Artifacts.collect(in: folder)
        guard !found.kept.isEmpty else { return found.skipped }
        for index in found.kept.indices where found.kept[index].mediaType.hasPrefix("text/") || found.kept[index].mediaType == "application/json" {
            if let text = String(validating: found.kept[index].bytes, as: UTF8.self) {
                found.kept[index].bytes = Array(Redactor.redact(text).utf8)
            }
        }
        let reference = hub?.artifactsReference ?? "refs/mission/artifacts"
        let blobs = try store.storeOnSideRef(found.kept.map { ("\(ticket)/\(session)/\($0.name)", $0.bytes) },
                                             reference: reference, message: "\(ticket): artifacts of \(session)")
        hub?.stage(reference)
        return zip(found.kept, blobs).map { file, blob in
            Artifact(name: file.name, blob: blob.hex, mediaType: file.mediaType, size: file.bytes.count,
                     kind: file.mediaType.hasPrefix("image/") ? "screenshot" : nil)
        } + found.skipped
    }

    func writeStatus(_ ticket: String, message: String, _ change: (inout TicketStatus, Ticket) -> Void) throws {
        try store.commit(message: message, trailers: [Trailer(key: "Mission-Ticket", value: ticket)],
                         reusing: try currentBoard()) { listing in
            let current = try self.store.parsing([ticket], in: listing)
            guard let record = current.ticket(ticket), let spec = record.spec else { return [] }
            let before = record.status ?? TicketStatus(status: .queued)
            var status = before
            change(&status, spec)
            if status == before { return [] }
            // Any news but the flag itself answers an overdue check-in.
            if status.overdue == before.overdue { status.overdue = nil }
            status.updated = Date()
            return [.write(path: record.statusPath, bytes: try YAMLWriting.encode(status, header: Self.statusHeader))]
        }
    }

    /// Removes a closed ticket's worktree (its branch stays until merged). A failure only costs disk space; the
    /// next close tries again.
    func pruneWorktree(_ ticket: String) {
        do {
            try worktrees.prune(ticket)
        } catch {
            waiting.append("\(ticket): its worktree stays for now: \(error)")
        }
    }

    /// Where a round that ended without a workflow decision leaves the ticket: a rate limit waits (not a failed
    /// attempt), a question waits for a person, a failure follows the retry policy or blocks for a person.
    /// `unknownResetWait` is how long a profile rests after a rate limit that gave no reset time.
    static func settle(_ status: inout TicketStatus, session: Started, conclusion: Conclusion, owner: String?,
                       unknownResetWait: TimeInterval, now: Date) {
        let terminal = conclusion.terminal
        switch terminal.rootCause {
        case "rate_limited":
            if case .rateLimited(let reset) = conclusion.findings.outcome, let profile = session.profile {
                // A reset already past still earns a short rest, so a stale reset time cannot make a loop.
                status.rateLimits[profile] = max(reset ?? now.addingTimeInterval(unknownResetWait),
                                                 now.addingTimeInterval(minimumRateLimitRest))
            }
            status.status = .queued
            status.nextAction = NextAction(who: "watcher", what: "dispatch \(session.gate) on another profile or after the reset")
        case "question":
            status.status = .needsInput
            status.question = conclusion.findings.harvest.summary.map(Redactor.redact)
            status.nextAction = NextAction(who: owner ?? "a person", what: "answer with 'mission answer \(session.ticket)'")
        default:
            let cause = terminal.rootCause ?? "unknown"
            // Keep only the current streak: the circuit breaker counts failures in a row with one cause.
            status.failures = [cause: (status.failures[cause] ?? 0) + 1]
            if terminal.safeRetry?.allowed == true {
                status.status = .failed
                status.nextAction = NextAction(who: "watcher", what: "retry \(session.gate) (\(cause))")
            } else {
                status.status = .blocked
                status.blockedReason = Redactor.redact(terminal.summary)
                status.nextAction = .unblock(session.ticket, who: owner ?? "a person",
                                             after: terminal.nextActions?.first ?? "look at the evidence")
            }
        }
    }

    /// The verdict a packet records: a check's pass or fail with its output as findings (so the next prompt
    /// carries them), or what a reviewer said.
    static func verdict(of conclusion: Conclusion) -> Verdict? {
        let said = conclusion.findings.harvest.verdict?.verdict
        switch conclusion.gateOutcome {
        case .returned(let findings)?, .incomplete(let findings)?:
            // What went back, and why: the reviewer's own decision, or a failing check, or missing evidence.
            return Verdict(decision: said.map { $0.decision == .pass ? .returnForFixes : $0.decision } ?? .fail,
                           findings: findings)
        case .passed? where conclusion.terminal.rootCause == "check_passed":
            return Verdict(decision: .pass)
        default:
            return said
        }
    }

    /// The earlier returns of a ticket, from its packets: the findings of the last return at `gate` (to stop a loop
    /// that repeats itself) and one line per return at any gate, oldest first (for the summary at the round cap).
    static func returns(in packets: [EvidencePacket], gate: String) -> (previous: [String]?, rounds: [String]) {
        var previous: [String]?
        var rounds: [String] = []
        for packet in packets {
            guard let verdict = packet.verdict, verdict.decision != .pass else {
                if packet.signoff?.decision == .reject, packet.gate == gate { previous = [packet.signoff?.note ?? ""] }
                if let signoff = packet.signoff, signoff.decision == .reject {
                    rounds.append("\(packet.gate): rejected by \(signoff.by): \(signoff.note ?? "no note")")
                }
                continue
            }
            let findings = verdict.findings ?? []
            if packet.gate == gate { previous = findings }
            rounds.append("\(packet.gate): \(verdict.decision.rawValue): "
                          + (findings.isEmpty ? "no findings" : findings.joined(separator: "; ")))
        }
        return (previous, rounds)
    }

    /// How many of a failed check's last output lines become findings.
    static let checkFindingLines = 15

    /// The tickets an agent proposed, as files for the outcome's commit: new ids, `parent` set to the ticket that
    /// found them, `state: draft` for a person to look at. Returns their ids and files.
    func followUps(_ proposals: [FollowUpProposal], of parent: String, in snapshot: BoardSnapshot,
                   now: Date) throws -> ([String], [FileChange]) {
        guard !proposals.isEmpty, let commit = snapshot.commit else { return ([], []) }
        let template = TicketTemplate.text(in: snapshot, source: TreeSource(repository: store.repository,
                                                                           root: try store.repository.commit(commit).tree))
        var taken = snapshot.allIDs
        var generator = SystemRandomNumberGenerator()
        var ids: [String] = []
        var files: [FileChange] = []
        for proposal in proposals {
            let id = TicketID.mint(prefix: snapshot.config.settings.prefix, existing: taken,
                                   minimumLength: snapshot.config.settings.idLength, using: &generator)
            taken.insert(id)
            ids.append(id)
            let ticket = Ticket(id: id, title: Redactor.redact(proposal.title), state: .draft, parent: parent,
                                labels: ["follow-up"], created: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)),
                                description: proposal.description.map(Redactor.redact))
            files.append(.write(path: "\(snapshot.location.ticketFolder(id))/\(TicketFile.spec)",
                                bytes: Array(TicketTemplate.render(template, ticket: ticket).utf8)))
        }
        return (ids, files)
    }
}

/// A session's outcome that was not recorded because the board no longer names the session as its ticket's claim:
/// its outcome was recorded already, a person stopped it, or another runner took the ticket over.
struct ClaimLost: Error, CustomStringConvertible {
    let ticket: String
    let session: String
    /// The claim the board names now, if any.
    let holder: SessionRef?

    var description: String {
        let now = holder.map { "it names \($0.id) of \($0.runner ?? "another runner")" } ?? "it names no session"
        return "\(ticket): the outcome of \(session) is not recorded: the board no longer names it as the claim (\(now))"
    }
}
