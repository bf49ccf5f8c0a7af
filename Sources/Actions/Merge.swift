import Board
import Foundation
import Git

extension BoardContext {
    /// Merges done ticket `id`'s branch mission/ID into the code branch (`into`, else git config mission.codeBranch,
    /// else HEAD's branch), once every human gate of its workflow holds an approval: merging into a protected branch
    /// happens only after a human gate, never implied by a passing check. It fast-forwards when it can and otherwise
    /// makes a merge commit; a conflict refuses and changes nothing. A checkout of the code branch follows, and a
    /// person's uncommitted edit is never overwritten. Then a merge packet is committed on the board, and the
    /// ticket's worktree and merged branch are removed. In a person's clone of a hub it merges the hub's
    /// origin/mission/ID and returns the push that publishes it.
    public func merge(_ id: String, into: String?) throws -> MergeResult {
        let repository = self.repository
        let snapshot = try listing(parsing: [id])
        let record = try activeRecord(id, in: snapshot)
        let (workflowName, workflow) = try HumanGates.workflow(of: record, in: snapshot, context: self)
        let packets = try HumanGates.packets(of: record, in: snapshot, repository: repository)
        // In a person's clone of a hub the ticket branch is the hub's, fetched as origin/mission/ID.
        let sourceName = "mission/\(id)"
        let local = "refs/heads/\(sourceName)"
        let fromHub = try repository.referenceTarget(local) == nil
            && repository.referenceTarget("refs/remotes/origin/\(sourceName)") != nil
        let source = fromHub ? "refs/remotes/origin/\(sourceName)" : local

        guard let status = record.status, status.status == .done else {
            let doing = record.status.map(HumanGates.doing) ?? "the watcher has not started it"
            throw ActionError("\(id) is not done (\(doing)); only a done ticket's branch merges")
        }
        try Merging.requireApproval(id: id, workflowName: workflowName, workflow: workflow, packets: packets,
                                    settings: snapshot.config.settings, context: self)

        let target = try Merging.targetBranch(into, repository: repository)
        let targetName = Merging.shortName(target)
        guard target != source else { throw ActionError("cannot merge \(sourceName) into itself") }
        guard try repository.referenceTarget(source) != nil else {
            if let merged = packets.last(where: { $0.packet.kind == .merge }) {
                let head = merged.packet.change?.head.map { " at \(String($0.prefix(7)))" } ?? ""
                throw ActionError("\(id) was merged already\(head) (\(merged.name)); \(sourceName) is gone")
            }
            throw ActionError("there is no branch \(sourceName): \(id) has no code to merge")
        }

        let author = try store.identity()
        let title = record.spec?.title ?? id
        let outcome: MergeOutcome
        do {
            outcome = try repository.merge(source, into: target, message: "Merge \(sourceName): \(title)\n",
                                           signature: author, logMessage: "mission: merge \(sourceName)")
        } catch {
            throw Merging.refusal(error, source: sourceName, target: targetName, id: id)
        }

        let change = try repository.changeRecord(base: outcome.base, head: outcome.head)
        let summary = switch outcome.kind {
        case .fastForward: "\(targetName) fast-forwarded to \(sourceName) at \(outcome.head.short)"
        case .mergeCommit: "merged \(sourceName) into \(targetName) with merge commit \(outcome.head.short)"
        case .upToDate: "\(sourceName) at \(outcome.source.short) was already in \(targetName)"
        }
        let packet = EvidencePacket(
            kind: .merge, ticket: id, gate: "merge", ended: Date(), summary: summary,
            change: Board.ChangeRecord(branch: sourceName, base: outcome.base.hex, head: outcome.head.hex,
                                       files: change.files.map(\.path), insertions: change.insertions,
                                       deletions: change.deletions))
        var written = ""
        let recorded: BoardCommit
        do {
            recorded = try store.commit(
                message: "\(id): merged \(sourceName) into \(targetName) (\(outcome.head.short))",
                trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: "merge"),
                           Trailer(key: "Mission-Merge-Commit", value: outcome.head.hex)]
            ) { listing in
                let current = try store.parsing([id], in: listing)
                guard let now = current.ticket(id) else { throw ActionError("\(id) was removed meanwhile") }
                written = "\(now.folder)/\(TicketFile.evidence)/\(HumanGates.nextPacketName(in: now, gate: "merge"))"
                return [.write(path: written, bytes: try YAMLWriting.encode(packet))]
            }
        } catch {
            let why = (error as? ActionError)?.message ?? (error as? GitError)?.message ?? "\(error)"
            throw ActionError("""
                \(summary), but the merge packet was not recorded: \(why)
                  run 'mission merge \(id)' again to record it (the branch is kept until then)
                """)
        }

        let boardBranch = location.branchName
        let push = fromHub
            ? "git push origin \(Set([targetName, boardBranch]).sorted().joined(separator: " ")) :\(sourceName)" : nil
        // A clone of a hub has no worktree of the ticket, and the branch to delete is the hub's.
        let cleanup = fromHub ? Merging.Cleanup() : Merging.removeWorktree(of: id, branch: source, mergedInto: target, repository)
        let (removedWorktree, deletedBranch, warnings) = (cleanup.removedWorktree, cleanup.deletedBranch, cleanup.warnings)

        return MergeResult(
            id: id, branch: sourceName, into: targetName, kind: outcome.kind, base: outcome.base.hex,
            head: outcome.head.hex, files: change.files.map(\.path), insertions: change.insertions,
            deletions: change.deletions, packet: written, commit: recorded.id.hex,
            removedWorktree: removedWorktree, deletedBranch: deletedBranch, push: push, warnings: warnings,
            summary: summary)
    }
}

/// The rules and clean-up around a merge.
public enum Merging {
    /// What removing a merged ticket's worktree and branch did.
    public struct Cleanup {
        public var removedWorktree = false
        public var deletedBranch = false
        public var warnings: [String] = []
    }

    /// Removes the ticket's worktree and its branch `branch` once merged into `target`; says what stays and why.
    public static func removeWorktree(of id: String, branch: String, mergedInto target: String,
                               _ repository: Repository) -> Cleanup {
        var cleanup = Cleanup()
        let name = shortName(branch)
        do {
            let removal = try repository.removeWorktree(name: "mission-\(id)", branch: branch, mergedInto: target)
            cleanup.removedWorktree = removal.removedWorktree
            switch removal.branch {
            case .deletedMerged, .absent: cleanup.deletedBranch = true
            case .keptCheckedOut:
                let holder = try? repository.worktrees().first { $0.branch == branch }?.path
                cleanup.warnings.append("\(name) stays: it is checked out" + (holder.map { " in \($0)" } ?? ""))
            case .keptUnmerged, .movedToKeepReference: cleanup.warnings.append("\(name) stays: it is not merged")
            }
        } catch {
            cleanup.warnings.append("the worktree of \(id) and \(name) stay: \(error.message)")
        }
        return cleanup
    }

    /// Fails unless every human gate of the workflow holds, as its latest sign-off, an approval by a member of its
    /// group; a workflow without a human gate never merges, since a passing check is no approval.
    public static func requireApproval(id: String, workflowName: String, workflow: Workflow,
                                packets: [(name: String, packet: EvidencePacket)], settings: BoardSettings,
                                context: BoardContext) throws {
        let rule = "merging into a protected branch happens only after a human gate, never implied by a passing check"
        let humanGates = workflow.gates.compactMap { gate -> (String, String)? in
            guard case .human(let group)? = gate.kind else { return nil }
            return (gate.name, group)
        }
        guard !humanGates.isEmpty else {
            throw ActionError("\(id) cannot merge: its workflow '\(workflowName)' has no human gate\n  \(rule); add "
                                 + "one to \(context.location.path(.workflows)), e.g. - {name: release, human: release}")
        }
        var missing: [String] = []
        var details: [String] = []
        for (gate, group) in humanGates {
            let latest = packets.last { $0.packet.kind == .signoff && $0.packet.gate == gate && $0.packet.signoff != nil }
            let who = HumanGates.members(group, settings: settings, path: context.location.path(.settings))
            guard let (name, packet) = latest, let signoff = packet.signoff else {
                missing.append("no approval at \(gate)")
                details.append(who)
                continue
            }
            guard signoff.decision == .approve else {
                missing.append("the last sign-off at \(gate) (\(name)) is a rejection by \(signoff.by)")
                continue
            }
            let signer = signoff.signer
            guard settings.isApprover(in: group, name: signer.name, email: signer.email) else {
                missing.append("the approval at \(gate) (\(name)) is by \(signoff.by), who is not an approver of \(group)")
                details.append(who)
                continue
            }
        }
        if !missing.isEmpty {
            throw ActionError("\(id) cannot merge: " + missing.joined(separator: "; ")
                                 + (details + [rule]).map { "\n  \($0)" }.joined())
        }
    }

    /// What a person reads when the git merge refused; other failures pass through as they are.
    public static func refusal(_ error: GitError, source: String, target: String, id: String) -> any Error {
        if error.code == .mergeConflict {
            return ActionError("""
                \(source) does not merge cleanly into \(target): \(error.message)
                  nothing was changed; merge it by hand (git merge \(source)), then run 'mission merge \(id)' again \
                to record it
                """)
        }
        if error.code == .uncommittedChange {
            return ActionError("""
                cannot merge \(source) into \(target) in this checkout: \(error.message)
                  nothing was changed; \(target) still points where it did
                """)
        }
        if error.code == .referenceMoved {
            return ActionError("\(target) moved while merging (\(error.message)); nothing was changed, run it again")
        }
        return error
    }

    /// The full name of the branch to merge into: `explicit`, else `mission.codeBranch`, else HEAD's branch.
    public static func targetBranch(_ explicit: String?, repository: Repository) throws -> String {
        let fullName = { (name: String) in name.hasPrefix("refs/") ? name : "refs/heads/\(name)" }
        if let explicit { return fullName(explicit) }
        if let configured = try repository.configString("mission.codeBranch"), !configured.isEmpty {
            return fullName(configured)
        }
        guard let head = try repository.headBranch() else {
            throw ActionError("HEAD is detached: name the branch to merge into with --into")
        }
        return head
    }

    /// `refs/heads/main` as `main`.
    public static func shortName(_ branch: String) -> String {
        branch.hasPrefix("refs/heads/") ? String(branch.dropFirst("refs/heads/".count)) : branch
    }
}

/// What merging a ticket did.
public struct MergeResult: Encodable {
    public let id: String
    public let branch: String
    public let into: String
    public let kind: MergeOutcome.Kind
    public let base: String
    public let head: String
    public let files: [String]
    public let insertions: Int
    public let deletions: Int
    public let packet: String
    public let commit: String
    public let removedWorktree: Bool
    public let deletedBranch: Bool
    /// In a clone of a hub, the push that publishes the merge and deletes the hub's ticket branch.
    public let push: String?
    public let warnings: [String]
    /// What happened, in a sentence: "main fast-forwarded to mission/ID at 1a2b3c4".
    public let summary: String

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(id, forKey: "id")
        try c.encode(branch, forKey: "branch")
        try c.encode(into, forKey: "into")
        let kindName = switch kind {
        case .fastForward: "fast_forward"
        case .mergeCommit: "merge_commit"
        case .upToDate: "up_to_date"
        }
        try c.encode(kindName, forKey: "kind")
        try c.encode(base, forKey: "base")
        try c.encode(head, forKey: "head")
        try c.encode(files, forKey: "files")
        try c.encode(insertions, forKey: "insertions")
        try c.encode(deletions, forKey: "deletions")
        try c.encode(packet, forKey: "packet")
        try c.encode(commit, forKey: "commit")
        try c.encode(removedWorktree, forKey: "removed_worktree")
        try c.encode(deletedBranch, forKey: "deleted_branch")
        try c.encode(push, forKey: "push")
        try c.encode(warnings, forKey: "warnings")
    }
}
