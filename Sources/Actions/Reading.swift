import Board
import Control
import Foundation
import Git

/// One ticket with everything a view shows of it: its record in a board that holds its blockers, parent and (for
/// a campaign) every child; its evidence packets; its notes' texts.
public struct TicketDetail {
    public let record: TicketRecord
    public let snapshot: BoardSnapshot
    /// The packets by file name in order; one that does not load is its diagnostic.
    public let packets: [(name: String, result: Result<EvidencePacket, Diagnostic>)]
    /// The notes by file name in order, with their text.
    public let notes: [(name: String, text: String)]
}

/// Health: the report, and the runner records that could not be read.
public struct HealthReading {
    public let report: HealthReport
    public let problems: [String]
}

extension BoardContext {
    /// Ticket `id`, active or archived, read for a view; from `loaded` when it is the board at the tip with
    /// every ticket parsed (a resident view's), else from a listing that parses only what the view shows.
    public func ticketDetail(_ id: String, loaded: BoardSnapshot? = nil) throws -> TicketDetail {
        var snapshot = try loaded ?? listing(parsing: [id])
        var record = try self.record(id, in: snapshot)
        if record.spec?.kind == .campaign {
            // A campaign rolls up from its children, wherever they are: read the whole board, archive too.
            snapshot = try self.snapshot(includeArchived: true)
            record = try self.record(id, in: snapshot)
        } else if loaded == nil {
            // Blockers and parent are read too, so their state shows.
            snapshot = try store.parsing((record.spec?.blockedBy ?? []) + [record.spec?.parent].compactMap { $0 }, in: snapshot)
        }
        guard let commit = snapshot.commit else { throw ActionError("the board has no commits") }
        let source = TreeSource(repository: repository, root: try repository.commit(commit).tree)
        let notes = record.notes.map { name in
            (name, Self.text("\(record.folder)/\(TicketFile.notes)/\(name)", source: source))
        }
        return TicketDetail(record: record, snapshot: snapshot, packets: source.evidence(of: record).map { ($0.name, $0.packet) }, notes: notes)
    }

    /// The board's health over the `window` before `now`: runners, sessions and leases from the board and the
    /// runner records, and how each profile's sessions ended from the evidence of the window.
    public func health(window: Interval, now: Date = Date()) throws -> HealthReading {
        let snapshot = try self.snapshot()
        let start = now.addingTimeInterval(-window.timeInterval)
        var packets: [EvidencePacket] = []
        if let commit = snapshot.commit {
            let source = TreeSource(repository: repository, root: try repository.commit(commit).tree)
            for record in HealthReport.ticketsToRead(snapshot, since: start) {
                packets += source.decodedEvidence(of: record).map(\.packet)
            }
        }
        let runners = try RunnerRecords.read(in: repository)
        let report = HealthReport.make(snapshot, packets: packets, since: start, now: now, runners: runners.records)
        return HealthReading(report: report, problems: runners.problems)
    }

    /// The text of the board file at `path`, or a placeholder when it cannot be read.
    static func text(_ path: String, source: TreeSource) -> String {
        guard let entry = try? source.entry(at: path), let bytes = try? source.read(entry) else { return "(cannot be read)" }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A ticket branch's work: what it changed since it left the code branch.
public struct BranchWork {
    /// The branch, as `mission/ID` (a clone of a hub reads the hub's `origin/mission/ID`).
    public let branch: String
    public let change: Git.ChangeRecord
    /// The unified diff, cut at a size a page can show.
    public let patch: String
    public let truncated: Bool
}

extension BoardContext {
    /// The work on ticket `id`'s branch since it left the code branch (mission.codeBranch, else HEAD's branch); nil
    /// when the ticket has no branch (not started, or merged and removed).
    public func branchWork(_ id: String, limit: Int = 256 * 1024) throws -> BranchWork? {
        let name = "mission/\(id)"
        guard let head = try repository.referenceTarget("refs/heads/\(name)")
                ?? repository.referenceTarget("refs/remotes/origin/\(name)") else { return nil }
        let code = try? Merging.targetBranch(nil, repository: repository)
        let codeTip = try code.flatMap { try repository.referenceTarget($0) }
        let base = try codeTip.flatMap { try repository.mergeBase($0, head) } ?? head
        let patch = try repository.patch(base: base, head: head, limit: limit)
        return BranchWork(branch: name, change: try repository.changeRecord(base: base, head: head),
                          patch: patch.text, truncated: patch.truncated)
    }

    /// Ticket `id`'s history, newest first: the commits that touch its folder, and its archive folder once archived.
    public func ticketHistory(_ id: String, in snapshot: BoardSnapshot, limit: Int?) throws -> [Commit] {
        guard snapshot.contains(id) else { throw Self.noTicket(id, in: snapshot) }
        guard let tip = snapshot.commit else { throw ActionError("the board has no commits") }
        var paths = [location.ticketFolder(id)]
        if let archived = snapshot.archivedFolders[id] { paths.append(archived) }
        return try repository.log(from: tip, touching: paths, limit: limit)
    }

    /// The board's recent history, newest first: the commits on the board's branch that touch its folder.
    public func history(limit: Int) throws -> [Commit] {
        guard let tip = try store.tip() else { return [] }
        return try repository.log(from: tip, touching: [location.directory], limit: limit)
    }
}

extension BoardContext {
    /// The end of what running session `session` printed, redacted, when a watcher of this repository runs it (it
    /// keeps each session's output under the git directory); nil for a session on another host, or none yet.
    public func sessionOutputTail(_ session: String, maxBytes: Int = 4096) -> String? {
        guard !session.contains("/"), !session.hasPrefix(".") else { return nil }
        let path = "\(repository.gitDirectory)/mission/sessions/\(session)/output.log"
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        try? handle.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        // A cut in the middle of a line shows from the next whole one.
        if size > UInt64(maxBytes), let newline = text.firstIndex(of: "\n") { text = String(text[text.index(after: newline)...]) }
        return Redactor.redact(text)
    }
}

/// The status ledger of a board, or of one campaign.
public struct LedgerReading {
    public let rows: [Ledger.Row]
    /// The baseline check's latest run; nil when the board names none or it has not run.
    public let baseline: Ledger.Baseline?
}

extension BoardContext {
    /// The ledger's rows: every active ticket, campaigns with their children under them; with `campaign`, that
    /// campaign alone. Every mark comes from committed evidence packets.
    /// `loaded` is the board at the tip with every ticket parsed, when the caller has it.
    public func ledger(campaign: String? = nil, loaded: BoardSnapshot? = nil) throws -> LedgerReading {
        let snapshot = try loaded ?? self.snapshot()
        if let campaign {
            let record = try activeRecord(campaign, in: snapshot)
            guard record.spec?.kind == .campaign else {
                throw ActionError("\(campaign) is a \(record.spec?.kind.rawValue ?? "broken ticket"), not a campaign\n  'mission ledger' without --campaign lists every ticket")
            }
        }
        guard let commit = snapshot.commit else { return LedgerReading(rows: [], baseline: nil) }
        let source = TreeSource(repository: repository, root: try repository.commit(commit).tree)
        let baseline = Ledger.baseline(in: snapshot)
        let facts = LedgerFacts(gitDirectory: repository.gitDirectory)
        let rows = Ledger.rows(snapshot, campaign: campaign, baseline: baseline) { facts.facts(of: $0, source: source) }
        if facts.changed { facts.save(keeping: Set(snapshot.tickets.compactMap(\.treeID))) }
        return LedgerReading(rows: rows, baseline: baseline)
    }
}

/// One artifact of a ticket, with the packet that lists it.
public struct ArtifactEntry: Sendable {
    /// The packet's file name.
    public let packet: String
    public let gate: String
    public let artifact: Artifact
}

extension BoardContext {
    /// The artifacts ticket `id`'s packets list, packet by packet.
    public func artifacts(of id: String) throws -> [ArtifactEntry] {
        let detail = try ticketDetail(id)
        return detail.packets.flatMap { item -> [ArtifactEntry] in
            guard case .success(let packet) = item.result else { return [] }
            return (packet.artifacts ?? []).map { ArtifactEntry(packet: item.name, gate: packet.gate, artifact: $0) }
        }
    }

    /// The contents of an artifact's blob; fails, saying how to get it, when this repository does not have it.
    public func contents(of artifact: Artifact) throws -> [UInt8] {
        guard let hex = artifact.blob, let id = ObjectID(hex: hex) else {
            throw ActionError("\(artifact.name) has no blob: \(artifact.description ?? "it was not stored")")
        }
        do {
            return try repository.blob(id)
        } catch {
            throw ActionError("the blob \(id.short) of \(artifact.name) is not in this repository\n  fetch the side refs: git fetch origin '+refs/mission/*:refs/mission/*'")
        }
    }

    /// The artifact of ticket `id` whose blob is `blob`; nil when none of its packets lists it (the console serves
    /// only what a ticket's evidence names).
    public func artifact(_ blob: String, of id: String) throws -> Artifact? {
        try artifacts(of: id).first { $0.artifact.blob == blob }?.artifact
    }
}
