import Board
import Foundation
import Git
import Runtime

extension Reconciler {
    /// Writes this runner's record (see `RunnerRecord`) when what it announces changed, at most every few seconds,
    /// or when its heartbeat is due; on a hub the record is pushed too. `stopping` says the runner stops cleanly.
    /// A record that cannot be written or pushed is said once in `news`; the work goes on without it.
    public func announce(now: Date, stopping: Bool = false) {
        guard let snapshot = board else { return }
        let unrunnable = unrunnableProfiles(snapshot)
        let record = RunnerRecord(
            runner: runner, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()), labels: policy.labels,
            profiles: snapshot.config.runtimes.profiles.keys.filter { unrunnable[$0] == nil }.sorted(),
            maxWorkers: snapshot.config.settings.limits.maxWorkers,
            sessions: Set(tracked.values.map(\.started.ticket)).sorted(), hub: hub?.url, started: startedAt,
            heartbeat: now, stopped: stopping ? now : nil)
        if let last = announced, !stopping {
            let age = now.timeIntervalSince(last.heartbeat)
            guard age >= heartbeatInterval || (!last.sameAnnouncement(as: record) && age >= 5) else { return }
        }
        do {
            let reference = try RunnerRecords.write(record, to: store.repository, identity: try store.identity(at: now))
            try hub?.publishOwn(reference)
            announced = record
            announceFailed = false
        } catch {
            // Tried again at the next heartbeat; said once until it works again.
            announced = record
            if !announceFailed { news.append("the runner record of \(runner) was not written: \(error)") }
            announceFailed = true
        }
    }
}
