import Board
import Foundation
import Testing

/// What end-to-end tests do to a sandbox's board again and again: give it a scripted agent, create a ticket, run
/// watcher passes, read a ticket's status and evidence as the model decodes them.
extension Sandbox {
    /// Writes `script` as an executable named `name` outside the repository and makes it the board's only
    /// runtime profile, `fake` (the `script` harness, given the prompt file); returns its path for `--allow`.
    func fakeAgent(_ name: String, _ script: String, limits: String = "{wall: 30s}") throws -> String {
        let agent = try self.script(name, script)
        try write("board/runtimes.yaml", """
            profiles:
              fake:
                harness: script
                command: [\(agent), "{prompt_file}"]
                limits: \(limits)
            """)
        return agent
    }

    /// Makes `task` (one agent gate, `run`, for the role `coder` served by `profiles`) the board's only workflow
    /// and its default, with at most `maxWorkers` sessions at once.
    func useTaskWorkflow(profiles: [String] = ["fake"], maxWorkers: Int = 2) throws {
        try write("board/roles.yaml", "roles:\n  coder: {profiles: [\(profiles.joined(separator: ", "))], permission: write}\n")
        try write("board/workflows.yaml", "workflows:\n  task:\n    gates:\n      - {name: run, role: coder}\n")
        try useDefaultWorkflow("task")
        try write("board/mission.yaml", try read("board/mission.yaml")
            .replacingOccurrences(of: "max_workers: 2", with: "max_workers: \(maxWorkers)"))
    }

    /// Makes `name` the workflow of tickets that name none (`default_workflow` in mission.yaml).
    func useDefaultWorkflow(_ name: String) throws {
        let lines = try read("board/mission.yaml").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("default_workflow:") ? "default_workflow: \(name)" : String($0) }
        try write("board/mission.yaml", lines.joined(separator: "\n"))
    }

    /// Creates a ticket with `mission new TITLE … --no-edit --json` (ready unless `arguments` say otherwise) and
    /// returns its id.
    func newTicket(_ title: String, _ arguments: String...) throws -> String {
        var options = arguments.isEmpty ? ["--state", "ready"] : arguments
        // A ticket runs only once it says what must be true when it is done.
        if !options.contains("--acceptance") { options += ["--acceptance", "It does what the title says."] }
        let created = try run(Sandbox.missionBinary, ["new", title] + options + ["--no-edit", "--json"]).expectSuccess()
        let object = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String]
        return try #require(object?["id"])
    }

    /// Runs `mission reconcile --once` `times` times, allowing what `allow` (`--allow` flags) names.
    func reconcile(_ allow: [String], times: Int = 1) throws {
        for _ in 0..<times { try run(Sandbox.missionBinary, ["reconcile", "--once"] + allow).expectSuccess() }
    }

    /// The ticket's status.yaml in the checkout.
    func ticketStatus(_ id: String) throws -> TicketStatus {
        let path = "board/tickets/\(id)/status.yaml"
        return try YAMLDocument.parse(Array(try read(path).utf8), file: path).decode(TicketStatus.self)
    }

    /// The ticket's evidence packet `name` (`0001-run.yaml`) in the checkout.
    func packet(_ id: String, _ name: String) throws -> EvidencePacket {
        let path = "board/tickets/\(id)/evidence/\(name)"
        return try YAMLDocument.parse(Array(try read(path).utf8), file: path).decode(EvidencePacket.self)
    }
}
