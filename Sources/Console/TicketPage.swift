import Actions
import Board
import Control
import Foundation
import Git

/// What the ticket page shows beyond the ticket itself: its branch's work and the commits that made its history.
struct TicketExtras {
    var work: BranchWork?
    /// The ticket's history, newest first.
    var history: [Commit] = []
    /// The commit that added each evidence packet, by file name.
    var packetCommits: [String: ObjectID] = [:]
}

/// `/tickets/ID`: spec, the gate timeline with its evidence, the branch's diff, notes, the open question, the next
/// action and who must take it, the transcript's tail, and the actions a person can take from here.
enum TicketPage {
    static func render(_ detail: TicketDetail, extras: TicketExtras, context: PageContext, notice: HTML, now: Date) -> String {
        let record = detail.record
        let snapshot = detail.snapshot
        let position = snapshot.position(of: record)
        let spec = record.spec
        var main: [HTML] = []
        main.append(HTML.tag("h1", [], HTML.tag("span", [("class", "mono")], .text(record.id)), .text("  "),
                             .text(spec?.title ?? "(broken: the spec does not load)")))
        main.append(summary(record, position: position, snapshot: snapshot))
        main.append(actions(record, position: position, snapshot: snapshot, context: context,
                            screenshots: latestScreenshots(detail)))
        if spec?.kind == .campaign, let rollup = Campaigns.rollup(record.id, in: snapshot) {
            main.append(campaign(rollup))
        }
        main.append(timeline(detail, extras: extras, position: position))
        if let spec { main.append(specSection(spec, record: record, snapshot: snapshot)) }
        if let work = extras.work { main.append(branch(work)) }
        main.append(notes(detail))
        main.append(history(extras.history))
        let problems = snapshot.diagnostics(for: record.id)
        if !problems.isEmpty {
            main.append(HTML.tag("h2", [], .raw("Problems")))
            main.append(HTML.tag("pre", [], .text(problems.map(\.description).joined(separator: "\n"))))
        }
        return Layout.page(title: "\(record.id) · Mission Control", section: nil, context: context, notice: notice,
                           main: .join(main))
    }

    private static func summary(_ record: TicketRecord, position: TicketPosition, snapshot: BoardSnapshot) -> HTML {
        var fields: [(String, HTML)] = []
        let word = snapshot.statusWord(of: record)
        let tone = ["failed", "BROKEN", "blocked", "cycle"].contains(word) ? "badge bad" : word == "done" ? "badge good" : "badge"
        fields.append(("Status", HTML.tag("span", [("class", tone), ("id", "status")], .text(word))))
        fields.append(("Gate", .text(position.gateText)))
        fields.append(("Owner", .text((position.owner ?? "-") + " (steers)")))
        fields.append(("Executing", .text(position.executorText)))
        if let status = record.status {
            fields.append(("Round", .text("\(status.round), attempt \(status.attempt)")))
            if let session = status.session {
                fields.append(("Session", .text("\(session.id) on \(session.profile ?? "-") (runner \(session.runner ?? "-"))")))
            }
        }
        if let next = position.nextAction {
            fields.append(("Next", HTML.tag("strong", [], .text(next.who)) + .text(": \(next.what)")))
        }
        if let question = position.question {
            fields.append(("Question", HTML.tag("pre", [("id", "question")], .text(question))))
        }
        if let reason = position.blockedReason { fields.append(("Blocked", .text(reason))) }
        if let cycle = snapshot.dependencyCycles[record.id] {
            fields.append(("Cycle", .text(cycle)))
        }
        if let due = position.overdue { fields.append(("Overdue", .text("the check-in was due \(When.short(due))"))) }
        if record.archived { fields.append(("Archived", .text(record.folder))) }
        return HTML.tag("div", [("class", "card")], definitions(fields))
    }

    private static func definitions(_ fields: [(String, HTML)]) -> HTML {
        HTML.tag("dl", [("class", "fields")], fields.flatMap { [HTML.tag("dt", [], .text($0.0)), HTML.tag("dd", [], $0.1)] })
    }

    /// The forms for what a person may do now; the console offers nothing the command line would refuse outright
    /// (and the library refuses the rest with the same words).
    /// The images of the latest packet that has any (a browser gate's screenshots), for a sign-off beside them.
    private static func latestScreenshots(_ detail: TicketDetail) -> HTML {
        for item in detail.packets.reversed() {
            guard case .success(let packet) = item.result else { continue }
            let images = (packet.artifacts ?? []).filter { ($0.mediaType ?? "").hasPrefix("image/") && $0.blob != nil }
            if !images.isEmpty {
                return HTML.tag("div", [("class", "screenshots")],
                                HTML.tag("div", [("class", "muted")], .text("Screenshots from \(item.name):")),
                                artifactList(images, ticket: detail.record.id))
            }
        }
        return .empty
    }

    private static func actions(_ record: TicketRecord, position: TicketPosition, snapshot: BoardSnapshot,
                                context: PageContext, screenshots: HTML) -> HTML {
        guard context.csrf != nil else {
            return HTML.tag("p", [("class", "muted")],
                            .raw("Read-only: open the link that mission serve printed to act from this browser."))
        }
        guard !record.archived, let spec = record.spec else { return .empty }
        let base = "/tickets/\(URLText.component(record.id))"
        var parts: [HTML] = []
        var buttons: [HTML] = []
        if !record.isClosed {
            for state in [DesiredState.ready, .hold, .cancelled] where spec.state != state {
                let name = state == .cancelled ? "cancel" : state.rawValue
                buttons.append(Layout.form("\(base)/\(name)", context: context, class: "action-\(name)",
                                           [HTML.tag("button", [("type", "submit"), ("class", state == .ready ? "" : "plain")],
                                                     .text(state == .ready ? "Ready" : state == .hold ? "Hold" : "Cancel"))]))
            }
        }
        if !buttons.isEmpty { parts.append(HTML.tag("div", [("class", "actions")], buttons)) }

        let status = record.status
        if status?.status == .needsInput && status?.question != nil || status?.status == .blocked {
            let what = status?.status == .blocked ? "Answer the block" : "Answer the question"
            parts.append(Layout.form("\(base)/answer", context: context, class: "card action-answer", [
                HTML.tag("label", [("for", "answer-body")], HTML.tag("strong", [], .text(what))),
                HTML.tag("textarea", [("name", "body"), ("id", "answer-body"), ("required", "")]),
                HTML.tag("button", [("type", "submit")], .raw("Send the answer")),
            ]))
        }
        if status?.status == .waiting, case .human(let group)? = position.executor, let gate = status?.gate {
            let settings = snapshot.config.settings
            if settings.isApprover(in: group, name: context.name, email: context.email) {
                parts.append(Layout.form("\(base)/signoff", context: context, class: "card action-signoff", [
                    HTML.tag("strong", [], .text("Sign off \(gate) (approver group \(group))")),
                    screenshots,
                    HTML.void("input", [("type", "hidden"), ("name", "gate"), ("value", gate)]),
                    HTML.tag("label", [("for", "signoff-note")], .raw(" Note (a rejection needs one)")),
                    HTML.tag("textarea", [("name", "note"), ("id", "signoff-note")]),
                    HTML.tag("div", [("class", "actions")],
                             HTML.tag("button", [("type", "submit"), ("name", "decision"), ("value", "approve")], .raw("Approve")),
                             HTML.tag("button", [("type", "submit"), ("name", "decision"), ("value", "reject"), ("class", "plain")],
                                      .raw("Reject"))),
                ]))
            } else {
                // The library would refuse this person's sign-off: the page says who may sign instead of offering it.
                let members = settings.approvers[group] ?? []
                parts.append(HTML.tag("div", [("class", "card")], .text("\(gate) waits for a sign-off from approver group '\(group)' ("
                    + (members.isEmpty ? "nobody is listed" : members.joined(separator: ", ")) + "); \(context.identity) is not in it.")))
            }
        }
        let profiles = snapshot.config.runtimes.profiles.keys.sorted()
        if !record.isClosed, !profiles.isEmpty {
            let options = profiles.map { name in
                name == spec.profile ? HTML.tag("option", [("value", name), ("selected", "")], .text(name))
                                     : HTML.tag("option", [("value", name)], .text(name))
            }
            parts.append(Layout.form("\(base)/switch", context: context, class: "card action-switch", [
                HTML.tag("label", [("for", "switch-profile")], HTML.tag("strong", [], .raw("Runtime profile "))),
                HTML.tag("select", [("name", "profile"), ("id", "switch-profile")], options),
                HTML.tag("button", [("type", "submit"), ("class", "plain")], .raw("Switch")),
            ]))
        }
        parts.append(Layout.form("\(base)/note", context: context, class: "card action-note", [
            HTML.tag("label", [("for", "note-body")], HTML.tag("strong", [], .raw("Add a note"))),
            HTML.tag("textarea", [("name", "body"), ("id", "note-body"), ("required", "")]),
            HTML.tag("button", [("type", "submit"), ("class", "plain")], .raw("Add the note")),
        ]))
        return HTML.tag("section", [("id", "actions")], parts)
    }

    private static func campaign(_ rollup: CampaignRollup) -> HTML {
        let rows = rollup.children.map { child in
            HTML.tag("tr", [],
                     HTML.tag("td", [], Layout.ticketLink(child.id)),
                     HTML.tag("td", [], .text(child.label)),
                     HTML.tag("td", [], .text(child.gate ?? "-")),
                     HTML.tag("td", [("class", "title")], .text(child.title),
                              child.blocker.map { HTML.tag("div", [("class", "next")], .text($0.summary)) } ?? .empty))
        }
        return HTML.tag("section", [],
                        HTML.tag("h2", [], .text("Campaign: \(rollup.closedCount)/\(rollup.children.count) closed")),
                        HTML.tag("table", [], HTML.tag("tbody", [], rows)))
    }

    /// Each gate of the workflow with the packets recorded at it, in order: sessions, verdicts, checks, sign-offs,
    /// and the commit that recorded each.
    private static func timeline(_ detail: TicketDetail, extras: TicketExtras, position: TicketPosition) -> HTML {
        let workflow = position.workflow.flatMap { detail.snapshot.config.workflows.workflows[$0] }
        var gates = workflow?.gates.map(\.name) ?? []
        for packet in detail.packets {
            if case .success(let p) = packet.result, !gates.contains(p.gate) { gates.append(p.gate) }
        }
        var items: [HTML] = []
        for gate in gates {
            let packets = detail.packets.filter { packet in
                if case .success(let p) = packet.result { return p.gate == gate }
                return false
            }
            let here = position.gate == gate && !position.isClosed
            let heading = HTML.tag("strong", [], .text(gate)) + .text(here ? "  ← here" : packets.isEmpty ? "  (not reached)" : "")
            var body: [HTML] = [heading]
            for packet in packets {
                if case .success(let p) = packet.result {
                    body.append(evidence(name: packet.name, p, commit: extras.packetCommits[packet.name]))
                }
            }
            // A gate reads as its latest packet says: a return that was fixed later is history, not the state.
            let failed = packets.last.map { packet in
                guard case .success(let p) = packet.result else { return true }
                return p.verdict?.decision == .fail || p.verdict?.decision == .returnForFixes
                    || p.signoff?.decision == .reject || p.terminal?.status == .error
            } ?? false
            items.append(HTML.tag("li", [("class", failed ? "fail" : packets.isEmpty ? "" : "pass")], body))
        }
        for packet in detail.packets {
            if case .failure(let diagnostic) = packet.result {
                items.append(HTML.tag("li", [("class", "fail")], .text("\(packet.name) does not load: \(diagnostic)")))
            }
        }
        return HTML.tag("section", [("id", "timeline")], HTML.tag("h2", [], .raw("Gates and evidence")),
                        HTML.tag("ol", [("class", "timeline")], items))
    }

    /// One evidence packet, readably.
    private static func evidence(name: String, _ p: EvidencePacket, commit: ObjectID?) -> HTML {
        var lines: [HTML] = []
        var head = "\(p.kind.rawValue)"
        if let profile = p.profile { head += " on \(profile)" }
        if let role = p.role { head += " as \(role)" }
        if let ended = p.ended { head += ", \(When.short(ended))" }
        if let seconds = p.durationSeconds { head += String(format: ", %.0f s", seconds) }
        var title: HTML = HTML.tag("span", [("class", "mono")], .text(name)) + .text("  " + head)
        if let commit { title += .text("  ") + HTML.tag("span", [("class", "mono muted")], .text(commit.short)) }
        lines.append(HTML.tag("div", [], title))
        if let terminal = p.terminal {
            let tone = terminal.status == .ok ? "badge good" : terminal.status == .error ? "badge bad" : "badge warn"
            lines.append(HTML.tag("div", [], HTML.tag("span", [("class", tone)], .text(terminal.status.rawValue)),
                                  .text(" \(terminal.summary)"),
                                  terminal.rootCause.map { HTML.tag("span", [("class", "muted")], .text(" (\($0))")) } ?? .empty))
        } else if let summary = p.summary {
            lines.append(HTML.tag("div", [], .text(summary)))
        }
        if let verdict = p.verdict {
            let tone = verdict.decision == .pass ? "badge good" : "badge bad"
            var findings: [HTML] = [HTML.tag("span", [("class", tone)], .text("verdict: \(verdict.decision.rawValue)"))]
            if let list = verdict.findings, !list.isEmpty {
                findings.append(HTML.tag("ul", [], list.map { HTML.tag("li", [], .text($0)) }))
            }
            lines.append(HTML.tag("div", [], findings))
        }
        for check in p.checks ?? [] {
            let exit = check.exitCode.map { "exit \($0)" } ?? "no exit"
            lines.append(HTML.tag("div", [], HTML.tag("code", [], .text(check.command)), .text("  \(exit)")))
            if let tail = check.outputTail, !tail.isEmpty { lines.append(HTML.tag("pre", [], .text(tail))) }
        }
        if let change = p.change {
            let files = change.files ?? []
            lines.append(HTML.tag("div", [("class", "muted")],
                                  .text("\(change.branch): \(files.count) file\(files.count == 1 ? "" : "s"), +\(change.insertions ?? 0) -\(change.deletions ?? 0)")))
        }
        if let signoff = p.signoff {
            let tone = signoff.decision == .approve ? "badge good" : "badge bad"
            lines.append(HTML.tag("div", [], HTML.tag("span", [("class", tone)], .text(signoff.decision.rawValue)),
                                  .text(" by \(signoff.by)")))
            if let note = signoff.note { lines.append(HTML.tag("pre", [], .text(note))) }
        }
        if let usage = p.usage, usage.inputTokens != nil || usage.costUSD != nil {
            var text = "tokens: \(usage.inputTokens ?? 0) in, \(usage.outputTokens ?? 0) out"
            if let cost = usage.costUSD { text += String(format: ", $%.4f", cost) }
            lines.append(HTML.tag("div", [("class", "muted")], .text(text)))
        }
        if let artifacts = p.artifacts, !artifacts.isEmpty {
            lines.append(artifactList(artifacts, ticket: p.ticket))
        }
        if let tail = p.transcript?.tail, !tail.isEmpty {
            lines.append(HTML.tag("details", [], HTML.tag("summary", [], .raw("Transcript tail")), HTML.tag("pre", [("class", "transcript")], .text(tail))))
        }
        return HTML.tag("div", [("class", "card packet"), ("id", "packet-\(name)")], lines)
    }

    /// A packet's artifacts: images shown inline, everything else a link; one left out says why.
    private static func artifactList(_ artifacts: [Artifact], ticket: String) -> HTML {
        var images: [HTML] = []
        var others: [HTML] = []
        for artifact in artifacts {
            let size = artifact.size.map { $0 >= 1024 * 1024 ? String(format: "%.1f MB", Double($0) / 1_048_576)
                                                              : $0 >= 1024 ? "\($0 / 1024) kB" : "\($0) B" } ?? ""
            guard let blob = artifact.blob else {
                others.append(HTML.tag("li", [], HTML.tag("code", [], .text(artifact.name)), .text("  \(artifact.description ?? "not stored")")))
                continue
            }
            let url = "/tickets/\(URLText.component(ticket))/artifacts/\(URLText.component(blob))"
            if let type = artifact.mediaType, type.hasPrefix("image/"), Routes.inline.contains(type) {
                images.append(HTML.tag("figure", [("class", "artifact")],
                                       HTML.tag("a", [("href", url)], HTML.void("img", [("src", url), ("alt", artifact.name), ("loading", "lazy")])),
                                       HTML.tag("figcaption", [], .text("\(artifact.name)  \(size)"))))
            } else {
                others.append(HTML.tag("li", [], HTML.tag("a", [("href", url)], HTML.tag("code", [], .text(artifact.name))),
                                       .text("  \(artifact.mediaType ?? "") \(size)")))
            }
        }
        return HTML.tag("div", [("class", "artifacts")],
                        images.isEmpty ? .empty : HTML.tag("div", [("class", "images")], images),
                        others.isEmpty ? .empty : HTML.tag("ul", [], others))
    }

    private static func specSection(_ spec: Ticket, record: TicketRecord, snapshot: BoardSnapshot) -> HTML {
        var fields: [(String, HTML)] = [
            ("Kind", .text(spec.kind.rawValue)), ("Priority", .text(spec.priority.rawValue)), ("State", .text(spec.state.rawValue)),
            ("Workflow", .text(snapshot.workflowName(of: spec))),
            ("Assignee", .text(spec.assignee ?? snapshot.config.settings.defaultAssignee ?? "-")),
        ]
        if let profile = spec.profile { fields.append(("Profile", .text(profile))) }
        if let parent = spec.parent { fields.append(("Parent", Layout.ticketLink(parent))) }
        if !spec.blockedBy.isEmpty {
            let open = Set(snapshot.openBlockers(of: record))
            fields.append(("Blocked by", .join(spec.blockedBy.map { id in
                Layout.ticketLink(id) + .text(open.contains(id) ? " (open)  " : " (closed)  ")
            })))
        }
        if !spec.labels.isEmpty { fields.append(("Labels", .text(spec.labels.joined(separator: ", ")))) }
        if let created = spec.created { fields.append(("Created", .text(When.short(created)))) }
        var parts: [HTML] = [HTML.tag("h2", [], .raw("Spec")), HTML.tag("div", [("class", "card")], definitions(fields))]
        if !spec.writtenAcceptance.isEmpty {
            parts.append(HTML.tag("h2", [], .raw("Acceptance")))
            parts.append(HTML.tag("ul", [("id", "acceptance")], spec.writtenAcceptance.map { HTML.tag("li", [], .text($0)) }))
        }
        if let description = spec.writtenDescription, !description.isEmpty {
            parts.append(HTML.tag("h2", [], .raw("Description")))
            parts.append(HTML.tag("div", [("class", "card description")], HTML.tag("pre", [("class", "plain")], .text(description))))
        }
        return HTML.tag("section", [("id", "spec")], parts)
    }

    private static func branch(_ work: BranchWork) -> HTML {
        let change = work.change
        let files = change.files.map { file in
            HTML.tag("li", [], HTML.tag("code", [], .text(file.path)),
                     .text(file.isBinary ? "  binary" : "  +\(file.insertions) -\(file.deletions)"))
        }
        return HTML.tag("section", [("id", "diff")],
                        HTML.tag("h2", [], .text("Branch \(work.branch): \(change.files.count) file\(change.files.count == 1 ? "" : "s"), +\(change.insertions) -\(change.deletions)")),
                        HTML.tag("ul", [], files),
                        HTML.tag("details", [], HTML.tag("summary", [], .raw("Diff")), HTML.tag("pre", [], .text(work.patch)),
                                 work.truncated ? HTML.tag("p", [("class", "muted")], .raw("The diff is cut here: git diff shows the rest.")) : .empty))
    }

    private static func notes(_ detail: TicketDetail) -> HTML {
        guard !detail.notes.isEmpty else { return .empty }
        return HTML.tag("section", [("id", "notes")], [HTML.tag("h2", [], .raw("Notes"))] + detail.notes.map { note in
            HTML.tag("div", [("class", "card note")], HTML.tag("div", [("class", "muted mono")], .text(note.name)),
                     HTML.tag("pre", [("class", "plain")], .text(note.text.trimmingCharacters(in: .newlines))))
        })
    }

    private static func history(_ commits: [Commit]) -> HTML {
        guard !commits.isEmpty else { return .empty }
        return HTML.tag("section", [("id", "history")], HTML.tag("h2", [], .raw("History")), LogPage.table(commits, linkTickets: false))
    }
}
