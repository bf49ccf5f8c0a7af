import Board
import Foundation
import Git
import Testing

/// Where ticket worktrees live and when they go: outside every `.git` folder (agent CLIs refuse to write under one),
/// in the host's or the board's root or the state folder by default; an old worktree under `.git` is moved, files
/// and all; a closed ticket's worktree is removed and its branch deleted once merged.
@Suite(.serialized)
struct WorktreeRootTests {
    /// An agent that writes a file in its worktree and signals DONE.
    static let agent = #"""
        #!/bin/sh
        echo "written by the agent" > made-by-agent.txt
        printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "ok"}\n' "$MISSION_TICKET" "$MISSION_NONCE"
        """#

    static func board() throws -> (Sandbox, agent: String) {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let agent = try sandbox.fakeAgent("writer.sh", Self.agent)
        try sandbox.useTaskWorkflow()
        try sandbox.git("commit", "-q", "-am", "a writing agent").expectSuccess()
        return (sandbox, agent)
    }

    @Test func byDefaultAWorktreeIsInTheStateFolderOutsideGit() throws {
        let (sandbox, agent) = try Self.board()
        let id = try sandbox.newTicket("write a file")
        try sandbox.reconcile(["--allow", agent])
        let packet = try sandbox.packet(id, "0001-run.yaml")
        #expect(packet.terminal?.rootCause == "done")
        let workdir = try #require(packet.adapter?.workdir)
        let state = sandbox.root.appendingPathExtension("state").path
        #expect(workdir.hasPrefix("\(state)/mission/worktrees/\(sandbox.root.lastPathComponent)-"), "\(workdir)")
        #expect(workdir.hasSuffix("/\(id)") && !workdir.contains("/.git"))
        #expect(packet.change?.files == ["made-by-agent.txt"])
    }

    @Test func theHostsRootWinsOverTheBoardsAndARootInsideGitIsRefused() throws {
        let (sandbox, agent) = try Self.board()
        let boardRoot = try sandbox.scratch("board-root")
        try sandbox.write("board/mission.yaml", try sandbox.read("board/mission.yaml") + "worktree_root: \(boardRoot)\n")
        try sandbox.git("commit", "-q", "-am", "the board's root").expectSuccess()
        let first = try sandbox.newTicket("on the board's root")
        try sandbox.reconcile(["--allow", agent])
        #expect(try sandbox.packet(first, "0001-run.yaml").adapter?.workdir == "\(boardRoot)/\(first)")

        let hostRoot = try sandbox.scratch("host-root")
        let second = try sandbox.newTicket("on the host's root")
        try sandbox.mission("reconcile", "--once", "--allow", agent, environment: ["MISSION_WORKTREE_ROOT": hostRoot])
            .expectSuccess()
        #expect(try sandbox.packet(second, "0001-run.yaml").adapter?.workdir == "\(hostRoot)/\(second)")

        // Inside .git: nothing runs there, and the ticket says why.
        let third = try sandbox.newTicket("under .git")
        try sandbox.mission("reconcile", "--once", "--allow", agent,
                            environment: ["MISSION_WORKTREE_ROOT": "\(sandbox.path)/.git/mission/worktrees"]).expectSuccess()
        let refused = try sandbox.packet(third, "0001-run.yaml")
        #expect(refused.terminal?.rootCause == "worktree_failed")
        #expect(refused.terminal?.summary.contains("inside the git folder") == true, "\(refused.terminal?.summary ?? "")")
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/.git/mission/worktrees/\(third)"))
    }

    @Test func anOldWorktreeUnderGitIsMovedFilesAndAll() throws {
        let (sandbox, agent) = try Self.board()
        let id = try sandbox.newTicket("resume in the old worktree", "--state", "draft")
        // A worktree where earlier versions put it, with an uncommitted file an agent left.
        let repository = try Repository.open(at: sandbox.path)
        let base = try #require(try repository.referenceTarget("refs/heads/main"))
        let old = "\(repository.gitDirectory)/mission/worktrees/\(id)"
        _ = try repository.ensureWorktree(name: "mission-\(id)", branch: "refs/heads/mission/\(id)", base: base, path: old)
        try Data("left behind\n".utf8).write(to: URL(fileURLWithPath: "\(old)/earlier.txt"))

        // The reaper's sweep moves it while the ticket is not running yet.
        try sandbox.reconcile(["--allow", agent])
        let moved = try #require(try sandbox.worktree(of: id))
        #expect(!moved.contains("/.git/") && moved.hasSuffix("/\(id)"), "\(moved)")
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(try String(contentsOfFile: "\(moved)/earlier.txt", encoding: .utf8) == "left behind\n")
        try sandbox.run("/usr/bin/git", ["-C", moved, "status", "--short"]).expectSuccess()

        // And the ticket's session runs there.
        try sandbox.mission("ready", id).expectSuccess()
        try sandbox.reconcile(["--allow", agent])
        let packet = try sandbox.packet(id, "0001-run.yaml")
        #expect(packet.adapter?.workdir == moved)
        #expect(Set(packet.change?.files ?? []) == ["earlier.txt", "made-by-agent.txt"])
    }

    @Test func aClosedTicketsWorktreeGoesAndItsBranchOnceMerged() throws {
        let (sandbox, agent) = try Self.board()
        try sandbox.write("board/workflows.yaml", """
            workflows:
              task:
                gates:
                  - {name: run, role: coder}
                  - {name: release, human: release}
            """)
        try sandbox.git("commit", "-q", "-am", "a sign-off after the work").expectSuccess()
        let id = try sandbox.newTicket("write and close")
        try sandbox.reconcile(["--allow", agent], times: 2)
        let worktree = try #require(try sandbox.packet(id, "0001-run.yaml").adapter?.workdir)
        #expect(FileManager.default.fileExists(atPath: worktree))
        #expect(try sandbox.ticketStatus(id).status == .waiting)
        // A person cancels it: no session closed it, and the reaper still removes its worktree.
        try sandbox.mission("cancel", id).expectSuccess()
        try sandbox.reconcile(["--allow", agent])
        #expect(!FileManager.default.fileExists(atPath: worktree))
        #expect(try sandbox.worktree(of: id) == nil)
        // The branch holds the agent's unmerged work, so it stays ...
        try sandbox.git("rev-parse", "--verify", "mission/\(id)").expectSuccess()
        // ... until it is merged by plain git; then the next sweep deletes it.
        try sandbox.git("merge", "-q", "--no-edit", "mission/\(id)").expectSuccess()
        try sandbox.reconcile(["--allow", agent])
        #expect(try sandbox.git("rev-parse", "--verify", "-q", "mission/\(id)").status != 0)
    }
}
