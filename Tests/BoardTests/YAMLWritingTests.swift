import Board
import Foundation
import Testing

/// What the watcher writes reads back through the strict decoder exactly.
@Suite struct YAMLWritingTests {
    @Test func statusAndEvidenceRoundTripThroughTheStrictDecoder() throws {
        let date = Date(timeIntervalSince1970: 1_795_342_500.25)
        let status = TicketStatus(status: .needsInput, gate: "implement", round: 2, attempt: 1, updated: date,
                                  session: SessionRef(id: "S-1", profile: "codex", runner: "host", pid: 42, started: date),
                                  question: "Which port: 80 or 8080?", failures: ["exit_nonzero": 1],
                                  nextAction: NextAction(who: "luci", what: "answer the question"))
        let bytes = try YAMLWriting.encode(status, header: "# Written by the watcher.")
        let back = try YAMLDocument.parse(bytes, file: "status.yaml").decode(TicketStatus.self)
        #expect(back == status)

        let packet = EvidencePacket(
            kind: .session, ticket: "MC-1", gate: "implement", session: "S-1", role: "coder", profile: "codex",
            adapter: AdapterRecord(harness: "script", executable: "/usr/bin/agent", argv: ["agent", "--x"]),
            started: date, ended: date.addingTimeInterval(3), durationSeconds: 3, exitCode: 0, signal: nil,
            harvested: .done, summary: "did: it", verdict: nil, change: nil, checks: nil, artifacts: nil, usage: nil,
            terminal: TerminalState(status: .ok, summary: "done", rootCause: "done", safeRetry: nil,
                                    stopCondition: "DONE", humanInputRequired: false, nextActions: ["next"]),
            transcript: TranscriptRef(blob: String(repeating: "a", count: 40), tail: "line 1\nline 2\n"), signoff: nil)
        let packetBack = try YAMLDocument.parse(try YAMLWriting.encode(packet), file: "0001-implement.yaml")
            .decode(EvidencePacket.self)
        #expect(packetBack == packet)
    }
}
