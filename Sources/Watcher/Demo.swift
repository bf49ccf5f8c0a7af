import Board
import Control
import Foundation
import Git
import Runtime

/// `mission demo`: a fresh repository, a small board, a script runtime that behaves like a coding agent,
/// and watcher passes until the board settles. Everything it does is ordinary commits in that repository.
public enum Demo {
    /// The demo agent: prints progress, edits a file in its working folder, ends with the sentinel. As a coder it
    /// reports how it tested; as a reviewer it gives a verdict. One ticket asks a question until it is answered;
    /// one fails once and succeeds on the retry; one is returned by its reviewer once and passes after the fix.
    static let agent = #"""
        #!/bin/sh
        prompt="$1"
        title=$(head -n 1 "$prompt" | sed 's/^# [^:]*: //')
        gate="$MISSION_GATE"
        marker() { echo "$(dirname "$0")/$1-$MISSION_TICKET"; }
        signal() { printf '{"mission_signal": "%s", "ticket": "%s", "nonce": "%s", "summary": "%s"%s}\n' "$1" "$MISSION_TICKET" "$MISSION_NONCE" "$2" "$3"; }
        echo "demo agent on $MISSION_TICKET at the $gate gate"
        echo "reading the ticket..."
        if [ "$gate" = review ]; then
          echo "reading the change on mission/$MISSION_TICKET"
          sleep 0.2
          case "$title" in
            *greeting*README*)
              if [ ! -e "$(marker returned)" ]; then
                touch "$(marker returned)"
                signal DONE "returned: the entry does not say where the greeting goes" \
                  ', "verdict": "return_for_fixes", "findings": ["CHANGES.md: say that the greeting goes at the top of the README"]'
                exit 0
              fi ;;
          esac
          signal DONE "reviewed: the change matches the ticket" ', "verdict": "pass", "findings": []'
          exit 0
        fi
        case "$title" in
          *port*)
            if ! grep -q "Answer to the question" "$prompt"; then
              echo "the ticket does not say which port to use"
              signal QUESTION "Which port should the dev server listen on?"
              exit 0
            fi ;;
          *flaky*)
            if [ ! -e "$(marker flaky)" ]; then
              touch "$(marker flaky)"
              echo "error: the build failed (a flaky network fetch)" >&2
              exit 1
            fi ;;
        esac
        case "$title" in
          *page*)
            echo "writing index.html"
            printf '<!doctype html><html><head><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,"><title>Hello</title></head><body><h1 id="greeting">Hello from %s</h1></body></html>\n' "$MISSION_TICKET" > index.html
            sleep 0.2
            signal DONE "wrote the page" ', "evidence": {"tests": "the page has its greeting: 1 passed, 0 failed"}'
            exit 0 ;;
        esac
        echo "editing CHANGES.md"
        if grep -q "greeting goes at the top" "$prompt"; then
          echo "- $title: the greeting goes at the top of the README" >> CHANGES.md
        else
          echo "- $title" >> CHANGES.md
        fi
        echo "testing: CHANGES.md has the entry"
        grep -q "$title" CHANGES.md || exit 1
        sleep 0.2
        signal DONE "changed CHANGES.md for: $title" ', "evidence": {"tests": "grep found the entry in CHANGES.md: 1 passed, 0 failed"}'
        """#

    /// The demo's check gate: run by the watcher itself in the ticket's worktree, never on the agent's word.
    static let check = #"""
        #!/bin/sh
        echo "checking that CHANGES.md has an entry"
        test -s CHANGES.md && echo "1 passed, 0 failed"
        """#

    /// The demo's app, for its browser gate: serves the ticket's worktree on $PORT.
    static let app = #"""
        #!/usr/bin/env python3
        import os
        from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        print("serving", os.getcwd(), "on port", os.environ["PORT"], flush=True)
        ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Quiet).serve_forever()
        """#

    /// Whether this host can run a browser gate: Debian's chromium and python3.
    static var canBrowse: Bool {
        FileManager.default.isExecutableFile(atPath: ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    }

    /// Builds the demo repository at `path` and runs the watcher until nothing is left to do, saying what
    /// happens through `say`. Returns the repository's path.
    public static func run(at path: String, say: (String) -> Void) throws -> String {
        let repository = try Repository.create(at: path, bare: false)
        try repository.setConfigString("user.name", "Mission Demo")
        try repository.setConfigString("user.email", "demo@example.invalid")
        let location = BoardLocation(branch: "main")
        try repository.setConfigString("mission.branch", location.branchName)
        try repository.setConfigString("mission.dir", location.directory)
        let store = BoardStore(repository: repository, location: location)
        try FileManager.default.createDirectory(atPath: "\(repository.gitDirectory)/mission", withIntermediateDirectories: true)
        let agentPath = try install(agent, as: "demo-agent.sh", in: repository)
        let checkPath = try install(check, as: "demo-check.sh", in: repository)
        let appPath = try install(app, as: "demo-app.py", in: repository)

        say("Creating a board in \(path) ...")
        try store.commit(message: "mission: create the demo board", trailers: [Trailer(key: "Mission-Action", value: "init")]) { _ in
            var files = StarterBoard.boardFiles(for: location, approver: "demo@example.invalid")
            files.removeAll { change in
                if case .write(let path, _) = change {
                    return ["runtimes.yaml", "roles.yaml", "workflows.yaml"].contains { path.hasSuffix("/\($0)") }
                }
                return false
            }
            return files + [
                .write(path: location.path(.runtimes), bytes: Array("""
                    # The demo runtime: a script that behaves like a small coding agent.
                    profiles:
                      demo-agent:
                        harness: script
                        command: [\(agentPath), "{prompt_file}"]
                        limits: {wall: 60s, idle: 30s, output: 1MB}

                    """.utf8)),
                .write(path: location.path(.roles), bytes: Array("""
                    contract: |
                      Work on one ticket; leave evidence; ask one clear question when you must.
                    roles:
                      coder: {profiles: [demo-agent], permission: write, evidence: [change, tests], contract: Implement the ticket.}
                      qa: {profiles: [demo-agent], permission: read, evidence: [verdict], contract: Review the change.}

                    """.utf8)),
                .write(path: location.path(.workflows), bytes: Array("""
                    workflows:
                      code:
                        max_rounds: 3
                        gates:
                          - {name: implement, role: coder}
                          - {name: review, role: qa, on_fail: implement}
                          - {name: test, check: \(checkPath), on_fail: implement, timeout: 1m}
                      task:
                        gates:
                          - {name: run, role: coder}
                      ui:
                        class: ui
                        gates:
                          - {name: implement, role: coder}
                          - {name: review, role: qa, on_fail: implement}
                          - name: browser
                            on_fail: implement
                            browser: {start: \(appPath), pages: [/index.html], selectors: ["#greeting"]}

                    """.utf8)),
            ]
        }
        let template = StarterBoard.file("templates/ticket.yaml") ?? ""
        var ids: [String: String] = [:]
        var tickets: [(String, String, Priority, String?, String)] = [
            ("greeting", "Add a greeting to the README", Priority.high, nil as String?, "code"),
            ("port", "Pick the port for the dev server", .medium, nil, "code"),
            ("flaky", "Fix the flaky build", .medium, nil, "code"),
            ("docs", "Document the greeting", .low, "greeting", "code"),
        ]
        // A page checked in a headless browser at a desktop's and a phone's width, where this host has one.
        if canBrowse {
            tickets.append(("page", "Make the welcome page", .medium, nil, "ui"))
        } else {
            say("(No chromium here: the UI ticket and its browser gate are left out; apt-get install chromium adds them.)")
        }
        for (key, title, priority, blockedBy, workflow) in tickets {
            let id = TicketID.mint(prefix: "MC", existing: Set(ids.values), minimumLength: 4)
            ids[key] = id
            let ticket = Ticket(id: id, title: title, priority: priority, state: .ready, workflow: workflow,
                                blockedBy: blockedBy.flatMap { ids[$0] }.map { [$0] } ?? [],
                                created: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
                                acceptance: ["\(title): done, and the reviewer agrees."])
            try store.commit(message: "\(id): new: \(title)", trailers: [Trailer(key: "Mission-Ticket", value: id)]) { _ in
                [.write(path: "\(location.ticketFolder(id))/ticket.yaml",
                        bytes: Array(TicketTemplate.render(template, ticket: ticket).utf8))]
            }
            say("  \(id)  \(title)\(blockedBy.map { " (waits for \(ids[$0]!))" } ?? "")")
        }

        let reconciler = try Reconciler(store: store, policy: HostPolicy(allowed: [agentPath, checkPath, appPath]))
        for pass in 1...20 {
            let report = try reconciler.runOnce()
            for session in report.sessions {
                say("pass \(pass): \(session.ticket) \(session.terminal.status.rawValue): \(session.terminal.summary)")
            }
            let snapshot = try store.snapshot()
            var answered = false
            for record in snapshot.tickets where record.status?.status == .needsInput {
                guard let question = record.status?.question, record.notes.isEmpty else { continue }
                say("pass \(pass): a person answers \(record.id)'s question (\(question)): use port 8080")
                let signature = try store.identity()
                try store.commit(message: "\(record.id): answer by \(signature.name)",
                                 trailers: [Trailer(key: "Mission-Ticket", value: record.id),
                                            Trailer(key: "Mission-Action", value: "answer")]) { _ in
                    let name = NoteFile.name(author: signature.name, date: signature.date)
                    return [.write(path: "\(record.folder)/notes/\(name)",
                                   bytes: Array("Answer to the question: \(question)\n\nUse port 8080.\n".utf8))]
                }
                answered = true
            }
            if report.actions.isEmpty && !answered { break }
        }
        return path
    }

    /// Writes an executable script into the repository's `mission` folder; returns its path.
    private static func install(_ script: String, as name: String, in repository: Repository) throws -> String {
        let path = "\(repository.gitDirectory)/mission/\(name)"
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }
}
