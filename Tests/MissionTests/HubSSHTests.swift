import Foundation
import Testing

extension HubTests {
    /// Three runners reach the hub over ssh, through a real `sshd` on 127.0.0.1 that knows only the test's key, each
    /// logging in with `MISSION_SSH_KEY` and checking the server against its `known_hosts`: every ticket runs exactly
    /// once. A runner that does not know the server's host key refuses to talk to it, and says how to fix that.
    @Test func runnersReachTheHubOverSSH() throws {
        guard let server = try SSHServer.start() else { return }
        defer { server.stop() }
        let (sandbox, hub, ids) = try Self.hub(titles: (1...24).map { "job \($0)" })
        let url = "ssh://\(NSUserName())@127.0.0.1:\(server.port)\(hub)"
        let stranger = try sandbox.mission("watch", "--hub", url, "--clone", try sandbox.scratch("clone-stranger"),
                                           environment: server.environment(knowingTheHost: false))
        #expect(stranger.status != 0 && stranger.stderr.contains("known_hosts"), "\(stranger.stderr)")

        let runners = try (1...3).map { try Self.runner(sandbox, url, "s\($0)", environment: server.environment()) }
        defer { for (process, _) in runners where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let done = sandbox.eventually(180) {
            let statuses = (try? Self.statuses(sandbox, hub: hub)) ?? [:]
            return statuses.count == ids.count && statuses.values.allSatisfy { $0 == "done" }
        }
        for (process, _) in runners { process.terminate() }
        for (process, _) in runners { process.waitUntilExit() }
        let logs = try runners.map { try String(contentsOfFile: $0.1, encoding: .utf8) }
        #expect(done, "\(logs.joined(separator: "\n").suffix(4000))\n\(server.log.suffix(2000))")
        let git = { (arguments: [String]) throws -> String in
            try sandbox.run("/usr/bin/git", ["-C", hub] + arguments).expectSuccess().stdout
        }
        let claims = try git(["log", "--format=%s", "--grep=: claim ", "main"]).split(separator: "\n").map { $0.prefix { $0 != ":" } }
        #expect(claims.count == ids.count && Set(claims).count == ids.count, "\(claims.count) claims of \(Set(claims).count) tickets")
        for id in ids.values {
            #expect(try git(["show", "mission/\(id):result.txt"]) == "work by the agent\n", "\(id)'s branch on the hub")
        }
        #expect(try git(["fsck", "--no-dangling"]).isEmpty)
        let records = try git(["for-each-ref", "--format=%(refname)", "refs/mission/runners/"]).split(separator: "\n")
        #expect(records.filter { $0.hasSuffix("/record") }.count == 3, "\(records)")
    }
}

/// A real `sshd` (Debian's openssh-server) on 127.0.0.1 and a free port, with a host key and a client key made for
/// the test: public keys only, no password, no PAM. It logs in as the user the tests run as.
final class SSHServer {
    let port: Int
    let folder: String
    private let pid: pid_t
    private var stopped = false

    /// The server, or nil when sshd is not installed: a printed skip, or a failure when `CI=true` (CI installs it).
    static func start() throws -> SSHServer? {
        let sshd = "/usr/sbin/sshd"
        guard FileManager.default.isExecutableFile(atPath: sshd) else {
            let why = "\(sshd) is not installed (apt-get install openssh-server)"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record(Comment(rawValue: "hub over ssh: \(why); CI must run it"))
            } else {
                print("hub over ssh: SKIPPED: \(why)")
            }
            return nil
        }
        return try SSHServer(sshd: sshd)
    }

    private init(sshd: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mission-sshd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: "\(folder)/home/.ssh", withIntermediateDirectories: true)
        for key in ["host_key", "client_key"] {
            let keygen = Process()
            keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
            keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", "\(folder)/\(key)"]
            keygen.standardOutput = FileHandle.nullDevice
            try keygen.run()
            keygen.waitUntilExit()
            guard keygen.terminationStatus == 0 else { throw GitDaemonError(message: "ssh-keygen failed for \(key)") }
        }
        try FileManager.default.copyItem(atPath: "\(folder)/client_key.pub", toPath: "\(folder)/authorized_keys")
        // sshd running as root wants its privilege separation folder.
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        let logPath = "\(folder)/sshd.log"
        let listening = { ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("Server listening") }
        var started: (port: Int, pid: pid_t)?
        for _ in 0..<20 {
            let port = Int.random(in: 20_000...60_000)
            let config = [
                "Port \(port)", "ListenAddress 127.0.0.1", "HostKey \(folder)/host_key",
                "AuthorizedKeysFile \(folder)/authorized_keys", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin prohibit-password",
                "StrictModes no", "UsePAM no", "PidFile \(folder)/sshd.pid",
            ]
            try (config.joined(separator: "\n") + "\n").write(toFile: "\(folder)/sshd_config", atomically: true, encoding: .utf8)
            // posix_spawn, not Foundation's Process: its reaper thread blocks in waitpid on a child that never
            // exits (seen with sshd), and then no other Process of the test is ever seen to end.
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_APPEND, 0)
            let words: [String] = [sshd, "-D", "-e", "-f", "\(folder)/sshd_config"]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, sshd, &actions, nil, argv, environ)
            posix_spawn_file_actions_destroy(&actions)
            argv.forEach { free($0) }
            guard spawned == 0 else { throw GitDaemonError(message: "cannot start \(sshd): error \(spawned)") }
            // Ready once it says it listens; a port someone else holds makes it exit at once.
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, Self.isRunning(pid), !listening() { Thread.sleep(forTimeInterval: 0.05) }
            if Self.isRunning(pid), listening() {
                started = (port, pid)
                break
            }
            Self.kill(pid)
        }
        guard let started else {
            throw GitDaemonError(message: "sshd did not start: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        }
        port = started.port
        pid = started.pid
        let hostKey = try String(contentsOfFile: "\(folder)/host_key.pub", encoding: .utf8).split(separator: " ").prefix(2)
        try "[127.0.0.1]:\(port) \(hostKey.joined(separator: " "))\n"
            .write(toFile: "\(folder)/home/.ssh/known_hosts", atomically: true, encoding: .utf8)
    }

    /// What sshd printed.
    var log: String { (try? String(contentsOfFile: "\(folder)/sshd.log", encoding: .utf8)) ?? "" }

    /// The environment a runner reaches this server with: a home whose `known_hosts` knows it (unless told not
    /// to), the client key in `MISSION_SSH_KEY`, and no ssh-agent.
    func environment(knowingTheHost: Bool = true) -> [String: String] {
        ["HOME": knowingTheHost ? "\(folder)/home" : "\(folder)/stranger", "MISSION_SSH_KEY": "\(folder)/client_key",
         "SSH_AUTH_SOCK": ""]
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        Self.kill(pid)
    }

    /// Whether `pid` still runs (not exited, or exited and not reaped yet: then it is reaped here).
    private static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Stops `pid` and reaps it.
    private static func kill(_ pid: pid_t) {
        Glibc.kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
