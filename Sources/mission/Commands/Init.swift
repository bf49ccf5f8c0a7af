import Actions
import ArgumentParser
import Board
import Foundation
import Git

/// `mission init`: install the starter board and the git hooks.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", 
        abstract: "Create a board in this repository and install the git hooks.",
        discussion: """
            Commits the starter board (mission.yaml, runtimes.yaml, roles.yaml, workflows.yaml, schedule.yaml, \
            templates/ and schemas/) to the board's branch, remembers where it is in git config (mission.branch, \
            mission.dir), and installs five git hooks: pre-commit (refuses commits that would break the board), \
            post-commit, post-merge and post-receive (wake a waiting watcher) and pre-receive (guards a hub's \
            board). A hook of your own is left in place. A folder that is not yet a git repository becomes one.
            """)

    @Option(name: [.customShort("C"), .customLong("repository")], help: "Run as if started in this folder.")
    var repository: String?

    @Option(help: "The board's branch (default: the current branch). A branch that does not exist starts empty.")
    var branch: String?

    @Option(help: "The board's folder.")
    var dir = "board"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let start = repository ?? FileManager.default.currentDirectoryPath
            let repo: Repository
            var created = false
            if let found = try? Repository.discover(from: start) {
                repo = found
            } else {
                repo = try Repository.create(at: start, bare: false)
                created = true
            }
            var options = BoardOptions()
            options.repository = start
            options.branch = branch
            options.dir = dir
            let location = try BoardContext.resolveLocation(options, repository: repo)
            let store = BoardStore(repository: repo, location: location)
            let identity = try store.identity()

            var committed: ObjectID?
            let existing = try store.snapshot()
            if existing.config.documents[.settings] == nil {
                let result = try store.commit(
                    message: "mission: create the board in \(location.directory)/",
                    trailers: [Trailer(key: "Mission-Action", value: "init")]
                ) { current in
                    if current.config.documents[.settings] != nil { throw MissionFailure("a board was created meanwhile") }
                    return StarterBoard.boardFiles(for: location, approver: identity.email)
                }
                committed = result.id
            }
            try repo.setConfigString("mission.branch", location.branchName)
            try repo.setConfigString("mission.dir", location.directory)
            let hooks = try Self.installHooks(repo, location: location)

            if json {
                try Output.json(InitReport(repository: repo.workingDirectory ?? repo.gitDirectory, created: created,
                                           branch: location.branchName, dir: location.directory,
                                           commit: committed?.hex, hooks: hooks.installed, skippedHooks: hooks.skipped))
                return
            }
            if created { print("Created a git repository in \(repo.workingDirectory ?? start).") }
            if let committed {
                print("Created the board in \(location.directory)/ on branch \(location.branchName) (\(committed.short)).")
            } else {
                print("A board is already in \(location.directory)/ on branch \(location.branchName); left it as it is.")
            }
            for hook in hooks.installed { print("Installed the \(hook) hook.") }
            for hook in hooks.skipped { print("Left your own \(hook) hook in place; add 'mission check --staged' to it yourself.") }
            print("""

                Next:
                  mission new "My first ticket"     create a ticket (opens $EDITOR; --no-edit to skip)
                  mission list                      see the board
                  mission check                     validate every file
                """)
        }
    }

    /// Writes our hooks into the repository's hooks folder; never replaces a hook that is not ours.
    static func installHooks(_ repo: Repository, location: BoardLocation) throws -> (installed: [String], skipped: [String]) {
        let folder: String
        if let configured = try repo.configString("core.hooksPath") {
            folder = configured.hasPrefix("/") ? configured : "\(repo.workingDirectory ?? repo.gitDirectory)/\(configured)"
        } else {
            folder = "\(repo.gitDirectory)/hooks"
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let executable = Self.executablePath()
        var installed: [String] = []
        var skipped: [String] = []
        for hook in StarterBoard.hooks(missionPath: executable, location: location) {
            let path = "\(folder)/\(hook.name)"
            if let current = FileManager.default.contents(atPath: path), !String(decoding: current, as: UTF8.self).contains("Mission Control") {
                skipped.append(hook.name)
                continue
            }
            try Data(hook.contents.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            installed.append(hook.name)
        }
        return (installed, skipped)
    }

    /// The absolute path of the running `mission` binary.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
    }
}

/// `init --json`.
struct InitReport: Encodable {
    let repository: String
    let created: Bool
    let branch: String
    let dir: String
    let commit: String?
    let hooks: [String]
    let skippedHooks: [String]
}
