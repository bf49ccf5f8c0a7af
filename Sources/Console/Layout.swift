import Control
import Foundation

/// What every page needs to know about the request it answers.
struct PageContext: Sendable {
    /// The board branch's tip the page was rendered from; the live script compares it with each event.
    var tip: String?
    /// The value every form posts back as `csrf`; nil when this browser holds no token, and may not act.
    var csrf: String?
    /// The git identity the console's actions are signed with.
    var name: String
    var email: String
    var identity: String { email.isEmpty ? name : "\(name) <\(email)>" }
    /// The board's branch and folder, for the header.
    var board: String
}

/// The console's pages: one layout around each page's `main`.
enum Layout {
    enum Section: String, CaseIterable, Sendable {
        case board, ledger, health, log

        var path: String { self == .board ? "/" : "/\(rawValue)" }
        var label: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    }

    /// A whole page. The live script swaps `main` when the board moves; the header and the flash stay.
    static func page(title: String, section: Section?, context: PageContext, notice: HTML = .empty, main: HTML) -> String {
        var nav: [HTML] = [HTML.tag("span", [("class", "brand")], .raw("Mission Control"))]
        for item in Section.allCases {
            nav.append(HTML.tag("a", [("href", item.path), ("class", item == section ? "here" : "")], .text(item.label)))
        }
        nav.append(HTML.tag("span", [("class", "muted")], .text(context.board)))
        let access = context.csrf == nil
            ? HTML.tag("span", [("title", "open the link mission serve printed to act")], .raw("read-only · "))
            : HTML.tag("span", [("title", "actions are signed as this identity")], .text("as \(context.identity) · "))
        nav.append(HTML.tag("span", [("class", "live")], access, HTML.tag("span", [("id", "live")], .raw("connecting…"))))
        let body = HTML.tag("body", [("data-tip", context.tip ?? "")],
                            HTML.tag("header", [("class", "top")], nav),
                            HTML.tag("div", [("id", "stale"), ("class", "card")],
                                     .raw("The board moved while you were typing: reload the page to see it.")),
                            notice,
                            HTML.tag("main", [], main),
                            HTML.tag("script", [("src", "/assets/console.js")]))
        let head = HTML.tag("head", [],
                            HTML.void("meta", [("charset", "utf-8")]),
                            HTML.void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
                            HTML.tag("title", [], .text(title)),
                            // No favicon to fetch: a page loads nothing but its own sheet and script.
                            HTML.void("link", [("rel", "icon"), ("href", "data:,")]),
                            HTML.void("link", [("rel", "stylesheet"), ("href", "/assets/console.css")]))
        return "<!doctype html>\n" + HTML.tag("html", [("lang", "en")], head, body).description
    }

    /// A form that posts one action; its hidden `csrf` field proves the page came from this console.
    static func form(_ action: String, context: PageContext, class name: String, _ fields: [HTML]) -> HTML {
        guard let csrf = context.csrf else { return .empty }
        return HTML.tag("form", [("method", "post"), ("action", action), ("class", name)],
                        [HTML.void("input", [("type", "hidden"), ("name", "csrf"), ("value", csrf)])] + fields)
    }

    /// A one-line notice: what an action did, or the error it met (the same words the command line prints).
    static func notice(_ text: String, error: Bool) -> HTML {
        HTML.tag("div", [("class", error ? "card error" : "card flash"), ("role", error ? "alert" : "status")], .text(text))
    }

    /// `3h` since `date`, or `-`.
    static func age(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        return TicketPosition.compactAge(now.timeIntervalSince(date))
    }

    /// A link to ticket `id`'s page.
    static func ticketLink(_ id: String) -> HTML {
        HTML.tag("a", [("href", "/tickets/" + URLText.component(id)), ("class", "mono")], .text(id))
    }
}

extension Layout {
    /// The page for a request refused before it reached the board: no board data on it.
    static func refusal(_ why: String) -> String {
        "<!doctype html>\n" + HTML.tag("html", [("lang", "en")],
            HTML.tag("head", [], HTML.void("meta", [("charset", "utf-8")]), HTML.tag("title", [], .raw("Mission Control"))),
            HTML.tag("body", [], HTML.tag("h1", [], .raw("Mission Control")), HTML.tag("p", [], .text(why)))).description
    }
}
