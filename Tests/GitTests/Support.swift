import Foundation
import Git
import Testing

/// A fresh folder under the temporary directory, removed when `body` returns.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("git-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    // Resolve symbolic links so paths compare equal to what libgit2 reports.
    return try body(url.resolvingSymlinksInPath().path)
}

/// The result of running the real git.
struct GitRun {
    let status: Int32
    let output: String
    let errors: String
}

/// Runs /usr/bin/git in `directory` with a fixed identity and no global or system configuration.
@discardableResult
func runGit(_ arguments: [String], in directory: String, expectSuccess: Bool = true, stdin: String? = nil,
            environment extra: [String: String] = [:]) throws -> GitRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
    process.arguments = ["-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
    environment.merge(extra) { $1 }
    process.environment = environment
    if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let run = GitRun(
        status: process.terminationStatus,
        output: String(decoding: outputData, as: UTF8.self),
        errors: String(decoding: errorData, as: UTF8.self))
    if expectSuccess {
        #expect(run.status == 0, "git \(arguments.joined(separator: " ")) failed: \(run.errors)")
    }
    return run
}

/// A fixed signature, so commit ids are reproducible.
let tester = Signature(
    name: "Tester", email: "tester@example.com", date: Date(timeIntervalSince1970: 1_700_000_000),
    timeZoneOffsetMinutes: 60)

extension Repository {
    /// Commits `files` (path: content; nil removes) on top of `parent` without moving any reference.
    func commitFiles(
        _ files: [String: String?], parent: ObjectID?, message: String = "change", at seconds: Double = 1_700_000_000
    ) throws -> ObjectID {
        var edits: [TreeEdit] = []
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            if let content {
                edits.append(.write(path: path, blob: try writeBlob(Array(content.utf8))))
            } else {
                edits.append(.remove(path: path))
            }
        }
        let base = try parent.map { try commit($0).tree }
        let tree = try updateTree(base, applying: edits)
        var signature = tester
        signature.date = Date(timeIntervalSince1970: seconds)
        return try createCommit(
            tree: tree, parents: parent.map { [$0] } ?? [], author: signature, committer: signature, message: message)
    }

    /// The text of the file at `path` in commit `id`, or nil.
    func text(at path: String, in id: ObjectID) throws -> String? {
        guard let entry = try entry(at: path, in: try commit(id).tree) else { return nil }
        return String(decoding: try blob(entry.id), as: UTF8.self)
    }
}

/// Reads a file as text, or nil when absent.
func readFile(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

/// Writes text to a file, creating folders.
func writeFile(_ path: String, _ text: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
}
