import Foundation

/// Runs another harness's CLI on a host over SSH: `ssh -T -o BatchMode=yes -o ConnectTimeout=10 HOST --
/// REMOTE-ARGV…`, every remote word quoted for the remote shell (ssh joins them into one command line that the
/// remote login shell parses). The prompt goes on ssh's standard input, so it never needs copying to the host:
/// the remote CLI reads it from its own standard input, or from `/dev/stdin` where it takes a file. Its output
/// is read with the inner harness's parser.
///
/// Environment variables are sent by name with `SendEnv` (the server must `AcceptEnv` them); their values never
/// enter argv.
public struct SSHHarness: Harness {
    /// `ssh`, the name profiles use.
    public static let harnessName = "ssh"
    /// Where the remote CLI finds its prompt when it reads a file: ssh's standard input.
    public static let remotePromptPath = "/dev/stdin"
    /// What ssh prints when it never reached the remote command.
    static let unreachable = [
        "Could not resolve hostname", "Connection refused", "Connection timed out", "timed out",
        "Permission denied (publickey", "No route to host", "Network is unreachable",
        "Host key verification failed", "Connection closed by", "kex_exchange_identification",
    ]

    /// The harness whose CLI runs on the host.
    public let inner: any Harness

    /// Runs `inner`'s CLI over ssh.
    public init(inner: any Harness) { self.inner = inner }

    /// `ssh`.
    public var name: String { Self.harnessName }

    /// The inner harness's.
    public var capabilities: HarnessCapabilities { inner.capabilities }

    /// The inner harness's command for `request` with the prompt at `/dev/stdin`, run on `request.host`.
    public func invocation(for request: HarnessRequest) throws(HarnessError) -> Invocation {
        guard let named = request.host, !named.isEmpty else {
            throw HarnessError(code: .missingHost, message: "the ssh harness needs a host")
        }
        // A host is one argv word, so spaces or quotes in it reach ssh (which refuses them) and no shell; only
        // a leading '-' (an ssh option) or a control character could do harm.
        let host = try ArgvBuilder.checked(named, for: "the ssh host", spaces: true)
        var remoteRequest = request
        remoteRequest.promptFile = Self.remotePromptPath
        remoteRequest.host = nil
        let remote = try inner.invocation(for: remoteRequest)
        var argv = ["ssh", "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
        for variable in remote.environmentNames {
            guard !variable.isEmpty, variable.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw HarnessError(code: .unsafeArgument,
                                   message: "unsafe environment variable name \(variable.debugDescription)")
            }
            argv += ["-o", "SendEnv=\(variable)"]
        }
        // Values the inner harness sets itself (not secrets) go on the remote command line through env(1).
        let assignments = remote.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let words = (assignments.isEmpty ? [] : ["env"] + assignments) + remote.argv
        argv += [host, "--"] + words.map(Self.shellQuoted)
        // A prompt the CLI takes only as an option's value: the remote shell reads it from ssh's standard input
        // (a double-quoted command substitution is not parsed again; a POSIX-like login shell is assumed).
        if let prompt = remote.promptArgument { argv.append(Self.shellQuoted(prompt.option + "=") + "\"$(cat)\"") }
        return Invocation(argv: argv, environmentNames: ["SSH_AUTH_SOCK"] + remote.environmentNames,
                          stdin: .file(request.promptFile))
    }

    /// The inner harness's parser: the remote CLI prints what it prints locally.
    public func makeParser(now: Date) -> any HarnessParser { inner.makeParser(now: now) }

    /// ssh's own failure, else the remote CLI's as the inner harness reads it.
    public func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        Self.classifyExit(code: code, lastLines: lastLines) ?? inner.classifyExit(code: code, lastLines: lastLines)
    }

    /// `.hostUnreachable` when ssh itself failed to reach the host (exit 255 with ssh's message); nil otherwise,
    /// since ssh passes the remote command's exit code through and 255 alone may be the remote CLI's.
    public static func classifyExit(code: Int32, lastLines: [String]) -> HarnessFailure? {
        guard code == 255, let line = lastLines.last(where: { line in unreachable.contains { line.contains($0) } }) else {
            return nil
        }
        return HarnessFailure(kind: .hostUnreachable, exitCode: code,
                              message: "host unreachable: " + line.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `word` as the remote shell must see it to get it back unchanged: as it is when it holds only characters
    /// no shell treats specially, else in single quotes (with each `'` written `'\''`).
    public static func shellQuoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "@%+:,./-_".unicodeScalars.contains(scalar))
        }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
