import Actions
import ArgumentParser
import Board
import Dispatch
import Foundation
import Logging
import Runtime
import Synchronization
import Watcher

/// `mission watch`: the watcher daemon.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", 
        abstract: "Run the watcher: dispatch ready tickets as commits arrive, and commit their evidence.",
        discussion: """
            Wakes on the git hooks' poke, on the board branch moving, on sessions ending and every --rescan \
            seconds. SIGTERM or SIGINT stops it cleanly: running sessions are left to finish, and the next \
            watcher re-attaches to them.
            """)

    @OptionGroup var board: BoardOptions

    @OptionGroup var host: HostOptions

    @Option(help: "Plan at least this often, in seconds, even when nothing wakes the watcher.")
    var rescan: Double = 30

    @Flag(help: "Log every step (debug level); without it, starts, endings, warnings and errors.")
    var verbose = false

    @Option(help: "The runner name to claim work under (default: MISSION_RUNNER, else the first of the host name, <host>-2, … that no other watcher on this repository holds).")
    var runner: String?

    @Option(help: "Run as a runner of this hub (a path, git://…, ssh://… or user@host:path): claim and record work by pushing to it, from a clone of its own.")
    var hub: String?

    @Option(help: "With --hub: where this runner keeps its clone (default: a folder per hub under $XDG_STATE_HOME/mission/hubs).")
    var clone: String?

    @Option(help: "With --hub: fetch from the hub at least this often, in seconds.")
    var fetchInterval: Double = 1

    @Option(help: "How long a claim holds, in seconds, without renewal (renewed at half time); another runner takes a ticket over only once it ran out.")
    var lease: Double = 600

    @Option(help: "How far another runner's clock may be off from this one's, in seconds: a claim is taken over only this long after its lease ran out.")
    var clockTolerance: Double = 30

    func run() throws {
        try failing {
            var environment = ProcessInfo.processInfo.environment
            if let runner { environment["MISSION_RUNNER"] = runner }
            let policy = try host.policy(environment)
            let context: BoardContext
            var linked: Hub?
            if let hub {
                guard board.repository == nil else {
                    throw MissionFailure("--hub works from a clone of its own: give its folder with --clone, not -C")
                }
                let folder = clone ?? Hub.defaultClone(url: hub, environment: environment)
                let (opened, location) = try Hub.open(url: hub, clone: folder, branch: board.branch, directory: board.dir)
                linked = opened
                context = BoardContext(repository: opened.repository,
                                       store: BoardStore(repository: opened.repository, location: location))
            } else {
                guard clone == nil else { throw MissionFailure("--clone goes with --hub") }
                context = try BoardContext.open(board)
            }
            _ = try context.listing()
            // A resident process keeps its parsed tickets in memory: seeded once from the cache file that the
            // commands keep, never rewritten on every pass.
            let seeded = context.store.cacheFile.map(TicketCache.load(from:)) ?? TicketCache()
            let store = BoardStore(repository: context.repository, location: context.location, cache: seeded)
            let reconciler = try Reconciler(store: store, policy: policy, environment: environment)
            reconciler.hub = linked
            guard lease >= 10 else { throw MissionFailure("--lease must be at least 10 seconds, not \(lease)") }
            reconciler.leaseDuration = lease
            reconciler.clockTolerance = max(0, clockTolerance)
            let daemon = Daemon(store: store, reconciler: reconciler, rescan: rescan)
            daemon.fetchInterval = fetchInterval
            let stopping = Stopping()
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "mission.watch")
            logger.logLevel = verbose ? .debug : .info
            try daemon.run(stop: { stopping.requested }, logger: logger)
        }
    }
}

/// Set by SIGTERM or SIGINT; read by the loop on every tick.
final class Stopping {
    /// The flag the signal handlers set, from Dispatch's threads.
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private let flag = Flag()
    private let sources: [any DispatchSourceSignal]

    init() {
        let flag = self.flag
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)  // the dispatch source receives it instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.value.store(true, ordering: .relaxed) }
            source.resume()
            return source
        }
    }

    var requested: Bool { flag.value.load(ordering: .relaxed) }
}
