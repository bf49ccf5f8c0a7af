import Actions
import ArgumentParser
import Board
import Control
import Foundation
import Runtime
import Watcher

/// `mission reconcile --once`: one pass of the watcher, for cron and tests.
struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reconcile", 
        abstract: "Run one pass of the watcher: plan, dispatch ready tickets, wait for them, commit the evidence.",
        discussion: """
            For cron and scripts; 'mission watch' is the long-running watcher and runs the same loop. A ready ticket \
            is claimed with a compare-and-swap commit before its runtime starts; when the session ends, its signal is \
            harvested and the outcome committed: status.yaml and an evidence packet, with Mission-* trailers.
            """)

    @OptionGroup var board: BoardOptions

    @Flag(help: "Run one pass and exit (required; 'mission watch' keeps running).")
    var once = false

    @OptionGroup var host: HostOptions

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard once else { throw ValidationError("use --once for one pass; 'mission watch' is the watcher that keeps running") }
    }

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            _ = try context.listing()  // fails clearly when there is no board
            let environment = ProcessInfo.processInfo.environment
            let policy = try host.policy(environment)
            let report = try Reconciler(store: context.store, policy: policy, environment: environment).runOnce()
            if json {
                try Output.json(report.sessions.map {
                    ["ticket": $0.ticket, "session": $0.session, "status": $0.terminal.status.rawValue,
                     "root_cause": $0.terminal.rootCause ?? "", "summary": $0.terminal.summary]
                })
                return
            }
            if report.actions.isEmpty { print("Nothing to do: no ticket is ready.") }
            for session in report.sessions {
                print("\(session.ticket)  \(session.session)  \(session.terminal.status.rawValue): \(session.terminal.summary)")
            }
            for skipped in report.skipped { print("skipped \(skipped.action.ticket): \(skipped.why)") }
            for reason in report.waiting { print("waiting: \(reason)") }
        }
    }
}
