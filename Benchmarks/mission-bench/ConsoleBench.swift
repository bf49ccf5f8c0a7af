import Board
import Foundation
import Git

/// The console's numbers (`mission-bench --console [--tickets N] [--runs N]`): a release `mission serve` over a
/// board of N tickets (default 10,000) in a bare repository; each page timed as curl sees it (`time_total`, the
/// request on a warm server, not curl's start-up); the time from a commit's ref update to the event reaching an
/// open page's event stream, and to that page fetched again; and the server's resident memory after it all.
enum ConsoleBench {
    static func run(tickets: Int, runs: Int) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mission-console-bench-\(UUID().uuidString.prefix(6))").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (repository, _, ids) = try buildBoard(active: tickets, archived: 0, at: path)
        let output = path + ".serve.out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: missionBinary)
        server.arguments = ["serve", "--port", "0", "-C", path]
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.interrupt()
            server.waitUntilExit()
        }
        var url = ""
        for _ in 0..<600 where url.isEmpty {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, line.hasPrefix("Mission Control console: ") {
                url = String(line.dropFirst("Mission Control console: ".count))
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard !url.isEmpty else { fatalError("mission serve did not start") }
        say("mission-bench --console: \(tickets) tickets, median of \(runs) requests, release build, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        let first = curl(url)  // the board loaded and parsed once
        say(String(format: "  first board page (loads the board):   %8.1f ms", first))
        let board = median((0..<runs).map { _ in curl(url) })
        let filtered = median((0..<runs).map { _ in curl(url + "?status=failed") })
        let ticket = median((0..<runs).map { index in curl(url + "tickets/" + ids[index * 7 % ids.count]) })
        let health = median((0..<max(1, runs / 2)).map { _ in curl(url + "health") })
        let log = median((0..<runs).map { _ in curl(url + "log") })
        say(String(format: "  board page:                           %8.1f ms", board))
        say(String(format: "  board page, a filter matching none:   %8.1f ms", filtered))
        say(String(format: "  ticket page:                          %8.1f ms", ticket))
        say(String(format: "  health page:                          %8.1f ms", health))
        say(String(format: "  log page:                             %8.1f ms", log))

        // Commit -> event -> page: an event stream open as a page holds it, a commit by the library as any writer
        // makes it, the time until the stream says so, and the page fetched again as the page's script does.
        let store = BoardStore(repository: repository, location: BoardLocation(branch: "main"))
        var toEvent: [Double] = []
        var toPage: [Double] = []
        var toBoard: [Double] = []
        for index in 0..<runs {
            let events = path + ".events"
            _ = FileManager.default.createFile(atPath: events, contents: nil)
            let stream = Process()
            stream.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            stream.arguments = ["-s", "-N", url + "events"]
            stream.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: events))
            try stream.run()
            while ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").isEmpty { Thread.sleep(forTimeInterval: 0.005) }
            let id = ids[(index * 13 + 1) % ids.count]
            let start = Date()
            let commit = try store.commit(message: "bench: a note on \(id)") { _ in
                [.write(path: "board/tickets/\(id)/notes/bench-\(index).md", bytes: Array("live \(index)\n".utf8))]
            }
            while !((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains(commit.id.hex) {
                Thread.sleep(forTimeInterval: 0.001)
            }
            let evented = Date().timeIntervalSince(start) * 1000
            toEvent.append(evented)
            toPage.append(evented + curl(url + "tickets/" + id))
            // The board page after the same commit reads the changed ticket again (its first fetch pays for that).
            toBoard.append(evented + curl(url))
            stream.terminate()
            stream.waitUntilExit()
            try? FileManager.default.removeItem(atPath: events)
        }
        say(String(format: "  commit -> event on the open page:     %8.1f ms", median(toEvent)))
        say(String(format: "  commit -> ticket page fetched again:  %8.1f ms", median(toPage)))
        say(String(format: "  commit -> board page fetched again:   %8.1f ms", median(toBoard)))
        let status = (try? String(contentsOfFile: "/proc/\(server.processIdentifier)/status", encoding: .utf8)) ?? ""
        for key in ["VmRSS", "VmHWM"] {
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) {
                let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
                say(String(format: "  server %@ (%@):               %8.1f MB", key, key == "VmRSS" ? "resident now" : "peak resident", kilobytes / 1024))
            }
        }
    }

    /// Milliseconds curl spends on one GET of `url` (its `time_total`); fails loudly on anything but 200.
    static func curl(_ url: String) -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { fatalError("cannot run curl: \(error)") }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let parts = text.split(separator: " ")
        guard parts.count == 2, parts[0] == "200", let seconds = Double(parts[1]) else { fatalError("GET \(url): \(text)") }
        return seconds * 1000
    }
}
