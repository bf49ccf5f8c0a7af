import Board
import Foundation

/// How one round at a gate ended, as far as the workflow is concerned.
public enum GateOutcome: Sendable, Hashable {
    /// The gate is satisfied: an agent's DONE with the role's evidence (and a `pass` verdict where one is asked),
    /// a check that exited 0, an approval.
    case passed
    /// The gate sends the ticket back: a verdict of `fail` or `return_for_fixes`, a failing check, a rejection.
    /// The findings go into the next prompt at the gate's `on_fail`.
    case returned(findings: [String])
    /// The agent said DONE without the evidence its role must leave: the same gate runs again, told what is missing.
    case incomplete(findings: [String])
}

/// The workflow's state machine: where a ticket goes after a round at a gate. Pure.
///
/// A return goes to the gate's `on_fail` (or the same gate when it names none) and counts a round. Past the
/// round cap (the gate's `max_rounds`, else the workflow's) the ticket stops in `needs_input` with a summary
/// of every round, and so does a return whose findings are the same as the previous return's: a loop that
/// makes no progress stops early and says so. Nothing loops forever.
public enum Gates {
    /// The status after `gate` of `workflow` ended with `outcome`.
    ///
    /// - Parameters:
    ///   - earlierFindings: the findings of the previous return at this gate, if any (to stop a loop early).
    ///   - rounds: one line per earlier round, oldest first, for the summary a person reads at the cap.
    ///   - owner: who steers the ticket, who must act when it stops.
    public static func advance(_ status: TicketStatus, workflow: Workflow, gate name: String, outcome: GateOutcome,
                               earlierFindings: [String]?, rounds: [String], owner: String?, now: Date) -> TicketStatus {
        var next = status
        next.updated = now
        next.failures = [:]
        next.attempt = 1
        next.session = nil
        next.question = nil
        next.blockedReason = nil
        guard let index = workflow.gates.firstIndex(where: { $0.name == name }) else {
            next.status = .blocked
            next.blockedReason = "gate '\(name)' is no longer in the workflow"
            next.nextAction = NextAction(who: owner ?? "a person", what: "move the ticket to a gate of its workflow")
            return next
        }
        let gate = workflow.gates[index]
        switch outcome {
        case .passed:
            guard index + 1 < workflow.gates.count else {
                next.status = .done
                next.gate = gate.name
                next.closed = now
                next.nextAction = nil
                return next
            }
            let following = workflow.gates[index + 1]
            next.status = .queued
            next.gate = following.name
            next.nextAction = NextAction(who: "watcher", what: "start \(following.name)")
            return next
        case .returned(let findings), .incomplete(let findings):
            let target = if case .incomplete = outcome { gate.name } else { gate.onFail ?? gate.name }
            let cap = gate.maxRounds ?? workflow.maxRounds
            let said = findings.isEmpty ? "no findings given" : findings.joined(separator: "; ")
            let history = (rounds + ["round \(status.round) at \(gate.name): returned: \(said)"])
                .enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
            if let earlierFindings, !findings.isEmpty, Set(findings) == Set(earlierFindings) {
                return stop(next, gate: gate.name, owner: owner,
                            why: "The same findings came back twice in a row at \(gate.name), so the loop is not making progress.",
                            history: history)
            }
            if status.round >= cap {
                return stop(next, gate: gate.name, owner: owner,
                            why: "\(gate.name) returned the ticket \(status.round) time(s); the cap is \(cap) round(s).",
                            history: history)
            }
            next.status = .queued
            next.gate = target
            next.round = status.round + 1
            next.nextAction = NextAction(who: "watcher", what: "start \(target) again with the findings (round \(next.round))")
            return next
        }
    }

    /// Parks the ticket for a person with the reason and every round.
    private static func stop(_ status: TicketStatus, gate: String, owner: String?, why: String, history: String) -> TicketStatus {
        var next = status
        next.status = .needsInput
        next.gate = gate
        next.question = "\(why)\nRounds:\n\(history)\nAnswer with what to do ('mission answer'): the ticket goes back to \(gate) with your answer, for one more round."
        next.nextAction = NextAction(who: owner ?? "a person", what: "decide how \(gate) goes on: 'mission answer'")
        return next
    }

    /// The terminal state of a check gate's run: passed, or failed with why (an exit status, a time limit). A failed
    /// check is not a broken session: the gate returns the ticket with the output, and the round counts.
    public static func checkTerminal(command: String, failure: String?) -> TerminalState {
        guard let failure else {
            return TerminalState(status: .ok, summary: "The check '\(command)' passed.", rootCause: "check_passed",
                                 safeRetry: nil, stopCondition: "exit 0", humanInputRequired: false,
                                 nextActions: ["The ticket moves to the next gate."])
        }
        return TerminalState(status: .warning, summary: "The check '\(command)' failed: \(failure).", rootCause: "check_failed",
                             safeRetry: RetryDecision(allowed: false, reason: "the gate returns the ticket for fixes instead"),
                             stopCondition: failure, humanInputRequired: false,
                             nextActions: ["The gate's on_fail gate gets the output as findings."])
    }
}
