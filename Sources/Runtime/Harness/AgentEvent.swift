import Foundation

/// One thing an agent CLI reported, in the same shape whichever CLI said it. Every harness's parser turns its
/// CLI's output lines into these.
public enum AgentEvent: Sendable, Hashable {
    /// The CLI started (or announced) its session: its own id, for resuming it later, and the model it runs.
    case sessionStarted(cliSessionID: String?, model: String?)
    /// Text the assistant wrote.
    case message(String)
    /// The agent called a tool; `input` is a short, one-line summary of the arguments.
    case toolUse(name: String, input: String)
    /// A tool call finished; `tool` is the tool's name when the stream said it, else the call's id.
    case toolResult(tool: String, isError: Bool, text: String)
    /// A non-fatal warning or error the CLI reported while it went on working.
    case warning(String)
    /// Tokens (and money, where the CLI says) spent.
    case usage(Usage)
    /// A provider's rate or usage limit stopped the agent; `resetAt` is when it lifts, when the CLI said.
    case rateLimited(resetAt: Date?, message: String)
    /// The CLI is retrying a failed provider request by itself (overloaded, a server error, a lost connection);
    /// `status` is the HTTP status when it said one.
    case providerRetry(status: Int?, message: String)
    /// The session's outcome: `text` is the final answer, `detail` the CLI's subtype or error message.
    case result(ok: Bool, text: String?, detail: String?)
    /// A line that is not in the CLI's format (a stack trace, a stderr warning): kept, never dropped.
    case unparsed(String)

    /// Token counts and cost of a session (or of the turn the CLI reported).
    public struct Usage: Sendable, Hashable {
        /// Input tokens not served from a cache.
        public var inputTokens: Int
        /// Output tokens.
        public var outputTokens: Int
        /// Input tokens read from the provider's prompt cache, when the CLI says.
        public var cachedTokens: Int?
        /// Cost in US dollars, when the CLI says.
        public var costUSD: Double?

        /// Usage as given.
        public init(inputTokens: Int, outputTokens: Int, cachedTokens: Int? = nil, costUSD: Double? = nil) {
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.cachedTokens = cachedTokens
            self.costUSD = costUSD
        }
    }
}
