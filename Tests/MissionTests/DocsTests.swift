import Board
import Foundation
import Testing

/// The docs cannot go stale: every shell example in README.md and docs/*.md runs against a fresh board, every key
/// the decoder accepts is in docs/formats.md and the schemas (and nothing else is), `--help` and docs/commands.md
/// name the same options, and the man page names every command. The conventions are in docs/development.md.
@Suite(.serialized)
struct DocsTests {
    // MARK: Shell examples

    /// README.md and every page of docs/.
    static let pages: [String] = {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: "\(DocPages.root)/docs")) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
    }()

    @Test func thePagesAreFound() {
        #expect(Self.pages.count >= 8, "\(Self.pages)")
        #expect(Self.pages.contains("docs/commands.md"))
    }

    @Test(arguments: pages) func everyShellExampleRunsAsWritten(page: String) throws {
        let blocks = try DocPages.blocks(in: page)
        // Every fence closes: an open one would swallow the rest of the page, and its examples with it.
        let fences = try DocPages.text(page).components(separatedBy: "\n").filter { $0.hasPrefix("```") }.count
        #expect(fences == 2 * blocks.count, "\(page): \(fences) fence lines for \(blocks.count) blocks; one is not closed")
        for block in blocks where block.isShell || block.looksLikeConsole {
            let place = "\(page):\(block.line)"
            if !block.isShell {
                Issue.record("\(place): a block of commands ('$ …') must be fenced as ```console")
                continue
            }
            if let reason = block.notRun {
                #expect(!reason.isEmpty, "\(place): a not-run block must say why")
                print("not run: \(place) (```\(block.tag)): \(reason)")
                continue
            }
            let example = try ShellExample(block)
            #expect(!example.commands.isEmpty, "\(place): a shell block without a command")
            let board = try DocBoard.fresh()
            let results = try DocBoard.run(example, in: board)
            print("ran: \(place) (```\(block.tag)), \(example.commands.count) command(s)")
            for (command, result) in zip(example.commands, results) {
                let at = "\(page):\(command.line): $ \(command.text)"
                #expect(result.status == command.exit, "\(at)\nexpected exit \(command.exit), got \(result.status)\n\(result.output)")
                if let expected = command.output {
                    let mismatch = OutputPattern.mismatch(expected: expected, actual: result.output, sandbox: board.sandbox)
                    #expect(mismatch == nil, "\(at)\n\(mismatch ?? "")")
                }
            }
            #expect(results.count == example.commands.count,
                    "\(place): only \(results.count) of \(example.commands.count) commands ran (one ended the shell or timed out)")
        }
    }

    /// The parser and the matcher themselves, so that a page whose examples all pass proves something.
    @Test func theConventionIsParsedAndMatchedStrictly() throws {
        let block = CodeBlock(page: "t.md", line: 1, tag: "console", lines: [
            "$ mission check   # exit 1: a broken file", "error: one", "…", "last", "$ echo a \\", "  b",
        ], notRun: nil)
        let example = try ShellExample(block)
        #expect(example.commands.map(\.text) == ["mission check   # exit 1: a broken file", "echo a \\\n  b"])
        #expect(example.commands.map(\.exit) == [1, 0])
        #expect(example.commands[0].output == ["error: one", "…", "last"])
        #expect(example.commands[1].output == nil)
        let sandbox = try Sandbox(git: false)
        #expect(OutputPattern.mismatch(expected: ["error: one", "…", "last"], actual: "error: one\nx\ny\nlast\n", sandbox: sandbox) == nil)
        #expect(OutputPattern.mismatch(expected: ["error: one", "last"], actual: "error: one\nx\nlast\n", sandbox: sandbox) != nil)
        #expect(OutputPattern.mismatch(expected: ["a", "…"], actual: "b\n", sandbox: sandbox) != nil)
        #expect(OutputPattern.mismatch(expected: ["MC-7K3Q: draft -> ready (4f1c2ab)"],
                                       actual: "MC-Q9ZZ: draft -> ready (0b12c3d)\n", sandbox: sandbox) == nil)
        #expect(OutputPattern.mismatch(expected: ["MC-7K3Q: draft -> ready (4f1c2ab)"],
                                       actual: "MC-Q9ZZ: draft -> ready (0354460)\n", sandbox: sandbox) == nil)
        #expect(OutputPattern.mismatch(expected: ["the page was defaced"], actual: "the page was effaced\n", sandbox: sandbox) != nil)
        #expect(OutputPattern.mismatch(expected: ["console: http://127.0.0.1:…"], actual: "console: http://127.0.0.1:8400/\n",
                                       sandbox: sandbox) == nil)
        #expect(OutputPattern.mismatch(expected: ["console: http://127.0.0.1:…"], actual: "console: http://[::1]:8400/\n",
                                       sandbox: sandbox) != nil)
        let sh = try ShellExample(CodeBlock(page: "t.md", line: 1, tag: "sh", lines: ["# a comment", "false   # exit 1", ""], notRun: nil))
        #expect(sh.commands.map(\.exit) == [1])
        #expect(sh.commands[0].output == nil)
    }

    /// Every page has its blocks found, and a fenced block that is not marked is never skipped silently.
    @Test func aShellBlockIsEitherRunOrMarkedWithAReason() throws {
        var run = 0, marked = 0
        for page in Self.pages {
            for block in try DocPages.blocks(in: page) where block.isShell {
                if block.notRun == nil { run += 1 } else { marked += 1 }
            }
        }
        print("shell blocks: \(run) run, \(marked) marked not run")
        // Guards the parser: a page format it no longer understands must not make every page pass with nothing run.
        #expect(run >= 5, "only \(run) shell blocks found to run (\(marked) marked not run)")
    }
}

extension DocsTests {
    // MARK: Keys

    /// The heading of each file kind's section in docs/formats.md.
    static let formatSections: [AcceptedKeys.FileKind: String] = [
        .ticket: "## ticket.yaml", .status: "## status.yaml", .evidence: "## evidence/", .mission: "## mission.yaml",
        .runtimes: "## runtimes.yaml", .roles: "## roles.yaml", .workflows: "## workflows.yaml", .schedule: "## schedule.yaml",
    ]

    @Test(arguments: AcceptedKeys.FileKind.allCases)
    func everyKeyTheDecoderAcceptsIsInItsSchemaAndNoOther(kind: AcceptedKeys.FileKind) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(DocPages.root)/schemas/\(kind.rawValue).schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let problems = Self.compare(AcceptedKeys.file(kind), with: schema, at: kind.rawValue)
        #expect(problems.isEmpty, "schemas/\(kind.rawValue).schema.json:\n\(problems.joined(separator: "\n"))")
    }

    /// What differs between the keys the decoder takes and the properties `schema` allows, level by level.
    static func compare(_ keys: AcceptedKeys, with schema: [String: Any], at path: String) -> [String] {
        let properties = schema["properties"] as? [String: Any] ?? [:]
        var problems: [String] = []
        for key in keys.keys where properties[key] == nil { problems.append("\(path): the decoder takes '\(key)', the schema does not") }
        for key in properties.keys.sorted() where !keys.keys.contains(key) {
            problems.append("\(path): the schema allows '\(key)', the decoder refuses it")
        }
        if schema["additionalProperties"] as? Bool != false {
            problems.append("\(path): the schema allows unknown keys (additionalProperties is not false); the decoder refuses them")
        }
        for (key, nested) in keys.nested.sorted(by: { $0.key < $1.key }) {
            guard var child = properties[key] as? [String: Any] else { continue }
            if let items = child["items"] as? [String: Any] { child = items }
            if nested.shape == .named {
                guard let entry = child["additionalProperties"] as? [String: Any] else {
                    problems.append("\(path).\(key): the schema does not describe the named entries")
                    continue
                }
                child = entry
            }
            problems += compare(nested.keys, with: child, at: "\(path).\(key)\(nested.shape == .named ? ".*" : "")")
        }
        return problems
    }

    @Test(arguments: AcceptedKeys.FileKind.allCases)
    func everyKeyTheDecoderAcceptsIsInFormatsMdAndEveryKeyThereIsAccepted(kind: AcceptedKeys.FileKind) throws {
        let heading = try #require(Self.formatSections[kind])
        let section = try #require(try DocPages.section("docs/formats.md", heading: heading), "docs/formats.md has no '\(heading)'")
        let named = Self.codeSpans(section)
        let keys = AcceptedKeys.file(kind)
        let paths = keys.paths
        // Accepted: each key named in the section, by itself or in a dotted path (`retry.max_retries` names both).
        for path in paths {
            let parts = path.split(separator: ".").filter { $0 != "*" }.map(String.init)
            let dotted = parts.joined(separator: ".")
            let mentioned = named.contains(parts.last ?? "") || named.contains(dotted) || named.contains { $0.hasPrefix(dotted + ".") }
            #expect(mentioned,
                    "docs/formats.md '\(heading)' never names '\(dotted)', which the decoder accepts")
        }
        // Documented: each key in the first column of the section's tables is accepted, at some level.
        let known = Set(paths.flatMap { path -> [String] in
            let parts = path.split(separator: ".").filter { $0 != "*" }.map(String.init)
            return [parts.joined(separator: "."), parts.last ?? ""]
        })
        var rows = 0
        for line in section.components(separatedBy: "\n") where line.hasPrefix("| `") {
            let first = line.dropFirst(2).prefix { $0 != "|" }
            for key in Self.codeSpans(String(first)) {
                rows += 1
                #expect(known.contains(key), "docs/formats.md '\(heading)' documents '\(key)', which the decoder refuses")
            }
        }
        #expect(rows > 0, "docs/formats.md '\(heading)' has no table of keys")
    }

    /// The text of every `code span` in `text`.
    static func codeSpans(_ text: String) -> Set<String> {
        var spans = Set<String>()
        let parts = text.components(separatedBy: "`")
        for index in stride(from: 1, to: parts.count, by: 2) { spans.insert(parts[index]) }
        return spans
    }
}

extension DocsTests {
    // MARK: --help and docs/commands.md

    /// A visible command of `mission` and its options and flags, as ArgumentParser defines them.
    struct CommandHelp {
        let name: String
        /// Each option or flag by all its names (`-C`, `--repository`).
        let options: [[String]]
    }

    /// Every visible subcommand, from `mission --experimental-dump-help`.
    static func commands() throws -> [CommandHelp] {
        let sandbox = try Sandbox(git: false)
        let dump = try sandbox.mission("--experimental-dump-help").expectSuccess().stdout
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: Any])
        let command = try #require(root["command"] as? [String: Any])
        let subcommands = try #require(command["subcommands"] as? [[String: Any]])
        return subcommands.compactMap { sub in
            guard let name = sub["commandName"] as? String, name != "help", sub["shouldDisplay"] as? Bool != false else { return nil }
            let arguments = sub["arguments"] as? [[String: Any]] ?? []
            let options: [[String]] = arguments.compactMap { argument in
                guard argument["kind"] as? String != "positional", argument["shouldDisplay"] as? Bool != false else { return nil }
                let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { name -> String? in
                    guard let text = name["name"] as? String else { return nil }
                    return name["kind"] as? String == "short" ? "-\(text)" : "--\(text)"
                }
                if names.contains("--help") || names.contains("--version") { return nil }
                return names
            }
            return CommandHelp(name: name, options: options)
        }
    }

    /// The options a code span or text names: `--long` and `-C` words.
    static func optionWords(_ text: String) -> Set<String> {
        var words = Set<String>()
        let pattern = #"(?<![\w-])(--[a-z][a-z0-9-]*|-[A-Za-z])(?![\w-])"#
        var rest = text[...]
        while let range = rest.range(of: pattern, options: .regularExpression) {
            words.insert(String(rest[range]))
            rest = rest[range.upperBound...]
        }
        return words
    }

    @Test func everyOptionOfEveryCommandIsInCommandsMdAndEveryOptionThereExists() throws {
        let page = try DocPages.text("docs/commands.md")
        // The opening paragraphs name the options every command shares (-C, --branch, --dir, --json).
        let intro = String(page[..<(page.range(of: "\n## ")?.lowerBound ?? page.endIndex)])
        let shared = Self.optionWords(intro)
        // Paragraphs and table rows, each on its own.
        let pieces = page.components(separatedBy: "\n\n").flatMap { piece in
            piece.hasPrefix("|") ? piece.components(separatedBy: "\n") : [piece]
        }
        let commands = try Self.commands()
        #expect(commands.count >= 25, "\(commands.map(\.name))")
        for command in commands {
            let synopsis = "`mission \(command.name)"
            let about = pieces.filter { $0.contains(synopsis + " ") || $0.contains(synopsis + "`") }
            #expect(!about.isEmpty, "docs/commands.md never shows `mission \(command.name) …`")
            let named = shared.union(about.flatMap(Self.optionWords))
            for names in command.options {
                #expect(names.contains { named.contains($0) },
                        "docs/commands.md does not name \(names.joined(separator: "/")) where it shows `mission \(command.name)`")
            }
            // In the command's own synopses (`mission watch [--allow X] …`), every option must exist.
            let known = Set(command.options.flatMap { $0 })
            for piece in about {
                for span in Self.codeSpans(piece) where span.hasPrefix("mission \(command.name) ") || span == "mission \(command.name)" {
                    for word in Self.optionWords(span) {
                        #expect(known.contains(word), "docs/commands.md shows `\(span)`, but \(command.name) has no \(word)")
                    }
                }
            }
        }
    }
}

extension DocsTests {
    // MARK: The man page and the completions

    @Test func theManPageIsMadeFromTheCommandDefinitionsAndNamesEveryCommandAndOption() throws {
        let sandbox = try Sandbox(git: false)
        let script = "\(DocPages.root)/scripts/mission-manpage"
        let page = try sandbox.run(script, [Sandbox.missionBinary], environment: ["SOURCE_DATE_EPOCH": "0"]).expectSuccess().stdout
        #expect(page.hasPrefix(".Dd January 1, 1970\n.Dt MISSION 1\n"), "\(page.prefix(200))")
        let commands = try Self.commands()
        for command in commands {
            #expect(page.contains(".It Nm mission Cm \(command.name)\n"), "mission.1 has no entry for \(command.name)")
            for names in command.options {
                let written = names.map { $0.hasPrefix("--") ? "Fl \\-" + $0.dropFirst(2) : "Fl " + $0.dropFirst() }
                #expect(written.allSatisfy(page.contains), "mission.1 does not name \(names) of \(command.name)")
            }
        }
        #expect(!page.contains("Cm browser-check"), "a hidden command is in the man page")
        // Rendered by groff, as man does, with every warning on: none may appear.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") else {
            // .ci/run installs groff-base, so in CI a missing groff is a failure, not a skip.
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "groff is not installed; .ci/run installs groff-base")
            print("skipped: rendering mission.1 (groff is not installed; install groff-base)")
            return
        }
        let file = try sandbox.scratch("mission.1")
        try Data(page.utf8).write(to: URL(fileURLWithPath: file))
        let rendered = try sandbox.run("/usr/bin/groff", ["-mandoc", "-Tutf8", "-ww", "-P-cbou", file])
        #expect(rendered.status == 0 && rendered.stderr.isEmpty, "\(rendered.stderr)")
        #expect(rendered.stdout.contains("mission init"), "\(rendered.stdout.prefix(500))")
    }

    @Test func installDocsInstallsTheManPageAndTheCompletions() throws {
        let sandbox = try Sandbox(git: false)
        let prefix = try sandbox.scratch("prefix")
        let result = try sandbox.run("\(DocPages.root)/scripts/install-docs", [],
                                     environment: ["PREFIX": prefix, "MISSION": Sandbox.missionBinary]).expectSuccess()
        let files = ["share/man/man1/mission.1", "share/bash-completion/completions/mission",
                     "share/zsh/site-functions/_mission", "share/fish/vendor_completions.d/mission.fish"]
        for file in files {
            #expect(FileManager.default.fileExists(atPath: "\(prefix)/\(file)"), "\(file) not installed\n\(result.all)")
        }
        let bash = try String(contentsOfFile: "\(prefix)/share/bash-completion/completions/mission", encoding: .utf8)
        let syntax = try sandbox.run("/bin/bash", ["-n", "\(prefix)/share/bash-completion/completions/mission"])
        #expect(syntax.status == 0, "\(syntax.all)")
        for command in try Self.commands() {
            #expect(bash.contains(command.name), "the bash completion does not offer \(command.name)")
        }
        // In a bash that loaded it, `mission ne<TAB>` completes to `new`.
        let completion = try sandbox.run("/bin/bash", ["--noprofile", "--norc", "-c", """
            source "$1"; COMP_WORDS=(mission ne); COMP_CWORD=1; COMP_LINE="mission ne"; COMP_POINT=10
            _mission; printf '%s\\n' "${COMPREPLY[@]}"
            """, "bash", "\(prefix)/share/bash-completion/completions/mission"])
        #expect(completion.stdout.split(separator: "\n").contains("new"), "\(completion.all)")
    }
}

// MARK: - Pages and their fenced blocks

/// A fenced code block of a page.
struct CodeBlock {
    let page: String
    /// The line of its opening fence (1-based).
    let line: Int
    /// The info string's first word: `sh`, `console`, `yaml`, or empty.
    let tag: String
    let lines: [String]
    /// The reason of a `<!-- not run: … -->` comment on the last non-blank line before the fence.
    let notRun: String?

    /// The tags whose blocks are shell examples.
    static let shellTags: Set<String> = ["sh", "bash", "shell", "console"]
    var isShell: Bool { Self.shellTags.contains(tag) }
    /// An untagged block that starts with a `$ ` command: it must say it is a console block.
    var looksLikeConsole: Bool { tag.isEmpty && (lines.first { !$0.isEmpty }?.hasPrefix("$ ") ?? false) }
}

enum DocPages {
    /// The repository's top folder.
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func text(_ page: String) throws -> String {
        try String(contentsOfFile: "\(root)/\(page)", encoding: .utf8)
    }

    static func blocks(in page: String) throws -> [CodeBlock] {
        let lines = try text(page).components(separatedBy: "\n")
        var blocks: [CodeBlock] = []
        var index = 0
        var lastText: String?
        while index < lines.count {
            let line = lines[index]
            guard line.hasPrefix("```") else {
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { lastText = line }
                index += 1
                continue
            }
            let tag = String(line.dropFirst(3)).split(separator: " ").first.map(String.init) ?? ""
            var body: [String] = []
            var end = index + 1
            while end < lines.count, !lines[end].hasPrefix("```") {
                body.append(lines[end])
                end += 1
            }
            var notRun: String?
            if let marker = lastText?.trimmingCharacters(in: .whitespaces),
               marker.hasPrefix("<!-- not run:"), marker.hasSuffix("-->") {
                notRun = marker.dropFirst("<!-- not run:".count).dropLast(3).trimmingCharacters(in: .whitespaces)
            }
            blocks.append(CodeBlock(page: page, line: index + 1, tag: tag, lines: body, notRun: notRun))
            lastText = nil
            index = end + 1
        }
        return blocks
    }

    /// The section of `page` under the heading that starts with `heading`, up to the next heading of its level or above.
    static func section(_ page: String, heading: String) throws -> String? {
        let lines = try text(page).components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else { return nil }
        let level = lines[start].prefix { $0 == "#" }.count
        var end = start + 1
        while end < lines.count {
            let hashes = lines[end].prefix { $0 == "#" }.count
            if hashes > 0, hashes <= level, lines[end].dropFirst(hashes).hasPrefix(" ") { break }
            end += 1
        }
        return lines[start..<end].joined(separator: "\n")
    }
}

// MARK: - The convention

/// A shell block read by the convention of docs/development.md. In a ```console block, a line starting `$ ` is a
/// command (a trailing `\` continues it) and the lines up to the next command are its expected output; no lines
/// means the output is not checked. In a ```sh block every line that is not blank or a comment is a command, and
/// no output is checked. A trailing `# exit N` comment on a command says the exit status it must end with;
/// without one it must exit 0.
struct ShellExample {
    struct Command {
        let line: Int
        let text: String
        let exit: Int32
        /// The expected lines of output; nil when the page shows none.
        var output: [String]?
    }

    let commands: [Command]

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    init(_ block: CodeBlock) throws {
        var commands: [Command] = []
        let console = block.tag == "console"
        var index = 0
        while index < block.lines.count {
            let line = block.lines[index]
            let lineNumber = block.line + 1 + index
            index += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            var text: String
            if console {
                guard line.hasPrefix("$ ") else {
                    if commands.isEmpty {
                        if trimmed.isEmpty { continue }
                        throw Malformed(description: "\(block.page):\(lineNumber): output before the first '$ ' command")
                    }
                    commands[commands.count - 1].output = (commands[commands.count - 1].output ?? []) + [line]
                    continue
                }
                text = String(line.dropFirst(2))
            } else {
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                text = line
            }
            while text.hasSuffix("\\"), index < block.lines.count {
                text += "\n" + block.lines[index]
                index += 1
            }
            commands.append(Command(line: lineNumber, text: text, exit: Self.exitStatus(text), output: nil))
        }
        // Blank lines that end a command's output are layout, not output.
        self.commands = commands.map { command in
            var command = command
            while let last = command.output?.last, last.trimmingCharacters(in: .whitespaces).isEmpty {
                command.output?.removeLast()
            }
            return command
        }
    }

    /// The status a `# exit N` comment names, else 0.
    static func exitStatus(_ command: String) -> Int32 {
        guard let range = command.range(of: #"#\s*exit\s+\d+\b[^#\n]*$"#, options: .regularExpression) else { return 0 }
        return Int32(command[range].drop { !$0.isNumber }.prefix { $0.isNumber }) ?? 0
    }
}

/// Compares what a command printed with what the page shows.
enum OutputPattern {
    /// What varies from run to run, and what it is written as: ticket ids, commit ids, times, session ids.
    static let variable: [(pattern: String, replacement: String)] = [
        (#"\bS-\d{8}-\d{4}\b"#, "<SESSION>"),
        (#"\b[A-Z][A-Z0-9_]*-[0-9A-Z]{2,16}\b"#, "<ID>"),
        (#"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})"#, "<TIME>"),
        (#"\b\d{8}T\d{6}Z\b"#, "<TIME>"),
        (#"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\b"#, "<TIME>"),
        // A short commit id may be all digits (0354460); a word such as "defaced" has none.
        (#"\b(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b"#, "<HASH>"),
    ]

    static func normalise(_ line: String, sandbox: Sandbox?) -> String {
        var line = line
        if let sandbox { line = line.replacingOccurrences(of: sandbox.path, with: "<REPO>") }
        for (pattern, replacement) in variable {
            line = line.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        while line.last?.isWhitespace == true { line.removeLast() }
        return line
    }

    static func isAnyLines(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed == "…" || trimmed == "..."
    }

    /// Nil when `actual` matches `expected`: line by line after normalising, a `…` (or `...`) line standing for any
    /// lines, and a line ending in `…` for any line that starts with what comes before it. Else what differs.
    static func mismatch(expected: [String], actual: String, sandbox: Sandbox) -> String? {
        var lines = actual.components(separatedBy: "\n").map { normalise($0, sandbox: sandbox) }
        while lines.last == "" { lines.removeLast() }
        let pattern = expected.map { normalise($0, sandbox: nil) }
        if matches(pattern[...], lines[...]) { return nil }
        return "expected:\n" + pattern.joined(separator: "\n") + "\n---- got (normalised):\n" + lines.joined(separator: "\n")
    }

    private static func matches(_ pattern: ArraySlice<String>, _ lines: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return lines.isEmpty }
        if isAnyLines(first) {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            for start in lines.indices where matches(rest, lines[start...]) { return true }
            return false
        }
        guard let line = lines.first, lineMatches(first, line) else { return false }
        return matches(pattern.dropFirst(), lines.dropFirst())
    }

    private static func lineMatches(_ pattern: String, _ line: String) -> Bool {
        if pattern.hasSuffix("…") { return line.hasPrefix(String(pattern.dropLast())) }
        return pattern == line
    }
}

// MARK: - The fresh board the examples run on

/// The board every example starts from: `mission init` in a new repository, and tickets made by `mission new`. A
/// page names them by placeholder ids that the test maps to the real ones: MC-7K3Q, a draft with acceptance
/// criteria; MC-5HXA, a second one; MC-2B9D, a campaign; MC-9SGN, a ticket of a `release` workflow (one human
/// gate, added to the starter's) that one `mission reconcile --once` moved to `waiting` at that gate.
enum DocBoard {
    static let placeholders = ["MC-7K3Q", "MC-5HXA", "MC-2B9D", "MC-9SGN"]

    /// Who the examples run as: the person the docs speak of.
    static let person = ["GIT_AUTHOR_NAME": "Ann Example", "GIT_AUTHOR_EMAIL": "ann@example.com",
                         "GIT_COMMITTER_NAME": "Ann Example", "GIT_COMMITTER_EMAIL": "ann@example.com"]

    final class Fresh {
        let sandbox: Sandbox
        let ids: [String: String]
        init(sandbox: Sandbox, ids: [String: String]) {
            self.sandbox = sandbox
            self.ids = ids
        }
    }

    /// The board's repository is the folder `project` of a sandbox, so that an example may make a hub beside it
    /// (`../project.git`) without leaving the sandbox.
    static func fresh() throws -> Fresh {
        let sandbox = try Sandbox(git: false)
        let project = "\(sandbox.path)/project"
        func git(_ arguments: String...) throws {
            try sandbox.run("/usr/bin/git", ["-C", project] + arguments, environment: person).expectSuccess()
        }
        try sandbox.write("project/README.md", "A project.\n")
        try git("init", "-q", "-b", "main")
        try git("config", "user.name", "Ann Example")
        try git("config", "user.email", "ann@example.com")
        try git("add", "README.md")
        try git("commit", "-q", "-m", "A project")
        try sandbox.run(Sandbox.missionBinary, ["init", "-C", project], environment: person).expectSuccess()
        var ids: [String: String] = [:]
        let made: [(String, [String])] = [
            ("Fix the login redirect", ["--kind", "bug", "--priority", "high"]),
            ("Write the release notes", []),
            ("The login campaign", ["--kind", "campaign"]),
            ("Ship 1.0", ["--workflow", "release"]),
        ]
        let workflows = try sandbox.read("project/board/workflows.yaml")
        try sandbox.write("project/board/workflows.yaml", workflows + """
              release:                  # a person's sign-off only
                gates:
                  - {name: release, human: release}

            """)
        try git("commit", "-q", "-am", "A release workflow")
        for ((title, options), placeholder) in zip(made, placeholders) {
            let result = try sandbox.run(Sandbox.missionBinary, ["new", "-C", project, title, "--acceptance", "It does what the title says.",
                                                                 "--no-edit", "--json"] + options, environment: person)
            try result.expectSuccess()
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            ids[placeholder] = try #require(object?["id"] as? String)
        }
        let signing = try #require(ids["MC-9SGN"])
        try sandbox.run(Sandbox.missionBinary, ["ready", "-C", project, signing], environment: person).expectSuccess()
        let pass = try sandbox.run(Sandbox.missionBinary, ["reconcile", "-C", project, "--once"], environment: person)
        try pass.expectSuccess()
        let shown = try sandbox.run(Sandbox.missionBinary, ["show", "-C", project, signing], environment: person).stdout
        #expect(shown.contains("status: waiting   gate: release"), "\(shown)\n\(pass.all)")
        return Fresh(sandbox: sandbox, ids: ids)
    }

    /// What one command printed (standard output and error together, as a terminal shows them) and its status.
    struct Result {
        let status: Int32
        let output: String
    }

    /// Runs the example's commands one after another in one bash, in the board's repository, with the built
    /// `mission` first on PATH, a home of its own, and no standard input; stops after 120 s.
    static func run(_ example: ShellExample, in fresh: Fresh) throws -> [Result] {
        let sandbox = fresh.sandbox
        let work = try sandbox.scratch("example")
        let home = try sandbox.scratch("home")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(home)/.config", withIntermediateDirectories: true)
        var script = "cd \(shellQuoted(sandbox.path + "/project"))\n"
        for (index, command) in example.commands.enumerated() {
            var text = command.text
            for (placeholder, id) in fresh.ids { text = text.replacingOccurrences(of: placeholder, with: id) }
            script += "{ \(text)\n} > \(work)/\(index).out 2>&1 < /dev/null\necho $? > \(work)/\(index).status\n"
        }
        let missionFolder = URL(fileURLWithPath: Sandbox.missionBinary).deletingLastPathComponent().path
        let environment = person.merging([
            "PATH": "\(missionFolder):/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "XDG_CONFIG_HOME": "\(home)/.config",
            "COLUMNS": "100",
        ]) { $1 }
        _ = try sandbox.run("/usr/bin/timeout", ["120", "/bin/bash", "--noprofile", "--norc", "-c", script],
                            environment: environment)
        var results: [Result] = []
        for index in example.commands.indices {
            guard let status = try? String(contentsOfFile: "\(work)/\(index).status", encoding: .utf8),
                  let code = Int32(status.trimmingCharacters(in: .whitespacesAndNewlines)) else { break }
            var output = (try? String(contentsOfFile: "\(work)/\(index).out", encoding: .utf8)) ?? ""
            for (placeholder, id) in fresh.ids { output = output.replacingOccurrences(of: id, with: placeholder) }
            results.append(Result(status: code, output: output))
        }
        return results
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
