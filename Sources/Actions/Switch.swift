import Board
import Foundation
import Git

/// What switching a ticket's runtime profile did; absent values are null.
public struct SwitchResult: Encodable, Equatable {
    public var id: String
    public var profile: String
    /// The profile the spec named before; nil when it named none (the role's profiles applied).
    public var previous: String?
    /// Why the profile may not serve the ticket well; the switch is made anyway.
    public var warnings: [String]
    /// The switch's commit; nil when the ticket already ran on the profile.
    public var commit: String?
    /// The note's path, when one was asked for.
    public var note: String?
    public var noteCommit: String?
    /// The session running when the switch landed, which goes on with its own profile, and that profile.
    public var runningSession: String?
    public var runningProfile: String?

    init(id: String, profile: String, previous: String?, warnings: [String]) {
        self.id = id
        self.profile = profile
        self.previous = previous
        self.warnings = warnings
    }

    public func encode(to encoder: any Encoder) throws {
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

extension BoardContext {
    /// Pins ticket `id` to runtime profile `profile` (the `profile:` line of its spec): its next session runs on it
    /// instead of its role's profiles in fallback order. A running session goes on with the profile it has. With a
    /// `note`, a note says who switched and why.
    public func switchProfile(_ id: String, to profile: String, note: String?) throws -> SwitchResult {
        let profile = profile.trimmingCharacters(in: .whitespaces)
        guard !profile.isEmpty else { throw ActionError("name the runtime profile to switch to") }
        let note = note.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let snapshot = try listing(parsing: [id])
        let record = try activeRecord(id, in: snapshot)
        let spec = try Self.spec(of: record, in: snapshot)
        let config = snapshot.config
        let runtimesPath = location.path(.runtimes)
        guard config.documents[.runtimes] != nil else {
            let why = config.diagnostics.filter { $0.location.file == runtimesPath }.map(\.description)
            throw ActionError(why.isEmpty ? "\(runtimesPath) is missing: the board has no runtime profiles"
                                          : "\(runtimesPath) does not load:\n  " + why.joined(separator: "\n  "))
        }
        guard let chosen = config.runtimes.profiles[profile] else {
            let names = config.runtimes.profiles.keys.sorted()
            let hint = Suggest.closest(to: profile, in: names).map { "\n  did you mean '\($0)'?" } ?? ""
            throw ActionError("no runtime profile '\(profile)' in \(runtimesPath)\(hint)\n  profiles: "
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

        let previous = spec.profile
        var outcome = SwitchResult(id: id, profile: profile, previous: previous, warnings: warnings)
        if previous == profile { return outcome }
        let was = previous.map { " (was \($0))" } ?? ""
        let result = try commitSpecField(
            "profile", to: YAMLText.scalar(profile), of: record, in: snapshot,
            message: "\(id): switch to profile \(profile)\(was)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "switch"),
                       Trailer(key: "Mission-Profile", value: profile)],
            refusal: "\(id) cannot switch to \(profile)")
        outcome.commit = result.id.hex
        if let note {
            let who = try store.identity().name
            let from = previous.map { " from `\($0)`" } ?? ""
            let body = "\(who) switched the runtime profile\(from) to `\(profile)`.\n\n\(note)"
            let written = try addNote(body, to: id, in: snapshot, action: "note")
            outcome.note = written.path
            outcome.noteCommit = written.commit
        }
        if record.status?.status == .running, let running = record.status?.session {
            outcome.runningSession = running.id
            outcome.runningProfile = running.profile
        }
        return outcome
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

/// Warnings for profiles that cannot serve a role (the planner passes over them).
public enum RoleNeeds {
    /// The warning for a profile that lacks what `role` needs; nil when it fits.
    public static func warning(role name: String, _ role: Role, profile profileName: String, _ profile: RuntimeProfile) -> String? {
        let lacking = role.missingCapabilities(in: profile)
        guard !lacking.isEmpty else { return nil }
        let needs = role.requiredCapabilities.map(\.rawValue).joined(separator: " and ")
        let why = lacking.contains(.tools) ? "a profile without tools is refused for a role that needs tools"
                                           : "it cannot change code"
        return "role '\(name)' (permission \(role.permission.rawValue)) needs \(needs); profile '\(profileName)' lacks "
            + "\(lacking.map(\.rawValue).joined(separator: " and ")): \(why)"
    }
}
