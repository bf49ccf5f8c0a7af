import ArgumentParser
import Board
import Foundation
import Git

/// `mission switch ID --profile P`: the ticket's next session runs on another runtime profile.
struct Switch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a ticket's next session on another runtime profile (sets the profile: line of its spec).",
        discussion: """
            The profile pins the ticket: its sessions run on it instead of its role's profiles in fallback order. \
            A running session goes on with the profile it has; evidence and notes already written stay as they \
            are. --note adds a note saying who switched and why.
            """)

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Option(help: "The runtime profile, from runtimes.yaml.")
    var profile: String

    @Option(help: "Why: added to the ticket as a note, with who switched.")
    var note: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if profile.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--profile needs a profile's name") }
        if let note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the --note is empty")
        }
    }

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let snapshot = try context.listing(parsing: [id])
            let record = try context.activeRecord(id, in: snapshot)
            guard let spec = record.spec else {
                throw MissionFailure("\(id) is broken; fix its spec first:\n  " +
                                     snapshot.diagnostics(for: id).map(\.description).joined(separator: "\n  "))
            }
            let config = snapshot.config
            let runtimesPath = context.location.path(.runtimes)
            guard config.documents[.runtimes] != nil else {
                let why = config.diagnostics.filter { $0.location.file == runtimesPath }.map(\.description)
                throw MissionFailure(why.isEmpty ? "\(runtimesPath) is missing: the board has no runtime profiles"
                                                 : "\(runtimesPath) does not load:\n  " + why.joined(separator: "\n  "))
            }
            guard let chosen = config.runtimes.profiles[profile] else {
                let names = config.runtimes.profiles.keys.sorted()
                let hint = Suggest.closest(to: profile, in: names).map { "\n  did you mean '\($0)'?" } ?? ""
                throw MissionFailure("no runtime profile '\(profile)' in \(runtimesPath)\(hint)\n  profiles: "
                                     + (names.isEmpty ? "none" : names.joined(separator: ", ")))
            }

            var warnings: [String] = []
            if !knownHarnesses.contains(chosen.harness) {
                warnings.append("profile '\(profile)' names an unknown harness '\(chosen.harness)'; 'mission check' says more")
            }
            if let role = Self.currentRole(of: record, config: config), let entry = config.roles.roles[role] {
                if !entry.profiles.contains(profile) {
                    warnings.append("profile '\(profile)' is not one of the profiles of role '\(role)' in roles.yaml "
                                    + "(\(entry.profiles.joined(separator: ", "))); the ticket runs on it anyway")
                }
                if let lacking = RoleNeeds.warning(role: role, entry, profile: profile, chosen) { warnings.append(lacking) }
            }
            for warning in warnings { Output.error("warning: \(warning)") }

            let previous = spec.profile
            if previous == profile {
                if json { try Output.json(SwitchResult(id: id, profile: profile, previous: previous, warnings: warnings)) }
                else { print("\(id) already runs on \(profile).") }
                return
            }
            let was = previous.map { " (was \($0))" } ?? ""
            let result = try context.commitSpecField(
                "profile", to: YAMLText.scalar(profile), of: record, in: snapshot,
                message: "\(id): switch to profile \(profile)\(was)",
                trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "switch"),
                           Trailer(key: "Mission-Profile", value: profile)],
                refusal: "\(id) cannot switch to \(profile)")
            var outcome = SwitchResult(id: id, profile: profile, previous: previous, warnings: warnings)
            outcome.commit = result.id.hex
            if let note {
                let who = try context.store.identity().name
                let from = previous.map { " from `\($0)`" } ?? ""
                let body = "\(who) switched the runtime profile\(from) to `\(profile)`.\n\n\(note)"
                let (path, noteCommit) = try context.addNote(body, to: id, in: snapshot, action: "note")
                outcome.note = path
                outcome.noteCommit = noteCommit.hex
            }
            let running = record.status?.status == .running ? record.status?.session : nil
            if json {
                try Output.json(outcome)
                return
            }
            print("\(id): the next session runs on \(profile)\(was) (\(result.id.short))")
            if let running {
                print("The running session \(running.id) goes on with \(running.profile ?? "its profile").")
            }
            if let path = outcome.note { print("Added a note: \(path)") }
        }
    }

    /// The role of the ticket's current gate, as the planner picks it: the gate in its status, else the workflow's
    /// first gate, whose role the ticket's assignee overrides. Nil at a check or human gate, or a missing workflow.
    static func currentRole(of record: TicketRecord, config: BoardConfig) -> String? {
        guard let spec = record.spec else { return nil }
        let workflowName = spec.workflow ?? config.settings.defaultWorkflow ?? "code"
        guard let workflow = config.workflows.workflows[workflowName] else { return nil }
        let gate = record.status?.gate.flatMap { name in workflow.gates.first { $0.name == name } } ?? workflow.gates.first
        guard let gate, case .agent(let role)? = gate.kind else { return nil }
        return gate == workflow.gates.first ? (spec.assignee ?? role) : role
    }
}

/// What `mission switch` did, for `--json`; absent values are null.
struct SwitchResult: Encodable {
    var id: String
    var profile: String
    /// The profile the spec named before; null when it named none (the role's profiles applied).
    var previous: String?
    var warnings: [String]
    /// The switch's commit; null when the ticket already ran on the profile.
    var commit: String?
    /// The note's path, with `--note`.
    var note: String?
    var noteCommit: String?

    init(id: String, profile: String, previous: String?, warnings: [String]) {
        self.id = id
        self.profile = profile
        self.previous = previous
        self.warnings = warnings
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(id, forKey: "id")
        try c.encode(profile, forKey: "profile")
        try c.encode(previous, forKey: "previous")
        try c.encode(warnings, forKey: "warnings")
        try c.encode(commit, forKey: "commit")
        try c.encode(note, forKey: "note")
        try c.encode(noteCommit, forKey: "note_commit")
    }
}
