import Foundation

/// The starter board `mission init` installs: configuration, templates, schemas and the git hooks.
public enum StarterBoard {
    /// The board files to commit for a new board at `location`, with `approver` in the approver groups.
    public static func boardFiles(for location: BoardLocation, approver: String) -> [FileChange] {
        files.compactMap { file in
            let parts = file.path.split(separator: "/", maxSplits: 1).map(String.init)
            let target: String
            switch parts[0] {
            case "board": target = "\(location.directory)/\(parts[1])"
            case "templates", "schemas": target = "\(location.directory)/\(file.path)"
            default: return nil
            }
            let contents = file.contents.replacingOccurrences(of: "{{approver}}", with: approver)
            return .write(path: target, bytes: Array(contents.utf8))
        }
    }

    /// The git hooks by name, with the `mission` executable's path and the board folder filled in.
    public static func hooks(missionPath: String, location: BoardLocation) -> [(name: String, contents: String)] {
        files.filter { $0.path.hasPrefix("hooks/") }.map { file in
            (String(file.path.dropFirst("hooks/".count)),
             file.contents.replacingOccurrences(of: "{{mission}}", with: missionPath)
                 .replacingOccurrences(of: "{{dir}}", with: location.directory))
        }
    }

    /// The starter file at `path` (e.g. `templates/ticket.yaml`).
    public static func file(_ path: String) -> String? {
        files.first { $0.path == path }?.contents
    }
}

/// Renders a new ticket's `ticket.yaml` from the board's template.
public enum TicketTemplate {
    /// The template text: the board's own when it has one, else the starter's.
    public static func text(in snapshot: BoardSnapshot, source: some BoardSource) -> String {
        if let entry = try? source.entry(at: "\(snapshot.location.directory)/templates/ticket.yaml"),
           let bytes = try? source.read(entry), let text = String(validating: bytes, as: UTF8.self) {
            return text
        }
        return StarterBoard.file("templates/ticket.yaml") ?? ""
    }

    /// Fills `{{field}}` placeholders with YAML-quoted values. A line whose placeholder has no value is dropped,
    /// so an absent optional field is absent from the file, not written as null.
    public static func render(_ template: String, ticket: Ticket) -> String {
        let created = ticket.created.map { ISO8601DateFormatter().string(from: $0) }
        let values: [String: String?] = [
            "id": YAMLText.scalar(ticket.id),
            "title": YAMLText.scalar(ticket.title),
            "kind": ticket.kind.rawValue,
            "priority": ticket.priority.rawValue,
            "state": ticket.state.rawValue,
            "workflow": ticket.workflow.map(YAMLText.scalar),
            "owner": ticket.owner.map(YAMLText.scalar),
            "assignee": ticket.assignee.map(YAMLText.scalar),
            "profile": ticket.profile.map(YAMLText.scalar),
            "parent": ticket.parent.map(YAMLText.scalar),
            "blocked_by": ticket.blockedBy.isEmpty ? nil : YAMLText.list(ticket.blockedBy),
            "labels": ticket.labels.isEmpty ? nil : YAMLText.list(ticket.labels),
            "check_in": ticket.checkIn.map(\.text),
            "created": created,
            "acceptance": ticket.acceptance.isEmpty ? nil : YAMLText.block(ticket.acceptance),
            "description": ticket.description.map(YAMLText.block),
        ]
        var lines: [String] = []
        for line in template.components(separatedBy: "\n") {
            var rendered = line
            var keep = true
            while let open = rendered.range(of: "{{"), let close = rendered.range(of: "}}", range: open.upperBound..<rendered.endIndex) {
                let name = String(rendered[open.upperBound..<close.lowerBound])
                guard let entry = values[name] else { break }
                guard let value = entry else {
                    keep = false
                    break
                }
                rendered.replaceSubrange(open.lowerBound..<close.upperBound, with: value)
            }
            // A block value starts on the next line: no space after its key's colon.
            if keep { lines.append(rendered.replacingOccurrences(of: ": \n", with: ":\n")) }
        }
        return lines.joined(separator: "\n")
    }
}

/// Notes: append-only Markdown files named by time and author.
public enum NoteFile {
    /// `20261122T101500Z-elmar.md` for a note by `author` at `date`; `suffix` separates notes in one second.
    public static func name(author: String, date: Date, suffix: Int = 0) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        return "\(stamp)-\(slug(author))\(suffix > 0 ? "-\(suffix + 1)" : "").md"
    }

    /// An author's name as it may appear in a file name: lower-case letters, digits, dots and dashes.
    public static func slug(_ author: String) -> String {
        var out = ""
        for char in author.lowercased() {
            if char.isASCII && (char.isLetter || char.isNumber || char == "." || char == "_") {
                out.append(char)
            } else if !out.hasSuffix("-") {
                out.append("-")
            }
        }
        let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "-."))
        return trimmed.isEmpty ? "someone" : trimmed
    }
}
