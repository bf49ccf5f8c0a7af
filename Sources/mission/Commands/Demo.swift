import Actions
import ArgumentParser
import Board
import Control
import Foundation
import Watcher

/// `mission demo`: the watcher dispatching real work on a demo board, start to finish.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", 
        abstract: "Create a demo repository and run the watcher on it until the board settles.",
        discussion: """
            A script runtime plays the agent: it edits a file, prints progress and ends with the signal sentinel. \
            Each ticket goes through an agent gate (implement), a reviewer's verdict (review) and a check the \
            watcher runs itself (test). One ticket asks a question (the demo answers it), one fails once and \
            succeeds on the retry, one is returned by its reviewer with a finding and passes after the fix, one \
            waits for another, and one makes a web page that a browser gate checks in headless Chromium (when \
            chromium is installed). Then the board and the evidence history are printed.
            """)

    @Option(help: "Where to create the demo repository (default: a new temporary folder).")
    var dir: String?

    func run() throws {
        try failing {
            let path = dir ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("mission-demo-\(UUID().uuidString.prefix(6))").path
            if FileManager.default.fileExists(atPath: "\(path)/.git") {
                throw MissionFailure("\(path) is already a git repository; give the demo an empty folder")
            }
            _ = try Watcher.Demo.run(at: path) { print($0) }
            print("\n$ mission list")
            try List.parse(["-C", path]).run()
            print("\n$ git log --stat --full-diff --format='%h %s' -- 'board/tickets/*/evidence/*'   (the evidence in history)")
            fflush(nil)  // ours first: git writes straight to the same output
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            git.arguments = ["-C", path, "log", "--stat", "--full-diff", "--format=%h %s", "--", "board/tickets/*/evidence/*"]
            if (try? git.run()) != nil { git.waitUntilExit() }
            print("\nThe demo repository is \(path): try 'cd \(path) && mission show <ID>' or 'git log -p'.")
        }
    }
}
