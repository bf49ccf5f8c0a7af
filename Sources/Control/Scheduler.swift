import Board
import Foundation

/// One run of a scheduled job that is due now.
public struct ScheduledRun: Sendable, Hashable {
    /// The job's name in `schedule.yaml`.
    public var job: String
    /// The fire time this run is for (UTC, on a whole minute): the latest one at or before now.
    public var due: Date
    /// Whether the watcher was down at that time and this is the one catch-up run of the `run_once` policy.
    public var missed: Bool

    /// A run of `job` for the fire time `due`.
    public init(job: String, due: Date, missed: Bool) {
        self.job = job
        self.due = due
        self.missed = missed
    }
}

/// Which scheduled jobs of `schedule.yaml` are due, and the ticket each run creates. Pure: the time comes in as
/// `now`, and a job's last run is read from the board's own tickets, so nothing is remembered outside git and
/// every run leaves a ticket, its sessions and their evidence like any other work. Times are UTC.
///
/// For each job, `latest` is its latest fire time at or before `now`, and `last` is its last run (`lastRuns`):
/// - `last` ≥ `latest`: that fire time has its ticket; nothing is due.
/// - `now` − `latest` ≤ `grace`: the fire time has just passed; one run is due on time (`missed: false`).
/// - otherwise the watcher was down at `latest` (and perhaps at earlier fire times too). Under `run_once`, the
///   default, one run is due now for `latest` (`missed: true`), however many fire times were missed; under
///   `skip`, nothing is, and the job runs again at its next fire time.
/// - a job that has never run (no `last`) is new: fire times before it appeared are not made up, so only an
///   on-time run is due, and it first runs at a fire time the watcher sees within `grace`. Without a ticket
///   there is no record of when it appeared, so a job added within `grace` after a fire time runs for that time.
///
/// The watcher must therefore evaluate within `grace` of each fire time (it sets a timer for the earliest
/// `CronSchedule.next(after:)` of all jobs), or an on-time run is treated as missed.
public enum Scheduler {
    /// The runs due at `now`, in order of job name. A job whose `cron` does not parse is left out (the board's
    /// validation reports it), and so is one whose schedule never fires.
    ///
    /// - Parameters:
    ///   - lastRuns: each job's last run, from `lastRuns(in:)`.
    ///   - grace: how late after a fire time a run still counts as on time.
    public static func due(jobs: [String: ScheduledJob], lastRuns: [String: Date], now: Date,
                           grace: TimeInterval = 300) -> [ScheduledRun] {
        var runs: [ScheduledRun] = []
        for (name, job) in jobs.sorted(by: { $0.key < $1.key }) {
            guard let schedule = try? CronSchedule(parsing: job.cron),
                  let latest = schedule.previous(atOrBefore: now) else { continue }
            let onTime = now.timeIntervalSince(latest) <= grace
            guard let last = lastRuns[name] else {
                if onTime { runs.append(ScheduledRun(job: name, due: latest, missed: false)) }
                continue
            }
            guard last < latest else { continue }
            if onTime {
                runs.append(ScheduledRun(job: name, due: latest, missed: false))
            } else if job.missedRunPolicy == .runOnce {
                runs.append(ScheduledRun(job: name, due: latest, missed: true))
            }
        }
        return runs
    }

    /// Each job's last run: the latest `created` of the loaded tickets, active or archived, that carry the job's
    /// label (`label(for:)`). Tickets without `created` do not count. Only archived tickets the snapshot loaded
    /// are seen; a job whose tickets are all archived and not loaded looks new, which runs nothing late.
    public static func lastRuns(in snapshot: BoardSnapshot) -> [String: Date] {
        var runs: [String: Date] = [:]
        for record in snapshot.tickets {
            // Optional chains borrow the spec; binding it would copy every ticket.
            guard let created = record.spec?.created, record.spec?.labels.isEmpty == false else { continue }
            for label in record.spec?.labels ?? [] where label.hasPrefix(labelPrefix) {
                let job = String(label.dropFirst(labelPrefix.count))
                if runs[job].map({ $0 < created }) ?? true { runs[job] = created }
            }
        }
        return runs
    }

    /// The label every ticket of `job` carries: `schedule:<job>`.
    public static func label(for job: String) -> String { labelPrefix + job }

    private static let labelPrefix = "schedule:"

    /// The spec of the ticket a run creates, `ready` so the watcher starts it: the job's title with the fire time,
    /// its workflow (`task` when it names none), assignee, labels plus `label(for:)`, and description plus a line
    /// saying which job and time created it. `created` is the fire time, which is what `lastRuns(in:)` reads back.
    public static func ticket(for run: ScheduledRun, job: ScheduledJob, id: String) -> Ticket {
        let when = stamp(run.due)
        var labels = job.labels ?? []
        let own = label(for: run.job)
        if !labels.contains(own) { labels.append(own) }
        var origin = "Created by scheduled job '\(run.job)' (cron \(job.cron)) for its run at \(when) UTC."
        if run.missed {
            origin += " That run was missed while the watcher was down, so it runs late, once,"
                + " under the job's run_once policy."
        }
        let text = job.description?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return Ticket(
            id: id, title: "\(job.title) (\(when) UTC)", kind: .chore, state: .ready,
            workflow: job.workflow ?? ScheduledJob.defaultWorkflow, assignee: job.assignee, labels: labels,
            created: run.due, acceptance: ["What the scheduled job '\(run.job)' asks for is done: \(job.title)."],
            description: text.isEmpty ? origin + "\n" : text + "\n\n" + origin + "\n")
    }

    /// `YYYY-MM-DD HH:MM` in UTC.
    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute))"
    }
}
