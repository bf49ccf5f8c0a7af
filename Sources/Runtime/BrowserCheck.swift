import Board
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A browser gate's run (`mission browser-check PLAN`, started by the watcher as a check in the ticket's
/// worktree): start the app on a free port, wait until it answers, load each page at each width in headless
/// Chromium, keep what it saw as artifacts, and pass or fail by the gate's rules. The app is always stopped, its
/// whole process group, whatever happens; each page load is a browser of its own, which the driver always reaps.
public enum BrowserCheck {
    /// What the watcher hands the run: the gate, and the app's command with its program resolved and allowed.
    public struct Plan: Codable, Sendable {
        public var app: [String]
        public var gate: BrowserGate

        public init(app: [String], gate: BrowserGate) {
            self.app = app
            self.gate = gate
        }

        var loadTimeout: TimeInterval { gate.loadTimeout?.timeInterval ?? 15 }
        var readyTimeout: TimeInterval { gate.readyTimeout?.timeInterval ?? 60 }
    }

    /// One page at one width, as the browser saw it.
    public struct PageResult: Codable, Sendable {
        public var page: String
        public var width: Int
        public var status: Int?
        public var milliseconds: Int?
        public var missingSelectors: [String] = []
        public var consoleErrors: [String] = []
        public var failedRequests: [String] = []
        public var screenshot: String?
        /// Why the page fails the gate; nil when it passes.
        public var failure: String?
    }

    /// The running `mission` binary, which the watcher starts again as `mission browser-check`.
    public static var missionExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs `plan` in `worktree`, keeping screenshots, the report and the app's output in `artifacts`; says each
    /// page's result and, last, the verdict. Returns the exit status: 0 when every page passed.
    public static func run(_ plan: Plan, worktree: String, artifacts: String, scratch: String,
                           environment: [String: String], say: (String) -> Void) -> Int32 {
        let chromium = environment["CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            say("FAIL: no headless browser on this runner: \(chromium) is missing (apt-get install chromium); "
                + "label the runner 'browser' and give the ticket runs_on: [browser]")
            return 1
        }
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            say("FAIL: the browser driver needs python3 on this runner")
            return 1
        }
        let driver = "\(scratch)/browser-driver.py"
        let shots = "\(artifacts)/browser"
        try? FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: driver, contents: Data(Self.driver.utf8)) else {
            say("FAIL: cannot write the browser driver to \(driver)")
            return 1
        }
        guard let port = freePort() else {
            say("FAIL: no free port on 127.0.0.1 for the app")
            return 1
        }

        // The app, in a process group of its own, its output kept; stopped whatever happens below.
        let appDirectory = SessionDirectory(path: "\(scratch)/app")
        try? FileManager.default.createDirectory(atPath: appDirectory.path, withIntermediateDirectories: true)
        var variables = ["PATH": environment["PATH"] ?? "/usr/bin:/bin", "HOME": environment["HOME"] ?? "/",
                         "PORT": String(port), "MISSION_BROWSER_PORT": String(port)]
        for key in ["MISSION_TICKET", "MISSION_SESSION", "MISSION_WORKTREE"] { variables[key] = environment[key] }
        let app: SessionHandle
        do {
            app = try Launcher.launch(id: "browser-app", argv: plan.app, workingDirectory: worktree, environment: variables,
                                      directory: appDirectory, now: Date())
        } catch {
            say("FAIL: the app did not start: \(error.message)")
            return 1
        }
        defer {
            Monitor.killGroup(app, isChild: true)
            if let output = FileManager.default.contents(atPath: appDirectory.output) {
                _ = FileManager.default.createFile(atPath: "\(shots)/app.log", contents: output)
            }
        }
        say("started the app (\(plan.app.joined(separator: " "))) on port \(port)")
        let base = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(plan.readyTimeout)
        while !answers(port: port) {
            guard Processes.isAlive(app) else {
                let tail = Reaper.tail(appDirectory.output, lines: 5).joined(separator: " | ")
                say("FAIL: the app exited before it answered on port \(port)" + (tail.isEmpty ? "" : ": \(tail)"))
                return 1
            }
            guard Date() < deadline else {
                say("FAIL: the app did not answer on port \(port) within \(Int(plan.readyTimeout)) s")
                return 1
            }
            Thread.sleep(forTimeInterval: 0.1)
        }

        var results: [PageResult] = []
        for width in plan.gate.widths {
            for page in plan.gate.pages {
                var result = look(at: base + page, page: page, width: width, plan: plan, python: python, driver: driver,
                                  shots: shots, scratch: scratch)
                if result.failure == nil, !Processes.isAlive(app) { result.failure = "the app exited while the pages were loading" }
                results.append(result)
                let time = result.milliseconds.map { " in \($0) ms" } ?? ""
                say(result.failure.map { "FAIL \(page) at \(width) px: \($0)" }
                    ?? "ok   \(page) at \(width) px: \(result.status.map(String.init) ?? "-")\(time)")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(results) { _ = FileManager.default.createFile(atPath: "\(shots)/report.json", contents: data) }
        let console = results.flatMap { result in result.consoleErrors.map { "\(result.page) @\(result.width): \($0)" } }
        if !console.isEmpty { _ = FileManager.default.createFile(atPath: "\(shots)/console.log", contents: Data((console.joined(separator: "\n") + "\n").utf8)) }
        let failed = results.filter { $0.failure != nil }
        if failed.isEmpty {
            say("browser check passed: \(results.count) page load\(results.count == 1 ? "" : "s") (\(plan.gate.summary))")
            return 0
        }
        for result in failed { say("FAIL: \(result.page) at \(result.width) px: \(result.failure ?? "")") }
        return 1
    }

    /// One page at one width in a browser of its own: load it within the gate's time limit, look for the
    /// selectors, take a screenshot, and judge it.
    static func look(at url: String, page: String, width: Int, plan: Plan, python: String, driver: String, shots: String,
                     scratch: String) -> PageResult {
        var result = PageResult(page: page, width: width)
        let slug = page == "/" ? "index" : String(page.dropFirst().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        let shot = "\(shots)/\(slug)-\(width).png"
        var steps: [[String: Any]] = [["open": url, "timeout": plan.loadTimeout]]
        for selector in plan.gate.selectors {
            steps.append(["eval": "document.querySelector(\(jsString(selector))) !== null"])
        }
        steps.append(["screenshot": shot, "full": true])
        let input: [String: Any] = ["width": width, "height": width < 600 ? 844 : 800, "timeout": plan.loadTimeout, "steps": steps]
        let stepsFile = "\(scratch)/steps-\(slug)-\(width).json"
        guard let data = try? JSONSerialization.data(withJSONObject: input),
              FileManager.default.createFile(atPath: stepsFile, contents: data) else {
            result.failure = "cannot write the browser's steps"
            return result
        }
        let started = Date()
        let (status, output) = runDriver(python: python, driver: driver, steps: stepsFile, limit: plan.loadTimeout * 2 + 30)
        guard let report = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] else {
            result.failure = "the browser driver said nothing readable (exit \(status)): \(output.suffix(300))"
            return result
        }
        let results = report["results"] as? [[String: Any]] ?? []
        if let open = results.first?["value"] as? [String: Any] {
            result.status = open["status"] as? Int
            result.milliseconds = Int(Date().timeIntervalSince(started) * 1000)
        }
        for (index, selector) in plan.gate.selectors.enumerated() {
            let value = results.first { $0["step"] as? Int == index + 1 }?["value"] as? Bool
            if value != true { result.missingSelectors.append(selector) }
        }
        let console = (report["console"] as? [[String: Any]] ?? [])
            .filter { $0["level"] as? String == "error" && $0["source"] as? String == "console" }
            .map { "\($0["text"] ?? "")" }
        result.consoleErrors = console + (report["exceptions"] as? [String] ?? []).map { "uncaught: \($0)" }
        result.failedRequests = (report["failed_requests"] as? [String] ?? [])
        if FileManager.default.fileExists(atPath: shot) { result.screenshot = "browser/\(slug)-\(width).png" }
        if report["ok"] as? Bool != true {
            let error = report["error"] as? String ?? "the browser run failed"
            result.failure = error.contains("open") || results.isEmpty
                ? "did not load within \(Int(plan.loadTimeout)) s: \(error)" : error
        } else if let code = result.status, code >= 400 {
            result.failure = "answered HTTP \(code)"
        } else if !result.missingSelectors.isEmpty {
            result.failure = "missing " + result.missingSelectors.joined(separator: ", ")
        } else if !plan.gate.allowConsoleErrors, let first = result.consoleErrors.first {
            result.failure = "console error: \(first)" + (result.consoleErrors.count > 1 ? " (and \(result.consoleErrors.count - 1) more)" : "")
        }
        return result
    }

    /// Runs the driver on `steps` and returns its exit status and output; past `limit` seconds it is stopped (it
    /// reaps its browser on SIGTERM).
    static func runDriver(python: String, driver: String, steps: String, limit: TimeInterval) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [driver, steps]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "cannot run \(python): \(error.localizedDescription)") }
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `text` as a JavaScript string literal.
    static func jsString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// A port on 127.0.0.1 nobody listens on now: bound, read and let go.
    static func freePort() -> Int? {
        onLoopback(port: 0) { socket, address in
            guard bind(socket, address, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 else { return nil }
            var bound = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &bound) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
            }
            return named == 0 ? Int(UInt16(bigEndian: bound.sin_port)) : nil
        } ?? nil
    }

    /// Whether something accepts a connection on 127.0.0.1:`port`.
    static func answers(port: Int) -> Bool {
        onLoopback(port: port) { socket, address in connect(socket, address, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } ?? false
    }

    /// `body` with a new TCP socket (closed after) and the address 127.0.0.1:`port`; nil without a socket.
    private static func onLoopback<T>(port: Int, _ body: (Int32, UnsafePointer<sockaddr>) -> T) -> T? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(socket, $0) } }
    }
}
