import Board
import Foundation
import Testing

/// The starter board as `mission init` installs it, served by a script agent in place of the real CLIs: a one-line
/// ticket goes all the way through its workflow with nobody stepping in.
@Suite(.serialized)
struct StarterBoardTests {
    /// An agent that does a simple task without tests, as a real one would, and reviews it as the qa role.
    static let agent = #"""
        #!/bin/sh
        end() { printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "%s"%s}\n' "$MISSION_TICKET" "$MISSION_NONCE" "$1" "$2"; }
        if [ "$MISSION_ROLE" = coder ]; then
          echo "hello" > GREETING.md
          end "added GREETING.md; checked it says hello" ''
        else
          grep -q "hello" GREETING.md && end "reviewed" ', "verdict": "pass"' || end "reviewed" ', "verdict": "return_for_fixes", "findings": ["GREETING.md is missing"]'
        fi
        """#

    @Test func aOneLineTicketOnTheStarterBoardReachesTheEndOfItsWorkflow() throws {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let agent = try sandbox.script("starter-agent.sh", Self.agent)
        // Every starter profile runs the script agent; roles, workflows and settings stay the starter's own.
        var runtimes = "profiles:\n"
        for name in ["claude", "codex", "gemini"] {
            runtimes += "  \(name):\n    harness: script\n    command: [\(agent), \"{prompt_file}\"]\n    limits: {wall: 30s}\n"
        }
        try sandbox.write("board/runtimes.yaml", runtimes)
        try sandbox.git("commit", "-q", "-am", "script agents in place of the real CLIs").expectSuccess()

        let id = try sandbox.newTicket("add GREETING.md saying hello", "--state", "ready",
                                       "--acceptance", "GREETING.md says hello.")
        try sandbox.reconcile(["--allow", agent], times: 4)
        let status = try sandbox.ticketStatus(id)
        #expect(status.status == .done, "\(status)")
        #expect(status.gate == "review")
        #expect(try sandbox.packet(id, "0001-run.yaml").change?.files?.contains("GREETING.md") == true)
        #expect(try sandbox.packet(id, "0002-review.yaml").verdict?.decision == .pass)
    }
}
