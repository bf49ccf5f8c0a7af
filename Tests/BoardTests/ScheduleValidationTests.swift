import Board
import Foundation
import Testing

/// `schedule.yaml` is checked when the board loads: each job's cron at the field that is wrong, its workflow and
/// its assignee against the other configuration files.
@Suite struct ScheduleValidationTests {
    /// The diagnostics of `board/schedule.yaml` on the starter board with `schedule` as that file.
    func diagnostics(_ schedule: String, workflows: String? = nil) throws -> [String] {
        let board = try BoardFixture()
        try board.write("board/schedule.yaml", schedule)
        if let workflows { try board.write("board/workflows.yaml", workflows) }
        return board.load().allDiagnostics.filter { $0.location.file == "board/schedule.yaml" }.map(\.description)
    }

    @Test func aBadCronIsReportedAtTheFieldThatIsWrong() throws {
        let found = try diagnostics("""
            # Scheduled jobs.
            jobs:
              nightly:
                title: Nightly sweep
                cron: "0 25 * * *"
              monthly:
                title: Monthly report
                cron: 0 6 1 jna *
              weekly:
                title: Weekly report
                cron: '0 6 * * mon-fri/0'
              escaped:
                title: Escaped quotes count in the column
                cron: "0 \\"6\\" * * * x"
              single:
                title: So do doubled single quotes
                cron: '0 ''6'' * * * x'
              macro:
                title: Macro
                cron: "@dayly"
              short:
                title: Short
                cron: "0 6 * *"

            """)
        let tooMany = "cron must have five fields (minute hour day-of-month month day-of-week), found 6"
        #expect(found == [
            "board/schedule.yaml:5:14: error: hour must be 0-23 (found 25)",
            "board/schedule.yaml:8:17: error: month must be 1-12 or jan-dec (found 'jna'); did you mean 'jan'?",
            "board/schedule.yaml:11:28: error: day of week step must be at least 1 (found 0)",
            "board/schedule.yaml:14:26: error: \(tooMany)",
            "board/schedule.yaml:17:26: error: \(tooMany)",
            "board/schedule.yaml:20:12: error: unknown macro '@dayly'; known: @yearly, @annually, @monthly, @weekly, "
                + "@daily, @midnight, @hourly; did you mean '@daily'?",
            "board/schedule.yaml:23:12: error: cron must have five fields (minute hour day-of-month month day-of-week), found 4",
        ])
    }

    @Test func jobsNameExistingWorkflowsAndRoles() throws {
        let found = try diagnostics("""
            jobs:
              report:
                cron: "@weekly"
                title: Report
                workflow: tsak
                assignee: planer

            """)
        #expect(found == [
            "board/schedule.yaml:5:15: error: unknown workflow 'tsak'; did you mean 'task'?",
            "board/schedule.yaml:6:15: error: unknown role 'planer'; did you mean 'planner'?",
        ])
    }

    @Test func aJobWithoutAWorkflowNeedsTheTaskWorkflow() throws {
        let found = try diagnostics("""
            jobs:
              report:
                cron: "@weekly"
                title: Report

            """, workflows: """
            workflows:
              code:
                gates:
                  - {name: implement, role: coder}

            """)
        #expect(found == ["board/schedule.yaml:3:5: error: job 'report' names no workflow and workflows.yaml has no 'task' workflow"])
    }

    @Test func everyValidFormPasses() throws {
        let found = try diagnostics("""
            jobs:
              a: {cron: "*/15 9-17 * * mon-fri", title: A}
              b: {cron: '@daily', title: B, missed: skip}
              c: {cron: "0 0 1,15 jan-jun/2 7", title: C, workflow: code, assignee: coder}
              d: {cron: 0 6 * * 1, title: D}

            """)
        #expect(found.isEmpty, "\(found)")
    }
}
