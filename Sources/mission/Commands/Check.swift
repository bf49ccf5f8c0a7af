import Actions
import ArgumentParser
import Board
import Foundation
import Git

/// `mission check`: validate the whole board and say exactly where each problem is.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", 
        abstract: "Validate the board: every file, every reference.",
        discussion: """
            Checks the working files when the board's branch is checked out, else the branch tip.
            Archived tickets are listed (references to them resolve) but parsed only with --archived.
            Exits 1 when there is any error. The pre-commit hook runs 'mission check --staged'.
            """)

    @OptionGroup var board: BoardOptions

    @Flag(help: "Check what is staged in the index (what the next commit would hold).")
    var staged = false

    @Option(name: .customLong("staged-diff"), help: .hidden)
    var stagedDiff: String?

    @Option(help: "Check the board as of this commit.")
    var ref: String?

    @Flag(help: "Check a push, as a hub's pre-receive hook: read git's '<old> <new> <reference>' lines from standard input and refuse (exit 1) when the board's branch would be left invalid, deleted, or given status or evidence that mission did not write.")
    var receive = false

    @Flag(name: .customLong("archived"), help: "Check archived tickets too (they were checked while active).")
    var includeArchived = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let repository = context.repository
            let options = BoardLoader.Options(includeArchived: includeArchived)
            var snapshot: BoardSnapshot
            var extra: [Diagnostic] = []
            let source: any BoardSource
            let what: String
            if receive {
                // The push's objects wait in quarantine until the hook says yes.
                let environment = ProcessInfo.processInfo.environment
                if let quarantine = environment["GIT_QUARANTINE_PATH"] ?? environment["GIT_OBJECT_DIRECTORY"] {
                    try repository.addObjectDirectory(quarantine)
                }
                guard let update = try Self.boardUpdate(in: FileHandle.standardInput.readDataToEndOfFile(), context: context) else {
                    return  // the push leaves the board's branch alone
                }
                source = TreeSource(repository: repository, root: try repository.commit(update.new).tree)
                what = "the pushed board (\(update.new.short))"
                extra = try Self.handWritten(update, context: context)
            } else if staged {
                // In a hook, git names the index being committed (a temporary one for `git commit -a`).
                let indexFile = ProcessInfo.processInfo.environment["GIT_INDEX_FILE"].map { path in
                    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
                }
                let headTree = try repository.referenceTarget("HEAD").map { (head) throws(GitError) in try repository.commit(head).tree }
                // The hook hands over git's own raw diff of the staged board (git answers from its cached trees
                // at once); run by hand, the index is compared with HEAD here.
                let handed = stagedDiff.flatMap { FileManager.default.contents(atPath: $0) }.flatMap { RawDiff.edits([UInt8]($0)) }
                let tree = if let headTree, let handed {
                    try repository.updateTree(headTree, applying: handed)
                } else if let headTree {
                    try repository.stagedTree(file: indexFile, over: headTree)
                } else {
                    try repository.indexTree(file: indexFile)
                }
                source = TreeSource(repository: repository, root: tree)
                what = "the staged board"
                if let headTree {
                    extra = Ownership.violations(repository: repository, from: headTree, to: tree, location: context.location)
                    // A commit that only adds or edits tickets is checked for what it changes and what that can
                    // break, not the whole board: the hook's cost follows the commit, not the board's size.
                    if !includeArchived, let changes = try BoardLoader.changedTicketFolders(
                        repository: repository, from: headTree, to: tree, location: context.location, removals: false) {
                        let ids = changes.map(\.name)
                        let snapshot = BoardLoader.loadChanged(ids, repository: repository, root: tree,
                                                               location: context.location, cache: nil)
                        let changed = ids.compactMap { snapshot.ticket($0) }
                        let found = ids.flatMap { snapshot.diagnostics(for: $0) }
                            + Self.evidenceProblems(changed, source: TreeSource(repository: repository, root: tree))
                        return try report(Diagnostic.sorted(found) + extra, checked: "\(what), the tickets it changes",
                                          tickets: ids.count)
                    }
                }
            } else if let ref {
                let commit = try repository.resolve(ref)
                source = TreeSource(repository: repository, root: try repository.commit(commit).tree)
                what = "the board at \(ref)"
            } else if context.isCheckedOut, let root = repository.workingDirectory {
                // The working files, read through git where they match HEAD: only what changed is parsed again.
                if let head = try repository.referenceTarget("HEAD") {
                    source = CheckoutSource(repository: repository, committed: try repository.commit(head).tree, root: root,
                                            changed: try repository.changedPaths(under: context.location.directory))
                } else {
                    source = DirectorySource(root: root)
                }
                what = "the working files"
            } else {
                guard let tip = try context.store.tip() else { throw MissionFailure("branch \(context.location.branchName) has no commits") }
                source = TreeSource(repository: repository, root: try repository.commit(tip).tree)
                what = "\(context.location.branchName)"
            }
            // Trees are content-addressed, so parsed tickets from the cache are exact; a folder read from disk has no
            // tree id, so it is parsed (and never cached).
            snapshot = BoardLoader.load(from: source, location: context.location, options: options,
                                        cache: source is DirectorySource ? nil : context.store.cache)
            defer { Lifetime.keepUntilExit(context, snapshot) }
            extra += Self.evidenceProblems(snapshot.tickets, source: source)
            try report(snapshot.allDiagnostics + extra, checked: what, tickets: snapshot.tickets.count)
        }
    }

    /// Prints what was found (JSON, or each problem and a summary) and fails when any is an error.
    private func report(_ all: [Diagnostic], checked what: String, tickets: Int) throws {
        let errors = all.filter { $0.severity == .error }.count
        let warnings = all.count - errors
        if json {
            try Output.json(CheckReport(checked: what, tickets: tickets, errors: errors, warnings: warnings, diagnostics: all))
        } else {
            for diagnostic in all { print(diagnostic) }
            let summary = "\(tickets) ticket\(tickets == 1 ? "" : "s") checked in \(what): "
                + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            if errors > 0 { Output.error(summary) } else { print(summary) }
        }
        if errors > 0 { throw ExitCode.failure }
    }

    /// The board branch's update among the lines git gives a `pre-receive` hook; nil when the push leaves it alone.
    /// Deleting the board's branch is refused here.
    static func boardUpdate(in input: Data, context: BoardContext) throws -> (old: ObjectID?, new: ObjectID)? {
        for line in String(decoding: input, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, String(fields[2]) == context.location.branch else { continue }
            let zero = { (hex: Substring) in hex.allSatisfy { $0 == "0" } }
            guard !zero(fields[1]), let new = ObjectID(hex: String(fields[1])) else {
                throw MissionFailure("the board's branch \(context.location.branchName) cannot be deleted on this hub")
            }
            return (zero(fields[0]) ? nil : ObjectID(hex: String(fields[0])), new)
        }
        return nil
    }

    /// What the pushed commits wrote by hand: a commit that changes status or evidence (or edits a note) and was not
    /// made by mission (the watcher and mission's own commands sign theirs with `Mission-Ticket` or `Mission-Action`
    /// trailers; a hand edit committed with `--no-verify` has none). A guard against mistakes and bypassed hooks,
    /// not against a pusher who forges trailers: for that, let only runner accounts push status (see many-hosts).
    static func handWritten(_ update: (old: ObjectID?, new: ObjectID), context: BoardContext) throws -> [Diagnostic] {
        let repository = context.repository
        var problems: [Diagnostic] = []
        for commit in try repository.commits(from: update.new, excluding: update.old).reversed() {
            guard !commit.trailers.contains(where: { $0.key == "Mission-Ticket" || $0.key == "Mission-Action" }) else { continue }
            let before = try commit.parents.first.map { try repository.commit($0).tree } ?? repository.emptyTree()
            for problem in Ownership.violations(repository: repository, from: before, to: commit.tree, location: context.location) {
                problems.append(Diagnostic("\(problem.message) (commit \(commit.id.short) \"\(commit.summary)\" by \(commit.author.name))",
                                           at: problem.location, hint: "write it with mission, or let the watcher; then push again"))
            }
        }
        return problems
    }

    /// Every evidence packet must load.
    static func evidenceProblems(_ records: [TicketRecord], source: some BoardSource) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for record in records {
            for name in record.evidence {
                let path = "\(record.folder)/evidence/\(name)"
                do {
                    guard let entry = try source.entry(at: path) else { continue }
                    let packet = try YAMLDocument.parse(try source.read(entry), file: path).decode(EvidencePacket.self)
                    if packet.ticket != record.id {
                        problems.append(Diagnostic("packet names ticket \(packet.ticket), but it is in \(record.id)'s folder",
                                                   at: SourceLocation(file: path, line: 1, column: 1)))
                    }
                } catch let diagnostic as Diagnostic {
                    problems.append(diagnostic)
                } catch {
                    problems.append(Diagnostic("cannot read: \(error)", at: SourceLocation(file: path, line: 1, column: 1)))
                }
            }
        }
        return problems
    }
}

/// `check --json`.
struct CheckReport: Encodable {
    let checked: String
    let tickets: Int
    let errors: Int
    let warnings: Int
    let diagnostics: [Diagnostic]
}

/// Who may change which files: people own specs and may add notes; status and evidence belong to the watcher.
enum Ownership {
    static func violations(repository: Repository, from old: ObjectID, to new: ObjectID,
                           location: BoardLocation) -> [Diagnostic] {
        guard let changes = try? repository.diff(from: old, to: new, under: location.directory) else { return [] }
        var problems: [Diagnostic] = []
        for change in changes {
            let parts = change.path.split(separator: "/").map(String.init)
            let at = SourceLocation(file: change.path, line: 1, column: 1)
            guard let ticketsIndex = parts.firstIndex(where: { $0 == "tickets" || $0 == "archive" }),
                  parts.count > ticketsIndex + 2 else { continue }
            let inside = parts[(parts[ticketsIndex] == "archive" ? ticketsIndex + 4 : ticketsIndex + 2)...]
            guard let first = inside.first else { continue }
            if first == TicketFile.status, parts[ticketsIndex] == "tickets" {
                problems.append(Diagnostic("status.yaml is written only by the watcher; change the spec (ticket.yaml) instead",
                                           at: at, hint: "unstage it with 'git restore --staged \(change.path)'"))
            } else if first == TicketFile.evidence, parts[ticketsIndex] == "tickets" {
                problems.append(Diagnostic("evidence is recorded by the watcher and never edited; add a note instead",
                                           at: at, hint: "unstage it with 'git restore --staged \(change.path)'"))
            } else if first == TicketFile.notes, change.kind != .added {
                problems.append(Diagnostic("notes are append-only: add a new note rather than changing or deleting one",
                                           at: at, hint: "unstage it with 'git restore --staged \(change.path)'"))
            }
        }
        return problems
    }
}
