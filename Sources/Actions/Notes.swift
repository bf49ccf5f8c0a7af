import Board
import Foundation
import Git

/// A note committed on a ticket.
public struct NoteResult: Encodable, Equatable {
    public let id: String
    /// The note's path in the repository.
    public let path: String
    public let commit: String
}

/// An answer committed on a ticket: a note, and what it answered.
public struct AnswerResult: Equatable {
    public enum Answered: String, Equatable { case question, block }

    public let note: NoteResult
    public let answered: Answered
    /// The gate the watcher sends the ticket back to; nil when the status names none.
    public let gate: String?
}

extension BoardContext {
    /// Adds `body` (Markdown) as a new note on ticket `id`; notes are append-only.
    public func note(_ id: String, body: String) throws -> NoteResult {
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ActionError("the note is empty; nothing was added")
        }
        let snapshot = try listing(parsing: [id])
        return try addNote(body, to: id, in: snapshot, action: "note")
    }

    /// Answers ticket `id`'s open question, or says what was done about its block: a note the watcher puts in the
    /// prompt when it sends the ticket back to its gate. status.yaml stays the watcher's to change.
    public func answer(_ id: String, body: String) throws -> AnswerResult {
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ActionError("the answer is empty; nothing was added")
        }
        let snapshot = try listing(parsing: [id])
        let record = try self.record(id, in: snapshot)
        let status = record.status
        let heading: String
        let answered: AnswerResult.Answered
        switch status?.status {
        case .needsInput? where status?.question != nil:
            heading = "Answer to the question: \(status?.question ?? "")"
            answered = .question
        case .blocked?:
            heading = "Answer to the block: \(status?.blockedReason ?? "blocked for a person")"
            answered = .block
        default:
            throw ActionError("\(id) has no open question and is not blocked (status: \(status?.status.rawValue ?? "none")); "
                              + "use 'mission note' for a comment")
        }
        let note = try addNote("\(heading)\n\n\(body)", to: id, in: snapshot, action: "answer")
        return AnswerResult(note: note, answered: answered, gate: status?.gate)
    }

    /// Commits `body` as a new note on ticket `id`, named by time and author, with `action` in its trailers.
    func addNote(_ body: String, to id: String, in snapshot: BoardSnapshot, action: String) throws -> NoteResult {
        let record = try self.record(id, in: snapshot)
        let author = try store.identity()
        var written = ""
        let result = try store.commit(
            message: "\(id): \(action) by \(author.name)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: action)],
            reusing: snapshot
        ) { listing in
            let now = try store.parsing([id], in: listing).ticket(id) ?? record
            var suffix = 0
            var name = NoteFile.name(author: author.name, date: author.date)
            while now.notes.contains(name) {
                suffix += 1
                name = NoteFile.name(author: author.name, date: author.date, suffix: suffix)
            }
            written = "\(now.folder)/\(TicketFile.notes)/\(name)"
            let text = body.hasSuffix("\n") ? body : body + "\n"
            return [.write(path: written, bytes: Array(text.utf8))]
        }
        return NoteResult(id: id, path: written, commit: result.id.hex)
    }
}
