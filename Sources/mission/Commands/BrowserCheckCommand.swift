import ArgumentParser
import Foundation
import Runtime

/// `mission browser-check PLAN`: a browser gate's run, which the watcher starts as a check in the ticket's worktree.
struct BrowserCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browser-check",
        abstract: "Run a browser gate (the watcher starts this; see docs/workflows.md).",
        shouldDisplay: false)

    @Argument(help: "The gate's plan, as the watcher wrote it.")
    var plan: String

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let data = FileManager.default.contents(atPath: plan),
              let decoded = try? JSONDecoder().decode(BrowserCheck.Plan.self, from: data) else {
            Output.error("error: cannot read the browser gate's plan \(plan)")
            throw ExitCode.failure
        }
        let worktree = FileManager.default.currentDirectoryPath
        let scratch = URL(fileURLWithPath: plan).deletingLastPathComponent().path
        let artifacts = environment["MISSION_ARTIFACTS"] ?? "\(scratch)/artifacts"
        let status = BrowserCheck.run(decoded, worktree: worktree, artifacts: artifacts, scratch: scratch,
                                      environment: environment) { line in
            // Unbuffered: the watcher's output log is the check's transcript, read as it grows.
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        if status != 0 { throw ExitCode(status) }
    }
}
