import Foundation
import Runtime
import Testing

/// Each harness reads its CLI's recorded sessions (in the CLI's real format) into the expected events.
@Suite struct HarnessParsingTests {
    // MARK: Whole streams, event by event

    @Test func claudeCodeSuccess() throws {
        let (events, finalText) = parse(try Fakes.recording("claude", "success"), with: ClaudeCodeHarness(), exitCode: 0)
        #expect(events == [
            .sessionStarted(cliSessionID: Fakes.sessionIDs["claude"], model: "claude-sonnet-4-5-20250929"),
            .message("I'll run the harvester tests first."),
            .toolUse(name: "Bash", input: #"{"command":"swift test --filter HarvesterTests","description":"Run the harvester tests"}"#),
            .toolResult(tool: "Bash", isError: false, text: "Test run with 14 tests in 1 suite passed after 0.412 seconds."),
            .message(Fakes.done),
            .usage(.init(inputTokens: 18, outputTokens: 612, cachedTokens: 41210, costUSD: 0.0734)),
            .result(ok: true, text: Fakes.done, detail: nil),
        ])
        #expect(finalText == Fakes.done)
    }

    @Test func claudeCodeAPIFailureReportedAsSuccessIsAnError() throws {
        let (events, _) = parse(try Fakes.recording("claude", "api-error"), with: ClaudeCodeHarness(), exitCode: 1)
        let outcome = try #require(events.outcome)
        #expect(!outcome.ok)
        #expect(outcome.text == nil)
        #expect(outcome.detail?.hasPrefix("api_error 500: API Error: 500") == true)
        #expect(events.rateLimitResets.isEmpty)
    }

    @Test func claudeCodeRateLimitCarriesTheResetTime() throws {
        let (events, _) = parse(try Fakes.recording("claude", "ratelimit"), with: ClaudeCodeHarness(), exitCode: 1)
        let reset = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        #expect(events.contains(.rateLimited(resetAt: reset, message: "rate limit reached (five_hour)")))
        #expect(events.contains(.rateLimited(resetAt: reset, message: "Claude AI usage limit reached|1767225600")))
        #expect(events.outcome?.ok == false)
    }

    @Test func codexSuccess() throws {
        let (events, finalText) = parse(try Fakes.recording("codex", "success"), with: CodexHarness(), exitCode: 0)
        let changed = "update /srv/mission/sessions/S-20260110-0007/work/Sources/Control/Harvester.swift"
        #expect(events == [
            .sessionStarted(cliSessionID: Fakes.sessionIDs["codex"], model: nil),
            .toolUse(name: "command", input: "bash -lc 'swift test --filter HarvesterTests'"),
            .toolResult(tool: "command", isError: false, text: "Test run with 14 tests in 1 suite passed after 0.412 seconds.\n"),
            .toolUse(name: "file_change", input: changed),
            .toolResult(tool: "file_change", isError: false, text: changed),
            .message(Fakes.done),
            .usage(.init(inputTokens: 24763, outputTokens: 1220, cachedTokens: 24448)),
            .result(ok: true, text: Fakes.done, detail: nil),
        ])
        #expect(finalText == Fakes.done)
    }

    @Test func codexFailure() throws {
        let (events, _) = parse(try Fakes.recording("codex", "error"), with: CodexHarness(), exitCode: 1)
        #expect(events.contains(.toolResult(tool: "command", isError: true, text: "error: no such module 'Yams'\n")))
        #expect(events.contains(.providerRetry(status: nil, message: "Reconnecting... 1/5")))
        #expect(events.last == .result(ok: false, text: nil, detail: "stream disconnected before completion: error sending "
            + "request for url (https://chatgpt.com/backend-api/codex/responses)"))
    }

    @Test func geminiSuccessJoinsStreamedChunksAndLeavesOutTheEchoedPrompt() throws {
        let (events, finalText) = parse(try Fakes.recording("gemini", "success"), with: GeminiHarness(), exitCode: 0)
        let lines = Fakes.done.split(separator: "\n").map(String.init)
        let text = "I'll run the harvester tests first.\n" + Fakes.done
        #expect(events == [
            .sessionStarted(cliSessionID: Fakes.sessionIDs["gemini"], model: "gemini-2.5-pro"),
            .message("I'll run the harvester tests first."),
            .toolUse(name: "run_shell_command", input: #"{"command":"swift test --filter HarvesterTests","description":"Run the harvester tests"}"#),
            .toolResult(tool: "run_shell_command", isError: false, text: "Test run with 14 tests in 1 suite passed after 0.412 seconds."),
            .message(lines[0] + "\n"),
            .message(lines[1]),
            .usage(.init(inputTokens: 11800, outputTokens: 545, cachedTokens: 8000)),
            .result(ok: true, text: text, detail: nil),
        ])
        #expect(finalText == text)
    }

    @Test func geminiTurnLimitKeepsTheStderrLine() throws {
        let (events, _) = parse(try Fakes.recording("gemini", "error"), with: GeminiHarness(), exitCode: 53)
        #expect(events.contains(.toolResult(tool: "read_file", isError: true,
                                            text: "File not found: /srv/mission/sessions/S-20260110-0007/work/Sources/Control/Retry.swift")))
        #expect(events.contains(.warning("Maximum session turns exceeded")))
        #expect(events.contains(.unparsed("Reached max session turns for this session. Increase the number of turns by "
            + "specifying maxSessionTurns in settings.json.")))
        #expect(events.last == .result(ok: false, text: nil, detail: "exit status 53"))
    }

    @Test func kimiSuccess() throws {
        let (events, finalText) = parse(try Fakes.recording("kimi", "success"), with: KimiHarness(), exitCode: 0)
        #expect(events == [
            .message("I'll run the harvester tests first."),
            .toolUse(name: "Shell", input: #"{"command": "swift test --filter HarvesterTests"}"#),
            .toolResult(tool: "Shell", isError: false, text: "Test run with 14 tests in 1 suite passed after 0.412 seconds."),
            .message(Fakes.done),
            .sessionStarted(cliSessionID: Fakes.sessionIDs["kimi"], model: nil),
            .result(ok: true, text: Fakes.done, detail: nil),
        ])
        #expect(finalText == Fakes.done)
    }

    /// A CLI that ends its lines with CRLF (a pty, a Windows host over ssh) reads exactly as with LF: Swift takes
    /// `\r\n` as one character, so a split at "\n" alone would see one long line.
    @Test(arguments: Fakes.recorded) func crlfLinesReadAsLFLines(_ cli: String, _ scenario: String) throws {
        let output = try Fakes.recording(cli, scenario)
        let harness = Fakes.harness(cli)
        let code = Fakes.exitCode(cli, scenario)
        let crlf = parse(output.replacingOccurrences(of: "\n", with: "\r\n"), with: harness, exitCode: code)
        let lf = parse(output, with: harness, exitCode: code)
        #expect(crlf.events == lf.events)
        #expect(crlf.finalText == lf.finalText)
        #expect("a\r\nb\nc\r\n".outputLines() == ["a", "b", "c", ""])
    }

    @Test func hermesQuietOutput() throws {
        let (events, finalText) = parse(try Fakes.recording("hermes", "success"), with: HermesHarness(), exitCode: 0)
        let lines = Fakes.done.split(separator: "\n").map(String.init)
        #expect(events == [
            .message(lines[0]), .message(lines[1]),
            .sessionStarted(cliSessionID: Fakes.sessionIDs["hermes"], model: nil),
            .result(ok: true, text: Fakes.done, detail: nil),
        ])
        #expect(finalText == Fakes.done)
    }

    @Test func aiderReportsUsageAndItsLinesAreTheText() throws {
        let (events, finalText) = parse(try Fakes.recording("aider", "success"), with: AiderHarness(), exitCode: 0)
        #expect(events.usage == .init(inputTokens: 9300, outputTokens: 412, costUSD: 0.05))
        #expect(events.messages.first == "Aider v0.86.1")
        #expect(finalText.hasSuffix("Commit 4f2a9c1 fix: compare trimmed lines when skipping prompt echoes\n" + Fakes.done))
        #expect(!finalText.contains("Tokens:"))
        #expect(events.outcome?.ok == true)
    }

    @Test func aiderRateLimit() throws {
        let (events, _) = parse(try Fakes.recording("aider", "ratelimit"), with: AiderHarness(), exitCode: 1)
        #expect(events.rateLimitResets == [nil])
        #expect(events.outcome?.ok == false)
        #expect(events.outcome?.detail == "exit status 1")
    }

    @Test func scriptLinesAreMessagesAndTheExitCodeIsTheOutcome() {
        let (events, finalText) = parse("working\n\nDONE: finished\n", with: ScriptHarness(), exitCode: 0)
        #expect(events == [.message("working"), .message("DONE: finished"), .result(ok: true, text: "working\n\nDONE: finished", detail: nil)])
        #expect(finalText == "working\n\nDONE: finished")
        let (failed, _) = parse("", with: ScriptHarness(), exitCode: 3)
        #expect(failed == [.result(ok: false, text: nil, detail: "exit status 3")])
    }

    // MARK: Every recording: outcome, session id, rate limit, final text, exit classification

    struct Expected: Sendable, CustomTestStringConvertible {
        var cli: String
        var scenario: String
        var ok: Bool
        var hasSessionID: Bool
        /// nil: no rate limit; .some(nil): a rate limit without a reset time.
        var reset: Date??
        var finalText: String?
        var failure: HarnessFailure.Kind?

        var testDescription: String { "\(cli)/\(scenario)" }
    }

    static let expectations: [Expected] = {
        let now = Fakes.now
        let codexReset = now.addingTimeInterval(2 * 86_400 + 3 * 3_600 + 5 * 60)
        let geminiReset = now.addingTimeInterval(2 * 3_600 + 30 * 60 + 5)
        let claudeReset = Date(timeIntervalSince1970: 1_767_225_600)
        return [
            .init(cli: "claude", scenario: "success", ok: true, hasSessionID: true, finalText: Fakes.done),
            .init(cli: "claude", scenario: "error", ok: false, hasSessionID: true, finalText: "", failure: .general),
            .init(cli: "claude", scenario: "api-error", ok: false, hasSessionID: true, failure: .general),
            .init(cli: "claude", scenario: "ratelimit", ok: false, hasSessionID: true, reset: claudeReset, failure: .rateLimited),
            .init(cli: "claude", scenario: "question", ok: true, hasSessionID: true, finalText: Fakes.question),
            .init(cli: "claude", scenario: "echo", ok: true, hasSessionID: true, finalText: Fakes.echoDone),
            .init(cli: "claude", scenario: "resumed", ok: true, hasSessionID: true, finalText: Fakes.resumedDone),
            .init(cli: "codex", scenario: "success", ok: true, hasSessionID: true, finalText: Fakes.done),
            .init(cli: "codex", scenario: "error", ok: false, hasSessionID: true, finalText: "", failure: .general),
            .init(cli: "codex", scenario: "ratelimit", ok: false, hasSessionID: true, reset: codexReset, finalText: "", failure: .rateLimited),
            .init(cli: "codex", scenario: "question", ok: true, hasSessionID: true, finalText: Fakes.question),
            .init(cli: "codex", scenario: "echo", ok: true, hasSessionID: true, finalText: Fakes.echoDone),
            .init(cli: "gemini", scenario: "success", ok: true, hasSessionID: true),
            .init(cli: "gemini", scenario: "error", ok: false, hasSessionID: true, finalText: "", failure: .turnLimit),
            .init(cli: "gemini", scenario: "ratelimit", ok: false, hasSessionID: true, reset: geminiReset, finalText: "", failure: .rateLimited),
            .init(cli: "gemini", scenario: "question", ok: true, hasSessionID: true, finalText: Fakes.question),
            .init(cli: "gemini", scenario: "echo", ok: true, hasSessionID: true, finalText: Fakes.echoDone),
            .init(cli: "kimi", scenario: "success", ok: true, hasSessionID: true, finalText: Fakes.done),
            .init(cli: "kimi", scenario: "error", ok: false, hasSessionID: false, failure: .transient),
            .init(cli: "kimi", scenario: "ratelimit", ok: false, hasSessionID: false, reset: now.addingTimeInterval(30), finalText: "",
                  failure: .rateLimited),
            .init(cli: "kimi", scenario: "question", ok: true, hasSessionID: true, finalText: Fakes.question),
            .init(cli: "kimi", scenario: "echo", ok: true, hasSessionID: true, finalText: Fakes.echoDone),
            .init(cli: "hermes", scenario: "success", ok: true, hasSessionID: true, finalText: Fakes.done),
            .init(cli: "hermes", scenario: "error", ok: false, hasSessionID: false, failure: .general),
            .init(cli: "hermes", scenario: "ratelimit", ok: false, hasSessionID: false, failure: .rateLimited),
            .init(cli: "hermes", scenario: "question", ok: true, hasSessionID: true, finalText: Fakes.question),
            .init(cli: "aider", scenario: "success", ok: true, hasSessionID: false),
            .init(cli: "aider", scenario: "error", ok: false, hasSessionID: false, failure: .general),
            .init(cli: "aider", scenario: "ratelimit", ok: false, hasSessionID: false, reset: .some(nil), failure: .rateLimited),
            .init(cli: "aider", scenario: "question", ok: true, hasSessionID: false),
            .init(cli: "aider", scenario: "auth", ok: false, hasSessionID: false),
            .init(cli: "aider", scenario: "overloaded", ok: false, hasSessionID: false),
            .init(cli: "hermes", scenario: "auth", ok: false, hasSessionID: true, failure: .general),
            .init(cli: "hermes", scenario: "overloaded", ok: false, hasSessionID: true, failure: .general),
            .init(cli: "kimi", scenario: "auth", ok: false, hasSessionID: true, failure: .general),
            .init(cli: "kimi", scenario: "overloaded", ok: false, hasSessionID: true, failure: .general),
        ]
    }()

    @Test func everyRecordingHasAnExpectation() {
        let covered = Set(Self.expectations.map { "\($0.cli)/\($0.scenario)" })
        #expect(covered == Set(Fakes.recorded.map { "\($0.0)/\($0.1)" }))
    }

    @Test(arguments: expectations) func recording(_ expected: Expected) throws {
        let output = try Fakes.recording(expected.cli, expected.scenario)
        let harness = Fakes.harness(expected.cli)
        let exitCode = Fakes.exitCode(expected.cli, expected.scenario)
        let (events, finalText) = parse(output, with: harness, exitCode: exitCode)

        let outcomes = events.filter { if case .result = $0 { true } else { false } }
        #expect(outcomes.count == 1, "exactly one outcome")
        #expect(events.outcome?.ok == expected.ok)
        if expected.hasSessionID {
            #expect(events.sessionIDs == [Fakes.sessionIDs[expected.cli]])
        } else {
            #expect(events.sessionIDs.isEmpty)
        }
        switch expected.reset {
        case .none: #expect(events.rateLimitResets.isEmpty)
        case .some(let reset): #expect(events.rateLimitResets.last == reset)
        }
        if let text = expected.finalText { #expect(finalText == text) }
        let lastLines = output.split(separator: "\n").suffix(5).map(String.init)
        #expect(harness.classifyExit(code: exitCode, lastLines: lastLines)?.kind == expected.failure)
        #expect(!events.contains { if case .unparsed = $0 { true } else { false } } || expected.cli == "gemini",
                "only Gemini's stderr line is outside the format")
    }

    @Test(arguments: ["success", "question"]) func signalsAreInTheFinalText(_ scenario: String) throws {
        let signal = scenario == "success" ? #""mission_signal": "DONE""# : #""mission_signal": "QUESTION""#
        for cli in Fakes.clis {
            let (_, finalText) = parse(try Fakes.recording(cli, scenario), with: Fakes.harness(cli), exitCode: 0)
            #expect(finalText.contains(signal), "\(cli)")
            #expect(finalText.split(separator: "\n").last?.hasPrefix("{") == true, "\(cli): the sentinel ends the text")
        }
    }

    /// The stream repeats the prompt (Gemini echoes the user message; the others read the prompt file with a
    /// tool), which holds the words `QUESTION:` and a sentinel example; the final text holds neither.
    @Test(arguments: Fakes.echoing) func anEchoedPromptStaysOutOfTheFinalText(_ cli: String) throws {
        let output = try Fakes.recording(cli, "echo")
        #expect(output.contains("QUESTION: lines in this prompt are examples"))
        #expect(output.contains(#"\"nonce\": \"NONCE\""#))
        let (events, finalText) = parse(output, with: Fakes.harness(cli), exitCode: 0)
        #expect(finalText == Fakes.echoDone)
        #expect(!finalText.contains("QUESTION"))
        #expect(!finalText.contains("NONCE"))
        #expect(!events.messages.contains { $0.contains("QUESTION:") }, "the prompt is never the agent's message")
    }

    // MARK: Bad input

    @Test(arguments: Fakes.clis) func malformedLinesAreKeptNotFatal(_ cli: String) {
        var parser = Fakes.harness(cli).makeParser(now: Fakes.now)
        for line in ["{\"type\":", "not json at all", "{\"type\": 42}", "[1,2]", "{}", "\u{0}\u{1}binary"] {
            let events = parser.parse(line: line)
            #expect(!events.isEmpty, "\(cli): \(line.debugDescription)")
        }
        #expect(parser.parse(line: "") == [])
    }

    @Test(arguments: ["claude", "codex", "gemini"]) func unknownEventTypesAreKeptAsUnparsed(_ cli: String) {
        var parser = Fakes.harness(cli).makeParser(now: Fakes.now)
        let line = #"{"type":"future_event","data":1}"#
        #expect(parser.parse(line: line) == [.unparsed(line)])
    }

    @Test func aRateLimitPrintedOnStderrIsRecognised() {
        var parser = GeminiHarness().makeParser(now: Fakes.now)
        let line = "Error: 429 Too Many Requests. Please retry in 23.5s."
        #expect(parser.parse(line: line) == [.unparsed(line), .rateLimited(resetAt: Fakes.now.addingTimeInterval(23.5), message: line)])
    }

    @Test func aKilledSessionStillEndsWithAnOutcome() throws {
        let partial = try Fakes.recording("claude", "success").split(separator: "\n").prefix(5).joined(separator: "\n")
        let (events, finalText) = parse(partial, with: ClaudeCodeHarness(), exitCode: nil)
        let text = "I'll run the harvester tests first.\n" + Fakes.done
        #expect(events.last == .result(ok: false, text: text, detail: "no exit status"))
        #expect(finalText == text)
    }
}

/// Lines the real CLIs printed against the conformance suite's model server (Claude Code 2.1.327, Codex 0.163.0):
/// each CLI's own retry events, which the watcher acts on before the idle limit would.
@Suite struct RealRetryEventTests {
    @Test func claudeCodesAPIRetryOfA429IsARateLimitThatLiftsAfterItsDelay() {
        let line = #"{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":27298,"error_status":429,"error":"rate_limit","session_id":"s"}"#
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var parser = ClaudeCodeHarness().makeParser(now: now)
        #expect(parser.parse(line: line) == [.rateLimited(resetAt: now.addingTimeInterval(27.298),
                                                          message: "rate limited: rate_limit (429), retry 1")])
    }

    @Test func claudeCodesAPIRetryOfAnOverloadOrRefusedKeyIsAProviderRetry() {
        var parser = ClaudeCodeHarness().makeParser(now: Date())
        let overloaded = #"{"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"retry_delay_ms":1055,"error_status":529,"error":"overloaded","session_id":"s"}"#
        #expect(parser.parse(line: overloaded) == [.providerRetry(status: 529, message: "overloaded (529), retry 2")])
        let refused = #"{"type":"system","subtype":"api_retry","attempt":4,"max_retries":10,"retry_delay_ms":4193,"error_status":401,"error":"authentication_failed","session_id":"s"}"#
        #expect(parser.parse(line: refused) == [.providerRetry(status: 401, message: "authentication_failed (401), retry 4")])
    }

    @Test func codexsReconnectMessagesAreRetriesAndA429AmongThemARateLimit() {
        var parser = CodexHarness().makeParser(now: Date())
        let overloaded = #"{"type":"error","message":"Reconnecting... 1/5 (unexpected status 529 <unknown status code>: Overloaded, url: http://127.0.0.1:46681/v1/responses)"}"#
        #expect(parser.parse(line: overloaded).first == .providerRetry(
            status: 529, message: "Reconnecting... 1/5 (unexpected status 529 <unknown status code>: Overloaded, url: http://127.0.0.1:46681/v1/responses)"))
        let refused = #"{"type":"error","message":"Reconnecting... 1/5 (unexpected status 401 Unauthorized: invalid x-api-key, url: http://127.0.0.1:46681/v1/responses)"}"#
        if case .providerRetry(let status, _)? = parser.parse(line: refused).first { #expect(status == 401) } else { Issue.record("not a retry") }
        let limited = #"{"type":"error","message":"Reconnecting... 1/5 (exceeded retry limit, last status: 429 Too Many Requests)"}"#
        if case .rateLimited? = parser.parse(line: limited).first {} else { Issue.record("a 429 reconnect is not a rate limit") }
    }
}

/// Whole streams the real CLIs printed against the conformance suite's model server, kept under
/// `Recordings/<cli>-<version>/`: every line is read (none is left unparsed), and the events the watcher acts on
/// are there.
@Suite struct RealRecordingTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Recordings").path

    static func events(_ path: String, _ harness: any Harness, exitCode: Int32, now: Date) throws -> [AgentEvent] {
        let output = try String(contentsOfFile: "\(folder)/\(path)", encoding: .utf8)
        var parser = harness.makeParser(now: now)
        let events = parser.parse(output: output, exitCode: exitCode)
        #expect(!events.contains { if case .unparsed = $0 { true } else { false } }, "\(path) has lines the parser does not know")
        return events
    }

    @Test func claudeCodeGivingUpOnALongRetryAfterIsARateLimitWithItsReset() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let events = try Self.events("claude-code-2.1.327/ratelimit-long.jsonl", ClaudeCodeHarness(), exitCode: 1, now: now)
        let resets = events.compactMap { if case .rateLimited(let reset, _) = $0 { reset } else { nil } }
        #expect(resets.contains(now.addingTimeInterval(3600)), "\(resets)")
        #expect(events.last.map { if case .result(false, _, _) = $0 { true } else { false } } == true)
    }

    @Test func claudeCodeRetryingA429AnnouncesWhenItRetries() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let events = try Self.events("claude-code-2.1.327/ratelimit-retry.jsonl", ClaudeCodeHarness(), exitCode: 0, now: now)
        #expect(events.contains(.rateLimited(resetAt: now.addingTimeInterval(27.298), message: "rate limited: rate_limit (429), retry 1")))
    }

    @Test func codexReconnectsAreRetriesWithTheirStatus() throws {
        let auth = try Self.events("codex-0.163.0/auth.jsonl", CodexHarness(), exitCode: 1, now: Date())
        let statuses = auth.compactMap { if case .providerRetry(let status, _) = $0 { status } else { nil } }
        #expect(statuses == [401, 401, 401, 401, 401])
        let overloaded = try Self.events("codex-0.163.0/overloaded.jsonl", CodexHarness(), exitCode: 1, now: Date())
        #expect(overloaded.filter { if case .providerRetry(529, _) = $0 { true } else { false } }.count == 5)
        let limited = try Self.events("codex-0.163.0/ratelimit.jsonl", CodexHarness(), exitCode: 0, now: Date())
        #expect(limited.contains { if case .rateLimited = $0 { true } else { false } })
        #expect(limited.last == .result(ok: true, text: limited.compactMap { if case .message(let text) = $0 { text } else { nil } }.last,
                                        detail: nil))
    }
}
