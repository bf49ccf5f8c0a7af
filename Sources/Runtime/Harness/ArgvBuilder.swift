import Foundation

/// An argv being built from a profile's template: the words the profile wrote, then what the harness adds.
/// Values that come from outside the profile (model names, session ids a CLI printed) are checked so that
/// none can be taken for an option.
struct ArgvBuilder: Sendable, Hashable {
    /// The words so far.
    private(set) var words: [String]

    /// The profile's template with `{prompt_file}` replaced by `promptFile` in every word.
    init(template: [String], promptFile: String) {
        words = template.map { $0.replacingOccurrences(of: "{prompt_file}", with: promptFile) }
    }

    /// Whether any of `names` is present, alone or as `name=value`.
    func has(_ names: String...) -> Bool {
        words.contains { word in names.contains { word == $0 || word.hasPrefix($0 + "=") } }
    }

    /// Appends `flag` unless it (or one of its `aliases`) is already there.
    mutating func ensure(_ flag: String, aliases: [String] = []) {
        if !words.contains(where: { $0 == flag || aliases.contains($0) }) { words.append(flag) }
    }

    /// Sets option `name` (or an alias already used) to `value`: replaces the value the template gave, or appends
    /// the pair. The harness's value wins, because its parser depends on it (an `--output-format` of `text`
    /// would leave a JSON parser nothing to read).
    mutating func set(_ name: String, _ value: String, aliases: [String] = []) {
        let names = [name] + aliases
        if let index = words.firstIndex(where: { names.contains($0) }), index + 1 < words.count {
            words[index + 1] = value
        } else if let index = words.firstIndex(where: { word in names.contains { word.hasPrefix($0 + "=") } }) {
            let used = words[index].prefix { $0 != "=" }
            words[index] = "\(used)=\(value)"
        } else {
            words += [name, value]
        }
    }

    /// Sets option `name` to `value` when there is one, after checking it is safe (see `checked`).
    mutating func set(_ name: String, checked value: String?, aliases: [String] = [],
                      spaces: Bool = false) throws(HarnessError) {
        guard let value else { return }
        set(name, try Self.checked(value, for: name, spaces: spaces), aliases: aliases)
    }

    /// Puts subcommand `name` right after the executable unless the template already has it (or an alias).
    mutating func ensureSubcommand(_ name: String, aliases: [String] = []) {
        guard !words.contains(where: { $0 == name || aliases.contains($0) }) else { return }
        words.insert(name, at: min(1, words.count))
    }

    /// Appends words as they are.
    mutating func append(_ more: String...) {
        words += more
    }

    /// `value` if it is safe as an option's value in argv: not empty, not starting with `-` (it would be read as
    /// an option), no control characters, and no spaces unless `spaces` (tool patterns such as `Bash(git *)`).
    static func checked(_ value: String, for option: String, spaces: Bool = false) throws(HarnessError) -> String {
        let unsafe = value.isEmpty || value.hasPrefix("-")
            || value.unicodeScalars.contains { $0.properties.generalCategory == .control || (!spaces && $0 == " ") }
        guard !unsafe else {
            throw HarnessError(code: .unsafeArgument, message: "unsafe value for \(option): \(value.debugDescription)")
        }
        return value
    }
}
