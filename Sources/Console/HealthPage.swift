import Board
import Control
import Foundation

/// `/health`: runners, live sessions with their age and leases, per-profile outcomes by root cause, rate-limit
/// parks, and what needs a person now.
enum HealthPage {
    /// `output` is the end of what each running session printed, by session id, for the sessions of this host.
    static func render(_ report: HealthReport, problems: [String], waiting: [TicketPosition], output: [String: String],
                       window: String, context: PageContext, now: Date) -> String {
        var main: [HTML] = [HTML.tag("h1", [], .raw("Health"))]
        let counts = HealthReport.statusOrder.compactMap { name in report.statuses[name].map { "\($0) \(name)" } }
        main.append(HTML.tag("p", [], .text("Tickets: " + (counts.isEmpty ? "none started" : counts.joined(separator: ", ")))))

        main.append(HTML.tag("h2", [], .text("Needs a person now (\(waiting.count))")))
        if waiting.isEmpty {
            main.append(HTML.tag("p", [("class", "muted")], .raw("Nothing waits for a person.")))
        } else {
            main.append(table(["Ticket", "Status", "Who", "What"], waiting.map { p in
                [Layout.ticketLink(p.id), .text(p.stage), .text(p.nextAction?.who ?? "-"), .text(p.nextAction?.what ?? p.title)]
            }))
        }

        main.append(HTML.tag("h2", [], .raw("Runners")))
        if report.runners.isEmpty {
            main.append(HTML.tag("p", [("class", "muted")], .raw("No runner has announced itself or holds a session.")))
        } else {
            main.append(table(["Runner", "State", "Host", "Heartbeat", "Load", "Labels", "Leases"], report.runners.map { runner in
                let record = runner.record
                let leases = runner.sessions == 0 ? "-" : runner.expiredLeases == 0 ? "hold"
                    : "\(runner.expiredLeases) ran out: the next watcher to wake settles them"
                return [.text(runner.name), .text(runner.state), .text(record?.host ?? "?"),
                        .text(record.map { Layout.age($0.heartbeat, now: now) + " ago" } ?? "never"),
                        .text(record.map { "\(runner.sessions)/\($0.maxWorkers)" } ?? "\(runner.sessions)"),
                        .text(record.map { $0.labels.joined(separator: ", ") } ?? "?"), .text(leases)]
            }))
        }
        for problem in problems { main.append(Layout.notice(problem, error: true)) }

        main.append(HTML.tag("h2", [], .text("Live sessions (\(report.sessions.count))")))
        if report.sessions.isEmpty {
            main.append(HTML.tag("p", [("class", "muted")], .raw("No session is running.")))
        } else {
            main.append(table(["Ticket", "Gate", "Profile", "Runner", "Age", "Lease", "Last output"], report.sessions.map { session in
                let lease = session.leaseUntil.map { until in
                    session.leaseExpired ? "ran out \(Layout.age(until, now: now)) ago"
                        : "holds \(TicketPosition.compactAge(until.timeIntervalSince(now))) more"
                } ?? "-"
                let last = output[session.session].flatMap { $0.split(separator: "\n").last.map(String.init) }
                let shown = last.map { HTML.tag("code", [("class", "last-output")], .text(String($0.prefix(160)))) }
                    ?? HTML.tag("span", [("class", "muted")], .text("none here (another host, or nothing yet)"))
                return [Layout.ticketLink(session.ticket), .text(session.gate ?? "-"), .text(session.profile ?? "-"),
                        .text(session.runner ?? "-"), .text(Layout.age(session.started, now: now)), .text(lease), shown]
            }))
        }

        main.append(HTML.tag("h2", [], .text("Profiles: sessions ended in the last \(window)")))
        if report.profiles.isEmpty {
            main.append(HTML.tag("p", [("class", "muted")], .raw("No runtime profiles.")))
        } else {
            main.append(table(["Profile", "Runs", "OK", "Warn", "Error", "Parked", "Why not OK"], report.profiles.map { profile in
                let causes = profile.causes.map { "\($0.cause) \($0.count)" }.joined(separator: ", ")
                return [.text(profile.profile), .text("\(profile.runs)"), .text("\(profile.ok)"), .text("\(profile.warning)"),
                        .text("\(profile.error)"), .text(profile.parkedUntil.map { "until \(When.short($0))" } ?? "-"),
                        .text(causes.isEmpty ? "-" : causes)]
            }))
        }
        return Layout.page(title: "Health · Mission Control", section: .health, context: context, main: .join(main))
    }

    private static func table(_ headings: [String], _ rows: [[HTML]]) -> HTML {
        HTML.tag("table", [],
                 HTML.tag("thead", [], HTML.tag("tr", [], headings.map { HTML.tag("th", [], .text($0)) })),
                 HTML.tag("tbody", [], rows.map { HTML.tag("tr", [], $0.map { HTML.tag("td", [], $0) }) }))
    }
}
