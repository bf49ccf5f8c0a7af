import Foundation
import Testing

/// The README's main job: `mission demo` runs the watcher on a demo board until it settles.
@Suite(.serialized)
struct DemoTests {
    @Test func theDemoSettlesEveryTicketThroughAQuestionARetryAReviewLoopAndABlocker() throws {
        let sandbox = try Sandbox(git: false)
        let folder = "\(sandbox.path)/demo"
        let result = try sandbox.mission("demo", "--dir", folder).expectSuccess()
        #expect(result.stdout.contains("warning: Which port should the dev server listen on?"))
        #expect(result.stdout.contains("a person answers"))
        #expect(result.stdout.contains("error: The runtime exited with status 1."))
        #expect(result.stdout.contains("(waits for MC-"))
        let listing = result.stdout.components(separatedBy: "$ mission list")[1]
        let rows = listing.components(separatedBy: "\n").filter { $0.hasPrefix("MC-") }
        // With chromium here (CI installs it), a fifth ticket's page passes a browser gate; without, it is left out.
        let browsing = Browser.available()
        #expect(rows.count == (browsing ? 5 : 4))
        #expect(rows.allSatisfy { $0.contains(" done ") }, "\(rows)")
        if browsing {
            #expect(result.stdout.contains("ok: The check 'browser: /index.html at 1280 and 390 px' passed."))
            let page = try #require(rows.first { $0.contains("Make the welcome page") }.map { String($0.prefix(7)) })
            let artifacts = try sandbox.run(Sandbox.missionBinary, ["artifacts", "-C", folder, page]).stdout
            #expect(artifacts.contains("browser/index-html-390.png"), "\(artifacts)")
            let ledger = try sandbox.run(Sandbox.missionBinary, ["ledger", "-C", folder]).stdout
            #expect(ledger.split(separator: "\n").contains { $0.hasPrefix(page) && $0.contains(" yes ") }, "\(ledger)")
        }
        #expect(result.stdout.contains("evidence/0001-implement.yaml"))

        // The demo repository is an ordinary board: clean, valid, and its history says what happened.
        let status = try sandbox.run("/usr/bin/git", ["-C", folder, "status", "--porcelain"])
        #expect(status.stdout == "")
        let check = try sandbox.run(Sandbox.missionBinary, ["check", "-C", folder])
        #expect(check.status == 0, "\(check.all)")
        let log = try sandbox.run("/usr/bin/git", ["-C", folder, "log", "--format=%(trailers:key=Mission-Root-Cause,valueonly)"])
        #expect(log.stdout.contains("exit_nonzero"))
        #expect(log.stdout.contains("question"))
        #expect(log.stdout.contains("check_passed"))

        // One ticket went back from review with a finding, and the fix that answers it is on its branch.
        let subjects = try sandbox.run("/usr/bin/git", ["-C", folder, "log", "--format=%s"]).stdout
        let returned = subjects.split(separator: "\n").filter { $0.hasSuffix("review: done, verdict return_for_fixes (DONE)") }
        #expect(returned.count == 1, "\(subjects)")
        let ticket = returned.first.map { String($0.prefix { $0 != ":" }) } ?? ""
        let changes = try sandbox.run("/usr/bin/git", ["-C", folder, "show", "mission/\(ticket):CHANGES.md"])
        #expect(changes.stdout.contains("the greeting goes at the top of the README"), "\(changes.all)")
    }
}
