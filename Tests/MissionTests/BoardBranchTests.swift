import Foundation
import Testing

/// A board on a branch of its own, beside the code: every command works from the code checkout, a person edits
/// tickets in a linked worktree of the board's branch or with `mission`, and no index goes stale on either side.
struct BoardBranchTests {
    @Test func aBoardOnItsOwnBranchWorksFromTheCodeCheckoutAndKeepsItsLinkedWorktreeInStep() throws {
        let sandbox = try Sandbox()
        try sandbox.write("README.md", "the code\n")
        try sandbox.git("add", "README.md").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "the code").expectSuccess()
        let code = try sandbox.git("rev-parse", "main").expectSuccess().stdout

        try sandbox.mission("init", "--branch", "board").expectSuccess()
        #expect(try sandbox.git("rev-parse", "main").stdout == code, "the code branch is untouched")
        #expect(try sandbox.git("symbolic-ref", "HEAD").stdout == "refs/heads/main\n")
        #expect(try sandbox.git("status", "--porcelain").stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board"), "the board stays off the checkout")

        // A person's linked worktree of the board's branch: its edits are commits there, checked by the hook.
        let boardTree = try sandbox.scratch("board-worktree")
        try sandbox.git("worktree", "add", "-q", boardTree, "board").expectSuccess()
        let inBoard = { (arguments: [String]) throws -> RunResult in
            try sandbox.run("/usr/bin/git", ["-C", boardTree] + arguments)
        }
        try Data(AgentBoard.agent.utf8).write(to: URL(fileURLWithPath: AgentBoard.agentPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: AgentBoard.agentPath)
        try """
            profiles:
              fake:
                harness: script
                command: [\(AgentBoard.agentPath), "{prompt_file}"]
                limits: {wall: 30s, idle: 20s}
            """.write(toFile: "\(boardTree)/board/runtimes.yaml", atomically: true, encoding: .utf8)
        try "roles:\n  coder: {profiles: [fake], permission: write}\n"
            .write(toFile: "\(boardTree)/board/roles.yaml", atomically: true, encoding: .utf8)
        try "workflows:\n  task:\n    gates:\n      - {name: run, role: coder}\n"
            .write(toFile: "\(boardTree)/board/workflows.yaml", atomically: true, encoding: .utf8)
        let settings = try String(contentsOfFile: "\(boardTree)/board/mission.yaml", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("default_workflow:") ? "default_workflow: task" : String($0) }.joined(separator: "\n")
        try settings.write(toFile: "\(boardTree)/board/mission.yaml", atomically: true, encoding: .utf8)
        try inBoard(["commit", "-q", "-am", "a fake agent"]).expectSuccess()
        // A broken edit there is refused by the same hook, naming the file.
        try "workflows: [\n".write(toFile: "\(boardTree)/board/workflows.yaml", atomically: true, encoding: .utf8)
        let refused = try inBoard(["commit", "-q", "-am", "broken"])
        #expect(refused.status != 0 && refused.stderr.contains("board/workflows.yaml:"), "\(refused.stderr)")
        try inBoard(["checkout", "-q", "--", "board/workflows.yaml"]).expectSuccess()

        // Commands in the code checkout write the board's branch, and the linked worktree follows each commit.
        let id = try sandbox.newTicket("Write the result")
        #expect(try sandbox.git("status", "--porcelain").stdout.isEmpty)
        #expect(try inBoard(["status", "--porcelain"]).expectSuccess().stdout.isEmpty)
        #expect(FileManager.default.fileExists(atPath: "\(boardTree)/board/tickets/\(id)/ticket.yaml"))
        try sandbox.mission("hold", id).expectSuccess()
        #expect(try String(contentsOfFile: "\(boardTree)/board/tickets/\(id)/ticket.yaml", encoding: .utf8)
                    .contains("state: hold"))
        try sandbox.mission("ready", id).expectSuccess()
        #expect(try inBoard(["status", "--porcelain"]).expectSuccess().stdout.isEmpty)
        #expect(try sandbox.mission("list").expectSuccess().stdout.contains(id))
        #expect(try sandbox.mission("board").expectSuccess().stdout.contains("Write the result"))

        // The watcher in the code checkout: the ticket branch starts from the code, not from the board.
        try sandbox.reconcile(["--allow", AgentBoard.agentPath])
        let shown = try sandbox.mission("show", id).expectSuccess().stdout
        #expect(shown.contains("status: done"), "\(shown)")
        #expect(try sandbox.git("merge-base", "--is-ancestor", "main", "mission/\(id)").status == 0)
        #expect(try sandbox.git("ls-tree", "--name-only", "mission/\(id)").stdout.split(separator: "\n")
                    .sorted() == ["README.md", "result.txt"])
        #expect(try sandbox.git("rev-parse", "main").stdout == code)
        #expect(try sandbox.git("status", "--porcelain").stdout.isEmpty)
        #expect(try inBoard(["status", "--porcelain"]).expectSuccess().stdout.isEmpty,
                "the linked worktree's index follows the watcher's commits")
        #expect(FileManager.default.fileExists(atPath: "\(boardTree)/board/tickets/\(id)/status.yaml"))
        // And the person's next commit there keeps the watcher's work.
        try "# a comment\n".write(toFile: "\(boardTree)/NOTES.md", atomically: true, encoding: .utf8)
        try inBoard(["add", "NOTES.md"]).expectSuccess()
        try inBoard(["commit", "-q", "-m", "a note of mine"]).expectSuccess()
        #expect(try sandbox.git("show", "board:board/tickets/\(id)/status.yaml").expectSuccess().stdout.contains("done"))

        // Cloned from a hub, the board's branch comes along, tracking the hub's, and the checkout is the code.
        let hub = try sandbox.scratch("hub.git")
        try sandbox.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", hub]).expectSuccess()
        try sandbox.git("push", "-q", hub, "main", "board").expectSuccess()
        let person = try sandbox.scratch("person")
        let withoutBranch = try sandbox.mission("clone", hub, try sandbox.scratch("no-board"))
        #expect(withoutBranch.status != 0 && withoutBranch.stderr.contains("--branch NAME"), "\(withoutBranch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: try sandbox.scratch("no-board")), "a clone without a board is removed")
        try sandbox.mission("clone", hub, person, "--branch", "board").expectSuccess()
        let inPerson = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", person] + arguments).expectSuccess().stdout
        }
        #expect(try inPerson(["symbolic-ref", "HEAD"]) == "refs/heads/main\n")
        #expect(try inPerson(["rev-parse", "--abbrev-ref", "board@{upstream}"]) == "origin/board\n")
        #expect(try sandbox.mission("list", "-C", person, "--status", "done").expectSuccess().stdout.contains(id))
    }
}
