import Actions
import Board
import Control
import Foundation
import Git

/// The board the console serves, confined to one actor: a repository is used from one thread at a time. It keeps
/// the parsed board of the branch tip it last read, so that pages cost their rendering, not a board load.
actor ConsoleBoard {
    private let context: BoardContext
    private var cached: (tip: ObjectID, snapshot: BoardSnapshot, facets: BoardFacets)?

    init(repository: String?, branch: String?, dir: String?) throws {
        context = try BoardContext.open(repository: repository, branch: branch, dir: dir)
        _ = try context.listing()
    }

    /// `main · board/`, for the header.
    private var boardLabel: String { "\(context.location.branchName) · \(context.location.directory)/" }

    /// The branch tip, or nil before the first commit.
    func tip() -> String? {
        (try? context.store.tip())?.hex
    }

    /// The git identity actions are signed with.
    func identity() -> (name: String, email: String) {
        guard let signature = try? context.store.identity() else { return ("unknown", "") }
        return (signature.name, signature.email)
    }

    /// The board at the tip, every ticket parsed, and the values its filters offer: read again only where a commit
    /// changed it.
    private func board() throws -> (snapshot: BoardSnapshot, facets: BoardFacets) {
        let tip = try context.store.tip()
        if let cached, cached.tip == tip { return (cached.snapshot, cached.facets) }
        let snapshot = try cached.map { try context.store.refreshed($0.snapshot) } ?? context.snapshot()
        let facets = BoardFacets(snapshot)
        if let tip { cached = (tip, snapshot, facets) }
        return (snapshot, facets)
    }

    private func snapshot() throws -> BoardSnapshot { try board().snapshot }

    private func page(_ access: Access.Grant) -> PageContext {
        let me = identity()
        return PageContext(tip: tip(), csrf: access.csrf, name: me.name, email: me.email, board: boardLabel)
    }

    func boardPage(_ filters: BoardFilters, access: Access.Grant) throws -> String {
        let (snapshot, facets) = try board()
        return BoardPage.render(snapshot, facets: facets, filters: filters, me: identity(), context: page(access), now: Date())
    }

    func ticketPage(_ id: String, notice: HTML, access: Access.Grant) throws -> String {
        let detail = try context.ticketDetail(id, loaded: try snapshot())
        var extras = TicketExtras()
        extras.work = try? context.branchWork(id)
        if let tip = detail.snapshot.commit {
            extras.history = try context.ticketHistory(id, in: detail.snapshot, limit: 50)
            for packet in detail.packets {
                let path = "\(detail.record.folder)/\(TicketFile.evidence)/\(packet.name)"
                extras.packetCommits[packet.name] = try context.repository.log(from: tip, touching: [path], limit: 1).first?.id
            }
        }
        return TicketPage.render(detail, extras: extras, context: page(access), notice: notice, now: Date())
    }

    func healthPage(window: Interval, access: Access.Grant) throws -> String {
        let now = Date()
        let reading = try context.health(window: window, now: now)
        let board = try snapshot()
        let waiting = board.tickets.filter { BoardPage.personStages.contains(board.stage(of: $0)) }
            .map { board.position(of: $0) }.filter(\.needsPerson)
        var output: [String: String] = [:]
        for session in reading.report.sessions { output[session.session] = context.sessionOutputTail(session.session) }
        return HealthPage.render(reading.report, problems: reading.problems, waiting: waiting, output: output,
                                 window: window.text, context: page(access), now: now)
    }

    func ledgerPage(campaign: String?, access: Access.Grant) throws -> String {
        LedgerPage.render(try context.ledger(campaign: campaign, loaded: try snapshot()), campaign: campaign, context: page(access))
    }

    func logPage(access: Access.Grant) throws -> String {
        LogPage.render(try context.history(limit: LogPage.limit), context: page(access))
    }

    /// The artifact `blob` of ticket `id`, as its packet names it, with its contents; nil when no packet of the
    /// ticket lists that blob (the console serves only what a ticket's evidence names).
    func artifact(_ blob: String, of id: String) throws -> (artifact: Artifact, bytes: [UInt8])? {
        guard let artifact = try context.artifact(blob, of: id) else { return nil }
        return (artifact, try context.contents(of: artifact))
    }

    /// A page that says what went wrong, in the library's words.
    func errorPage(_ message: String, access: Access.Grant) -> String {
        Layout.page(title: "Mission Control", section: nil, context: page(access),
                    main: HTML.tag("h1", [], .raw("Not here")) + Layout.notice(message, error: true))
    }

    /// Carries out `action` on ticket `id` through the library, exactly as the command line would, and says what it
    /// did in a sentence; an `ActionError` carries the library's own words.
    func perform(_ action: ConsoleAction, on id: String, form: [String: String]) throws -> String {
        switch action {
        case .ready, .hold, .cancel:
            let state: DesiredState = action == .ready ? .ready : action == .hold ? .hold : .cancelled
            let change = try context.setState(id, to: state)
            return change.commit == nil ? "\(id) is already \(change.state)." : "\(id): \(change.previous) -> \(change.state)"
        case .note:
            let note = try context.note(id, body: form["body"] ?? "")
            return "Added a note to \(id): \(note.path)"
        case .answer:
            let answer = try context.answer(id, body: form["body"] ?? "")
            return "Answered \(id)'s \(answer.answered.rawValue); the watcher sends it back to \(answer.gate ?? "its gate")."
        case .signoff:
            guard let decision = form["decision"].flatMap(SignoffDecision.init(rawValue:)) else {
                throw ActionError("choose approve or reject")
            }
            let result = try context.signOff(id, gate: form["gate"] ?? "", decision: decision, note: form["note"])
            let verb = decision == .approve ? "approved" : "rejected"
            return "\(id): \(result.gate) \(verb) by \(result.by); the watcher moves it to \(result.next ?? "done")."
        case .switch:
            let result = try context.switchProfile(id, to: form["profile"] ?? "", note: form["note"])
            let warnings = result.warnings.map { "\nwarning: \($0)" }.joined()
            return (result.commit == nil ? "\(id) already runs on \(result.profile)." : "\(id): the next session runs on \(result.profile).")
                + warnings
        }
    }
}

/// What a form on a ticket page can ask for.
enum ConsoleAction: String, Sendable, CaseIterable {
    case ready, hold, cancel, note, answer, signoff, `switch`
}
