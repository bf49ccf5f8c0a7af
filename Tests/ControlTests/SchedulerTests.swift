import Board
import Control
import Foundation
import Testing

/// A UTC time written `YYYY-MM-DD HH:MM`, optionally `:SS`.
private func utc(_ text: String) -> Date {
    let numbers = text.split(whereSeparator: { " -:".contains($0) }).map { Int($0)! }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let components = DateComponents(year: numbers[0], month: numbers[1], day: numbers[2], hour: numbers[3],
                                    minute: numbers[4], second: numbers.count > 5 ? numbers[5] : 0)
    return calendar.date(from: components)!
}

@Suite struct SchedulerTests {
    /// Every Monday at 06:00 UTC.
    static let weekly = ScheduledJob(cron: "0 6 * * 1", title: "Weekly dependency report")
    /// Every hour on the hour.
    static let hourly = ScheduledJob(cron: "@hourly", title: "Hourly sweep")

    // 2026-01-05 and 2026-01-12 are Mondays.

    @Test func aFireTimeWithinTheGraceIsDueOnTime() {
        let runs = Scheduler.due(jobs: ["weekly": Self.weekly], lastRuns: ["weekly": utc("2025-12-29 06:00")],
                                 now: utc("2026-01-05 06:00:40"))
        #expect(runs == [ScheduledRun(job: "weekly", due: utc("2026-01-05 06:00"), missed: false)])
        let late = Scheduler.due(jobs: ["weekly": Self.weekly], lastRuns: ["weekly": utc("2025-12-29 06:00")],
                                 now: utc("2026-01-05 06:05"))
        #expect(late == [ScheduledRun(job: "weekly", due: utc("2026-01-05 06:00"), missed: false)])
    }

    @Test func aFireTimeWithItsTicketIsNotDueAgain() {
        let runs = Scheduler.due(jobs: ["weekly": Self.weekly], lastRuns: ["weekly": utc("2026-01-05 06:00")],
                                 now: utc("2026-01-05 06:01"))
        #expect(runs.isEmpty)
        #expect(Scheduler.due(jobs: ["weekly": Self.weekly], lastRuns: ["weekly": utc("2026-01-05 06:00")],
                              now: utc("2026-01-08 12:00")).isEmpty)
    }

    @Test func aNewJobRunsNothingBeforeItsFirstFireTime() {
        // Added on a Wednesday: last Monday's run is not made up, whatever the policy.
        for missed in [MissedRunPolicy.runOnce, .skip] {
            var job = Self.weekly
            job.missed = missed
            #expect(Scheduler.due(jobs: ["weekly": job], lastRuns: [:], now: utc("2026-01-07 10:00")).isEmpty)
            #expect(Scheduler.due(jobs: ["weekly": job], lastRuns: [:], now: utc("2026-01-12 05:59")).isEmpty)
            // Its first fire time after it appeared runs, on time.
            #expect(Scheduler.due(jobs: ["weekly": job], lastRuns: [:], now: utc("2026-01-12 06:00")) == [
                ScheduledRun(job: "weekly", due: utc("2026-01-12 06:00"), missed: false),
            ])
        }
    }

    @Test func missedRunsUnderRunOnceRunOnceHoweverManyWereMissed() {
        // The watcher was down for ten hourly runs (and for the default policy, which is run_once).
        let runs = Scheduler.due(jobs: ["hourly": Self.hourly], lastRuns: ["hourly": utc("2026-01-05 00:00")],
                                 now: utc("2026-01-05 10:30"))
        #expect(runs == [ScheduledRun(job: "hourly", due: utc("2026-01-05 10:00"), missed: true)])
        var explicit = Self.hourly
        explicit.missed = .runOnce
        #expect(Scheduler.due(jobs: ["hourly": explicit], lastRuns: ["hourly": utc("2026-01-05 00:00")],
                              now: utc("2026-01-05 10:30")) == runs)
        // Once that run's ticket exists (created at its due time), nothing more is due until the next hour.
        #expect(Scheduler.due(jobs: ["hourly": Self.hourly], lastRuns: ["hourly": utc("2026-01-05 10:00")],
                              now: utc("2026-01-05 10:31")).isEmpty)
    }

    @Test func missedRunsUnderSkipRunNothingUntilTheNextFireTime() {
        var job = Self.hourly
        job.missed = .skip
        let last = ["hourly": utc("2026-01-05 00:00")]
        #expect(Scheduler.due(jobs: ["hourly": job], lastRuns: last, now: utc("2026-01-05 10:30")).isEmpty)
        #expect(Scheduler.due(jobs: ["hourly": job], lastRuns: last, now: utc("2026-01-05 11:00:10")) == [
            ScheduledRun(job: "hourly", due: utc("2026-01-05 11:00"), missed: false),
        ])
    }

    @Test func theGraceDecidesWhatCountsAsMissed() {
        let last = ["weekly": utc("2025-12-29 06:00")]
        let now = utc("2026-01-05 06:10")
        #expect(Scheduler.due(jobs: ["weekly": Self.weekly], lastRuns: last, now: now).map(\.missed) == [true])
        #expect(Scheduler.due(jobs: ["weekly": Self.weekly], lastRuns: last, now: now, grace: 600).map(\.missed) == [false])
    }

    @Test func jobsComeInNameOrderAndBadOrImpossibleCronsAreLeftOut() {
        let jobs = [
            "b-hourly": Self.hourly,
            "a-weekly": Self.weekly,
            "broken": ScheduledJob(cron: "0 25 * * *", title: "Broken"),
            "never": ScheduledJob(cron: "0 0 31 2 *", title: "Never"),
        ]
        let last = ["b-hourly": utc("2026-01-05 05:00"), "a-weekly": utc("2025-12-29 06:00"),
                    "broken": utc("2025-01-01 00:00"), "never": utc("2025-01-01 00:00")]
        #expect(Scheduler.due(jobs: jobs, lastRuns: last, now: utc("2026-01-05 06:02")) == [
            ScheduledRun(job: "a-weekly", due: utc("2026-01-05 06:00"), missed: false),
            ScheduledRun(job: "b-hourly", due: utc("2026-01-05 06:00"), missed: false),
        ])
    }

    // MARK: Tickets

    static func record(_ id: String, labels: [String], created: Date?, archived: Bool = false) -> TicketRecord {
        TicketRecord(id: id, folder: archived ? "board/archive/2025/12/\(id)" : "board/tickets/\(id)", archived: archived,
                     treeID: nil, spec: Ticket(id: id, title: id, labels: labels, created: created), status: nil,
                     evidence: [], notes: [], diagnostics: [], locations: SpecLocations())
    }

    @Test func lastRunsAreTheLatestCreatedOfEachJobsLabelledTickets() {
        let snapshot = BoardSnapshot(
            location: BoardLocation(branch: "main"), commit: nil, config: BoardConfig(),
            tickets: [
                Self.record("MC-AAA1", labels: ["schedule:weekly"], created: utc("2025-12-22 06:00"), archived: true),
                Self.record("MC-AAA2", labels: ["ops", "schedule:weekly"], created: utc("2025-12-29 06:00")),
                Self.record("MC-AAA3", labels: ["schedule:weekly"], created: utc("2025-12-15 06:00")),
                Self.record("MC-AAA4", labels: ["schedule:hourly"], created: utc("2026-01-05 05:00")),
                Self.record("MC-AAA5", labels: ["schedule:hourly"], created: nil),
                Self.record("MC-AAA6", labels: ["weekly", "scheduled"], created: utc("2026-01-05 07:00")),
            ],
            archivedFolders: ["MC-AAA1": "board/archive/2025/12/MC-AAA1"], layoutDiagnostics: [])
        #expect(Scheduler.lastRuns(in: snapshot) == ["weekly": utc("2025-12-29 06:00"), "hourly": utc("2026-01-05 05:00")])
        #expect(Scheduler.label(for: "weekly") == "schedule:weekly")
    }

    @Test func theTicketOfARunIsReadyLabelledAndDatedAtItsDueTime() {
        let job = ScheduledJob(cron: "0 6 * * 1", title: "Weekly dependency report", assignee: "planner",
                               labels: ["deps"], description: "List outdated dependencies.\n")
        let run = ScheduledRun(job: "dependency-report", due: utc("2026-01-05 06:00"), missed: false)
        let ticket = Scheduler.ticket(for: run, job: job, id: "MC-7K3Q")
        #expect(ticket == Ticket(
            id: "MC-7K3Q", title: "Weekly dependency report (2026-01-05 06:00 UTC)", kind: .chore, state: .ready,
            workflow: "task", assignee: "planner", labels: ["deps", "schedule:dependency-report"],
            created: utc("2026-01-05 06:00"),
            acceptance: ["What the scheduled job 'dependency-report' asks for is done: Weekly dependency report."],
            description: """
                List outdated dependencies.

                Created by scheduled job 'dependency-report' (cron 0 6 * * 1) for its run at 2026-01-05 06:00 UTC.

                """))

        // Its ticket is what lastRuns reads back: the run is then done.
        let snapshot = BoardSnapshot(
            location: BoardLocation(branch: "main"), commit: nil, config: BoardConfig(),
            tickets: [TicketRecord(id: ticket.id, folder: "board/tickets/\(ticket.id)", archived: false, treeID: nil,
                                   spec: ticket, status: nil, evidence: [], notes: [], diagnostics: [],
                                   locations: SpecLocations())],
            archivedFolders: [:], layoutDiagnostics: [])
        let lastRuns = Scheduler.lastRuns(in: snapshot)
        #expect(Scheduler.due(jobs: ["dependency-report": job], lastRuns: lastRuns, now: utc("2026-01-05 06:02")).isEmpty)
    }

    @Test func aMissedRunsTicketSaysSo() {
        let job = ScheduledJob(cron: "@hourly", title: "Hourly sweep", workflow: "code", labels: ["schedule:sweep"])
        let run = ScheduledRun(job: "sweep", due: utc("2026-01-05 10:00"), missed: true)
        let ticket = Scheduler.ticket(for: run, job: job, id: "MC-0Q4M")
        #expect(ticket.workflow == "code")
        #expect(ticket.labels == ["schedule:sweep"])
        #expect(ticket.description == """
            Created by scheduled job 'sweep' (cron @hourly) for its run at 2026-01-05 10:00 UTC. That run was missed \
            while the watcher was down, so it runs late, once, under the job's run_once policy.

            """)
    }
}
