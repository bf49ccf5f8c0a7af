import Foundation
import Git

/// A runner's announcement of itself: who it is, where it runs, what it can serve and how busy it is, renewed
/// by a heartbeat while it lives. `mission health` shows every runner from these.
///
/// It is kept as `runner.yaml` in a commit of its own on `refs/mission/runners/<runner>/record`, not on the board
/// branch: a heartbeat a minute per runner would bury the board's history and race its claims, and each runner
/// writing only its own reference never races another. Each write replaces the last (a commit without a parent),
/// so the reference holds one small commit. On a hub it is pushed with `+` (only its runner writes it); a clone
/// reads the hub's copies under `refs/hub/mission/runners/`.
public struct RunnerRecord: Sendable, Hashable, Codable {
    /// The runner name it claims under.
    public var runner: String
    /// The host it runs on, and its process.
    public var host: String
    public var pid: Int
    /// The host labels it offers (`runs_on` asks for them).
    public var labels: [String]
    /// The runtime profiles it can run here (installed, allowed, labels met).
    public var profiles: [String]
    /// Sessions and checks it runs at once, at most.
    public var maxWorkers: Int
    /// The tickets it follows a session of now.
    public var sessions: [String]
    /// The hub it works through, when it does.
    public var hub: String?
    /// When it started, and when it last said it lives.
    public var started: Date
    public var heartbeat: Date
    /// When it stopped cleanly; absent while it runs (or when it died without saying).
    public var stopped: Date?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case runner, host, pid, labels, profiles
        case maxWorkers = "max_workers"
        case sessions, hub, started, heartbeat, stopped
    }

    public init(runner: String, host: String, pid: Int, labels: [String], profiles: [String], maxWorkers: Int,
                sessions: [String], hub: String?, started: Date, heartbeat: Date, stopped: Date? = nil) {
        self.runner = runner
        self.host = host
        self.pid = pid
        self.labels = labels
        self.profiles = profiles
        self.maxWorkers = maxWorkers
        self.sessions = sessions
        self.hub = hub
        self.started = started
        self.heartbeat = heartbeat
        self.stopped = stopped
    }

    /// Whether it says the same as `other` but for the heartbeat: nothing new to announce.
    public func sameAnnouncement(as other: RunnerRecord) -> Bool {
        var other = other
        other.heartbeat = heartbeat
        return other == self
    }
}

/// Where runner records live, and how they are read and written.
public enum RunnerRecords {
    /// The file in each record's commit.
    static let file = "runner.yaml"

    /// The reference that holds `runner`'s record.
    public static func reference(_ runner: String) -> String { "refs/mission/runners/\(runner)/record" }

    /// Writes `record` as its runner's reference, replacing the last one. Returns the reference.
    @discardableResult
    public static func write(_ record: RunnerRecord, to repository: Repository, identity: Signature) throws -> String {
        let reference = reference(record.runner)
        let blob = try repository.writeBlob(try YAMLWriting.encode(record, header: "# Written by mission watch: the runner's heartbeat."))
        let tree = try repository.updateTree(nil, applying: [.write(path: file, blob: blob)])
        let commit = try repository.createCommit(tree: tree, parents: [], author: identity, committer: identity,
                                                 message: "\(record.runner): heartbeat\n")
        try repository.updateReference(reference, to: commit, expecting: try repository.referenceTarget(reference),
                                       logMessage: "mission: heartbeat")
        return reference
    }

    /// Every runner's record this repository has: its own references and, in a runner's clone of a hub, the hub's
    /// copies. The latest heartbeat of a runner wins. A record that does not read is reported, not fatal.
    public static func read(in repository: Repository) throws -> (records: [RunnerRecord], problems: [String]) {
        var latest: [String: RunnerRecord] = [:]
        var problems: [String] = []
        for pattern in ["refs/mission/runners/*/record", "refs/hub/mission/runners/*/record"] {
            for name in try repository.referenceNames(matching: pattern) {
                guard let target = try repository.referenceTarget(name) else { continue }
                do {
                    guard let entry = try repository.entry(at: file, in: try repository.commit(target).tree) else {
                        problems.append("\(name) holds no \(file)")
                        continue
                    }
                    let record = try YAMLDocument.parse(try repository.blob(entry.id), file: "\(name):\(file)")
                        .decode(RunnerRecord.self)
                    if latest[record.runner].map({ $0.heartbeat < record.heartbeat }) ?? true { latest[record.runner] = record }
                } catch {
                    problems.append("\(name): \(error)")
                }
            }
        }
        return (latest.values.sorted { $0.runner < $1.runner }, problems)
    }
}
