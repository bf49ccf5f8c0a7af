import Board
import Control
import Foundation
import Runtime

/// What a finished session's output says, read through its runtime's harness: the signal, how the run really
/// ended (a rate limit or an API error can hide behind any exit status), the CLI's session id and the usage.
struct SessionFindings {
    /// The harvested signal.
    var harvest: Harvest
    /// How the session ended, refined by what the CLI reported.
    var outcome: ProcessOutcome
    /// The CLI's own session id, and the model it says it used.
    var cliSession: String?
    var model: String?
    /// Tokens and cost, summed over the run.
    var usage: Usage?
    /// The nonce the output was read against, for the evidence once it is void; nil when none was known.
    var nonce: String?

    /// Reads `output` (the whole transcript) of a session that ended with `outcome`.
    ///
    /// Signals come from the CLI's final answer where its harness has one, because a JSON event stream also
    /// carries the prompt and the tools' output; plain-text runtimes are read line by line, echoes excluded.
    /// `earlierNonces` are the void nonces of the ticket's other sessions: a sentinel carrying one is stale, not forged.
    static func read(output: String, prompt: String, harness: any Harness, ticket: String, nonce: String,
                     earlierNonces: Set<String> = [], outcome: ProcessOutcome, now: Date) -> SessionFindings {
        var exitCode: Int32?
        switch outcome {
        case .exited(let code): exitCode = code
        case .endedDuringRestart(let code): exitCode = code
        default: exitCode = nil
        }
        var parser = harness.makeParser(now: now)
        let events = parser.parse(output: output, exitCode: exitCode)
        let signalText = harness.capabilities.contains(.jsonStream) ? parser.finalText : output
        let harvest = Harvester.harvest(lines: signalText.outputLines().map(String.init),
                                        ticket: ticket, nonce: nonce, earlierNonces: earlierNonces, prompt: prompt)
        var findings = SessionFindings(harvest: harvest, outcome: outcome, nonce: nonce.isEmpty ? nil : nonce)
        var total: AgentEvent.Usage?
        var failedResult: String?
        var rateLimit: Date??
        var providerRetry: String?
        for event in events {
            switch event {
            case .sessionStarted(let id, let model):
                findings.cliSession = id ?? findings.cliSession
                findings.model = model ?? findings.model
            case .usage(let usage):
                total = Self.adding(usage, to: total)
            case .rateLimited(let reset, _):
                rateLimit = .some(reset ?? rateLimit ?? nil)
            case .providerRetry(_, let message):
                providerRetry = message
            case .result(let ok, let text, let detail) where !ok:
                failedResult = detail ?? text ?? "the run failed"
            default:
                break
            }
        }
        findings.usage = total.map { Usage(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens, costUSD: $0.costUSD) }

        // What the agent said wins over how it ended, unless it said nothing.
        guard harvest.signal == .none else { return findings }
        let lastLines = output.outputLines(omittingEmpty: true).suffix(20).map(String.init)
        let endedBadly = exitCode != 0
        if let rateLimit {
            findings.outcome = .rateLimited(resetAt: rateLimit)
        } else if let refusal = ([failedResult] + (endedBadly ? [providerRetry] + lastLines.reversed() : []))
                    .compactMap({ $0 }).first(where: isAuthentication) {
            // The CLI's result, or (when it ended badly) its retries and last lines, say the credentials were refused.
            findings.outcome = .authFailed(HarnessFailure.shortened(refusal))
        } else if endedBadly, let providerRetry {
            findings.outcome = .providerUnavailable(providerRetry)
        } else if let code = exitCode, code != 0 {
            switch harness.classifyExit(code: code, lastLines: lastLines)?.kind {
            case .hostUnreachable?: findings.outcome = .hostUnreachable(lastLines.last ?? "exit \(code)")
            case .rateLimited?: findings.outcome = .rateLimited(resetAt: nil)
            default: break
            }
        } else if exitCode == 0, let failedResult {
            findings.outcome = .runtimeError(failedResult)
        }
        return findings
    }

    /// Whether a CLI's error text says the provider refused the credentials.
    static func isAuthentication(_ text: String) -> Bool {
        let lower = text.lowercased()
        return ["authentication_error", "authenticationerror", "authentication_failed", "invalid x-api-key", "invalid api key", "incorrect api key",
                "unauthorized", "status 401", "api_error 401", "(401)", "http 401", "error code: 401"].contains { lower.contains($0) }
    }

    private static func adding(_ usage: AgentEvent.Usage, to total: AgentEvent.Usage?) -> AgentEvent.Usage {
        guard let total else { return usage }
        return AgentEvent.Usage(
            inputTokens: total.inputTokens + usage.inputTokens, outputTokens: total.outputTokens + usage.outputTokens,
            cachedTokens: total.cachedTokens.map { $0 + (usage.cachedTokens ?? 0) } ?? usage.cachedTokens,
            costUSD: total.costUSD.map { $0 + (usage.costUSD ?? 0) } ?? usage.costUSD)
    }
}
