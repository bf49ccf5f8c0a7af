import Board
import Foundation
import Git

/// Opening a person's editor on a file, and the validate-or-reopen loop around it.
enum Editing {
    /// Runs `$VISUAL`, else `$EDITOR`, else `vi` on `path` and waits. The editor command is the person's own
    /// setting and runs through `sh` like git's; the path is ours (a temporary file), never ticket text.
    static func open(_ path: String) throws {
        let environment = ProcessInfo.processInfo.environment
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
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

    /// `problems` with a criterion still holding the template's placeholder made an error: what a person saves
    /// from their editor must say what is wanted, not what the template asked them to write.
    static func refusingPlaceholders(_ problems: [Diagnostic]) -> [Diagnostic] {
        problems.map { problem in
            guard problem.message == Ticket.placeholderAcceptanceMessage else { return problem }
            var refused = problem
            refused.severity = .error
            refused.hint = "replace it with what must be true when this is done, or delete the line"
            return refused
        }
    }

    /// Lets a person edit `initial` until it passes `validate` or they give up. Returns the accepted bytes, or nil
    /// when they left the file unchanged. On giving up, the edited text is kept in a file and the path is said.
    static func edit(_ initial: [UInt8], name: String, validate: ([UInt8]) -> [Diagnostic]) throws -> [UInt8]? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mission-edit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try Data(initial).write(to: file)
        while true {
            try open(file.path)
            guard let edited = FileManager.default.contents(atPath: file.path).map({ [UInt8]($0) }) else {
                throw MissionFailure("the edited file \(file.path) is gone; nothing was changed")
            }
            if edited == initial {
                try? FileManager.default.removeItem(at: folder)
                return nil
            }
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

/// Reading and writing one ticket's spec on the branch, keeping a checkout's edits safe.
extension BoardContext {
    /// The committed bytes of a ticket's spec.
    func specBytes(_ record: TicketRecord, in snapshot: BoardSnapshot) throws -> [UInt8] {
        guard let commit = snapshot.commit,
              let entry = try repository.entry(at: record.specPath, in: try repository.commit(commit).tree) else {
            throw MissionFailure("\(record.specPath) is not committed")
        }
        return try repository.blob(entry.id)
    }

    /// Fails when the working copy of `path` holds edits that are not committed, so that nothing a person
    /// typed is overwritten.
    func requireNoUncommittedEdit(_ path: String, committed: [UInt8]) throws {
        guard isCheckedOut, let root = repository.workingDirectory else { return }
        let onDisk = FileManager.default.contents(atPath: "\(root)/\(path)").map { [UInt8]($0) }
        if let onDisk, onDisk != committed {
            throw MissionFailure("\(path) has uncommitted changes\n  commit them with git (the pre-commit hook checks them) or restore the file first")
        }
    }
}
