import Actions
import ArgumentParser
import Board
import Control
import Foundation

/// `mission show ID`: spec, status, evidence and notes of one ticket.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a ticket: spec, status, evidence and notes.")

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let detail = try BoardContext.open(board).ticketDetail(id)
            let (record, snapshot) = (detail.record, detail.snapshot)
            let now = Date()
            let packets = detail.packets.map { EvidenceView(name: $0.name, result: $0.result) }
            let notes = detail.notes.map { NoteView(name: $0.name, text: $0.text) }
            if json {
                try Output.json(ShowView(ticket: TicketView(record, in: snapshot, now: now), packets: packets, noteTexts: notes))
                return
            }
            // Everything shown comes from the board, anyone's push away: no control character reaches the terminal.
            print(Output.visible(Self.render(record, snapshot: snapshot, packets: packets, notes: notes, now: now),
                                 keepingNewlines: true))
        }
    }

    static func render(_ record: TicketRecord, snapshot: BoardSnapshot, packets: [EvidenceView], notes: [NoteView],
                       now: Date) -> String {
        var out: [String] = []
        let spec = record.spec
        let position = snapshot.position(of: record)
        let title = spec.map { Output.visible($0.title) } ?? "(broken: the spec does not load)"
        out.append("\(record.id)  \(title)")
        out.append(String(repeating: "=", count: min(78, record.id.count + 2 + title.count)))
        if record.archived { out.append("archived: \(record.folder)") }
        if let spec {
            out.append("kind: \(spec.kind.rawValue)   priority: \(spec.priority.rawValue)   state: \(spec.state.rawValue)")
            out.append("workflow: \(spec.workflow ?? snapshot.config.settings.defaultWorkflow ?? "-")   owner: \(spec.owner ?? "-")   assignee: \(spec.assignee ?? snapshot.config.settings.defaultAssignee ?? "-")")
            if let parent = spec.parent { out.append("parent: \(parent)") }
            if !spec.blockedBy.isEmpty {
                let open = Set(snapshot.openBlockers(of: record))
                out.append("blocked by: " + spec.blockedBy.map { open.contains($0) ? "\($0) (open)" : "\($0) (closed)" }
                    .joined(separator: ", "))
            }
            if !spec.labels.isEmpty { out.append("labels: \(spec.labels.joined(separator: ", "))") }
            if let created = spec.created { out.append("created: \(ISO8601DateFormatter().string(from: created))") }
            if let checkIn = spec.checkIn { out.append("check-in: every \(checkIn)") }
        }
        out.append("")
        if let status = record.status {
            let place = position.gateIndex.map { " (\($0)/\(position.gateCount ?? 0))" } ?? ""
            out.append("status: \(status.status.rawValue)   gate: \(status.gate ?? "-")\(place)   round: \(status.round)   attempt: \(status.attempt)")
        } else {
            out.append("status: \(snapshot.statusWord(of: record)) (the watcher has not taken it yet)")
        }
        // Who steers and who works are different people (or agents): say both, separately.
        out.append("owner: \(position.owner ?? "-") (steers)")
        if let executing = Self.executing(position) { out.append("executing: \(executing)") }
        if let status = record.status {
            if let session = status.session {
                out.append("session: \(session.id) on \(session.profile ?? "-") (runner \(session.runner ?? "-"), pid \(session.pid.map(String.init) ?? "-"))")
            }
            if let question = status.question { out.append("question: \(question)") }
            if let reason = status.blockedReason { out.append("blocked: \(reason)") }
        }
        if let next = position.nextAction {
            out.append("next: \(next.who) — \(next.what)\(position.nextActionRecorded ? "" : " (derived)")")
        }
        if let due = position.overdue {
            out.append("OVERDUE: the check-in was due \(When.ago(due, now: now))")
        }
        if spec?.kind == .campaign, let rollup = Campaigns.rollup(record.id, in: snapshot) {
            out.append("")
            out += Self.campaign(rollup)
        }
        if let spec, !spec.acceptance.isEmpty {
            out.append("")
            out.append("Acceptance:")
            out += spec.acceptance.map { "  - \($0)" }
        }
        if let text = spec?.description, !text.isEmpty {
            out.append("")
            out.append(text.trimmingCharacters(in: .newlines))
        }
        if !packets.isEmpty {
            out.append("")
            out.append("Evidence:")
            for packet in packets {
                switch packet.result {
                case .success(let p):
                    let outcome = p.terminal.map { "\($0.status.rawValue): \($0.summary)" } ?? p.summary ?? ""
                    out.append("  \(packet.name)  \(p.kind.rawValue) at \(p.gate)\(p.profile.map { " via \($0)" } ?? "")  \(outcome)")
                    // A return says why: the decision and each finding (a check's are its last output lines).
                    if let verdict = p.verdict, verdict.decision != .pass {
                        out.append("      verdict: \(verdict.decision.rawValue)")
                        out += (verdict.findings ?? []).map { "      - \($0)" }
                    }
                    if let artifacts = p.artifacts, !artifacts.isEmpty {
                        out.append("      artifacts: " + artifacts.map { $0.name }.joined(separator: ", ")
                                   + "  ('mission artifacts \(record.id) --out DIR' exports them)")
                    }
                case .failure(let diagnostic):
                    out.append("  \(packet.name)  (does not load: \(diagnostic))")
                }
            }
        }
        if !notes.isEmpty {
            out.append("")
            out.append("Notes:")
            for note in notes {
                out.append("  \(note.name):")
                out += note.text.trimmingCharacters(in: .newlines).components(separatedBy: "\n").map { "    \($0)" }
            }
        }
        let problems = snapshot.diagnostics(for: record.id)
        if !problems.isEmpty {
            out.append("")
            out.append("Problems:")
            out += problems.map { "  \($0)" }
        }
        return out.joined(separator: "\n")
    }
}

extension Show {
    /// Who works at the current gate, in words: `role qa, profile codex`; nil when nobody does.
    static func executing(_ position: TicketPosition) -> String? {
        let upcoming = position.started ? "" : " (at the first gate, once started)"
        switch position.executor {
        case .agent(let role, let profile)?:
            let on = profile.map { "profile \($0)" } ?? "profile chosen at dispatch from the role's list"
            return "role \(role), \(on)\(upcoming)"
        case .check(let command)?:
            return "the watcher runs the check '\(command)'\(upcoming)"
        case .human(let group)?:
            return "a person from approver group '\(group)' signs off\(upcoming)"
        case nil:
            return nil
        }
    }

    /// The campaign section: counts, then each child with its status, gate and what holds it up.
    static func campaign(_ rollup: CampaignRollup) -> [String] {
        var out: [String] = []
        let complete = rollup.isComplete ? "complete" : "not complete"
        out.append("Campaign: \(rollup.closedCount)/\(rollup.children.count) children closed (\(complete))")
        guard !rollup.children.isEmpty else {
            out.append("  no children yet: a ticket joins with 'parent: \(rollup.id)'")
            return out
        }
        let order = ["needs_input", "blocked", "waiting", "running", "queued", "in_review", "failed",
                     CampaignRollup.notStarted, "done", "cancelled"]
        let counts = rollup.counts.sorted {
            (order.firstIndex(of: $0.key) ?? order.count, $0.key) < (order.firstIndex(of: $1.key) ?? order.count, $1.key)
        }
        out.append("  " + counts.map { "\($0.key): \($0.value)" }.joined(separator: "   "))
        let idWidth = max(7, rollup.children.map(\.id.count).max() ?? 7)
        let titleWidth = 100 - 2 - idWidth - 1 - 12 - 1 - 12 - 1
        // What needs a person first, what is finished last; the watcher's order within each status.
        let rank = { (child: CampaignRollup.Child) in order.firstIndex(of: child.label) ?? order.count }
        let children = rollup.children.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
        for (_, child) in children {
            let label = child.archived ? "\(child.label)*" : child.label
            out.append(("  " + Output.fit(child.id, idWidth) + " " + Output.fit(label, 12) + " "
                        + Output.fit(child.gate ?? "-", 12) + " " + Output.fit(child.title, titleWidth)).trimmingTrailingSpaces())
            if let blocker = child.blocker {
                out.append((String(repeating: " ", count: 3 + idWidth) + Output.fit(blocker.summary, 97 - idWidth))
                    .trimmingTrailingSpaces())
            }
        }
        if rollup.children.contains(where: \.archived) { out.append("  * archived") }
        return out
    }
}

/// An evidence packet as `show` reports it.
struct EvidenceView: Encodable {
    let name: String
    let result: Result<EvidencePacket, Diagnostic>

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
        switch result {
        case .success(let packet): try container.encode(packet, forKey: .packet)
        case .failure(let diagnostic): try container.encode(diagnostic, forKey: .error)
        }
    }

    enum Keys: String, CodingKey { case name, packet, error }
}

/// A note as `show` reports it.
struct NoteView: Encodable {
    let name: String
    let text: String
}

/// `show --json`.
struct ShowView: Encodable {
    let ticket: TicketView
    let packets: [EvidenceView]
    let noteTexts: [NoteView]

    func encode(to encoder: any Encoder) throws {
        try ticket.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(packets, forKey: .evidencePackets)
        try container.encode(noteTexts, forKey: .noteTexts)
    }

    enum Keys: String, CodingKey { case evidencePackets = "evidence_packets", noteTexts = "note_texts" }
}
