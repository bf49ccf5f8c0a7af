import Board
import Control
import Foundation
import Git
import Logging
import Runtime

/// `mission watch`: the reconcile loop as a long-running process, one per host.
///
/// It wakes on a poke from the git hooks (a byte written to the FIFO `<git dir>/mission/wake`), on the board
/// branch's tip changing (the fallback when no hook fires, such as commits made by other tools: seen at once by
/// inotify on the refs, and polled every second, or every tick without inotify), on sessions ending, and on a
/// timer. Each wake is a level-triggered pass: the whole board against the live sessions, so a missed wake costs
/// nothing. On stop it takes no new work and leaves running sessions alone: they are their own process groups,
/// and the next watcher re-attaches to them.
public final class Daemon {
    let reconciler: Reconciler
    let store: BoardStore
    /// The FIFO the hooks poke.
    public let wakePath: String
    let rescan: TimeInterval
    let tick: TimeInterval
    /// How often a runner on a hub fetches when nothing pokes it.
    public var fetchInterval: TimeInterval = 1

    /// A daemon running `reconciler` over `store`, planning at least every `rescan` seconds.
    public init(store: BoardStore, reconciler: Reconciler, rescan: TimeInterval = 30, tick: TimeInterval = 0.1) {
        self.store = store
        self.reconciler = reconciler
        self.wakePath = "\(store.repository.gitDirectory)/mission/wake"
        self.rescan = rescan
        self.tick = tick
    }

    /// Runs until `stop` says so, logging what happens to `logger` (metadata: ticket, session).
    public func run(stop: () -> Bool, logger: Logger) throws {
        let fifo = try Self.openFIFO(wakePath)
        defer { if fifo >= 0 { close(fifo) } }
        // A runner of a hub in a folder here is poked by the hub's hook too, through a FIFO of its own there.
        let hubWake = reconciler.hub?.wakePath()
        let hubFifo = hubWake.map { (try? Self.openFIFO($0)) ?? -1 } ?? -1
        defer {
            if hubFifo >= 0 { close(hubFifo) }
            if let hubWake { unlink(hubWake) }
        }
        let refs: RefWatcher?
        do {
            refs = try RefWatcher(gitDirectory: store.repository.gitDirectory)
        } catch {
            refs = nil
            logger.notice("no inotify on the refs (\(error)); polling the branch tip every tick instead")
        }
        // Without inotify the tip is read every tick; with it, polling is only the last resort.
        let tipPoll: TimeInterval = refs == nil ? 0 : 1
        var waits = [fifo, hubFifo, refs?.fileDescriptor ?? -1].filter { $0 >= 0 }
            .map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let hub = reconciler.hub.map { " of the hub \($0.url)" } ?? ""
        logger.notice("watching \(store.location.branchName):\(store.location.directory)/\(hub) as runner \(reconciler.runner)",
                      metadata: ["wake": "\(wakePath)"])

        var lastTip: ObjectID?
        var lastTipRead = Date.distantPast
        var lastPass = Date.distantPast
        var lastSaid = Date.distantPast
        var saidTemplateProblems: [String] = []
        var hubUnreachable = false
        var lastFetch = Date.distantPast
        var buffer = [UInt8](repeating: 0, count: 512)
        let maintenance = Maintenance(gitDirectory: store.repository.gitDirectory)
        defer { maintenance.stop() }
        while !stop() {
            var poked = false
            for wake in [fifo, hubFifo] where wake >= 0 {
                while read(wake, &buffer, buffer.count) > 0 { poked = true }
            }
            // A ref event is a hint to re-read the tip, not a poke: our own commits move the branch too.
            let refMoved = refs?.drain().mayHaveMoved(store.location.branch) ?? false
            let now = Date()
            // On a hub: its board as of now. A fetch that moves the board branch is seen below as the tip moving.
            if let hub = reconciler.hub, poked || now.timeIntervalSince(lastFetch) >= fetchInterval {
                lastFetch = now
                do {
                    try hub.fetch()
                    if hubUnreachable { logger.notice("the hub \(hub.url) answers again") }
                    hubUnreachable = false
                } catch {
                    if !hubUnreachable { logger.warning("cannot fetch from the hub: \(error); working on what was fetched last") }
                    hubUnreachable = true
                }
            }
            // A failing pass (a locked ref, a broken read) is said and tried again; the daemon does not die of it.
            do {
                var moved = false
                if poked || refMoved || lastTip == nil || now.timeIntervalSince(lastTipRead) >= tipPoll {
                    moved = try store.tip() != lastTip
                    lastTipRead = now
                }
                if poked || moved || now.timeIntervalSince(lastPass) > rescan {
                    let report = try reconciler.pass(now: now)
                    let notDone = Set(report.skipped.map(\.action))
                    for action in report.actions where action.startsWork && !notDone.contains(action) {
                        logger.info("started \(action)", metadata: ["ticket": "\(action.ticket)"])
                    }
                    for ended in report.sessions { Self.log(ended, to: logger) }
                    for news in report.waiting { logger.warning("\(news)") }
                    for skipped in report.skipped {
                        logger.warning("not now: \(skipped.why)", metadata: ["ticket": "\(skipped.action.ticket)"])
                    }
                    if reconciler.templateProblems != saidTemplateProblems {
                        for problem in reconciler.templateProblems { logger.warning("\(problem)") }
                        saidTemplateProblems = reconciler.templateProblems
                    }
                    // Our own commits are not news, unless the pass changed a ticket in a way that calls for
                    // another pass (a settled session to retry, an answer to dispatch): plan until nothing changes.
                    lastTip = report.changedTickets ? nil : try store.tip()
                    lastPass = now
                }
                for ended in try reconciler.collect(now: Date()) {
                    Self.log(ended, to: logger)
                    lastTip = nil  // an outcome may open the next gate: plan again at once
                }
                reconciler.announce(now: Date())
                maintenance.tick()
                for news in reconciler.news { logger.warning("\(news)") }
                reconciler.news = []
                for reason in reconciler.waiting where now.timeIntervalSince(lastSaid) > 10 {
                    logger.warning("\(reason)")
                    lastSaid = now
                }
            } catch {
                logger.error("\(error); trying again")
                lastTip = nil
            }
            // Sleep until the next tick, a poke or a ref event: a hook's poke or a moved ref wakes the loop at once.
            if !waits.isEmpty {
                _ = poll(&waits, nfds_t(waits.count), Int32(tick * 1_000))
            } else {
                Thread.sleep(forTimeInterval: tick)
            }
        }
        reconciler.announce(now: Date(), stopping: true)
        for news in reconciler.news { logger.warning("\(news)") }
        logger.notice("stopping: \(reconciler.runningSessions) session(s) left running; the next watcher re-attaches to them")
    }

    /// Wakes every watcher that waits on the repository at `gitDirectory` — its own watchers on `mission/wake`, and
    /// on a hub in a folder the runners on `mission/wake.d/<runner>` — the way the hooks do, never blocking.
    /// Returns how many FIFOs had a watcher reading them.
    public static func poke(gitDirectory: String) -> Int {
        let folder = "\(gitDirectory)/mission"
        let runners = (try? FileManager.default.contentsOfDirectory(atPath: "\(folder)/wake.d")) ?? []
        var poked = 0
        for path in ["\(folder)/wake"] + runners.sorted().map({ "\(folder)/wake.d/\($0)" }) {
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { continue }
            // A FIFO nobody reads any more (its watcher stopped) refuses a non-blocking writer: ENXIO.
            let fifo = open(path, O_WRONLY | O_NONBLOCK)
            guard fifo >= 0 else { continue }
            defer { close(fifo) }
            var byte: UInt8 = 0x78
            if write(fifo, &byte, 1) == 1 { poked += 1 }
        }
        return poked
    }

    /// Opens the FIFO at `path`, making it (and its folder) when missing: read-write, so that it always has a
    /// writer and reads never see end-of-file, and non-blocking, to poll.
    static func openFIFO(_ path: String) throws -> Int32 {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        var info = stat()
        if stat(path, &info) != 0 { mkfifo(path, 0o600) }
        return open(path, O_RDWR | O_NONBLOCK)
    }

    private static func log(_ ended: (ticket: String, session: String, terminal: TerminalState), to logger: Logger) {
        let level: Logger.Level = ended.terminal.status == .ok ? .info : .warning
        logger.log(level: level, "\(ended.terminal.status.rawValue): \(ended.terminal.summary)",
                   metadata: ["ticket": "\(ended.ticket)", "session": "\(ended.session)",
                              "root_cause": "\(ended.terminal.rootCause ?? "-")"])
    }
}
