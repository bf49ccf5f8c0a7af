import Board
import Foundation
import Git

/// The ticket worktrees of one repository: each ticket's sessions run in `<root>/<ID>` on branch `mission/<ID>`,
/// created from the code branch, reused across rounds, and removed when the ticket closes. The branch stays until
/// its commits are merged: closing a ticket never loses an agent's work.
///
/// The root is never inside a `.git` folder: agent CLIs refuse to write there (Claude Code treats every path
/// under `.git` as a sensitive file). It is the host's setting (`MISSION_WORKTREE_ROOT`, or `worktree_root` in
/// `host.yaml`), else the board's (`worktree_root` in `mission.yaml`, relative to the repository's top folder),
/// else `$XDG_STATE_HOME/mission/worktrees/<repository>-<hash>` (default `~/.local/state/…`), one folder per
/// repository so that two clones never share one.
struct TicketWorktrees {
    let repository: Repository
    /// The board's branch (full name), the base when nothing better is known.
    let boardBranch: String
    /// The folder that holds the worktrees, absolute and canonical.
    let root: String
    /// Why `root` cannot be used (it is inside a git folder); nil when it can.
    let rootProblem: String?

    /// The worktrees of `repository`, in the root the host or the board names, else the default for `environment`.
    init(repository: Repository, boardBranch: String, host: String?, board: String?, environment: [String: String]) {
        self.repository = repository
        self.boardBranch = boardBranch
        let common = Repository.canonicalPath(repository.commonDirectory)
        let top = repository.workingDirectory.map(Repository.canonicalPath) ?? common
        let home = environment["HOME"] ?? NSHomeDirectory()
        func absolute(_ path: String, from base: String) -> String {
            let expanded = path == "~" ? home : path.hasPrefix("~/") ? home + path.dropFirst() : path
            return Repository.canonicalPath(expanded.hasPrefix("/") ? expanded : "\(base)/\(expanded)")
        }
        if let host = host.flatMap({ $0.isEmpty ? nil : $0 }) {
            root = absolute(host, from: top)
        } else if let board = board.flatMap({ $0.isEmpty ? nil : $0 }) {
            root = absolute(board, from: top)
        } else {
            root = absolute("mission/worktrees/\(Self.folderName(top: top, common: common))", from: Self.stateFolder(environment))
        }
        rootProblem = Self.problem(with: root, gitFolders: [common, Repository.canonicalPath(repository.gitDirectory)])
    }

    /// Where this host keeps mission's state: `$XDG_STATE_HOME` when it is absolute, else `~/.local/state`.
    static func stateFolder(_ environment: [String: String]) -> String {
        environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/state"
    }

    /// `<repository name>-<8 hex digits of its git folder's path>`: readable, and distinct for two clones.
    static func folderName(top: String, common: String) -> String {
        var name = (top as NSString).lastPathComponent
        if name.hasSuffix(".git"), name.count > 4 { name.removeLast(4) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs, unlike Hasher
        for byte in common.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let safe = String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        return "\(safe.isEmpty ? "repository" : safe)-\(String(format: "%08x", UInt32(truncatingIfNeeded: hash ^ (hash >> 32))))"
    }

    /// Why `root` cannot hold worktrees: it is in a `.git` folder or in one of `gitFolders`. Nil when it can.
    static func problem(with root: String, gitFolders: [String]) -> String? {
        let inside = gitFolders.first { (root + "/").hasPrefix($0 + "/") }
        guard inside != nil || root.split(separator: "/").contains(".git") else { return nil }
        return "the worktree root \(root) is inside the git folder \(inside ?? root); agents refuse to write there "
            + "(set worktree_root in mission.yaml or host.yaml, or MISSION_WORKTREE_ROOT, to a folder outside it)"
    }

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
    func path(_ ticket: String) -> String { "\(root)/\(ticket)" }
    /// The ticket's branch.
    func branch(_ ticket: String) -> String { "refs/heads/mission/\(ticket)" }
    /// The name of the ticket's worktree in git (its admin folder).
    static func name(_ ticket: String) -> String { "mission-\(ticket)" }
    private func name(_ ticket: String) -> String { Self.name(ticket) }

    /// Makes sure the ticket's worktree exists and returns its branch head, where the session starts. One left
    /// elsewhere by an earlier version or setting (under `.git/mission/worktrees/`) is moved here, files and all.
    func prepare(_ ticket: String) throws(GitError) -> ObjectID {
        if let rootProblem {
            throw GitError(code: .invalid, operation: "prepare the worktree of \(ticket)", message: rootProblem)
        }
        try relocate(ticket)
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
        // With several watchers adding worktrees at once, libgit2 can report the branch as checked out while another
        // worktree of the repository is half made (seen about once in 100 tickets with 3 watchers, cause not
        // pinned down): the claim is ours, so a short wait and a second try are safe.
        var tries = 0
        while true {
            do throws(GitError) {
                let prepared = try repository.ensureWorktree(name: name(ticket), branch: branch, base: base, path: path(ticket))
                return prepared.worktree.head ?? base
            } catch {
                tries += 1
                guard tries < 8, error.message.contains("already checked out") else { throw error }
                usleep(useconds_t(100_000 * tries))  // up to 2.8 s in all: seen to outlast 0.6 s once under CI load
            }
        }
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

    /// Moves the ticket's intact worktree to `path(ticket)` when it is somewhere else; true when it moved.
    @discardableResult
    func relocate(_ ticket: String) throws(GitError) -> Bool {
        guard rootProblem == nil, let existing = try repository.worktree(named: name(ticket)), existing.isValid,
              existing.path != Repository.canonicalPath(path(ticket)) else { return false }
        _ = try repository.moveWorktree(name: name(ticket), to: path(ticket))
        return true
    }

    /// Removes the ticket's worktree once it closed; its branch goes only when merged into the code branch.
    func prune(_ ticket: String) throws(GitError) {
        let hasWorktree = try repository.worktree(named: name(ticket)) != nil
        let hasBranch = try repository.referenceTarget(branch(ticket)) != nil
        guard hasWorktree || hasBranch else { return }
        _ = try repository.removeWorktree(name: name(ticket), branch: branch(ticket), mergedInto: codeBranch)
    }

    /// What `sweep` did.
    struct Sweep: Equatable {
        /// Tickets whose worktree was removed, or whose merged branch was deleted.
        var pruned: [String] = []
        /// Tickets whose worktree moved to the root.
        var moved: [String] = []
        /// What could not be done, and why; tried again by the next sweep.
        var problems: [String] = []
    }

    /// The reaper's round over every ticket worktree and branch: a closed (or no longer listed) ticket's worktree
    /// is removed and its branch deleted once merged; an open ticket's worktree outside the root is moved there.
    /// `isOpen` says whether a ticket is open; `busy` tickets (a session runs there) are left alone.
    func sweep(isOpen: (String) -> Bool, busy: Set<String>) -> Sweep {
        var result = Sweep()
        var tickets = Set<String>()
        for worktree in (try? repository.worktrees()) ?? [] where worktree.name.hasPrefix("mission-") {
            tickets.insert(String(worktree.name.dropFirst("mission-".count)))
        }
        let prefix = "refs/heads/mission/"
        for branch in (try? repository.referenceNames(matching: prefix + "*")) ?? [] {
            let ticket = String(branch.dropFirst(prefix.count))
            if !ticket.contains("/") { tickets.insert(ticket) }
        }
        for ticket in tickets.sorted() where !busy.contains(ticket) {
            do throws(GitError) {
                if isOpen(ticket) {
                    if try relocate(ticket) { result.moved.append(ticket) }
                    continue
                }
                let worktree = try repository.worktree(named: name(ticket))
                guard let head = try repository.referenceTarget(branch(ticket)) else {
                    if worktree != nil { try prune(ticket); result.pruned.append(ticket) }
                    continue
                }
                // An unmerged branch without a worktree stays as it is: nothing to do until it is merged.
                var merged = false
                if let code = try repository.referenceTarget(codeBranch) { merged = try repository.isAncestor(head, of: code) }
                guard worktree != nil || merged else { continue }
                try prune(ticket)
                result.pruned.append(ticket)
            } catch {
                result.problems.append("\(ticket): \(error.message)")
            }
        }
        return result
    }
}

/// Where this host keeps a repository's ticket worktrees (see `TicketWorktrees`), and why it cannot, if it cannot:
/// for `mission runtimes --check`.
public struct WorktreeRoot: Sendable {
    /// The folder, absolute and canonical.
    public let path: String
    /// Why it cannot hold worktrees (inside a git folder); nil when it can.
    public let problem: String?

    /// The root for `repository` from the host's setting, else the board's, else the default for `environment`.
    public init(repository: Repository, host: String?, board: String?, environment: [String: String]) {
        let worktrees = TicketWorktrees(repository: repository, boardBranch: "", host: host, board: board,
                                        environment: environment)
        path = worktrees.root
        problem = worktrees.rootProblem
    }
}
