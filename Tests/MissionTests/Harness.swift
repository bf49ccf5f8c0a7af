import Foundation
import Testing

/// What a run of a command printed and how it ended.
struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Standard output and error together, for messages.
    var all: String { stdout + stderr }
}

/// A temporary git repository that end-to-end tests drive with the real `mission` binary and the real `git`.
final class Sandbox {
    let root: URL
    var path: String { root.path }

    /// The identity every command runs as; tests never depend on the machine's git config.
    static let environment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "Test Person"
        env["GIT_AUTHOR_EMAIL"] = "test@example.com"
        env["GIT_COMMITTER_NAME"] = "Test Person"
        env["GIT_COMMITTER_EMAIL"] = "test@example.com"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["EDITOR"] = "false"
        env.removeValue(forKey: "VISUAL")
        // The host's allow-list comes from outside the repository: keep this machine's out of the tests.
        env.removeValue(forKey: "MISSION_ALLOW")
        env["XDG_CONFIG_HOME"] = "/nonexistent/mission-tests-config"
        return env
    }()

    /// A new empty folder; `git` true makes it a repository on branch main.
    init(git: Bool = true) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mission-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        if git {
            try self.git("init", "-q", "-b", "main").expectSuccess()
            try self.git("config", "user.name", "Test Person").expectSuccess()
            try self.git("config", "user.email", "test@example.com").expectSuccess()
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
        try? FileManager.default.removeItem(at: root.appendingPathExtension("tools"))
        try? FileManager.default.removeItem(at: root.appendingPathExtension("state"))
    }

    /// What every command of this sandbox runs with: `environment`, and a state folder of its own (where the
    /// ticket worktrees go by default), outside the repository and gone with the sandbox.
    var processEnvironment: [String: String] {
        Self.environment.merging(["XDG_STATE_HOME": root.appendingPathExtension("state").path]) { $1 }
    }

    /// The folder of `ticket`'s worktree, as git lists it; nil when it has none.
    func worktree(of ticket: String) throws -> String? {
        let listing = try git("worktree", "list", "--porcelain").stdout
        for entry in listing.components(separatedBy: "\n\n") where entry.contains("branch refs/heads/mission/\(ticket)\n")
            || entry.hasSuffix("branch refs/heads/mission/\(ticket)") {
            let line = entry.split(separator: "\n").first { $0.hasPrefix("worktree ") }
            return line.map { String($0.dropFirst("worktree ".count)) }
        }
        return nil
    }

    /// The `mission` binary built beside the test bundle.
    static let missionBinary: String = {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("mission").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return here.appendingPathComponent("mission").path
    }()

    /// Runs `mission` with `arguments` in the sandbox.
    @discardableResult
    func mission(_ arguments: String..., stdin: String? = nil, environment: [String: String] = [:]) throws -> RunResult {
        try run(Self.missionBinary, arguments, stdin: stdin, environment: environment)
    }

    /// Runs `mission` with the arguments in a list.
    @discardableResult
    func mission(arguments: [String]) throws -> RunResult {
        try run(Self.missionBinary, arguments)
    }

    /// Runs `git` with `arguments` in the sandbox.
    @discardableResult
    func git(_ arguments: String...) throws -> RunResult {
        try run("/usr/bin/git", arguments)
    }

    /// Runs any executable in the sandbox, waiting for it and reading all its output.
    func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
             environment: [String: String] = [:]) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = processEnvironment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Reads a file of the working tree.
    func read(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    /// Writes a file of the working tree, creating folders.
    func write(_ relative: String, _ text: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Writes an executable script (for EDITOR) outside the repository, so it is no untracked file there.
    func script(_ name: String, _ text: String) throws -> String {
        let folder = root.appendingPathExtension("tools")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// `mission init` followed by `mission new` for each title (with --no-edit); returns the ids.
    func board(tickets titles: [String] = []) throws -> [String] {
        try mission("init").expectSuccess()
        return try titles.map { title in
            let result = try mission("new", title, "--acceptance", "It does what the title says.", "--no-edit", "--json")
            try result.expectSuccess()
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
            return try #require(object?["id"])
        }
    }
}

extension RunResult {
    /// Fails the test, with the output, unless the command exited 0.
    @discardableResult
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        #expect(status == 0, "exit \(status)\n\(all)", sourceLocation: sourceLocation)
        if status != 0 { throw RunFailed(result: self) }
        return self
    }
}

/// A command that should have succeeded did not.
struct RunFailed: Error, CustomStringConvertible {
    let result: RunResult
    var description: String { "command failed with \(result.status): \(result.all)" }
}

extension Sandbox {
    /// A file path outside the repository that goes away with the sandbox.
    func scratch(_ name: String) throws -> String {
        let folder = root.appendingPathExtension("tools")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    /// Starts `mission` in the background with its standard error going to `log` (and its output to `output`, else
    /// nowhere); the caller stops it.
    func spawnMission(_ arguments: [String], log: String, output: String? = nil,
                      environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.missionBinary)
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = processEnvironment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        if let output {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Waits up to `seconds` for `condition`, checking every 100 ms.
    func eventually(_ seconds: Double = 15, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }
}
