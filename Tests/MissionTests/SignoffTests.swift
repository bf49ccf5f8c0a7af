import Board
import Foundation
import Git
import Testing

/// `mission approve`, `mission reject` and `mission merge` on real repositories: who may sign, where, what the
/// packets and commits say, and a merge that happens only after a person's approval and keeps their work safe.
@Suite(.serialized)
struct SignoffTests {
    /// A board (starter `code` workflow: … validate → release) with a tracked `app.txt` and `notes.txt`, and one
    /// ticket whose status, committed with git past the hook as the watcher would, is `status` at `gate`.
    static func board(status: String? = "waiting", gate: String = "release") throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        try sandbox.write("app.txt", "one\ntwo\nthree\n")
        try sandbox.write("notes.txt", "notes\n")
        try sandbox.git("add", "app.txt", "notes.txt").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "code").expectSuccess()
        try sandbox.mission("init").expectSuccess()
        let id = try sandbox.newTicket("Ship the release", "--workflow", "code")
        if let status { try Self.setStatus(sandbox, id, status, gate: gate) }
        return (sandbox, id)
    }

    /// Commits the ticket's status.yaml as the watcher would write it (the pre-commit hook refuses a person's).
    static func setStatus(_ sandbox: Sandbox, _ id: String, _ status: String, gate: String,
                          lastEvidence: String? = nil) throws {
        try sandbox.write("board/tickets/\(id)/status.yaml", "status: \(status)\ngate: \(gate)\n"
                          + (lastEvidence.map { "last_evidence: \($0)\n" } ?? ""))
        try sandbox.git("add", "board/tickets/\(id)/status.yaml").expectSuccess()
        try sandbox.git("commit", "-q", "--no-verify", "-m", "\(id): \(status) at \(gate)").expectSuccess()
    }

    static func json(_ result: RunResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func head(_ sandbox: Sandbox, _ revision: String = "HEAD") throws -> String {
        try sandbox.git("rev-parse", revision).expectSuccess().stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The ticket's worktree and branch as the watcher makes them, from main's tip, with `files` committed there.
    @discardableResult
    static func ticketBranch(_ sandbox: Sandbox, _ id: String, committing files: [String: String]) throws -> String {
        let repository = try Repository.open(at: sandbox.path)
        let base = try #require(try repository.referenceTarget("refs/heads/main"))
        let worktree = "\(repository.gitDirectory)/mission/worktrees/\(id)"
        _ = try repository.ensureWorktree(name: "mission-\(id)", branch: "refs/heads/mission/\(id)", base: base,
                                          path: worktree)
        for (path, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(worktree)/\(path)"))
        }
        try sandbox.run("/usr/bin/git", ["-C", worktree, "add", "-A"]).expectSuccess()
        try sandbox.run("/usr/bin/git", ["-C", worktree, "commit", "-q", "-m", "the agent's work"]).expectSuccess()
        return worktree
    }

    /// A ticket approved at release and done, as the watcher leaves it.
    static func approvedAndDone(_ sandbox: Sandbox, _ id: String) throws {
        try sandbox.mission("approve", id, "--gate", "release").expectSuccess()
        try Self.setStatus(sandbox, id, "done", gate: "release")
    }

    // MARK: - approve and reject

    @Test func anApproverApprovesWithAPacketAndTrailersAndTheCheckoutStaysClean() throws {
        let (sandbox, id) = try Self.board()
        let statusBefore = try sandbox.read("board/tickets/\(id)/status.yaml")
        let result = try sandbox.mission("approve", id, "--gate", "release", "--note", "looks right").expectSuccess()
        #expect(result.stdout.contains("\(id): release approved by Test Person <test@example.com>"))
        #expect(result.stdout.contains("Recorded board/tickets/\(id)/evidence/0001-release.yaml."))
        #expect(result.stdout.contains("release is the last gate: the watcher marks \(id) done"))

        #expect(try sandbox.git("log", "-1", "--format=%B").stdout == """
            \(id): release approved by Test Person

            Mission-Ticket: \(id)
            Mission-Gate: release
            Mission-Action: approve
            Mission-Signoff-By: Test Person <test@example.com>


            """)
        #expect(try sandbox.git("log", "-1", "--format=%an <%ae>").stdout == "Test Person <test@example.com>\n")
        #expect(try sandbox.git("show", "--name-only", "--format=", "HEAD").stdout
            == "board/tickets/\(id)/evidence/0001-release.yaml\n")
        let packet = try sandbox.packet(id, "0001-release.yaml")
        #expect(packet.kind == .signoff && packet.ticket == id && packet.gate == "release")
        #expect(packet.ended != nil)
        #expect(packet.signoff == Signoff(by: "Test Person <test@example.com>", decision: .approve, note: "looks right"))
        // The watcher's file stays the watcher's; the checkout has the packet, and git sees nothing to commit.
        #expect(try sandbox.read("board/tickets/\(id)/status.yaml") == statusBefore)
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        #expect(try sandbox.mission("check").status == 0)
    }

    @Test func approveAndRejectPrintJSON() throws {
        let (sandbox, id) = try Self.board()
        let result = try sandbox.mission("reject", id, "--gate", "release", "--note", "the button is the wrong colour",
                                         "--json").expectSuccess()
        let object = try Self.json(result)
        #expect(object["id"] as? String == id)
        #expect(object["gate"] as? String == "release")
        #expect(object["decision"] as? String == "reject")
        #expect(object["by"] as? String == "Test Person <test@example.com>")
        #expect(object["note"] as? String == "the button is the wrong colour")
        #expect(object["packet"] as? String == "board/tickets/\(id)/evidence/0001-release.yaml")
        #expect(object["commit"] as? String == (try Self.head(sandbox)))
        let message = try sandbox.git("log", "-1", "--format=%B").stdout
        #expect(message.hasPrefix("\(id): release rejected by Test Person\n"))
        #expect(message.contains("Mission-Action: reject\n"))
        #expect(try sandbox.packet(id, "0001-release.yaml").signoff?.decision == .reject)
    }

    @Test func someoneNotInTheGroupIsRefusedWithWhoMaySignAndNothingIsCommitted() throws {
        let (sandbox, id) = try Self.board()
        let before = try Self.head(sandbox)
        let refused = try sandbox.mission("approve", id, "--gate", "release",
                                          environment: ["GIT_AUTHOR_NAME": "Mallory", "GIT_AUTHOR_EMAIL": "mallory@example.com"])
        #expect(refused.status == 1)
        #expect(refused.stderr == """
            error: Mallory <mallory@example.com> may not sign off release of \(id): only the approver group 'release' may
              members of 'release' (approvers in board/mission.yaml): test@example.com

            """)
        #expect(try Self.head(sandbox) == before)
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(id)/evidence"))
    }

    @Test func anApproversEntryMatchesTheNameOrTheEmailInAnyCase() throws {
        let (sandbox, id) = try Self.board()
        let settings = try sandbox.read("board/mission.yaml")
        try sandbox.write("board/mission.yaml", settings.replacingOccurrences(
            of: "release: [\"test@example.com\"]", with: "release: [\"someone@example.com\", \"ALICE Example\"]"))
        try sandbox.git("commit", "-q", "-am", "alice releases").expectSuccess()
        let alice = ["GIT_AUTHOR_NAME": "Alice Example", "GIT_AUTHOR_EMAIL": "alice@example.com"]
        try sandbox.mission("approve", id, "--gate", "release", environment: alice).expectSuccess()
        #expect(try sandbox.git("log", "-1", "--format=%an|%(trailers:key=Mission-Signoff-By,valueonly)").stdout
            == "Alice Example|Alice Example <alice@example.com>\n\n")

        // The old approver is no longer in the group.
        try Self.setStatus(sandbox, id, "waiting", gate: "release", lastEvidence: "0001-release.yaml")
        let refused = try sandbox.mission("approve", id, "--gate", "release")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("members of 'release' (approvers in board/mission.yaml): someone@example.com, ALICE Example"))
    }

    @Test func onlyAHumanGateOfTheTicketsWorkflowCanBeSigned() throws {
        let (sandbox, id) = try Self.board()
        let before = try Self.head(sandbox)
        let review = try sandbox.mission("approve", id, "--gate", "review")
        #expect(review.status == 1)
        #expect(review.stderr == """
            error: 'review' is not a human gate of workflow 'code', which \(id) follows
              human gates: release (group release: test@example.com)

            """)
        let unknown = try sandbox.mission("reject", id, "--gate", "signoff", "--note", "no")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix("error: 'signoff' is no gate of workflow 'code', which \(id) follows\n"))
        #expect(try Self.head(sandbox) == before)
    }

    @Test func aTicketNotWaitingAtTheGateIsRefusedWithWhatItIsDoing() throws {
        let (sandbox, id) = try Self.board(status: "running", gate: "implement")
        let before = try Self.head(sandbox)
        let running = try sandbox.mission("approve", id, "--gate", "release")
        #expect(running.status == 1)
        #expect(running.stderr == "error: \(id) is not waiting at release: it is running at implement\n")

        try Self.setStatus(sandbox, id, "needs_input", gate: "validate")
        let asking = try sandbox.mission("approve", id, "--gate", "release")
        #expect(asking.stderr == "error: \(id) is not waiting at release: it waits for an answer at validate\n")

        let fresh = try sandbox.mission("new", "Not started", "--workflow", "code", "--no-edit", "--json").expectSuccess()
        let other = try #require(try Self.json(fresh)["id"] as? String)
        let unstarted = try sandbox.mission("approve", other, "--gate", "release")
        #expect(unstarted.status == 1)
        #expect(unstarted.stderr.contains("\(other) is not waiting at release: the watcher has not started it yet"))
        #expect(try sandbox.git("rev-list", "--count", "\(before)..HEAD").stdout == "2\n")  // the status and `new` only

        let missing = try sandbox.mission("approve", "MC-ZZZZ", "--gate", "release")
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: no ticket MC-ZZZZ on the board"))
    }

    @Test func aSecondSignOffBeforeTheWatcherTakesTheFirstIsRefused() throws {
        let (sandbox, id) = try Self.board()
        try sandbox.mission("approve", id, "--gate", "release").expectSuccess()
        let again = try sandbox.mission("reject", id, "--gate", "release", "--note", "changed my mind")
        #expect(again.status == 1)
        #expect(again.stderr == "error: a sign-off for release of \(id) is already waiting for the watcher: 0001-release.yaml\n")
    }

    @Test func aRejectionNeedsANote() throws {
        let (sandbox, id) = try Self.board()
        let before = try Self.head(sandbox)
        for arguments in [["reject", id, "--gate", "release"], ["reject", id, "--gate", "release", "--note", "  "]] {
            let refused = try sandbox.run(Sandbox.missionBinary, arguments)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("a rejection needs a --note saying what must change"), "\(refused.stderr)")
        }
        #expect(try Self.head(sandbox) == before)
    }

    // MARK: - merge

    @Test func mergeIsRefusedUntilTheTicketIsDoneAndApproved() throws {
        let (sandbox, id) = try Self.board()
        try Self.ticketBranch(sandbox, id, committing: ["feature.txt": "feature\n"])
        let main = try Self.head(sandbox, "main")
        let waiting = try sandbox.mission("merge", id)
        #expect(waiting.status == 1)
        #expect(waiting.stderr == "error: \(id) is not done (it is waiting at release); only a done ticket's branch merges\n")

        // Done, as a passing check might leave it, but nobody approved.
        try Self.setStatus(sandbox, id, "done", gate: "release")
        let unapproved = try sandbox.mission("merge", id)
        #expect(unapproved.status == 1)
        #expect(unapproved.stderr == """
            error: \(id) cannot merge: no approval at release
              members of 'release' (approvers in board/mission.yaml): test@example.com
              merging into a protected branch happens only after a human gate, never implied by a passing check

            """)

        // A rejection is no approval either.
        try Self.setStatus(sandbox, id, "waiting", gate: "release")
        try sandbox.mission("reject", id, "--gate", "release", "--note", "not yet").expectSuccess()
        try Self.setStatus(sandbox, id, "done", gate: "release")
        let rejected = try sandbox.mission("merge", id)
        #expect(rejected.stderr.hasPrefix("error: \(id) cannot merge: the last sign-off at release (0001-release.yaml) "
                                          + "is a rejection by Test Person <test@example.com>\n"))

        // Nothing merged: the code is where it was and the branch stays.
        #expect(try sandbox.git("rev-list", "--count", "\(main)..main").stdout == "4\n")  // statuses and the sign-off
        #expect(try sandbox.git("log", "--format=%s", "main").stdout.contains("the agent's work") == false)
        #expect(try sandbox.git("rev-parse", "--verify", "-q", "mission/\(id)").status == 0)
    }

    @Test func aWorkflowWithoutAHumanGateNeverMerges() throws {
        let (sandbox, _) = try Self.board(status: nil)
        let created = try sandbox.mission("new", "A task", "--workflow", "task", "--no-edit", "--json").expectSuccess()
        let id = try #require(try Self.json(created)["id"] as? String)
        try Self.setStatus(sandbox, id, "done", gate: "run")
        let refused = try sandbox.mission("merge", id)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: \(id) cannot merge: its workflow 'task' has no human gate\n"
                                         + "  merging into a protected branch happens only after a human gate"), "\(refused.stderr)")
    }

    @Test func anApprovedTicketFastForwardsTheCheckoutKeepingAPersonsEdit() throws {
        let (sandbox, id) = try Self.board()
        try Self.approvedAndDone(sandbox, id)
        let worktree = try Self.ticketBranch(sandbox, id, committing: ["feature.txt": "feature\n", "app.txt": "one\ntwo\nTHREE\n"])
        let base = try Self.head(sandbox, "main")
        let ticketHead = try Self.head(sandbox, "mission/\(id)")
        let edit = "notes\r\nmine: \u{00e9}dited, not committed\n"
        try sandbox.write("notes.txt", edit)

        let result = try sandbox.mission("merge", id, "--json").expectSuccess()
        let object = try Self.json(result)
        #expect(object["kind"] as? String == "fast_forward")
        #expect(object["branch"] as? String == "mission/\(id)")
        #expect(object["into"] as? String == "main")
        #expect(object["base"] as? String == base)
        #expect(object["head"] as? String == ticketHead)
        #expect(object["files"] as? [String] == ["app.txt", "feature.txt"])
        #expect(object["removed_worktree"] as? Bool == true)
        #expect(object["deleted_branch"] as? Bool == true)
        #expect(object["warnings"] as? [String] == [])

        // The code is in main and in the checkout; the person's edit is untouched, byte for byte.
        #expect(try sandbox.git("rev-parse", "HEAD~1").stdout == ticketHead + "\n")
        #expect(try sandbox.read("feature.txt") == "feature\n")
        #expect(try sandbox.read("app.txt") == "one\ntwo\nTHREE\n")
        #expect(FileManager.default.contents(atPath: "\(sandbox.path)/notes.txt") == Data(edit.utf8))
        #expect(try sandbox.git("status", "--porcelain").stdout == " M notes.txt\n")

        // The merge packet, and the commit that recorded it.
        let packetPath = try #require(object["packet"] as? String)
        #expect(packetPath == "board/tickets/\(id)/evidence/0002-merge.yaml")
        let packet = try sandbox.packet(id, "0002-merge.yaml")
        #expect(packet.kind == .merge && packet.gate == "merge" && packet.ticket == id)
        #expect(packet.change == Board.ChangeRecord(branch: "mission/\(id)", base: base, head: ticketHead,
                                                    files: ["app.txt", "feature.txt"], insertions: 2, deletions: 1))
        #expect(packet.summary == "main fast-forwarded to mission/\(id) at \(ticketHead.prefix(7))")
        #expect(try sandbox.git("log", "-1", "--format=%B").stdout == """
            \(id): merged mission/\(id) into main (\(ticketHead.prefix(7)))

            Mission-Ticket: \(id)
            Mission-Action: merge
            Mission-Merge-Commit: \(ticketHead)


            """)

        // The ticket's worktree and its merged branch are gone.
        #expect(!FileManager.default.fileExists(atPath: worktree))
        #expect(try sandbox.git("branch", "--list", "mission/*").stdout == "")
        #expect(try sandbox.git("worktree", "list", "--porcelain").stdout.contains(id) == false)

        // Merging again says it happened already.
        let again = try sandbox.mission("merge", id)
        #expect(again.status == 1)
        #expect(again.stderr.contains("\(id) was merged already at \(ticketHead.prefix(7)) (0002-merge.yaml)"))
    }

    @Test func divergedHistoriesMergeWithAMergeCommitThatTheCheckoutFollows() throws {
        let (sandbox, id) = try Self.board()
        // The agent's work starts from main as it was; main moves on meanwhile (sign-off, statuses, a person's commit).
        try Self.ticketBranch(sandbox, id, committing: ["feature.txt": "feature\n", "app.txt": "one\ntwo\nTHREE\n"])
        let ticketHead = try Self.head(sandbox, "mission/\(id)")
        try Self.approvedAndDone(sandbox, id)
        try sandbox.write("app.txt", "ONE\ntwo\nthree\n")
        try sandbox.write("main.txt", "main\n")
        try sandbox.git("add", "app.txt", "main.txt").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "a person's commit on main").expectSuccess()
        let base = try Self.head(sandbox, "main")
        let edit = "notes\nkept\n"
        try sandbox.write("notes.txt", edit)

        let result = try sandbox.mission("merge", id).expectSuccess()
        let merge = try Self.head(sandbox, "HEAD~1")
        #expect(result.stdout == """
            \(id): merged mission/\(id) into main with merge commit \(merge.prefix(7)) (2 files, +2 -1)
            Recorded board/tickets/\(id)/evidence/0002-merge.yaml (\(try Self.head(sandbox).prefix(7))).
            Removed the worktree of \(id) and deleted the merged branch mission/\(id).

            """)
        #expect(try sandbox.git("log", "-1", "--format=%P|%s|%an", merge).stdout
            == "\(base) \(ticketHead)|Merge mission/\(id): Ship the release|Test Person\n")
        // Both sides' changes, in main and in the working files.
        #expect(try sandbox.read("app.txt") == "ONE\ntwo\nTHREE\n")
        #expect(try sandbox.read("feature.txt") == "feature\n")
        #expect(try sandbox.read("main.txt") == "main\n")
        #expect(try sandbox.read("notes.txt") == edit)
        #expect(try sandbox.git("status", "--porcelain").stdout == " M notes.txt\n")
        #expect(try sandbox.git("diff", "--stat", "HEAD").stdout.contains("notes.txt"))

        let packet = try sandbox.packet(id, "0002-merge.yaml")
        #expect(packet.change == Board.ChangeRecord(branch: "mission/\(id)", base: base, head: merge,
                                                    files: ["app.txt", "feature.txt"], insertions: 2, deletions: 1))
        #expect(try sandbox.git("log", "-1", "--format=%(trailers:key=Mission-Merge-Commit,valueonly)").stdout
            == merge + "\n\n")
        #expect(try sandbox.git("branch", "--list", "mission/*").stdout == "")
        #expect(try sandbox.git("fsck", "--no-progress").status == 0)
    }

    @Test func aConflictIsRefusedWithItsPathsAndNothingMoves() throws {
        let (sandbox, id) = try Self.board()
        let worktree = try Self.ticketBranch(sandbox, id, committing: ["app.txt": "one\nticket\nthree\n"])
        try Self.approvedAndDone(sandbox, id)
        try sandbox.write("app.txt", "one\nmain\nthree\n")
        try sandbox.git("commit", "-q", "-am", "main changes the same line").expectSuccess()
        let main = try Self.head(sandbox, "main")
        let ticketHead = try Self.head(sandbox, "mission/\(id)")

        let refused = try sandbox.mission("merge", id)
        #expect(refused.status == 1)
        #expect(refused.stderr == """
            error: mission/\(id) does not merge cleanly into main: 1 conflicting path: app.txt
              nothing was changed; merge it by hand (git merge mission/\(id)), then run 'mission merge \(id)' again to record it

            """)
        #expect(try Self.head(sandbox, "main") == main)
        #expect(try Self.head(sandbox, "mission/\(id)") == ticketHead)
        #expect(try sandbox.read("app.txt") == "one\nmain\nthree\n")
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        #expect(FileManager.default.fileExists(atPath: worktree))
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(id)/evidence/0002-merge.yaml"))

        // Merged by hand, it is recorded as such and cleaned up.
        try sandbox.git("merge", "-q", "-X", "theirs", "mission/\(id)", "-m", "merged by hand").expectSuccess()
        let recorded = try sandbox.mission("merge", id, "--json").expectSuccess()
        #expect(try Self.json(recorded)["kind"] as? String == "up_to_date")
        #expect(try sandbox.packet(id, "0002-merge.yaml").summary == "mission/\(id) at \(ticketHead.prefix(7)) was already in main")
        #expect(try sandbox.git("branch", "--list", "mission/*").stdout == "")
    }

    @Test func anUncommittedEditInTheWayRefusesTheMergeAndKeepsTheEdit() throws {
        let (sandbox, id) = try Self.board()
        try Self.approvedAndDone(sandbox, id)
        try Self.ticketBranch(sandbox, id, committing: ["app.txt": "one\ntwo\nTHREE\n"])
        let main = try Self.head(sandbox, "main")
        try sandbox.write("app.txt", "one\ntwo\nmine\n")
        let refused = try sandbox.mission("merge", id)
        #expect(refused.status == 1)
        #expect(refused.stderr == """
            error: cannot merge mission/\(id) into main in this checkout: app.txt has uncommitted changes; commit or stash them first
              nothing was changed; main still points where it did

            """)
        #expect(try Self.head(sandbox, "main") == main)
        #expect(try sandbox.read("app.txt") == "one\ntwo\nmine\n")
        #expect(try sandbox.git("status", "--porcelain").stdout == " M app.txt\n")
    }

    @Test func intoAnotherBranchLeavesTheCheckoutAlone() throws {
        let (sandbox, id) = try Self.board()
        try Self.approvedAndDone(sandbox, id)
        try sandbox.git("branch", "release").expectSuccess()
        try Self.ticketBranch(sandbox, id, committing: ["feature.txt": "feature\n"])
        let main = try Self.head(sandbox, "main")
        let result = try sandbox.mission("merge", id, "--into", "release", "--json").expectSuccess()
        #expect(try Self.json(result)["into"] as? String == "release")
        #expect(try sandbox.git("show", "release:feature.txt").stdout == "feature\n")
        #expect(try Self.head(sandbox, "main~1") == main)  // only the merge packet on the board's branch
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/feature.txt"))
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
    }
}
