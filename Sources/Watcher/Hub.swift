import Board
import Foundation
import Git

/// A runner's link to the hub it shares with other runners: any git server, reached by path, `git://` or ssh.
///
/// The runner works in a bare clone of its own. Its board branch there mirrors the hub's: it moves only when a
/// fetch brings the hub's tip, or after the hub accepted a push of ours (see `BoardStore.upstream`). That makes
/// git's atomic reference update on the hub the lock for every claim and outcome: of two runners racing, one
/// push is refused as a non-fast-forward, and that runner fetches, re-plans and tries again. Nothing is ever
/// force-pushed to the board branch.
///
/// What the clone holds besides the board branch: the hub's branches under `refs/hub/heads/` and its
/// `refs/mission/*` under `refs/hub/mission/`; ticket branches (`mission/<ID>`) of its own, pushed with each
/// outcome and brought forward from the hub before a session starts; its transcripts, on a side ref of its own
/// (`refs/mission/runners/<runner>/transcripts`), pushed with each outcome too.
public final class Hub: BoardUpstream {
    /// Where the hub is, as given (a path, `git://…`, `ssh://…` or `user@host:path`).
    public let url: String
    /// The runner's clone.
    public let repository: Repository
    /// The board branch, a full name.
    public let branch: String

    /// The hub's branches, as last fetched.
    static let heads = "refs/hub/heads/"
    /// The hub's `refs/mission/*` (the transcripts), as last fetched.
    static let mission = "refs/hub/mission/"

    /// A hub at `url` whose board is on `branch`, worked from the runner's clone `repository`.
    public init(url: String, repository: Repository, branch: String) {
        self.url = url
        self.repository = repository
        self.branch = branch
    }

    /// Where a runner keeps its clone of `url` unless told: `$XDG_STATE_HOME/mission/hubs/<name>-<hash>` (default
    /// `~/.local/state/…`), one per hub, shared by the runners of this host (each holds a runner name of its own).
    public static func defaultClone(url: String, environment: [String: String]) -> String {
        let state = TicketWorktrees.stateFolder(environment)
        let tail = url.split(whereSeparator: { "/:".contains($0) }).last.map(String.init) ?? "hub"
        return "\(state)/mission/hubs/\(TicketWorktrees.folderName(top: tail, common: url))"
    }

    /// Opens the runner's clone at `path`, making it (bare) with a first fetch when it does not exist yet. The board's
    /// branch is `branch` when given, else what the clone was made with, else the hub's default branch; its
    /// folder is `directory`, else the clone's setting, else `board`. Both are kept in the clone's git config
    /// (`mission.hub`, `mission.branch`, `mission.dir`), so every `mission` command works in it with `-C`.
    public static func open(url: String, clone path: String, branch: String?, directory: String?) throws -> (Hub, BoardLocation) {
        let repository: Repository
        if FileManager.default.fileExists(atPath: path) {
            repository = try Repository.open(at: path)
            if let known = try repository.configString("mission.hub"), known != url {
                throw HubError("the clone \(path) is of the hub \(known), not \(url): give it its own --clone folder")
            }
        } else {
            repository = try Repository.create(at: path, bare: true)
        }
        var name = branch
        if name == nil { name = try repository.configString("mission.branch") }
        if name == nil {
            do {
                name = try repository.remoteDefaultBranch(url)
            } catch {
                throw HubError("cannot reach the hub \(url): \(error.message)")
            }
        }
        guard let name else { throw HubError("the hub \(url) names no default branch: give the board's branch with --branch") }
        let configuredDirectory = try repository.configString("mission.dir")
        let location = BoardLocation(branch: name, directory: directory ?? configuredDirectory ?? "board")
        try repository.setConfigString("mission.hub", url)
        try repository.setConfigString("mission.branch", location.branchName)
        try repository.setConfigString("mission.dir", location.directory)
        // The ticket branches start from the board's branch unless the clone says otherwise (mission.codeBranch).
        try repository.setHead(location.branch)
        let hub = Hub(url: url, repository: repository, branch: location.branch)
        try hub.fetch()
        return (hub, location)
    }

    /// Fetches the hub's branches and `refs/mission/*`, then brings the board branch up to the hub's. A board branch the hub rewrote (a person's force-push) is followed too: the hub is the truth.
    public func fetch() throws(GitError) {
        try repository.fetch(from: url, refspecs: ["+refs/heads/*:\(Self.heads)*", "+refs/mission/*:\(Self.mission)*"])
        try follow(branch, to: Self.heads + branch.dropFirst("refs/heads/".count))
    }

    /// Points the local `reference` where the hub's copy `tracking` points, if it does not already.
    private func follow(_ reference: String, to tracking: String) throws(GitError) {
        guard let theirs = try repository.referenceTarget(tracking) else { return }
        let ours = try repository.referenceTarget(reference)
        guard ours != theirs else { return }
        do {
            try repository.updateReference(reference, to: theirs, expecting: ours, logMessage: "mission: follow the hub")
        } catch where error.code == .referenceMoved {
            // Another watcher on this clone moved it meanwhile; the next fetch settles it.
        }
    }

    public func publish(_ reference: String, from old: ObjectID?, to new: ObjectID) throws(GitError) {
        // libgit2 pushes references, not ids: name the commit with a reference of this runner's own for the push.
        let outgoing = "refs/hub/outgoing/\(tag)"
        try repository.updateReference(outgoing, to: new, expecting: try repository.referenceTarget(outgoing),
                                       logMessage: "mission: to push")
        // What waits to go along (the session's ticket branch and transcript), in the same connection.
        var along: [String] = []
        for local in staged.sorted() {
            guard let tracking = trackingName(local),
                  try repository.referenceTarget(local) != repository.referenceTarget(tracking) else { staged.remove(local); continue }
            along.append(local)
        }
        do throws(GitError) {
            let report: PushReport
            if let hubRepository = try localHub() {
                report = try publishLocally(reference, from: old, to: new, outgoing: outgoing, along: along, hub: hubRepository)
            } else {
                report = try repository.push(to: url, refspecs: ["\(outgoing):\(reference)"] + along.map { "\($0):\($0)" })
            }
            for local in along {
                if let refused = report.error(for: local) {
                    problems.append("\(local) did not reach the hub: \(refused.message)")
                } else if let tracking = trackingName(local), let pushed = try repository.referenceTarget(local) {
                    try? repository.updateReference(tracking, to: pushed, expecting: try? repository.referenceTarget(tracking),
                                                    logMessage: "mission: pushed")
                }
                staged.remove(local)
            }
            if let refused = report.error(for: reference) { throw refused }
        } catch where error.code == .referenceMoved {
            // Lost the race: learn what won, so that the caller re-applies its change on top of it. What went
            // along and did not land is kept for the next push, unless the hub's copy went another way.
            try fetch()
            for local in along where staged.contains(local) {
                guard let tracking = trackingName(local), let ours = try repository.referenceTarget(local),
                      let theirs = try repository.referenceTarget(tracking), !(try repository.isAncestor(theirs, of: ours))
                else { continue }
                staged.remove(local)
                problems.append("\(local) did not reach the hub: the hub's went another way (\(theirs.short))")
            }
            throw error
        }
        // The hub's copy as we now know it, so the tracking refs never lag behind our own pushes.
        if let tracking = trackingName(reference) {
            try? repository.updateReference(tracking, to: new, expecting: try? repository.referenceTarget(tracking),
                                            logMessage: "mission: pushed")
        }
    }

    /// Pushes a reference only this runner writes (its runner record), replacing the hub's copy: it never races.
    func publishOwn(_ reference: String) throws(GitError) {
        let report = try repository.push(to: url, refspecs: ["+\(reference):\(reference)"])
        if let refused = report.error(for: reference) { throw refused }
        if let tracking = trackingName(reference), let pushed = try repository.referenceTarget(reference) {
            try? repository.updateReference(tracking, to: pushed, expecting: try? repository.referenceTarget(tracking),
                                            logMessage: "mission: pushed")
        }
    }

    /// Local references to push with the next board commit (see `stage`).
    private var staged: Set<String> = []

    /// What did not reach the hub since the last look, each said once; the reconciler reports them.
    public var problems: [String] = []

    /// Makes `reference` (a ticket branch, this runner's transcripts) go to the hub with the next board commit, in
    /// the same push: the outcome that names its commits lands together with them.
    func stage(_ reference: String) {
        staged.insert(reference)
    }

    /// The side ref this runner commits its transcripts to: its own, so runners never race for it.
    public var transcriptsReference: String { "refs/mission/runners/\(tag)/transcripts" }
    /// The side ref this runner commits its sessions' artifacts to.
    public var artifactsReference: String { "refs/mission/runners/\(tag)/artifacts" }

    /// Names this runner's own references, here and on the hub: its runner name (the reconciler sets it), unique
    /// among the runners of a hub.
    public var tag = "\(ProcessInfo.processInfo.hostName.split(separator: ".").first ?? "host")-\(getpid())"

    /// The FIFO the hub's `post-receive` hook pokes for this runner, when the hub is a folder on this machine:
    /// `<hub's git folder>/mission/wake.d/<runner>`. A person's push then wakes the runner at once; runners of a hub
    /// elsewhere notice it at their next fetch.
    public func wakePath() -> String? {
        guard let hub = try? localHub() else { return nil }
        return "\(hub.gitDirectory)/mission/wake.d/\(tag)"
    }

    /// Whether `url` names a repository on this machine's file system: a path or `file://`.
    static func isLocal(_ url: String) -> Bool {
        if url.hasPrefix("file://") { return true }
        if url.contains("://") { return false }
        // `host:path` is ssh's short form; a colon after the first slash is part of a path.
        guard let colon = url.firstIndex(of: ":") else { return true }
        return url[..<colon].contains("/")
    }

    /// The hub opened directly, when it is on this machine; nil for one reached over the network.
    private func localHub() throws(GitError) -> Repository? {
        guard Self.isLocal(url) else { return nil }
        if let openedHub { return openedHub }
        let path = url.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
        let opened = try Repository.open(at: path)
        openedHub = opened
        return opened
    }
    private var openedHub: Repository?

    /// A push to a hub on this machine. libgit2's transport for paths writes the hub's reference without checking
    /// what it pointed at (two runners racing would both "win", the second overwriting the first), so the objects
    /// travel by a push to a reference of this runner's own, and the reference moves by compare-and-swap on the
    /// hub itself, under git's lock file: of two racers exactly one moves it. (Over `git://` and ssh the hub's
    /// `git receive-pack` does that check.) Hooks do not run for it, as for any write made on the hub directly.
    private func publishLocally(_ reference: String, from old: ObjectID?, to new: ObjectID, outgoing: String,
                                along: [String], hub: Repository) throws(GitError) -> PushReport {
        // Kept, not deleted after: libgit2 lists a local hub's references and then reads each, and a reference
        // another runner deleted in between fails that runner's push. One per runner, overwritten each time.
        let incoming = "refs/hub/incoming/\(tag)"
        let report = try repository.push(to: url, refspecs: ["+\(outgoing):\(incoming)"] + along.map { "\($0):\($0)" })
        do {
            try hub.updateReference(reference, to: new, expecting: old, logMessage: "mission: push")
        } catch where error.code == .locked {
            // Another runner is moving it right now: a lost race, as far as this push goes.
            throw GitError(code: .referenceMoved, operation: error.operation, message: error.message)
        }
        return report
    }

    /// Where the clone keeps the hub's copy of `reference`.
    private func trackingName(_ reference: String) -> String? {
        if reference.hasPrefix("refs/heads/") { return Self.heads + reference.dropFirst("refs/heads/".count) }
        if reference.hasPrefix("refs/mission/") { return Self.mission + reference.dropFirst("refs/mission/".count) }
        return nil
    }

    /// Before a session on `ticket`: its branch brought up to the hub's, where another runner may have worked an
    /// earlier gate. A local branch that is behind moves forward; one the hub does not have stays; one that
    /// diverged (a runner whose session was taken over) is kept under `refs/mission/stale/` and the hub's wins.
    /// The ticket's `worktree`, when there is one, is reset to the new head (it is clean between sessions).
    func adoptTicketBranch(_ ticket: String, worktree: String?) throws(GitError) {
        let local = "refs/heads/mission/\(ticket)"
        guard let theirs = try repository.referenceTarget(Self.heads + "mission/\(ticket)") else { return }
        let ours = try repository.referenceTarget(local)
        guard ours != theirs else { return }
        if let ours {
            if try repository.isAncestor(theirs, of: ours) { return }  // ours is ahead: not pushed yet
            if !(try repository.isAncestor(ours, of: theirs)) {
                try repository.updateReference("refs/mission/stale/\(ticket)", to: ours,
                                               expecting: try repository.referenceTarget("refs/mission/stale/\(ticket)"),
                                               logMessage: "mission: diverged from the hub")
            }
        }
        if let worktree, FileManager.default.fileExists(atPath: worktree), let checkout = try? Repository.open(at: worktree),
           try checkout.headBranch() == local {
            try checkout.resetHard(to: theirs)
        } else {
            try repository.updateReference(local, to: theirs, expecting: ours, logMessage: "mission: from the hub")
        }
    }

    /// After a session on `ticket`: its branch goes to the hub with the outcome's commit, so that the evidence can
    /// be read there and the next gate can run on any runner.
    func stageTicketBranch(_ ticket: String) {
        stage("refs/heads/mission/\(ticket)")
    }
}

/// A hub that cannot be used as asked, with what to do about it.
public struct HubError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
