import Foundation
import Runtime

/// Reading a running session's stream as it grows, to act on what the CLI says before its limits would: a rate
/// limit stops the session at once (the profile is parked until the reset), and a provider failure the CLI keeps
/// retrying by itself stops it after a few attempts, so neither waits out the idle limit.
struct LiveStream {
    /// How many retries of a failing provider request the watcher lets a CLI make before stopping it.
    static let providerRetries = 3
    /// How long after the first retry of a failing provider request the watcher stops the CLI.
    static let providerRetryWindow: TimeInterval = 20

    private var parser: any HarnessParser
    private var offset: UInt64 = 0
    private var partial = Data()
    private var retries = 0
    private var firstRetry: Date?

    init(harness: any Harness, now: Date) { parser = harness.makeParser(now: now) }

    /// Reads what `output` gained since the last call; the reason to stop the session now, if there is one.
    mutating func reasonToStop(output: String, now: Date) -> String? {
        if let firstRetry, now.timeIntervalSince(firstRetry) >= Self.providerRetryWindow { return "the CLI kept retrying" }
        guard let file = FileHandle(forReadingAtPath: output) else { return nil }
        defer { try? file.close() }
        guard (try? file.seek(toOffset: offset)) != nil, let data = try? file.readToEnd(), !data.isEmpty else { return nil }
        offset += UInt64(data.count)
        partial.append(data)
        guard let last = partial.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
        let complete = partial[partial.startIndex...last]
        partial = Data(partial[partial.index(after: last)...])
        for line in complete.split(separator: UInt8(ascii: "\n")) {
            var text = String(decoding: line, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }  // a CRLF line
            for event in parser.parse(line: text) {
                switch event {
                case .rateLimited(_, let message):
                    return message
                case .providerRetry(let status, let message):
                    if status == 401 || status == 403 { return message }  // retrying refused credentials helps nobody
                    retries += 1
                    firstRetry = firstRetry ?? now
                    if retries >= Self.providerRetries { return message }
                default:
                    continue
                }
            }
        }
        return nil
    }
}

extension Reconciler {
    /// Stops the session when its stream says to (see `LiveStream`); true when it was stopped.
    func stopEarlyIfTold(_ session: Started, watch: Monitor.Watch, now: Date) -> Bool {
        guard session.check == nil else { return false }
        guard var stream = liveStreams[session.session] ?? (try? Harnesses.named(session.harness ?? "script", command: session.command ?? []))
            .map({ LiveStream(harness: $0, now: now) }) else { return false }
        let reason = stream.reasonToStop(output: SessionDirectory(path: watch.handle.directory).output, now: now)
        liveStreams[session.session] = stream
        guard reason != nil else { return false }
        Monitor.killGroup(watch.handle, isChild: watch.isChild)
        return true
    }
}
