import Actions
import ArgumentParser
import Board
import Foundation
import Git

/// `mission clone URL [DIR]`: a person's clone of a hub, ready to work on: hooks, board settings, transcripts.
struct Clone: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clone", 
        abstract: "Clone a hub and set the clone up for the board: hooks, board settings and the runners' refs.",
        discussion: """
            Clones URL (a folder, git://, ssh:// or user@host:path) into DIR, checks out the hub's default branch, \
            and makes origin also fetch refs/mission/* (transcripts and runner records), so 'git fetch' or \
            'git pull' brings them. Then it remembers the board's branch and folder in git config and installs \
            the same hooks as 'mission init'. With the board on its own branch (--branch), that branch is made \
            locally too, tracking the hub's; the checkout stays on the default branch.
            """)

    @Argument(help: "The hub: a folder, git://host/repo.git, ssh://user@host/repo.git or user@host:repo.git.")
    var url: String

    @Argument(help: "The folder to clone into (default: the hub's name without .git).")
    var directory: String?

    @Option(help: "The board's branch (default: the hub's default branch).")
    var branch: String?

    @Option(help: "The board's folder.")
    var dir = "board"

    @Flag(help: "Print JSON.")
    var json = false

    static let missionRefspec = "+refs/mission/*:refs/mission/*"

    func run() throws {
        try failing {
            let folder = directory ?? Self.defaultFolder(url)
            if FileManager.default.fileExists(atPath: folder),
               !((try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty ?? false) {
                throw MissionFailure("\(folder) exists and is not empty: name another folder, e.g. mission clone \(url) DIR")
            }
            let repository = try Repository.clone(from: url, to: folder, branch: nil, extraRefspecs: [Self.missionRefspec])
            do {
                try setUp(repository, folder: folder)
            } catch {
                // Nothing of a clone that is not set up stays behind, so the same command can run again.
                try? FileManager.default.removeItem(atPath: folder)
                throw error
            }
        }
    }

    /// Makes the fresh clone `repository` in `folder` a board's: its branch, settings and hooks; then reports.
    private func setUp(_ repository: Repository, folder: String) throws {
        guard let checkedOut = try repository.headBranch() else {
            throw MissionFailure("the hub \(url) has no branch yet: push one with a board ('mission init' in a checkout)")
        }
        let boardBranch = branch.map { $0.hasPrefix("refs/heads/") ? $0 : "refs/heads/\($0)" } ?? checkedOut
        if boardBranch != checkedOut { try Self.track(boardBranch, in: repository) }
        let location = BoardLocation(branch: boardBranch, directory: dir)
        let store = BoardStore(repository: repository, location: location)
        let snapshot = try store.snapshot(.listing)
        guard snapshot.config.documents[.settings] != nil else {
            throw MissionFailure("""
                the hub \(url) has no board in \(dir)/ on \(location.branchName), so the clone was removed
                  a board on a branch of its own: mission clone \(url) --branch NAME; in another folder: --dir NAME
                """)
        }
        try repository.setConfigString("mission.branch", location.branchName)
        try repository.setConfigString("mission.dir", location.directory)
        let hooks = try Init.installHooks(repository, location: location)
        let path = repository.workingDirectory ?? folder

        if json {
            try Output.json(CloneReport(repository: path, url: url, branch: location.branchName, dir: location.directory,
                                        tickets: snapshot.allIDs.count, hooks: hooks.installed,
                                        skippedHooks: hooks.skipped))
            return
        }
        print("Cloned \(url) into \(path): the board is in \(location.directory)/ on \(location.branchName) "
              + "(\(snapshot.allIDs.count) ticket\(snapshot.allIDs.count == 1 ? "" : "s")).")
        if !hooks.installed.isEmpty { print("Installed the \(hooks.installed.joined(separator: ", ")) hooks.") }
        print("""

            Next:
              cd \(folder)
              mission board                     see where every ticket is
              mission new "A ticket"            create one, then git push
              git pull                          brings the runners' work and transcripts
            """)
    }

    /// `refs/heads/NAME` made from the hub's `origin/NAME`, with `origin` as its upstream.
    static func track(_ branch: String, in repository: Repository) throws {
        let name = String(branch.dropFirst("refs/heads/".count))
        guard let tip = try repository.referenceTarget("refs/remotes/origin/\(name)") else {
            throw MissionFailure("the hub has no branch \(name): name the board's branch with --branch")
        }
        try repository.updateReference(branch, to: tip, expecting: nil, logMessage: "mission clone: the board's branch")
        try repository.setConfigString("branch.\(name).remote", "origin")
        try repository.setConfigString("branch.\(name).merge", branch)
    }

    /// `project` for `ssh://host/srv/project.git`, `host:project.git` or `/srv/project/`.
    static func defaultFolder(_ url: String) -> String {
        var last = url.split(whereSeparator: { $0 == "/" || $0 == ":" }).last.map(String.init) ?? "board"
        if last.hasSuffix(".git") { last.removeLast(4) }
        return last.isEmpty ? "board" : last
    }
}

/// `clone --json`.
struct CloneReport: Encodable {
    let repository: String
    let url: String
    let branch: String
    let dir: String
    let tickets: Int
    let hooks: [String]
    let skippedHooks: [String]
}
