internal import CLibGit2
public import Foundation

extension Repository {
    /// The value of a configuration key as git resolves it (local, global, system); nil when unset.
    public func configString(_ key: String) throws(GitError) -> String? {
        let operation = "read config \(key)"
        var config: OpaquePointer?
        try LibGit2.check(git_repository_config_snapshot(&config, handle), operation)
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let result = git_config_get_string(&value, config, key)
        if result == GIT_ENOTFOUND.rawValue {
            return nil
        }
        try LibGit2.check(result, operation)
        return String(optionalCString: value)
    }

    /// Sets a key in the repository's own (local) configuration.
    public func setConfigString(_ key: String, _ value: String) throws(GitError) {
        let operation = "set config \(key)"
        var config: OpaquePointer?
        try LibGit2.check(git_repository_config(&config, handle), operation)
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try LibGit2.check(git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL), operation)
        defer { git_config_free(local) }
        try LibGit2.check(git_config_set_string(local, key, value), operation)
    }

    /// The person from `user.name` and `user.email`, at `date` in the local time zone.
    public func defaultSignature(at date: Date = Date()) throws(GitError) -> Signature {
        let name = try configString("user.name") ?? ""
        let email = try configString("user.email") ?? ""
        guard !name.isEmpty, !email.isEmpty else {
            throw GitError(
                code: .notFound, operation: "read default signature",
                message: "no identity configured; set user.name and user.email with git config")
        }
        let offset = TimeZone.current.secondsFromGMT(for: date) / 60
        return Signature(name: name, email: email, date: date, timeZoneOffsetMinutes: offset)
    }
}
