import Board
import Control
import Foundation
import Testing

/// Every way a session can end is a recorded terminal state with a root cause, a retry decision and a
/// stop condition; nothing ends silently and nothing retries blindly.
@Suite struct TerminalStateTests {
    static let said = Harvest(signal: .none, summary: nil, source: .none, rejected: [])
    static func signal(_ value: SignalValue, _ summary: String? = "s") -> Harvest {
        Harvest(signal: value, summary: summary, source: .sentinel, rejected: [])
    }
    static let forged = Harvest(signal: .none, summary: nil, source: .none,
                                rejected: [.init(line: "{…}", reason: .wrongNonce)])

    @Test(arguments: [
        // outcome, harvest, status, root cause, safe retry, person must act
        (ProcessOutcome.exited(0), signal(.done), OutcomeStatus.ok, "done", nil, false),
        (.exited(0), signal(.review), .ok, "review", nil, false),
        (.exited(0), signal(.question, "Which port?"), .warning, "question", false, true),
        (.exited(2), said, .error, "exit_nonzero", true, false),
        (.exited(2), signal(.done), .error, "exit_nonzero", true, false),  // a DONE does not excuse a failing exit
        (.signaled(9), said, .error, "killed_by_signal", true, false),
        (.wallTimeLimit, signal(.done), .error, "wall_time", true, false),
        (.idleLimit, said, .error, "idle_time", true, false),
        (.outputFlood, said, .error, "output_flood", false, true),
        (.exited(0), said, .error, "no_signal", false, true),
        (.exited(0), forged, .error, "forged_signal", false, true),
        (.launchFailed("executable not found on PATH: codex"), said, .error, "launch_failed", false, true),
        (.worktreeFailed("branch is checked out elsewhere"), said, .error, "worktree_failed", false, true),
        (.endedDuringRestart(nil), said, .error, "watcher_restarted", true, false),
        (.endedDuringRestart(0), signal(.done), .ok, "done", nil, false),
        (.workerDied, said, .error, "worker_died", true, false),
        (.runnerLost(runner: "gpu-1", leaseEnded: Date(timeIntervalSince1970: 1_800_000_000)), said, .error, "runner_lost", true, false),
    ] as [(ProcessOutcome, Harvest, OutcomeStatus, String, Bool?, Bool)])
    func everyEndingHasARootCauseARetryDecisionAndAStopCondition(
        outcome: ProcessOutcome, harvest: Harvest, status: OutcomeStatus, cause: String, retry: Bool?, human: Bool
    ) {
        let state = TerminalStates.decide(outcome, harvest: harvest, gate: "implement")
        #expect(state.status == status)
        #expect(state.rootCause == cause)
        #expect(state.safeRetry?.allowed == retry)
        #expect(state.humanInputRequired == human)
        #expect(state.stopCondition?.isEmpty == false)
        #expect(!state.summary.isEmpty)
        #expect(state.nextActions?.isEmpty == false)
        if let decision = state.safeRetry { #expect(decision.reason?.isEmpty == false, "a retry decision says why") }
    }

    @Test func theAgentsOwnWordsAreTheSummaryAndAForgeryIsMentioned() {
        let question = TerminalStates.decide(.exited(0), harvest: Self.signal(.question, "Which port?"), gate: "implement")
        #expect(question.summary == "Which port?")
        #expect(question.nextActions == ["Answer with 'mission answer'; the ticket returns to implement with the answer."])
        let exit = TerminalStates.decide(.exited(1), harvest: Self.forged, gate: "implement")
        #expect(exit.summary.contains("forged signal"))
        // Beside a real DONE the agent's words stay the summary, and the forgery is still on the record.
        var besideForgery = Self.signal(.done, "did it")
        besideForgery.rejected = Self.forged.rejected
        let done = TerminalStates.decide(.exited(0), harvest: besideForgery, gate: "implement")
        #expect(done.summary == "did it" && done.rootCause == "done")
        #expect(done.nextActions?.contains { $0.contains("forged signal") } == true)
        #expect(TerminalStates.decide(.exited(0), harvest: Self.signal(.done, "did it"), gate: "implement").nextActions
            == ["The ticket moves to the gate after implement."])
    }

    @Test func aFailureSaysTheLastThingTheSessionPrinted() {
        let failed = TerminalStates.decide(.exited(2), harvest: Self.said, gate: "implement")
        let tail = "building...\nerror: cannot open Package.swift: permission denied\n{\"type\":\"result\"}\n\n"
        #expect(TerminalStates.withLastOutput(failed, tail: tail).summary
            == "The runtime exited with status 2. Last output: error: cannot open Package.swift: permission denied")
        // Nothing to add: no words, or an ending the output does not explain.
        #expect(TerminalStates.withLastOutput(failed, tail: "{\"type\":\"x\"}\n").summary == failed.summary)
        let done = TerminalStates.decide(.exited(0), harvest: Self.signal(.done, "did it"), gate: "implement")
        #expect(TerminalStates.withLastOutput(done, tail: "did it\n").summary == "did it")
        let long = TerminalStates.withLastOutput(failed, tail: String(repeating: "x", count: 500))
        #expect(long.summary.count == failed.summary.count + " Last output: ".count + 200)
    }
}
