import Board
import Control
import Foundation

/// The board page's filters, read from and written to the URL so that a filtered board can be bookmarked or sent.
struct BoardFilters: Sendable, Equatable {
    var owner = ""
    var label = ""
    var campaign = ""
    var status = ""
    /// `me`: tickets waiting for this console's person; `person`: tickets waiting for anyone.
    var needs = ""
    /// Show every ticket of each group, not only the first `BoardPage.shown`.
    var all = false

    init() {}

    init(query: [String: String]) {
        owner = query["owner"] ?? ""
        label = query["label"] ?? ""
        campaign = query["campaign"] ?? ""
        status = query["status"] ?? ""
        needs = query["needs"] ?? ""
        all = query["all"] == "1"
    }

    var pairs: [(String, String)] {
        [("owner", owner), ("label", label), ("campaign", campaign), ("status", status), ("needs", needs), ("all", all ? "1" : "")]
    }
}

/// `/`: the same information as `mission board`, by status, with filters.
enum BoardPage {
    /// How many tickets of a group are shown before a "show all" link: a 10,000-ticket board stays a page.
    static let shown = 200

    /// The stages where a person may be the one a ticket waits for; only these need a whole position to filter.
    static let personStages: Set<String> = ["needs_input", "blocked", "in_review", "broken", "waiting"]

    /// Every ticket is grouped by its stage (cheap); whole positions are worked out only for the rows shown and
    /// for what the `needs` filter must look at, so the page costs what it shows, not the size of the board.
    static func render(_ snapshot: BoardSnapshot, facets: BoardFacets, filters: BoardFilters,
                       me: (name: String, email: String), context: PageContext, now: Date) -> String {
        var filter = TicketFilter()
        if !filters.owner.isEmpty { filter.owners = [filters.owner] }
        let settings = snapshot.config.settings
        let records = snapshot.tickets(matching: filter).filter { record in
            (filters.label.isEmpty || record.spec?.labels.contains(filters.label) == true)
                && (filters.campaign.isEmpty || record.spec?.parent == filters.campaign)
                && (filters.status.isEmpty || snapshot.stage(of: record) == filters.status)
                && (filters.needs.isEmpty || personStages.contains(snapshot.stage(of: record)) && {
                    let position = snapshot.position(of: record)
                    return position.needsPerson && (filters.needs != "me" || Self.isFor(position, me: me, settings: settings))
                }())
        }
        let groups = BoardGroups.make(records, stage: snapshot.stage(of:), finished: snapshot.finished,
                                      includingCancelled: filters.status == "cancelled" || filters.all)

        var main: [HTML] = [HTML.tag("h1", [], .text("Board"))]
        main.append(filterForm(facets, filters: filters))
        if groups.isEmpty {
            main.append(HTML.tag("p", [("class", "muted")], .text(snapshot.tickets.isEmpty
                ? "No tickets yet: 'mission new \"Title\"' makes one." : "No tickets match these filters.")))
        }
        for group in groups {
            main.append(section(group, filters: filters, snapshot: snapshot, now: now))
        }
        let total = groups.reduce(0) { $0 + $1.items.count }
        main.append(HTML.tag("p", [("class", "muted")], .text("\(total) ticket\(total == 1 ? "" : "s") shown of \(snapshot.tickets.count).")))
        return Layout.page(title: "Board · Mission Control", section: .board, context: context, main: .join(main))
    }

    /// Whether the person `me` is the one a ticket waits for: its owner, a member of the gate's approver group, or
    /// anyone when it has no owner.
    static func isFor(_ position: TicketPosition, me: (name: String, email: String), settings: BoardSettings) -> Bool {
        if case .human(let group)? = position.executor, position.stage == "waiting" {
            return settings.isApprover(in: group, name: me.name, email: me.email)
        }
        guard let owner = position.owner else { return true }
        return owner == me.name || owner == me.email
    }

    private static func filterForm(_ facets: BoardFacets, filters: BoardFilters) -> HTML {
        let (owners, labels, campaigns) = (facets.owners, facets.labels, facets.campaigns)
        let stages = BoardGroups.order.map { ($0.stage, $0.heading.capitalized) }
        let needs = [("person", "a person"), ("me", "me")]
        func select(_ name: StaticString, _ label: String, _ options: [(String, String)], _ chosen: String) -> HTML {
            var items = [HTML.tag("option", [("value", "")], .text("any"))]
            for (value, text) in options {
                items.append(value == chosen ? HTML.tag("option", [("value", value), ("selected", "")], .text(text))
                                             : HTML.tag("option", [("value", value)], .text(text)))
            }
            return HTML.tag("label", [], .text(label), HTML.tag("select", [("name", name.description)], items))
        }
        return HTML.tag("form", [("method", "get"), ("action", "/"), ("class", "filters")],
                        select("owner", "Owner", owners.map { ($0, $0) }, filters.owner),
                        select("label", "Label", labels.map { ($0, $0) }, filters.label),
                        select("campaign", "Campaign", campaigns, filters.campaign),
                        select("status", "Status", stages, filters.status),
                        select("needs", "Needs", needs, filters.needs),
                        HTML.tag("button", [("type", "submit")], .raw("Filter")),
                        HTML.tag("a", [("href", "/")], .raw("clear")))
    }

    private static func section(_ group: BoardGroups.Group<TicketRecord>, filters: BoardFilters, snapshot: BoardSnapshot,
                                now: Date) -> HTML {
        let visible = filters.all ? group.items[...] : group.items.prefix(shown)
        var rows: [HTML] = []
        for p in visible.map(snapshot.position(of:)) {
            var title: [HTML] = [.text(p.title)]
            if let next = p.nextAction {
                title.append(HTML.tag("div", [("class", "next")], .text("→ \(next.who): \(next.what)")))
            }
            if let question = p.question, p.stage == "needs_input" {
                title.append(HTML.tag("div", [("class", "next")], .text("? \(question.split(separator: "\n").first.map(String.init) ?? question)")))
            }
            if let reason = p.blockedReason, !(p.nextAction?.what.contains(reason) ?? false) {
                title.append(HTML.tag("div", [("class", "next")], .text("blocked: \(reason)")))
            }
            if let due = p.overdue {
                title.append(HTML.tag("div", [("class", "next")], HTML.tag("span", [("class", "badge warn")], .text("overdue since \(When.short(due))"))))
            }
            rows.append(HTML.tag("tr", [("data-id", p.id)],
                                 HTML.tag("td", [], Layout.ticketLink(p.id)),
                                 HTML.tag("td", [("class", "title")], title),
                                 HTML.tag("td", [], .text(p.gateText)),
                                 HTML.tag("td", [("class", "optional")], .text(p.owner ?? "-")),
                                 HTML.tag("td", [("class", "optional")], .text(p.executorText)),
                                 HTML.tag("td", [("class", "optional")], .text(p.round.map(String.init) ?? "-")),
                                 HTML.tag("td", [("class", "optional")], .text(Layout.age(p.since, now: now)))))
        }
        let head = HTML.tag("thead", [], HTML.tag("tr", [], ["ID", "Title", "Gate", "Owner", "Role/profile", "Round", "Age"].map {
            HTML.tag("th", [], .text($0))
        }))
        var parts: [HTML] = [
            HTML.tag("h2", [], .text(group.heading), HTML.tag("span", [("class", "count")], .text("\(group.items.count)"))),
            HTML.tag("table", [("class", "board")], head, HTML.tag("tbody", [], rows)),
        ]
        if visible.count < group.items.count {
            var more = filters
            more.status = group.stage
            more.all = true
            parts.append(HTML.tag("p", [], HTML.tag("a", [("href", URLText.path("/", query: more.pairs))],
                                                     .text("Show all \(group.items.count) \(group.heading.lowercased())"))))
        }
        return HTML.tag("section", [("class", "group"), ("id", "group-\(group.stage)")], parts)
    }
}

/// The values the board's filters offer: every owner, label and campaign on the board, worked out once per commit.
struct BoardFacets {
    let owners: [String]
    let labels: [String]
    /// Each campaign's id and its id and title.
    let campaigns: [(String, String)]

    init(_ snapshot: BoardSnapshot) {
        var owners = Set<String>(), labels = Set<String>()
        var campaigns: [(String, String)] = []
        for record in snapshot.tickets {
            guard let spec = record.spec else { continue }
            if let owner = spec.owner { owners.insert(owner) }
            labels.formUnion(spec.labels)
            if spec.kind == .campaign { campaigns.append((record.id, "\(record.id) \(spec.title)")) }
        }
        self.owners = owners.sorted()
        self.labels = labels.sorted()
        self.campaigns = campaigns
    }
}
