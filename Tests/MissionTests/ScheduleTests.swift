import Board
import Foundation
import Testing

/// Scheduled jobs through the real watcher: a job's time creates a ticket that runs like any other, and a run
/// missed while the watcher was down follows the job's policy.
@Suite(.serialized)
struct ScheduleTests {
    static func utc(_ date: Date, _ component: Calendar.Component) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.component(component, from: date)
    }

    static func schedule(_ sandbox: Sandbox, cron: String, missed: String) throws {
        try sandbox.write("board/schedule.yaml", """
            jobs:
              report:
                cron: "\(cron)"
                title: Dependency report
                workflow: task
                missed: \(missed)
            """)
        try sandbox.git("commit", "-q", "-am", "a scheduled job").expectSuccess()
    }

    static func scheduled(_ sandbox: Sandbox) throws -> [String] {
        let list = try sandbox.mission("list", "--label", "schedule:report", "--json").expectSuccess().stdout
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])
        return rows.compactMap { $0["id"] as? String }
    }

    @Test func aJobsTimeCreatesATicketThatRunsAndLeavesEvidence() throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        let now = Date()
        try Self.schedule(sandbox, cron: "\(Self.utc(now, .minute)) \(Self.utc(now, .hour)) * * *", missed: "run_once")
        try sandbox.mission("reconcile", "--once", "--allow", AgentBoard.agentPath).expectSuccess()
        let ids = try Self.scheduled(sandbox)
        #expect(ids.count == 1)
        let id = try #require(ids.first)
        #expect(try sandbox.git("log", "-1", "--format=%B", "--", "board/tickets/\(id)").stdout.contains("Mission-Schedule: report"))
        try sandbox.mission("reconcile", "--once", "--allow", AgentBoard.agentPath).expectSuccess()
        #expect(try sandbox.read("board/tickets/\(id)/status.yaml").contains("status: done"))
        #expect(FileManager.default.fileExists(atPath: "\(sandbox.path)/board/tickets/\(id)/evidence/0001-run.yaml"))
        // Once per time: no second ticket.
        #expect(try Self.scheduled(sandbox).count == 1)
    }

    @Test(arguments: [("run_once", 1), ("skip", 0)])
    func aRunMissedWhileTheWatcherWasDownFollowsTheJobsPolicy(policy: String, runs: Int) throws {
        let (sandbox, _) = try AgentBoard.make(titles: [])
        let twoHoursAgo = Date().addingTimeInterval(-2 * 3600)
        try Self.schedule(sandbox, cron: "\(Self.utc(twoHoursAgo, .minute)) \(Self.utc(twoHoursAgo, .hour)) * * *", missed: policy)
        // The run of the day before happened.
        let formatter = ISO8601DateFormatter()
        try sandbox.write("board/tickets/MC-PREV/ticket.yaml", """
            id: MC-PREV
            title: Dependency report, yesterday
            kind: chore
            state: cancelled
            workflow: task
            labels: [schedule:report]
            created: \(formatter.string(from: twoHoursAgo.addingTimeInterval(-86_400)))
            """)
        try sandbox.git("add", "board").expectSuccess()
        try sandbox.git("commit", "-q", "-m", "yesterday's run").expectSuccess()
        try sandbox.mission("reconcile", "--once", "--allow", AgentBoard.agentPath).expectSuccess()
        let made = try Self.scheduled(sandbox).filter { $0 != "MC-PREV" }
        #expect(made.count == runs)
        if let id = made.first {
            #expect(try sandbox.read("board/tickets/\(id)/ticket.yaml").contains("missed"))
        }
    }
}
