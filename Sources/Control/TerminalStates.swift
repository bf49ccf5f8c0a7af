import Board
import Foundation

/// How a session's process ended, as the runtime layer saw it. Mirrors the runtime's findings without
/// depending on it, so this decision stays pure.
public enum ProcessOutcome: Sendable, Hashable {
    /// The executable could not be started (missing, not allowed, bad working directory).
    case launchFailed(String)
    /// The ticket's worktree could not be prepared.
    case worktreeFailed(String)
    /// It exited with this status.
    case exited(Int32)
    /// It was killed by a signal we did not send.
    case signaled(Int32)
    /// We killed it for breaking its wall-time limit.
    case wallTimeLimit
    /// We killed it for printing nothing for too long.
    case idleLimit
    /// We killed it for printing too much.
    case outputFlood
    /// It is gone and nothing recorded how it ended.
    case workerDied
    /// The runner that claimed it (another host) stopped renewing its lease, which ran out at this time: its
    /// claim was taken over. What became of the session there is unknown here.
    case runnerLost(runner: String, leaseEnded: Date?)
    /// The watcher restarted while it ran and it ended meanwhile with this status (nil: unknown).
    case endedDuringRestart(Int32?)
    /// The agent's provider refused for a rate or usage limit, which resets at this time (nil: not said).
    case rateLimited(resetAt: Date?)
    /// The remote host of an `ssh` profile could not be reached, or refused the login.
    case hostUnreachable(String)
    /// The CLI exited 0 but its own result says the run failed (an API error reported as a result).
    case runtimeError(String)
    /// The provider kept failing with a server error (overloaded, 5xx) while the CLI retried; the watcher stopped it.
    case providerUnavailable(String)
    /// The provider refused the credentials (401, 403, an invalid API key).
    case authFailed(String)
}

/// Every session ends in one of these: a root cause, whether a retry is safe, and who must act.
public enum TerminalStates {
    /// The terminal state of a session that ended with `outcome`, having said `harvest`.
    public static func decide(_ outcome: ProcessOutcome, harvest: Harvest, gate: String) -> TerminalState {
        let forged = harvest.sawForgery ? " A forged signal (wrong nonce or ticket) was ignored." : ""
        switch outcome {
        case .launchFailed(let why):
            return failure("launch_failed", "The runtime could not be started: \(why)", retry: false,
                           because: "the same profile would fail the same way", stop: "launch failed",
                           next: ["Fix the runtime profile or the host's allow-list, or switch the ticket's profile."])
        case .worktreeFailed(let why):
            return failure("worktree_failed", "The ticket's worktree could not be prepared: \(why)", retry: false,
                           because: "the repository needs a person's attention", stop: "worktree failed",
                           next: ["Look at the ticket branch and the worktree, then answer with 'mission answer' to try again."])
        case .wallTimeLimit:
            return failure("wall_time", "The session ran past its wall-time limit and was stopped.", retry: true,
                           because: "a fresh attempt may finish in time", stop: "wall-time limit",
                           next: ["Raise the profile's wall limit or split the ticket if it keeps happening."])
        case .idleLimit:
            return failure("idle_time", "The session printed nothing for too long and was stopped.", retry: true,
                           because: "a hung session usually does not hang the same way twice", stop: "idle limit",
                           next: ["Check the transcript tail for what it was waiting on."])
        case .outputFlood:
            return failure("output_flood", "The session printed more than its output limit and was stopped.", retry: false,
                           because: "a runaway loop repeats", stop: "output limit",
                           next: ["Read the transcript tail; fix what loops before retrying."])
        case .signaled(let signal):
            return failure("killed_by_signal", "The runtime was killed by signal \(signal).", retry: true,
                           because: "something outside the session stopped it", stop: "signal \(signal)",
                           next: ["Check the host (memory, other processes) if it repeats."])
        case .workerDied:
            return failure("worker_died", "The session's process is gone and nothing recorded how it ended.", retry: true,
                           because: "the work was not finished and nothing says it failed on its own",
                           stop: "worker died", next: ["The transcript tail shows what it did last."])
        case .runnerLost(let runner, let ended):
            let when = ended.map { " (it ran out at \(Self.timestamp($0)))" } ?? ""
            return failure("runner_lost", "The runner \(runner) that held the claim stopped renewing its lease\(when); "
                           + "another runner took the ticket over.", retry: true,
                           because: "nothing says the work itself failed, and the lost runner never records over a takeover",
                           stop: "runner lost", next: ["Check the runner \(runner): its host, its watcher's log, its route to the hub."])
        case .endedDuringRestart(nil):
            return failure("watcher_restarted", "The watcher restarted while the session ran, and it ended without a status.",
                           retry: true, because: "nothing says the work itself failed", stop: "watcher restarted",
                           next: ["The transcript tail shows what it did last."])
        case .endedDuringRestart(let code?):
            return decide(.exited(code), harvest: harvest, gate: gate)
        case .rateLimited(let reset):
            let when = reset.map { " until \(Self.timestamp($0))" } ?? ""
            return TerminalState(status: .warning, summary: "The provider's rate or usage limit was reached\(when).",
                                 rootCause: "rate_limited",
                                 safeRetry: RetryDecision(allowed: true, reason: "the limit resets; it is not a failed attempt"),
                                 stopCondition: "rate limited", humanInputRequired: false,
                                 nextActions: ["The next profile of the role serves meanwhile, or the ticket waits for the reset."])
        case .hostUnreachable(let why):
            return failure("host_unreachable", "The remote host could not be reached: \(why)", retry: true,
                           because: "hosts and networks come back", stop: "host unreachable",
                           next: ["Check the host, its ssh key and the network if it repeats."])
        case .runtimeError(let why):
            return failure("runtime_error", "The runtime reported a failed run: \(why)", retry: true,
                           because: "provider and API errors are usually transient", stop: "runtime error",
                           next: ["Read the transcript tail for the error."])
        case .providerUnavailable(let why):
            return failure("provider_unavailable", "The provider kept failing while the CLI retried: \(why)", retry: true,
                           because: "overload and server errors pass", stop: "provider unavailable",
                           next: ["The retry policy tries again; check the provider's status if it repeats."])
        case .authFailed(let why):
            return failure("auth_failed", "The provider refused the credentials: \(why)", retry: false,
                           because: "the same credentials fail the same way", stop: "credentials refused",
                           next: ["Fix the profile's API key or the CLI's login on this host, then 'mission answer' to try again."])
        case .exited(let code) where code != 0:
            return failure("exit_nonzero", "The runtime exited with status \(code).\(forged)", retry: true,
                           because: "a non-zero exit is often transient (rate limits, network)", stop: "exit \(code)",
                           next: ["Read the transcript tail for the error."])
        case .exited:
            break
        }
        // Exited 0: what the agent said decides. A forgery beside a real signal stays on the record, where the
        // agent's own summary would otherwise hide it.
        let readForgery = harvest.sawForgery
            ? ["A forged signal (wrong nonce or ticket) was ignored: read the transcript to see who printed it."] : []
        switch harvest.signal {
        case .done:
            return TerminalState(status: .ok, summary: harvest.summary ?? "Done at \(gate).\(forged)", rootCause: "done",
                                 safeRetry: nil, stopCondition: "DONE", humanInputRequired: false,
                                 nextActions: ["The ticket moves to the gate after \(gate)."] + readForgery)
        case .review:
            return TerminalState(status: .ok, summary: harvest.summary ?? "Ready for review at \(gate).\(forged)",
                                 rootCause: "review", safeRetry: nil, stopCondition: "REVIEW", humanInputRequired: false,
                                 nextActions: ["A reviewer gives a verdict."] + readForgery)
        case .question:
            return TerminalState(status: .warning, summary: harvest.summary ?? "The agent asked a question.",
                                 rootCause: "question", safeRetry: RetryDecision(allowed: false, reason: "it needs an answer"),
                                 stopCondition: "QUESTION", humanInputRequired: true,
                                 nextActions: ["Answer with 'mission answer'; the ticket returns to \(gate) with the answer."] + readForgery)
        case .none:
            if harvest.sawForgery {
                return failure("forged_signal", "The session ended with only a forged signal (wrong nonce or ticket).",
                               retry: false, because: "something other than this session's agent wrote the signal",
                               stop: "forged signal", next: ["Read the transcript: who printed the sentinel?"], human: true)
            }
            return failure("no_signal", "The runtime exited 0 without reporting DONE, REVIEW or QUESTION.", retry: false,
                           because: "exit 0 without a signal is not success, and retrying blindly may redo work",
                           stop: "no signal", next: ["Read the transcript, fix the prompt or the runtime, then answer with 'mission answer' to run the gate again."],
                           human: true)
        }
    }

    /// The terminal state of a session at `gate` whose verdict was given but cannot be read (`text`, as printed).
    /// It stops for a person: re-running the reviewer would loop, and an unread verdict is never taken for a rejection.
    public static func unreadableVerdict(_ text: String, gate: String) -> TerminalState {
        TerminalState(status: .error, summary: "The verdict at \(gate) could not be read: \(oneLine(text, limit: 500))",
                      rootCause: "unreadable_verdict",
                      safeRetry: RetryDecision(allowed: false, reason: "re-running a reviewer whose verdict cannot be read loops"),
                      stopCondition: "unreadable verdict", humanInputRequired: true,
                      nextActions: ["Read the reviewer's text in this packet and the transcript.",
                                    "Answer with 'mission answer' (what the reviewer should know): the review runs again with your answer."])
    }

    /// The terminal state of a session at `gate` that ended without the evidence its role must leave (`names`).
    /// Not a broken session: the gate returns the ticket to the agent with what is missing, and the round counts.
    public static func missingEvidence(_ names: [String], gate: String) -> TerminalState {
        TerminalState(status: .warning,
                      summary: "The session at \(gate) ended without the evidence its role must leave: \(names.joined(separator: ", ")).",
                      rootCause: "missing_evidence",
                      safeRetry: RetryDecision(allowed: false, reason: "the gate returns the ticket to the agent with what is missing instead"),
                      stopCondition: "missing evidence", humanInputRequired: false,
                      nextActions: names.map { "Leave the missing evidence: \($0)." }
                          + ["The gate returns the ticket to the agent with this list; the round counts."])
    }

    /// Endings whose cause the session's own last words usually name (a stack trace, "permission denied").
    static let explainedByOutput: Set<String> = [
        "exit_nonzero", "killed_by_signal", "wall_time", "idle_time", "no_signal", "watcher_restarted", "worker_died",
    ]

    /// `terminal` with the last line the session printed (from `tail`) added to its summary, for the endings that
    /// line usually explains, so every view shows why without opening the transcript. JSON event lines are passed
    /// over: they are a CLI's stream, not its words.
    public static func withLastOutput(_ terminal: TerminalState, tail: String) -> TerminalState {
        guard let cause = terminal.rootCause, explainedByOutput.contains(cause),
              let last = tail.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) })
                  .last(where: { !$0.isEmpty && !$0.hasPrefix("{") }) else { return terminal }
        var explained = terminal
        explained.summary += " Last output: \(oneLine(last, limit: 200))"
        return explained
    }

    /// `text` on one line, cut after `limit` characters.
    private static func oneLine(_ text: String, limit: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " / ")
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    private static func failure(_ cause: String, _ summary: String, retry: Bool, because reason: String, stop: String,
                                next: [String], human: Bool? = nil) -> TerminalState {
        TerminalState(status: .error, summary: summary, rootCause: cause,
                      safeRetry: RetryDecision(allowed: retry, reason: reason), stopCondition: stop,
                      humanInputRequired: human ?? !retry, nextActions: next)
    }
}
