import Actions
import ArgumentParser
import Foundation
import Git
import Watcher

/// `mission poke`: wake the watchers of a repository or a runner's clone now, for a webhook or a script.
struct Poke: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "poke", 
        abstract: "Wake the watchers waiting on this repository (or a runner's clone) now.",
        discussion: """
            Writes a byte to the FIFOs the watchers wait on, as the git hooks do: <git dir>/mission/wake, and on a \
            hub in a folder, mission/wake.d/<runner>. A runner of a hub fetches at once when poked, so a git \
            server's push webhook that runs 'mission poke -C CLONE' on the runner's host starts work without \
            waiting for --fetch-interval. Never blocks; with no watcher waiting it says so and exits 0.
            """)

    @Option(name: [.customShort("C"), .customLong("repository")], help: "The repository or runner clone to poke (default: here).")
    var repository: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let start = repository ?? FileManager.default.currentDirectoryPath
            guard let found = try? Repository.discover(from: start) else {
                throw MissionFailure("not a git repository (or any parent up to /): \(start)")
            }
            let poked = Daemon.poke(gitDirectory: found.gitDirectory)
            if json {
                try Output.json(PokeReport(repository: found.gitDirectory, poked: poked))
                return
            }
            print(poked == 0 ? "No watcher is waiting on \(found.gitDirectory)."
                             : "Woke \(poked) watcher\(poked == 1 ? "" : "s") of \(found.gitDirectory).")
        }
    }
}

/// `poke --json`: the git folder poked and how many watchers were waiting on it.
struct PokeReport: Encodable {
    let repository: String
    let poked: Int
}
