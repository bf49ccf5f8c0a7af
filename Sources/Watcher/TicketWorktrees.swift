import Board
import Foundation
import Git

/// The ticket worktrees of one repository: each ticket's sessions run in `<git dir>/mission/worktrees/<ID>` on
/// branch `mission/<ID>`, created from the code branch, reused across rounds, and removed when the ticket
/// closes. The branch stays until its commits are merged: closing a ticket never loses an agent's work.
struct TicketWorktrees {
    let repository: Repository
    /// The board's branch (full name), the base when nothing better is known.
    let boardBranch: String

    /// The code branch ticket branches start from: git config `mission.codeBranch`, else the branch HEAD names
    /// when it has commits (the branch a person works on), else the board's branch.
    var codeBranch: String {
        if let configured = try? repository.configString("mission.codeBranch"), !configured.isEmpty {
            return configured.hasPrefix("refs/") ? configured : "refs/heads/\(configured)"
        }
        if let head = try? repository.headBranch(), (try? repository.referenceTarget(head)) != nil { return head }
        return boardBranch
    }

    /// The folder of `ticket`'s worktree.
    func path(_ ticket: String) -> String { "\(repository.gitDirectory)/mission/worktrees/\(ticket)" }
    /// The ticket's branch.
    func branch(_ ticket: String) -> String { "refs/heads/mission/\(ticket)" }
    private func name(_ ticket: String) -> String { "mission-\(ticket)" }

    /// Makes sure the ticket's worktree exists and returns its branch head, where the session starts.
    func prepare(_ ticket: String) throws(GitError) -> ObjectID {
        let branch = self.branch(ticket)
        let base: ObjectID
        if let existing = try repository.referenceTarget(branch) {
            base = existing
        } else if let code = try repository.referenceTarget(codeBranch) {
            base = code
        } else {
            throw GitError(code: .unbornBranch, operation: "prepare the worktree of \(ticket)",
                           message: "\(codeBranch) has no commits to start a ticket branch from")
        }
        let prepared = try repository.ensureWorktree(name: name(ticket), branch: branch, base: base, path: path(ticket))
        return prepared.worktree.head ?? base
    }

    /// After a session: commits what the agent left uncommitted in the worktree (with its summary as the message)
    /// and returns the session's code change from `base`, the branch head when it started.
    func recordChange(_ ticket: String, since base: ObjectID, message: String, author: Signature) throws(GitError)
        -> Board.ChangeRecord {
        if FileManager.default.fileExists(atPath: path(ticket)) {
            _ = try repository.commitLeftovers(worktreePath: path(ticket), message: message, author: author)
        }
        let head = try repository.referenceTarget(branch(ticket)) ?? base
        let change = try repository.changeRecord(base: base, head: head)
        return Board.ChangeRecord(branch: "mission/\(ticket)", base: base.hex, head: head.hex,
                                  files: change.files.map(\.path), insertions: change.insertions,
                                  deletions: change.deletions)
    }

    /// Removes the ticket's worktree once it closed; its branch goes only when merged into the code branch.
    func prune(_ ticket: String) throws(GitError) {
        guard try repository.worktree(named: name(ticket)) != nil else { return }
        _ = try repository.removeWorktree(name: name(ticket), branch: branch(ticket), mergedInto: codeBranch)
    }
}
