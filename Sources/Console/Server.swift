import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `mission serve`: the web console over one board.
public enum ConsoleServer {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8400
        /// The token; nil makes a random one.
        public var token: String?
        public var repository: String?
        public var branch: String?
        public var dir: String?
        /// How often the board's branch is looked at for new commits.
        public var poll: Duration = .milliseconds(100)

        public init() {}

        /// Whether `host` is a loopback address, where pages need no token.
        public var isLoopback: Bool { ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) }
    }

    /// What the console tells the person once it listens.
    public struct Started: Sendable {
        /// `http://127.0.0.1:8400/`.
        public let url: String
        /// The link that hands this browser the token, so that it may act.
        public let login: String
    }

    /// Serves until SIGINT or SIGTERM, then stops gracefully: live event streams end, requests in flight finish.
    public static func run(_ options: Options, started: @escaping @Sendable (Started) -> Void) async throws {
        let board = try ConsoleBoard(repository: options.repository, branch: options.branch, dir: options.dir)
        let token = options.token ?? Access.random()
        let access = Access(token: token, loopback: options.isLoopback)
        let events = Broadcaster()
        var logger = Logger(label: "mission.console")
        logger.logLevel = .warning
        let router = Routes.router(board: board, access: access, events: events)
        let host = options.host.contains(":") && !options.host.hasPrefix("[") ? "[\(options.host)]" : options.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                let base = "http://\(host):\(port)/"
                started(Started(url: base, login: base + "login?token=" + token))
            },
            logger: logger)
        let watcher = TipWatcher(board: board, events: events, interval: options.poll)
        // Stopped in reverse order: the watcher first, which ends the event streams the server would wait for.
        let group = ServiceGroup(services: [app, watcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// Hands every open event stream the board's new tip.
actor Broadcaster {
    private var streams: [UUID: AsyncStream<String>.Continuation] = [:]
    private var finished = false

    /// A stream of tips (and empty strings as keep-alives) until the console stops or the reader goes.
    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4))
        guard !finished else {
            continuation.finish()
            return stream
        }
        let id = UUID()
        streams[id] = continuation
        continuation.onTermination = { _ in Task { await self.remove(id) } }
        return stream
    }

    private func remove(_ id: UUID) { streams[id] = nil }

    func send(_ value: String) {
        for (id, continuation) in streams {
            if case .terminated = continuation.yield(value) { streams[id] = nil }
        }
    }

    func finishAll() {
        finished = true
        for continuation in streams.values { continuation.finish() }
        streams = [:]
    }
}

/// Looks at the board's branch every `interval` and tells the event streams when it moved: a commit from the
/// watcher, a terminal, a push, or this console.
struct TipWatcher: Service {
    let board: ConsoleBoard
    let events: Broadcaster
    let interval: Duration
    /// How long a quiet stream goes before a keep-alive, which also finds readers that went away.
    static let keepAlive: Duration = .seconds(15)

    func run() async throws {
        var last = await board.tip()
        var quiet: Duration = .zero
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            let now = await board.tip()
            if now != last {
                last = now
                quiet = .zero
                await events.send(now ?? "")
            } else {
                quiet += interval
                if quiet >= Self.keepAlive {
                    quiet = .zero
                    await events.send("")
                }
            }
        }
        await events.finishAll()
    }
}
