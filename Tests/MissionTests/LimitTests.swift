import Board
import Foundation
import Testing

/// The terminal states a session's limits and its surroundings produce, each from a scripted runtime driven by the
/// real watcher: a signal it did not send, the wall-time, idle and output limits, and a worktree that cannot be made.
@Suite(.serialized)
struct LimitTests {
    /// An agent whose behaviour its ticket's title picks.
    static let agent = #"""
        #!/bin/sh
        title=$(head -n 1 "$1")
        case "$title" in
          *signal*) echo "about to die"; kill -9 $$ ;;
          *long*) while :; do echo "still working"; sleep 0.2; done ;;
          *quiet*) echo "thinking"; sleep 30 ;;
          *flood*) while :; do echo "flood flood flood flood flood flood flood flood"; done ;;
          *) printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "ok"}\n' "$MISSION_TICKET" "$MISSION_NONCE" ;;
        esac
        """#

    @Test func limitsSignalsAndABrokenWorktreeEachEndInTheirTerminalState() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        // The limits leave room for a loaded machine (a slow start, a late line: the suite runs many watchers and real CLIs
        // alongside), so each session meets the limit it tests.
        let agent = try sandbox.fakeAgent("limit-agent.sh", Self.agent, limits: "{wall: 10s, idle: 4s, output: 20KB}")
        try sandbox.useTaskWorkflow(maxWorkers: 5)
        try sandbox.git("commit", "-q", "-am", "limits").expectSuccess()
        let expected = ["die by a signal": "killed_by_signal", "run too long": "wall_time", "go quiet": "idle_time",
                        "flood the output": "output_flood", "lose its worktree": "worktree_failed"]
        var ids: [String: String] = [:]
        for title in expected.keys.sorted() { ids[title] = try sandbox.newTicket(title) }
        // Something that is not a worktree stands where the ticket's worktree goes: the board names the root.
        let root = try sandbox.scratch("worktrees")
        try sandbox.write("board/mission.yaml", try sandbox.read("board/mission.yaml") + "worktree_root: \(root)\n")
        try sandbox.git("commit", "-q", "-am", "worktrees go to \(root)").expectSuccess()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("not a worktree\n".utf8).write(to: URL(fileURLWithPath: "\(root)/\(ids["lose its worktree"]!)"))

        let started = Date()
        try sandbox.reconcile(["--allow", agent])
        #expect(Date().timeIntervalSince(started) < 20, "a limit did not stop its session")
        for (title, cause) in expected {
            let id = try #require(ids[title])
            let packet = try sandbox.packet(id, "0001-run.yaml")
            #expect(packet.terminal?.rootCause == cause, "\(title): \(packet.terminal?.summary ?? "no packet")")
            #expect(packet.terminal?.status == .error, "\(title)")
        }
        #expect(try sandbox.packet(ids["die by a signal"]!, "0001-run.yaml").signal == 9)
        #expect(try sandbox.packet(ids["die by a signal"]!, "0001-run.yaml").terminal?.summary
            .hasPrefix("The runtime was killed by signal 9. Last output: ") == true)
        // A flood is cut back to its limit before anything of it is committed.
        let flood = try sandbox.packet(ids["flood the output"]!, "0001-run.yaml")
        #expect(flood.transcript?.tail?.contains("output stopped at its limit of 20480 bytes") == true, "\(flood.transcript?.tail ?? "")")
        // A worktree that cannot be made is no attempt of the agent's: a person must look.
        #expect(try sandbox.ticketStatus(ids["lose its worktree"]!).status == .blocked)
        // Nothing the limits stopped is left running.
        let left = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).filter { pid in
            guard Int(pid) != nil, let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: line, as: UTF8.self).contains(agent)
        }
        #expect(left.isEmpty, "left running: \(left)")
    }
}
