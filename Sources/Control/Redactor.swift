import Foundation

/// Removes secrets from text before anything is committed: argv, output tails and transcripts.
/// What was there stays readable (`--api-key [REDACTED]`, `OPENAI_API_KEY=[REDACTED]`); the secret does not.
public enum Redactor {
    /// What a secret is replaced with.
    public static let mask = "[REDACTED]"

    /// Each rule: a pattern, and how many leading capture groups to keep (the part that says what it was).
    private static let rules: [(NSRegularExpression, keep: Int)] = [
        // Private keys, whole blocks.
        (#"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----"#, 0),
        // Authorization headers and bearer tokens.
        (#"(?i)(authorization:\s*(?:bearer|basic|token)\s+)[^\s"']+"#, 1),
        (#"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{16,}"#, 1),
        // Command-line flags carrying secrets: --api-key X, --token=X, -p X is too common to touch.
        (#"(?i)(--(?:api[-_]?key|access[-_]?token|auth[-_]?token|token|password|passwd|secret|client[-_]?secret)(?:=|\s+))[^\s"']+"#, 1),
        // KEY=value where the name says it is secret (MONKEY=banana is not).
        (#"\b([A-Z][A-Z0-9_]*_(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS)\s*[=:]\s*)(?!\[REDACTED\])[^\s"']+"#, 1),
        (#"\b((?:PASSWORD|SECRET|TOKEN|API_KEY)\s*[=:]\s*)(?!\[REDACTED\])[^\s"']+"#, 1),
        // Provider key formats, anywhere.
        (#"\bsk-ant-[A-Za-z0-9_-]{20,}"#, 0),                 // Anthropic
        (#"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}"#, 0),   // OpenAI
        (#"\bAIza[0-9A-Za-z_-]{35}\b"#, 0),                    // Google
        (#"\bgh[pousr]_[A-Za-z0-9]{36,}\b"#, 0),               // GitHub
        (#"\bgithub_pat_[A-Za-z0-9_]{22,}\b"#, 0),
        (#"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"#, 0),                // AWS access key ids
        (#"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"#, 0),            // Slack
        (#"\bglpat-[A-Za-z0-9_-]{20,}\b"#, 0),                 // GitLab
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// `text` with every secret masked.
    public static func redact(_ text: String) -> String {
        var result = text
        for (pattern, keep) in rules {
            let template = keep > 0 ? "$1\(mask)" : mask
            result = pattern.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: template)
        }
        return result
    }

    /// Each argument masked; a secret given as the argument after a secret-looking flag is masked too.
    public static func redact(argv: [String]) -> [String] {
        var out: [String] = []
        var maskNext = false
        for argument in argv {
            if maskNext {
                out.append(mask)
                maskNext = false
                continue
            }
            out.append(redact(argument))
            let flag = argument.lowercased()
            maskNext = !flag.contains("=") && ["--api-key", "--apikey", "--api_key", "--token", "--access-token",
                                                "--auth-token", "--password", "--passwd", "--secret", "--client-secret"]
                .contains(flag)
        }
        return out
    }
}
