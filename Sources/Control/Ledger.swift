import Board
import Foundation

/// The status ledger: for each ticket, what its committed evidence proves — docs, code, tests, review, browser,
/// sign-off — and an overall status that cannot say more than the evidence does. Pure: the caller hands it the
/// board and each ticket's packets.
public enum Ledger {
    /// How far the evidence proves one column.
    public enum Mark: String, Sendable, Hashable {
        /// Every gate of the column passed, and the ticket has not been sent back to it since.
        case yes
        /// Some of its gates passed, or one passed and the ticket was sent back to it.
        case partial
        /// Needed, and nothing proves it yet.
        case no
        /// The ticket's workflow and work class do not need it.
        case notApplicable = "n/a"
    }

    /// One column of one row.
    public struct Cell: Sendable, Hashable {
        public var mark: Mark
        /// The packet that proves it (the latest passing packet of its last gate), as its file name.
        public var proof: String?
        /// The gates of the workflow that prove this column.
        public var gates: [String]
        /// Why it is `no` or `partial`, in a few words.
        public var why: String?
    }

    /// A row's overall status.
    public enum Status: String, Sendable, Hashable {
        case done = "DONE"
        case shippedPartial = "SHIPPED PARTIAL"
        case inProgress = "IN PROGRESS"
        case blocked = "BLOCKED"
        case notStarted = "NOT STARTED"
        case cancelled = "CANCELLED"
    }

    /// One ticket, or a campaign with its children under it.
    public struct Row: Sendable, Hashable {
        public var id: String
        public var title: String
        public var kind: TicketKind?
        public var workflow: String?
        public var workClass: WorkClass?
        public var cells: [LedgerColumn: Cell]
        public var status: Status
        /// Why it is blocked, what a partial shipment lacks, or what keeps a campaign from DONE.
        public var reason: String?
        /// The evidence folder of the ticket, where its packets are.
        public var evidenceFolder: String?
        /// Whether its branch was merged (a merge packet).
        public var merged: Bool
        public var children: [Row]
    }

    /// The state of the board's baseline check, as its latest run left it.
    public struct Baseline: Sendable, Hashable {
        public var green: Bool
        /// The run's packet, for a person to read.
        public var proof: String
        /// The code commit it ran on.
        public var commit: String?
        public var summary: String?

        public init(green: Bool, proof: String, commit: String?, summary: String?) {
            self.green = green
            self.proof = proof
            self.commit = commit
            self.summary = summary
        }
    }

    /// What the ledger reads of one evidence packet: the file's name, its gate and kind, and whether it passed.
    public struct Fact: Sendable, Hashable {
        public let name: String
        public let gate: String
        public let kind: EvidenceKind
        public let passed: Bool

        public init(name: String, gate: String, kind: EvidenceKind, passed: Bool) {
            self.name = name
            self.gate = gate
            self.kind = kind
            self.passed = passed
        }

        /// The facts of a parsed packet.
        public init(name: String, packet: EvidencePacket) {
            self.init(name: name, gate: packet.gate, kind: packet.kind, passed: Ledger.passed(packet))
        }
    }

    /// The label of the baseline's tickets; `baseline-tree:` and `baseline-commit:` labels say what they ran on.
    public static let baselineLabel = "baseline"

    /// The baseline's state: its latest ticket that finished (done is green; failed, blocked or waiting for a
    /// person is red), running ones left aside; nil when the board has run none.
    public static func baseline(in snapshot: BoardSnapshot) -> Baseline? {
        let runs = snapshot.tickets.filter { $0.spec?.labels.contains(baselineLabel) == true }
            .sorted { ($0.spec?.created ?? .distantPast, $0.id) > ($1.spec?.created ?? .distantPast, $1.id) }
        for record in runs {
            guard let status = record.status else { continue }
            let green: Bool
            switch status.status {
            case .done: green = true
            case .failed, .blocked, .needsInput: green = false
            default: continue
            }
            let commit = record.spec?.labels.first { $0.hasPrefix("baseline-commit:") }.map { String($0.dropFirst("baseline-commit:".count)) }
            let proof = status.lastEvidence.map { "\(record.folder)/\(TicketFile.evidence)/\($0)" } ?? record.folder
            return Baseline(green: green, proof: proof, commit: commit,
                            summary: green ? "\(record.id) passed" : "\(record.id): \(status.blockedReason ?? status.question?.split(separator: "\n").first.map(String.init) ?? status.status.rawValue)")
        }
        return nil
    }

    /// The column a gate proves: its `ledger` when set, else what its kind implies — an agent gate proves code when
    /// its role writes and review when it reads, a check proves tests, a browser gate browser, a human gate a sign-off.
    public static func column(of gate: Gate, roles: RolesFile) -> LedgerColumn? {
        if let explicit = gate.ledger { return explicit }
        switch gate.kind {
        case .agent(let role)?: return roles.roles[role]?.permission == .write ? .code : .review
        case .check?: return .tests
        case .browser?: return .browser
        case .human?: return .signoff
        case nil: return nil
        }
    }

    /// Whether a packet says its gate passed: an agent's DONE (or REVIEW) with no verdict or a `pass`, a check that
    /// passed, an approval.
    public static func passed(_ packet: EvidencePacket) -> Bool {
        switch packet.kind {
        case .session:
            guard let cause = packet.terminal?.rootCause, cause == "done" || cause == "review" else { return false }
            return packet.verdict.map { $0.decision == .pass } ?? true
        case .check:
            return packet.terminal?.rootCause == "check_passed"
        case .signoff:
            return packet.signoff?.decision == .approve
        case .merge:
            return false
        }
    }

    /// The rows of the board's active tickets that are not campaign children, campaigns with their children under
    /// them; `campaign` restricts them to one campaign. `packets` gives the facts of a ticket's evidence packets by
    /// file name in order. While `baseline` is red, no campaign is DONE.
    public static func rows(_ snapshot: BoardSnapshot, campaign: String? = nil, baseline: Baseline?,
                            packets: (TicketRecord) -> [Fact]) -> [Row] {
        var children: [String: [TicketRecord]] = [:]
        for record in snapshot.tickets {
            if let parent = record.spec?.parent { children[parent, default: []].append(record) }
        }
        func build(_ record: TicketRecord, depth: Int) -> Row {
            if record.spec?.kind == .campaign, depth < 8 {
                let kids = (children[record.id] ?? []).map { build($0, depth: depth + 1) }
                return rollup(record, children: kids, baseline: baseline)
            }
            return row(record, in: snapshot, packets: packets(record))
        }
        let campaigns = Set(snapshot.tickets.filter { $0.spec?.kind == .campaign }.map(\.id))
        let tops: [TicketRecord]
        if let campaign {
            tops = snapshot.tickets.filter { $0.id == campaign }
        } else {
            // A child shows under its campaign; a ticket whose parent is no campaign on the board shows on its own.
            tops = snapshot.tickets.filter { record in
                record.spec?.labels.contains(baselineLabel) != true && (record.spec?.parent.map { !campaigns.contains($0) } ?? true)
            }
        }
        // In the watcher's order, sorted on keys taken once: a record is large, and copying it per comparison was
        // most of the ledger's time.
        let keys = tops.map { record in
            (rank: record.spec?.priority.rank ?? -1, created: record.spec?.created ?? .distantFuture, id: record.id)
        }
        let order = keys.indices.sorted { a, b in
            if keys[a].rank != keys[b].rank { return keys[a].rank > keys[b].rank }
            if keys[a].created != keys[b].created { return keys[a].created < keys[b].created }
            return keys[a].id < keys[b].id
        }
        return order.map { build(tops[$0], depth: 0) }
    }

    /// One ticket's row, from its packets alone (and its status for where it is now).
    public static func row(_ record: TicketRecord, in snapshot: BoardSnapshot, packets: [Fact]) -> Row {
        let spec = record.spec
        let workflowName = spec.map(snapshot.workflowName(of:))
        let workflow = workflowName.flatMap { snapshot.config.workflows.workflows[$0] }
        let roles = snapshot.config.roles
        var byColumn: [LedgerColumn: [Gate]] = [:]
        for gate in workflow?.gates ?? [] {
            if let column = column(of: gate, roles: roles) { byColumn[column, default: []].append(gate) }
        }
        let needed = Set(byColumn.keys).union(workflow?.workClass?.columns ?? [])
        let gateNames = workflow?.gates.map(\.name) ?? []
        let current = record.status?.gate.flatMap { gateNames.firstIndex(of: $0) }
        let finished = record.status?.status == .done

        var cells: [LedgerColumn: Cell] = [:]
        for column in LedgerColumn.allCases {
            guard needed.contains(column) else {
                cells[column] = Cell(mark: .notApplicable, proof: nil, gates: [], why: nil)
                continue
            }
            let gates = byColumn[column] ?? []
            guard !gates.isEmpty else {
                cells[column] = Cell(mark: .no, proof: nil, gates: [],
                                     why: "workflow '\(workflowName ?? "?")' has no gate that proves it")
                continue
            }
            var passedGates: [String] = []
            var proof: String?
            var reopened: [String] = []
            for gate in gates {
                guard let pass = packets.last(where: { $0.gate == gate.name && $0.passed }) else { continue }
                // A pass counts while the ticket is past the gate: sent back to it (or before it), the gate is open.
                let index = gateNames.firstIndex(of: gate.name) ?? 0
                let latest = packets.last { $0.gate == gate.name }
                if (finished || current.map { $0 > index } == true), latest?.name == pass.name {
                    passedGates.append(gate.name)
                    proof = pass.name
                } else {
                    reopened.append(gate.name)
                    proof = proof ?? pass.name
                }
            }
            let open = gates.map(\.name).filter { !passedGates.contains($0) }
            let mark: Mark = open.isEmpty ? .yes : passedGates.isEmpty && reopened.isEmpty ? .no : .partial
            let why: String? = switch mark {
            case .yes, .notApplicable: nil
            case .partial: reopened.isEmpty ? "open: \(open.joined(separator: ", "))"
                                            : "passed, then sent back to \(reopened.joined(separator: ", "))"
            case .no: "no passing evidence at \(open.joined(separator: ", ")) yet"
            }
            cells[column] = Cell(mark: mark, proof: proof, gates: gates.map(\.name), why: why)
        }

        let merged = packets.contains { $0.kind == .merge }
        let lacking = LedgerColumn.allCases.filter { cells[$0]?.mark == .no || cells[$0]?.mark == .partial }
        var status: Status
        var reason: String?
        if record.isBroken {
            (status, reason) = (.blocked, "the spec does not load: 'mission check' shows why")
        } else if spec?.state == .cancelled || record.status?.status == .cancelled {
            status = .cancelled
        } else if finished && lacking.isEmpty {
            status = .done
        } else if merged {
            (status, reason) = (.shippedPartial, "merged; still open: " + lacking.map(\.rawValue).joined(separator: ", "))
        } else if let cycle = snapshot.dependencyCycles[record.id] {
            (status, reason) = (.blocked, "dependency cycle \(cycle)")
        } else if let now = record.status, [.blocked, .needsInput, .failed].contains(now.status) {
            status = .blocked
            reason = now.blockedReason ?? now.question.map { "waits for an answer: \($0.split(separator: "\n").first ?? "")" }
                ?? "\(now.status.rawValue) at \(now.gate ?? "its gate")"
        } else if !snapshot.openBlockers(of: record).isEmpty {
            (status, reason) = (record.status == nil ? .notStarted : .inProgress,
                                "waits for " + snapshot.openBlockers(of: record).joined(separator: ", "))
        } else if record.status != nil {
            status = .inProgress
            if finished { reason = "done, but not proven: " + lacking.map { "\($0.rawValue) (\(cells[$0]?.why ?? ""))" }.joined(separator: "; ") }
        } else {
            status = .notStarted
        }
        return Row(id: record.id, title: spec?.title ?? record.id, kind: spec?.kind, workflow: workflowName,
                   workClass: workflow?.workClass, cells: cells, status: status, reason: reason,
                   evidenceFolder: "\(record.folder)/\(TicketFile.evidence)", merged: merged, children: [])
    }

    /// A campaign's row: each column rolls up its children's (cancelled ones left out), and so does its status.
    public static func rollup(_ record: TicketRecord, children: [Row], baseline: Baseline?) -> Row {
        let counted = children.filter { $0.status != .cancelled }
        var cells: [LedgerColumn: Cell] = [:]
        for column in LedgerColumn.allCases {
            let marks = counted.compactMap { $0.cells[column]?.mark }.filter { $0 != .notApplicable }
            let mark: Mark = marks.isEmpty ? .notApplicable
                : marks.allSatisfy { $0 == .yes } ? .yes
                : marks.contains { $0 == .yes || $0 == .partial } ? .partial : .no
            let lacking = counted.filter { [.no, .partial].contains($0.cells[column]?.mark) }.map(\.id)
            cells[column] = Cell(mark: mark, proof: nil, gates: [],
                                 why: lacking.isEmpty ? nil : "not yet: " + lacking.joined(separator: ", "))
        }
        let title = record.spec?.title ?? record.id
        var status: Status
        var reason: String?
        if record.spec?.state == .cancelled {
            status = .cancelled
        } else if counted.isEmpty {
            (status, reason) = (.notStarted, "no children yet")
        } else if let blocked = counted.first(where: { $0.status == .blocked }) {
            (status, reason) = (.blocked, "\(blocked.id): \(blocked.reason ?? "blocked")")
        } else if counted.allSatisfy({ $0.status == .done }) {
            if let baseline, !baseline.green {
                status = .blocked
                reason = "the baseline check is red (\(baseline.proof)" + (baseline.commit.map { " at \($0.prefix(7))" } ?? "")
                    + "): no campaign is DONE until it passes"
            } else {
                status = .done
            }
        } else if counted.allSatisfy({ $0.status == .done || $0.status == .shippedPartial }) {
            status = .shippedPartial
            reason = "partial: " + counted.filter { $0.status == .shippedPartial }.map(\.id).joined(separator: ", ")
        } else if counted.contains(where: { $0.status != .notStarted }) {
            status = .inProgress
            let open = counted.filter { $0.status != .done }.count
            reason = "\(open) of \(counted.count) children open"
        } else {
            status = .notStarted
        }
        return Row(id: record.id, title: title, kind: .campaign, workflow: nil, workClass: nil, cells: cells,
                   status: status, reason: reason, evidenceFolder: nil, merged: false, children: children)
    }
}
