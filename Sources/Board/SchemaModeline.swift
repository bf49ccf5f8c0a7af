/// The `# yaml-language-server: $schema=…` comment with which a board file names its JSON Schema, so that an
/// editor validates and completes it as a person types. Board files name their schema by a path relative to the
/// file (`../../schemas/ticket.schema.json`), which resolves only where the file lives in the board: a copy
/// opened elsewhere needs another reference, and the committed file must keep its own.
///
/// The reference is file text, so untrusted: it is only ever read as a path inside the repository (never above
/// its root) and replaced byte for byte, never run or opened as given.
public struct SchemaModeline: Sendable, Hashable {
    /// The reference as written: a path relative to the file, an absolute path or a URL.
    public let reference: String
    /// Where the reference's bytes are in the file.
    public let range: Range<Int>

    /// The modeline among the comment and blank lines that open `bytes`, if there is one.
    public static func find(in bytes: [UInt8]) -> SchemaModeline? {
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.count
            var line = bytes[start..<end]
            if line.last == carriageReturn { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            let content = text.drop { $0 == " " || $0 == "\t" }
            if content.hasPrefix("#") {
                if let found = modeline(in: line) { return found }
            } else if !content.isEmpty {
                return nil  // the document itself has begun
            }
            start = end + 1
        }
        return nil
    }

    /// Whether the reference is a path relative to the file: neither absolute nor a URL (`file:`, `https:`, …).
    public var isRelative: Bool {
        guard !reference.isEmpty, !reference.hasPrefix("/") else { return false }
        let scheme = reference.prefix { $0.isLetter || $0.isNumber || "+.-".contains($0) }
        return !(scheme.first?.isLetter == true && reference.dropFirst(scheme.count).hasPrefix(":"))
    }

    /// The repository path the relative reference names from the file at `path` (a repository path, e.g.
    /// `board/tickets/MC-7K3Q/ticket.yaml`), with `.` and `..` worked out; nil when the reference is not relative
    /// or climbs above the repository's root.
    public func resolved(from path: String) -> String? {
        guard isRelative else { return nil }
        var parts = path.split(separator: "/").dropLast().map(String.init)
        for part in reference.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// `bytes` with this modeline's reference replaced by `reference`; every other byte stays as it was.
    public func replacing(in bytes: [UInt8], with reference: String) -> [UInt8] {
        Array(bytes[..<range.lowerBound]) + Array(reference.utf8) + Array(bytes[range.upperBound...])
    }

    // MARK: Reading one line

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let marker = Array("yaml-language-server".utf8)
    private static let key = Array("$schema=".utf8)

    /// The modeline in the comment `line` (`# yaml-language-server: … $schema=REF …`), as yaml-language-server reads
    /// it: the marker, a colon, then `$schema=` and the reference up to the next blank.
    private static func modeline(in line: ArraySlice<UInt8>) -> SchemaModeline? {
        guard let markerAt = firstIndex(of: marker, in: line) else { return nil }
        let afterMarker = line[(markerAt + marker.count)...].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard afterMarker.first == UInt8(ascii: ":"), let keyAt = firstIndex(of: key, in: afterMarker) else { return nil }
        let from = keyAt + key.count
        let to = line[from...].firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } ?? line.endIndex
        guard from < to else { return nil }
        return SchemaModeline(reference: String(decoding: line[from..<to], as: UTF8.self), range: from..<to)
    }

    /// Where `needle` first starts in `haystack`, as an index of the whole file.
    private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
