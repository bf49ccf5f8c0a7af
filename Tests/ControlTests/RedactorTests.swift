import Control
import Testing

/// A corpus of secrets every pattern must catch, and ordinary text it must leave alone.
@Suite struct RedactorTests {
    @Test(arguments: [
        ("key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "key [REDACTED]"),
        ("OPENAI key sk-proj-AbCdEfGhIjKlMnOpQrStUv_x-y", "OPENAI key [REDACTED]"),
        ("old style sk-AbCdEfGhIjKlMnOpQrStUvWxYz012345", "old style [REDACTED]"),
        ("google AIzaSyA-1234567890abcdefghijklmnopqrstu", "google [REDACTED]"),
        ("gh token ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "gh token [REDACTED]"),
        ("pat github_pat_11ABCDEFG0123456789_abcdefghijkl", "pat [REDACTED]"),
        ("aws AKIAIOSFODNN7EXAMPLE here", "aws [REDACTED] here"),
        ("slack xoxb-1234567890-abcdefghij", "slack [REDACTED]"),
        ("gitlab glpat-AbCdEfGhIjKlMnOpQrSt", "gitlab [REDACTED]"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def", "Authorization: Bearer [REDACTED]"),
        ("curl -H 'authorization: token abcdef123456'", "curl -H 'authorization: token [REDACTED]'"),
        ("sent bearer abcdefghijklmnop1234", "sent bearer [REDACTED]"),
        ("run --api-key hunter2hunter2 --verbose", "run --api-key [REDACTED] --verbose"),
        ("run --token=abc123", "run --token=[REDACTED]"),
        ("export OPENAI_API_KEY=sk-whatever-short", "export OPENAI_API_KEY=[REDACTED]"),
        ("DB_PASSWORD=correct-horse", "DB_PASSWORD=[REDACTED]"),
        ("GITHUB_TOKEN: abc", "GITHUB_TOKEN: [REDACTED]"),
        ("PASSWORD=x", "PASSWORD=[REDACTED]"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nafter",
         "[REDACTED]\nafter"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "[REDACTED]"),
    ])
    func everySecretIsCaught(text: String, expected: String) {
        #expect(Redactor.redact(text) == expected)
    }

    @Test(arguments: [
        "The key is in the drawer; the token of our appreciation.",
        "MONKEY=banana and KEYBOARD=qwerty",
        "use scikit-learn and task-1234 and sk-short",
        "Bearer of bad news",
        "password rules: at least 12 characters",
        "ticket MC-7K3Q moved to review (DONE by coder via codex)",
        #"{"mission_signal": "DONE", "ticket": "MC-1", "nonce": "n-5f2a9c", "summary": "ok"}"#,
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "export PATH=/usr/bin:/bin HOME=/root",
    ])
    func ordinaryTextIsLeftAlone(text: String) {
        #expect(Redactor.redact(text) == text)
    }

    @Test func argvIsRedactedIncludingAValueAfterASecretFlag() {
        #expect(Redactor.redact(argv: ["codex", "exec", "--api-key", "hunter2", "--json", "--token=abc", "prompt.md"])
            == ["codex", "exec", "--api-key", "[REDACTED]", "--json", "--token=[REDACTED]", "prompt.md"])
        #expect(Redactor.redact(argv: ["claude", "-p", "--output-format", "stream-json"])
            == ["claude", "-p", "--output-format", "stream-json"])
    }

    @Test func redactingTwiceChangesNothingMore() {
        let once = Redactor.redact("OPENAI_API_KEY=sk-AbCdEfGhIjKlMnOpQrStUvWxYz012345 --token x")
        #expect(Redactor.redact(once) == once)
    }
}
