import Foundation

extension BoardSettings {
    /// The members of approver group `group` who match a person: an entry matches their email or their name, in
    /// any case. Empty when the group is missing or they are not in it.
    public func approverEntries(in group: String, name: String, email: String?) -> [String] {
        (approvers[group] ?? []).filter { Self.approverEntry($0, matches: name, email: email) }
    }

    /// Whether the person is in approver group `group` (see `approverEntries`).
    public func isApprover(in group: String, name: String, email: String?) -> Bool {
        !approverEntries(in: group, name: name, email: email).isEmpty
    }

    /// Whether one `approvers` entry names the person: their email or their name, compared without case.
    public static func approverEntry(_ entry: String, matches name: String, email: String?) -> Bool {
        let wanted = entry.trimmingCharacters(in: .whitespaces).lowercased()
        guard !wanted.isEmpty else { return false }
        return wanted == name.lowercased() || wanted == email?.lowercased()
    }
}

extension Signoff {
    /// Who signed, split from `by`: "Name <email>" gives both; anything else is a name alone.
    public var signer: (name: String, email: String?) {
        let text = by.trimmingCharacters(in: .whitespaces)
        guard text.hasSuffix(">"), let open = text.lastIndex(of: "<") else { return (text, nil) }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        let email = text[text.index(after: open)..<text.index(before: text.endIndex)]
        return (name, String(email))
    }
}
