import Foundation
import Testing

/// `mission serve` of a sandbox's board on a free port; `stop()` sends SIGINT, as Ctrl-C would, and reaps it.
final class ConsoleProcess {
    let process: Process
    /// `http://127.0.0.1:PORT/`.
    let url: String
    /// The link that hands a browser the token.
    let login: String
    let log: String

    init(_ sandbox: Sandbox, arguments: [String] = []) throws {
        log = try sandbox.scratch("serve-\(UUID().uuidString.prefix(6)).log")
        let output = log + ".out"
        let process = try sandbox.spawnMission(["serve", "--port", "0"] + arguments, log: log, output: output)
        self.process = process
        var lines: [String] = []
        _ = sandbox.eventually(30) {
            lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            return lines.count >= 2 || !process.isRunning
        }
        guard lines.count >= 2, let url = lines[0].components(separatedBy: ": ").last,
              let login = lines[1].components(separatedBy: "once: ").last, login.contains("token=") else {
            let errors = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
            throw ConsoleFailed(text: "mission serve did not start: \(lines.joined(separator: "\n")) \(errors)")
        }
        self.url = url
        self.login = login
    }

    func stop() {
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct ConsoleFailed: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}

/// Headless Chromium driven by `scripts/browser`: what the tests assert on is what the browser rendered and ran.
enum Browser {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/browser").path

    /// Whether Chromium is here; when not, says so (a failure under CI=true, which installs it).
    static func available() -> Bool {
        if FileManager.default.isExecutableFile(atPath: ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium") {
            return true
        }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("chromium is not installed at /usr/bin/chromium; CI must run the browser tests")
        } else {
            print("skipped: the console browser tests need Debian's chromium (apt-get install chromium)")
        }
        return false
    }

    /// The report of one browser run over `steps`; fails the test with the report when a step failed.
    static func run(_ steps: [[String: Any]], width: Int = 1280, height: Int = 800, in sandbox: Sandbox,
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> Report {
        let input = try JSONSerialization.data(withJSONObject: ["width": width, "height": height, "timeout": 20, "steps": steps])
        let result = try sandbox.run("/usr/bin/python3", [script, "-"], stdin: String(decoding: input, as: UTF8.self))
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let report = Report(raw: try #require(object, "no report: \(result.all)", sourceLocation: sourceLocation))
        #expect(report.ok, "the browser run failed: \(report.error ?? "") \(result.stdout.suffix(3000))", sourceLocation: sourceLocation)
        return report
    }

    struct Report {
        let raw: [String: Any]
        var ok: Bool { raw["ok"] as? Bool == true }
        var error: String? { raw["error"] as? String }
        var results: [[String: Any]] { raw["results"] as? [[String: Any]] ?? [] }
        func value(_ step: Int) -> Any? { results.first { $0["step"] as? Int == step }?["value"] }
        func string(_ step: Int) -> String? { value(step) as? String }
        func list(_ key: String) -> [Any] { raw[key] as? [Any] ?? [] }
        /// Console messages at error level: a page of ours logs none.
        var consoleErrors: [String] {
            (raw["console"] as? [[String: Any]] ?? []).filter { $0["level"] as? String == "error" }.map { "\($0["text"] ?? "")" }
        }
    }
}

@Suite("The web console in headless Chromium", .serialized)
struct ConsoleBrowserTests {
    /// A board whose titles, notes and names came from a hostile push.
    static let hostile = [
        "<script>window.pwned = 1; alert(1)</script>",
        "<img src=x onerror=\"window.pwned = 2; alert(2)\">",
        "\u{1B}]0;retitled\u{07}\u{1B}[31mred\u{1B}[0m and a \u{202E}reversed part",
    ]

    @Test("ticket text with script and markup shows as text on every page and runs nothing")
    func untrustedTextRunsNothing() throws {
        guard Browser.available() else { return }
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: Self.hostile)
        try sandbox.mission("note", ids[0], "<iframe src=\"javascript:alert(3)\"></iframe> **bold** & <b>more</b>").expectSuccess()
        let console = try ConsoleProcess(sandbox)
        defer { console.stop() }
        let ticket = console.url + "tickets/" + ids[0]
        let report = try Browser.run([
            ["open": console.url],
            ["eval": "document.querySelector('tr[data-id=\"\(ids[0])\"] td.title').firstChild.textContent"],
            ["eval": "document.querySelector('tr[data-id=\"\(ids[1])\"] td.title').firstChild.textContent"],
            ["eval": "document.querySelector('tr[data-id=\"\(ids[2])\"] td.title').firstChild.textContent"],
            ["eval": "document.querySelectorAll('main script, main img, main iframe').length"],
            ["open": ticket],
            ["eval": "document.querySelector('h1').textContent"],
            ["eval": "document.querySelector('#notes pre').textContent"],
            ["eval": "document.querySelectorAll('main script, main img, main iframe, main b').length"],
            ["open": console.url + "log"],
            ["eval": "document.querySelectorAll('main script, main img, main iframe').length"],
            ["eval": "String(window.pwned)"],
            ["eval": "document.title"],
        ], in: sandbox)
        #expect(report.string(1) == Self.hostile[0])
        #expect(report.string(2) == Self.hostile[1])
        // Escape and format characters are shown, not obeyed: the title bar and colours stay ours.
        #expect(report.string(3) == "\\e]0;retitled\\x07\\e[31mred\\e[0m and a \\u{202E}reversed part")
        #expect(report.value(4) as? Int == 0)
        #expect(report.string(6)?.contains(Self.hostile[0]) == true)
        #expect(report.string(7) == "<iframe src=\"javascript:alert(3)\"></iframe> **bold** & <b>more</b>")
        #expect(report.value(8) as? Int == 0)
        #expect(report.value(10) as? Int == 0)
        #expect(report.string(11) == "undefined")
        #expect(report.string(12) == "Log · Mission Control")
        #expect(report.list("dialogs").isEmpty)
        #expect(report.list("exceptions").isEmpty)
        #expect(report.list("csp_violations").isEmpty)
        #expect(report.consoleErrors.isEmpty, "\(report.consoleErrors)")
    }

    @Test("an action clicked in the page lands as a commit signed by the person, and a refusal shows the library's words")
    func actionsAreCommits() throws {
        guard Browser.available() else { return }
        let sandbox = try Sandbox()
        var ids = try sandbox.board(tickets: ["Make the button blue"])
        // The second waits at the starter's human gate `release` of workflow code; the watcher's status says so.
        let created = try sandbox.mission("new", "Ship it", "--workflow", "code", "--state", "ready", "--acceptance", "It ships.",
                                          "--no-edit", "--json").expectSuccess()
        let object = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String]
        ids.append(try #require(object?["id"]))
        try sandbox.write("board/tickets/\(ids[1])/status.yaml", "status: waiting\ngate: release\n")
        try sandbox.git("add", "-A").expectSuccess()
        try sandbox.git("commit", "-q", "--no-verify", "-m", "the watcher moved \(ids[1]) to release").expectSuccess()
        let console = try ConsoleProcess(sandbox)
        defer { console.stop() }
        let first = console.url + "tickets/" + ids[0]
        let second = console.url + "tickets/" + ids[1]
        let report = try Browser.run([
            ["open": first],
            ["eval": "document.querySelectorAll('form.action-ready').length"],  // read-only without the token
            ["open": console.login],
            ["open": first],
            ["click": "form.action-ready button"],
            ["wait": "document.querySelector('.flash') !== null"],
            ["eval": "document.querySelector('.flash').textContent"],
            ["fill": "#note-body", "value": "From the <console>"],
            ["click": "form.action-note button"],
            ["wait": "document.querySelector('.flash') !== null"],
            ["eval": "document.querySelector('#notes').textContent"],
            ["open": second],
            ["click": "form.action-signoff button[value=reject]"],
            ["wait": "document.querySelector('.error') !== null"],
            ["eval": "document.querySelector('.error').textContent"],
            ["fill": "#signoff-note", "value": "Not yet"],
            ["click": "form.action-signoff button[value=reject]"],
            ["wait": "document.querySelector('.flash') !== null"],
            ["eval": "document.querySelector('.flash').textContent"],
        ], in: sandbox)
        #expect(report.value(1) as? Int == 0)
        #expect(report.string(6) == "\(ids[0]): draft -> ready")
        #expect(report.string(10)?.contains("From the <console>") == true)
        #expect(report.string(14) == "a rejection needs a note saying what must change: the ticket goes back with it as findings")
        #expect(report.string(18)?.hasPrefix("\(ids[1]): release rejected by Test Person <test@example.com>") == true)

        // The commits are the library's, as the command line makes them.
        let log = try sandbox.git("log", "--format=%an|%s", "-4").expectSuccess().stdout
        #expect(log.contains("Test Person|\(ids[1]): release rejected by Test Person"))
        #expect(log.contains("Test Person|\(ids[0]): note by Test Person"))
        #expect(log.contains("Test Person|\(ids[0]): draft -> ready"))
        #expect(try sandbox.read("board/tickets/\(ids[0])/ticket.yaml").contains("state: ready"))
        #expect(report.list("exceptions").isEmpty)
        #expect(report.consoleErrors.isEmpty, "\(report.consoleErrors)")
    }

    @Test("a commit made in a terminal appears in the open page without a reload")
    func terminalCommitsAppearLive() throws {
        guard Browser.available() else { return }
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["Watch me move"])
        let console = try ConsoleProcess(sandbox)
        defer { console.stop() }
        let report = try Browser.run([
            ["open": console.url],
            ["wait": "document.getElementById('live').textContent === 'live'"],
            ["eval": "window.marker = 'same page'; document.querySelector('tr[data-id=\"\(ids[0])\"]').closest('section').id"],
            ["run": [Sandbox.missionBinary, "hold", "-C", sandbox.path, ids[0]]],
            ["wait": "document.querySelector('tr[data-id=\"\(ids[0])\"]').closest('section').id === 'group-hold'", "timeout": 10],
            ["eval": "window.marker"],
            ["open": console.url + "tickets/" + ids[0]],
            ["wait": "document.getElementById('live').textContent === 'live'"],
            ["run": [Sandbox.missionBinary, "note", "-C", sandbox.path, ids[0], "Seen live"]],
            ["wait": "document.querySelector('#notes') !== null && document.querySelector('#notes').textContent.includes('Seen live')", "timeout": 10],
        ], in: sandbox)
        #expect(report.string(2) == "group-draft")
        #expect(report.string(5) == "same page")
        #expect(report.list("exceptions").isEmpty)
    }

    @Test("every page fits a phone's width, loads only its own assets, and logs no error")
    func phoneWidth() throws {
        guard Browser.available() else { return }
        let sandbox = try Sandbox()
        let ids = try sandbox.board(tickets: ["A title long enough to wrap on a phone screen, with-a-very-long-unbroken-word-in-it-that-must-wrap"])
        let console = try ConsoleProcess(sandbox)
        defer { console.stop() }
        var steps: [[String: Any]] = []
        for page in ["", "tickets/\(ids[0])", "health", "log"] {
            steps.append(["open": console.url + page])
            steps.append(["eval": "document.documentElement.scrollWidth"])
        }
        let report = try Browser.run(steps, width: 390, height: 844, in: sandbox)
        for step in [1, 3, 5, 7] {
            #expect((report.value(step) as? Int ?? 9999) <= 390, "page \(step / 2) is \(report.value(step) ?? "?") px wide")
        }
        #expect(report.list("failed_requests").isEmpty, "\(report.list("failed_requests"))")
        #expect(report.list("csp_violations").isEmpty)
        #expect(report.consoleErrors.isEmpty, "\(report.consoleErrors)")
    }
}
