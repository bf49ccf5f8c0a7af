import Actions
import ArgumentParser
import Console
import Foundation
import Git

/// `mission serve`: the web console.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", 
        abstract: "Serve the web console: the board, each ticket's gates and evidence, health and log, live as commits land.",
        discussion: """
            Listens on 127.0.0.1 unless --host says otherwise. There, pages need no token; anywhere else every \
            request does. Acting (ready, hold, cancel, answer, note, approve, reject, switch) always needs it: open \
            the login link printed at start once, and the browser keeps the token in a cookie. Actions are commits \
            signed with your git identity, exactly as the command line makes them. Stop with Ctrl-C.
            """)

    @OptionGroup var board: BoardOptions

    @Option(help: "The address to listen on (default 127.0.0.1; another address needs the token for every request).")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one).")
    var port = 8400

    @Option(name: .customLong("token-file"), help: "Read the token from this file instead of making a random one.")
    var tokenFile: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535, not \(port)") }
    }

    func run() async throws {
        var options = ConsoleServer.Options()
        options.host = host
        options.port = port
        options.repository = board.repository
        options.branch = board.branch
        options.dir = board.dir
        if let tokenFile {
            guard let text = FileManager.default.contents(atPath: tokenFile).map({ String(decoding: $0, as: UTF8.self) }) else {
                Output.error("error: cannot read the token file \(tokenFile)")
                throw ExitCode.failure
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                Output.error("error: the token in \(tokenFile) must be at least 16 letters, digits, '-', '_' or '.'")
                throw ExitCode.failure
            }
            options.token = token
        }
        let (fromFile, settled) = (tokenFile, options)
        try await failingAsync {
            do {
                try await ConsoleServer.run(settled) { started in
                    var lines = ["Mission Control console: \(started.url)"]
                    if let fromFile {
                        lines.append("To act from a browser, open \(started.url)login?token=… with the token in \(fromFile).")
                    } else {
                        lines.append("To act from a browser, open once: \(started.login)")
                    }
                    if !settled.isLoopback { lines.append("Every request needs the token: this console listens on \(settled.host).") }
                    // Written at once, unbuffered: a script waits for this line to know where the console is.
                    FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                }
            } catch let error where !(error is MissionFailure || error is GitError) {
                // The listener's own failure (the port is taken, the address is not this host's).
                throw MissionFailure("cannot serve on \(host):\(port): \(error)")
            }
        }
    }
}
