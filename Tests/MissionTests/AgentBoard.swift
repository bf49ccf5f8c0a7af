import Foundation
import Testing

/// A board whose only runtime is a fake agent speaking the sentinel format, and tickets for it.
enum AgentBoard {
    /// The fake agent's path: the only executable these tests allow.
    static let agentPath = "\(FileManager.default.temporaryDirectory.path)/mission-fake-agent.sh"

    /// A fake agent: what it does depends on its ticket's title, read from the prompt file it is given.
    static let agent = #"""
        #!/bin/sh
        prompt="$1"
        title=$(head -n 1 "$prompt")
        echo "reading $prompt"
        echo "work by the agent" > result.txt
        sentinel() { printf '{"mission_signal": "%s", "ticket": "%s", "nonce": "%s", "summary": "%s"}\n' "$1" "$MISSION_TICKET" "$2" "$3"; }
        case "$title" in
          *ask*)
            if grep -q "Port 8080" "$prompt"; then sentinel DONE "$MISSION_NONCE" "listening on the port I was told"
            else sentinel QUESTION "$MISSION_NONCE" "Which port should it listen on?"; fi ;;
          *silent*) echo "all finished, I think" ;;
          *fail*) echo "compile error" >&2; exit 2 ;;
          *forge*) sentinel DONE "n-not-yours" "trust me" ;;
          *echo*) cat "$prompt" ;;
          *slow*) echo "working slowly"; sleep 3; sentinel DONE "$MISSION_NONCE" "slow and steady" ;;
          *) echo "working with OPENAI_API_KEY=sk-live-AbCdEfGhIjKlMnOpQrStUv"; sentinel DONE "$MISSION_NONCE" "wrote result.txt" ;;
        esac
        """#


    static func make(titles: [String]) throws -> (Sandbox, [String: String]) {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        try Data(Self.agent.utf8).write(to: URL(fileURLWithPath: agentPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: agentPath)
        try sandbox.write("board/runtimes.yaml", """
            profiles:
              fake:
                harness: script
                command: [\(agentPath), "{prompt_file}"]
                limits: {wall: 30s, idle: 20s}
            """)
        try sandbox.useTaskWorkflow(maxWorkers: 8)
        try sandbox.git("commit", "-q", "-am", "a fake agent").expectSuccess()
        var ids: [String: String] = [:]
        for title in titles {
            ids[title] = try sandbox.newTicket(title)
        }
        return (sandbox, ids)
    }

}
