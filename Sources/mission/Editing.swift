import Actions
import Board
import Foundation
import Git

/// Opening a person's editor on a file, and the validate-or-reopen loop around it.
enum Editing {
    /// Runs `$VISUAL`, else `$EDITOR`, else `vi` on `path` and waits. The editor command is the person's own
    /// setting and runs through `sh` like git's; the path is ours (a temporary file), never ticket text.
    static func open(_ path: String) throws {
        let environment = ProcessInfo.processInfo.environment
        let chosen = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty }
        // vi with no terminal (a script, CI, an agent's shell) waits forever for keys nobody types, as git's
        // fallback editor would; a person's own EDITOR setting is theirs to vouch for.
        guard chosen != nil || isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 else {
            throw MissionFailure("no terminal to open an editor in, and neither VISUAL nor EDITOR is set\n  use --no-edit, or set EDITOR")
        }
        let editor = chosen ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "mission-editor", path]
        do {
            try process.run()
        } catch {
            throw MissionFailure("cannot start the editor '\(editor)': \(error.localizedDescription)\n  set EDITOR, or use --no-edit")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MissionFailure("the editor '\(editor)' exited with status \(process.terminationStatus); nothing was changed")
        }
    }

    /// Lets a person edit `initial`, the board file at `path`, until it passes `validate` or they give up. Returns the
    /// accepted bytes, or nil when they left the file unchanged. On giving up, the edited text is kept in a file and
    /// the path is said.
    ///
    /// The editor gets a temporary copy, where the file's relative schema reference would resolve to nothing: the
    /// copy names the board's schema by an absolute `file:` URL instead, and what comes back has the reference as
    /// committed again, so the bytes validated and returned are what they would have been (see `SchemaLink`).
    static func edit(_ initial: [UInt8], name: String, file path: String, in context: BoardContext, snapshot: BoardSnapshot,
                     validate: ([UInt8]) -> [Diagnostic]) throws -> [UInt8]? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mission-edit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        let link = SchemaLink(for: initial, at: path, in: context, snapshot: snapshot, folder: folder)
        let shown = link?.forEditor(initial) ?? initial
        try Data(shown).write(to: file)
        while true {
            try open(file.path)
            guard let saved = FileManager.default.contents(atPath: file.path).map({ [UInt8]($0) }) else {
                throw MissionFailure("the edited file \(file.path) is gone; nothing was changed")
            }
            if saved == shown {
                try? FileManager.default.removeItem(at: folder)
                return nil
            }
            let edited = link?.committed(saved) ?? saved
            let problems = validate(edited).filter { $0.severity == .error }
            if problems.isEmpty {
                try? FileManager.default.removeItem(at: folder)
                return edited
            }
            for problem in problems { Output.error(problem.description) }
            if isatty(STDIN_FILENO) == 1 {
                FileHandle.standardError.write(Data("Reopen the editor to fix it? [Y/n] ".utf8))
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "n"
                if answer.isEmpty || answer == "y" || answer == "yes" { continue }
            }
            throw MissionFailure("the ticket does not validate; nothing was committed\n  your edit is kept in \(file.path)")
        }
    }
}

/// A board file's relative schema reference, and the absolute one its copy in the editor's temporary folder uses.
struct SchemaLink {
    /// The reference as committed, e.g. `../../schemas/ticket.schema.json`.
    let committed: String
    /// A `file:` URL of the board's schema file, which resolves from anywhere.
    let local: String

    /// The link for `bytes`, the board file at `path`, when it names a schema inside the board by a relative path
    /// and that schema can be found: the checked-out file when the board's branch is checked out here, else the
    /// committed one, copied into `folder` (a bare hub, or a board on another branch). Nil otherwise: the file is
    /// then shown as it is.
    init?(for bytes: [UInt8], at path: String, in context: BoardContext, snapshot: BoardSnapshot, folder: URL) {
        guard let modeline = SchemaModeline.find(in: bytes), let target = modeline.resolved(from: path),
              target.hasPrefix(context.location.directory + "/") else { return nil }
        var schema: URL?
        if context.isCheckedOut, let root = context.repository.workingDirectory {
            let onDisk = URL(fileURLWithPath: root).appendingPathComponent(target)
            if FileManager.default.fileExists(atPath: onDisk.path) { schema = onDisk }
        }
        if schema == nil, let commit = snapshot.commit,
           let tree = try? context.repository.commit(commit).tree,
           let entry = try? context.repository.entry(at: target, in: tree),
           let contents = try? context.repository.blob(entry.id) {
            // Beside the copy, under a name of ours: the reference's own words name no file outside the repository.
            let copy = folder.appendingPathComponent("schema.json")
            if (try? Data(contents).write(to: copy)) != nil { schema = copy }
        }
        guard let schema else { return nil }
        committed = modeline.reference
        local = schema.standardizedFileURL.absoluteString
    }

    /// The editor's copy of `bytes`: the reference made absolute.
    func forEditor(_ bytes: [UInt8]) -> [UInt8] {
        SchemaModeline.find(in: bytes).map { $0.replacing(in: bytes, with: local) } ?? bytes
    }

    /// What the editor saved, with the reference as committed again. A reference the person changed is theirs.
    func committed(_ saved: [UInt8]) -> [UInt8] {
        guard let modeline = SchemaModeline.find(in: saved), modeline.reference == local else { return saved }
        return modeline.replacing(in: saved, with: committed)
    }
}
