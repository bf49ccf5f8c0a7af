internal import CLibGit2
internal import Foundation

/// Fetching from and pushing to another repository by URL: a path, `file://`, `git://`, `ssh://` or `user@host:path`.
///
/// The remote is anonymous (nothing is written to the repository's config); the caller names the refspecs. Over
/// ssh the key comes from `ssh-agent` when `SSH_AUTH_SOCK` is set, else from `MISSION_SSH_KEY`, else from
/// `~/.ssh/id_ed25519`, `id_ecdsa` or `id_rsa`, and the host must be in `~/.ssh/known_hosts`.
extension Repository {
    /// Fetches `refspecs` (e.g. `+refs/heads/*:refs/remotes/hub/*`) from `url`, updating the local references they
    /// name. Tags are not fetched unless a refspec names them.
    public func fetch(from url: String, refspecs: [String]) throws(GitError) {
        try withRemote(url, "fetch from \(url)") { (remote, session, operation) throws(GitError) in
            var options = git_fetch_options()
            try LibGit2.check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), operation)
            options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
            session.install(on: &options.callbacks)
            let result = withStringArray(refspecs) { specs in git_remote_fetch(remote, &specs, &options, "mission: fetch") }
            try session.check(result, operation)
        }
    }

    /// Pushes `refspecs` (e.g. `refs/heads/main:refs/heads/main`) to `url` in one connection and says which
    /// references the remote refused; a refspec with a leading `+` forces.
    ///
    /// A reference that cannot be pushed as a fast-forward of what the remote advertised fails the whole push
    /// before anything is sent, with `.referenceMoved`. The remote may still refuse single references: another
    /// push won the race between its advertisement and our update, or its `pre-receive` hook said no. Those come
    /// back in the report (see `PushReport.error(for:)`), not as a throw.
    public func push(to url: String, refspecs: [String]) throws(GitError) -> PushReport {
        try withRemote(url, "push to \(url)") { (remote, session, operation) throws(GitError) in
            var options = git_push_options()
            try LibGit2.check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), operation)
            session.install(on: &options.callbacks)
            options.callbacks.push_update_reference = { name, status, payload in
                guard let payload, let name, let status else { return 0 }
                let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
                session.refusals[String(cString: name)] = String(cString: status)
                return 0
            }
            let result = withStringArray(refspecs) { specs in git_remote_push(remote, &specs, &options) }
            try session.check(result, operation)
            return PushReport(url: url, refusals: session.refusals, remoteOutput: session.remoteOutput)
        }
    }

    /// The full name of the branch the remote's HEAD names (e.g. "refs/heads/main"), or nil when it names none.
    public func remoteDefaultBranch(_ url: String) throws(GitError) -> String? {
        try withRemote(url, "read the default branch of \(url)") { (remote, session, operation) throws(GitError) in
            var callbacks = git_remote_callbacks()
            try LibGit2.check(git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)), operation)
            session.install(on: &callbacks)
            try session.check(git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil), operation)
            defer { git_remote_disconnect(remote) }
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            let result = git_remote_default_branch(&buffer, remote)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try LibGit2.check(result, operation)
            return String(optionalCString: buffer.ptr)
        }
    }

    /// Clones `url` into `path` (a new folder) with a checkout of `branch`, else of the remote's default branch,
    /// and a remote named `origin` that also fetches `extraRefspecs` (e.g. `+refs/mission/*:refs/mission/*`),
    /// which this first fetch brings too. Credentials are found as for `fetch`.
    public static func clone(from url: String, to path: String, branch: String?,
                             extraRefspecs: [String] = []) throws(GitError) -> Repository {
        LibGit2.ensureInitialized()
        let operation = "clone \(url) into \(path)"
        var options = git_clone_options()
        try LibGit2.check(git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)), operation)
        options.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
        options.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_AUTO
        let session = RemoteSession()
        session.install(on: &options.fetch_opts.callbacks)
        var handle: OpaquePointer?
        let result = withExtendedLifetime(session) {
            withOptionalCString(branch) { name in
                options.checkout_branch = name
                return git_clone(&handle, url, path, &options)
            }
        }
        try session.check(result, operation)
        let repository = Repository(handle: handle!)
        guard !extraRefspecs.isEmpty else { return repository }
        for refspec in extraRefspecs {
            try LibGit2.check(git_remote_add_fetch(repository.handle, "origin", refspec), "add \(refspec) to origin")
        }
        try repository.fetch(from: url, refspecs: extraRefspecs)
        return repository
    }

    /// Runs `body` with an anonymous remote for `url` and the session its callbacks report to; frees the remote.
    private func withRemote<T>(_ url: String, _ operation: String,
                               _ body: (OpaquePointer, RemoteSession, String) throws(GitError) -> T) throws(GitError) -> T {
        var remote: OpaquePointer?
        try LibGit2.check(git_remote_create_anonymous(&remote, handle, url), operation)
        defer { git_remote_free(remote) }
        let session = RemoteSession()
        return try withExtendedLifetime(session) { () throws(GitError) -> T in try body(remote!, session, operation) }
    }
}

/// What the remote said to a push.
public struct PushReport: Sendable {
    /// Where it went.
    public let url: String
    /// The references the remote refused, with its status text ("failed to update ref", "pre-receive hook declined").
    public let refusals: [String: String]
    /// What the remote printed (its hooks' output).
    public let remoteOutput: String

    /// Why the remote refused `reference`, as an error: `.referenceMoved` when another push won the race (fetch and
    /// try again), `.rejected` with the remote's words (and its hook's) for any other reason; nil when it took it.
    public func error(for reference: String) -> GitError? {
        guard let status = refusals[reference] else { return nil }
        let said = remoteOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return GitError(code: Self.isRace(status) ? .referenceMoved : .rejected, operation: "push to \(url)",
                        message: "\(reference): \(status)\(said.isEmpty ? "" : "\n" + said)")
    }

    /// Whether a remote's status for a refused reference means it moved on (fetch and try again).
    static func isRace(_ status: String) -> Bool {
        ["non-fast-forward", "fetch first", "failed to lock", "cannot lock", "failed to update ref",
         "stale info", "incorrect old value"].contains { status.contains($0) }
    }
}

/// What one fetch or push heard from the remote, for the C callbacks (reached through their payload).
private final class RemoteSession {
    /// Credentials tried so far, so that a key the server refuses is not offered forever.
    var credentialAttempts = 0
    /// Lines the remote printed (its hooks' output), without the "remote: " prefix git adds.
    var remoteOutput = ""
    /// References the remote refused, with its status text.
    var refusals: [String: String] = [:]

    /// Points `callbacks` at this session: its payload, the remote's output, and ssh credentials.
    func install(on callbacks: inout git_remote_callbacks) {
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.sideband_progress = { text, length, payload in
            guard let payload, let text, length > 0 else { return 0 }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: text, count: Int(length))
            session.remoteOutput += String(decoding: bytes, as: UTF8.self)
            return 0
        }
        callbacks.credentials = { out, _, username, allowed, payload in
            guard let out, let payload else { return GIT_PASSTHROUGH.rawValue }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            return session.credential(out, username: username.map { String(cString: $0) }, allowed: allowed)
        }
    }

    /// The next ssh credential to offer: the agent's, then each key file; then give up.
    func credential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, username: String?,
                    allowed: UInt32) -> Int32 {
        let user = username ?? ProcessInfo.processInfo.environment["USER"] ?? "git"
        if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
            return git_credential_username_new(out, user)
        }
        guard allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 else { return GIT_PASSTHROUGH.rawValue }
        let environment = ProcessInfo.processInfo.environment
        // nil: the agent, when one listens (libgit2 gives up at once on an agent it cannot reach).
        let agent = environment["SSH_AUTH_SOCK"].map { !$0.isEmpty && FileManager.default.fileExists(atPath: $0) } ?? false
        var offers: [String?] = agent ? [nil] : []
        let home = environment["HOME"] ?? NSHomeDirectory()
        let files = [environment["MISSION_SSH_KEY"]].compactMap { $0 }
            + ["id_ed25519", "id_ecdsa", "id_rsa"].map { "\(home)/.ssh/\($0)" }
        offers += files.filter { FileManager.default.fileExists(atPath: $0) }.map { Optional($0) }
        guard credentialAttempts < offers.count else {
            git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), "no ssh key was accepted for \(user) (tried \(offers.count): "
                              + "ssh-agent when SSH_AUTH_SOCK is set, MISSION_SSH_KEY, ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")
            return GIT_EAUTH.rawValue
        }
        let offer = offers[credentialAttempts]
        credentialAttempts += 1
        guard let key = offer else { return git_credential_ssh_key_from_agent(out, user) }
        let publicKey = FileManager.default.fileExists(atPath: key + ".pub") ? key + ".pub" : nil
        return git_credential_ssh_key_new(out, user, publicKey, key, nil)
    }

    /// Throws for a failed call, with what the remote printed when it said anything.
    func check(_ result: Int32, _ operation: String) throws(GitError) {
        guard result < 0 else { return }
        let error = LibGit2.error(result, operation) { code in
            code == GIT_ENONFASTFORWARD.rawValue ? .referenceMoved : LibGit2.code(for: code)
        }
        if error.message.contains("hostkey") {
            throw GitError(code: error.code, operation: error.operation, message: error.message
                           + "\n  the server's host key must be in ~/.ssh/known_hosts: check its fingerprint, then add it with "
                           + "'ssh-keyscan [-p PORT] HOST >> ~/.ssh/known_hosts'")
        }
        let said = remoteOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !said.isEmpty else { throw error }
        throw GitError(code: error.code, operation: error.operation, message: "\(error.message)\n\(said)")
    }
}

/// Calls `body` with `strings` as a `git_strarray` valid for the call.
/// Runs `body` with `string` as a C string, or with nil.
private func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString(body)
}

private func withStringArray<T>(_ strings: [String], _ body: (inout git_strarray) -> T) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return body(&array)
    }
}
