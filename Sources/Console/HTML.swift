import Board
import Foundation

/// HTML made from untrusted text. Everything a page shows from the board — titles, notes, evidence, transcripts,
/// names, commit messages — is anyone's push away, so it enters a page only through `HTML.text` or an attribute value of `HTML.tag`,
/// which escape every character that could open markup; control and format characters are shown as escapes, as the
/// terminal views show them.
struct HTML: Sendable, CustomStringConvertible {
    /// Markup known to be safe: written by us, or escaped.
    private(set) var markup: String

    private init(markup: String) { self.markup = markup }

    var description: String { markup }

    /// Our own markup, a literal in this module: never a value read from the board.
    static func raw(_ markup: StaticString) -> HTML { HTML(markup: markup.description) }

    static let empty = HTML(markup: "")

    /// `text` escaped for an element's content.
    static func text(_ text: String) -> HTML { HTML(markup: escape(text)) }

    /// `text` with control and format characters shown as escapes, as the terminal views show them (a
    /// bidirectional override would reorder what a person reads), and `&`, `<`, `>`, `"` and `'` as entities.
    /// `&`, `<`, `>`, `"` and `'`.
    private static let markupBytes: Set<UInt8> = [0x26, 0x3C, 0x3E, 0x22, 0x27]

    static func escape(_ text: String) -> String {
        let visible = VisibleText.escaped(text, keepingNewlines: true)
        guard visible.utf8.contains(where: markupBytes.contains) else { return visible }
        var out = ""
        out.reserveCapacity(visible.utf8.count + 16)
        for character in visible.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// An element `name` with attributes (names are ours; values are escaped) around `content`.
    static func tag(_ name: StaticString, _ attributes: [(StaticString, String)] = [], _ content: HTML...) -> HTML {
        tag(name, attributes, content)
    }

    static func tag(_ name: StaticString, _ attributes: [(StaticString, String)], _ content: [HTML]) -> HTML {
        var out = "<\(name)"
        for (key, value) in attributes { out += " \(key)=\"\(escape(value))\"" }
        out += ">"
        for part in content { out += part.markup }
        out += "</\(name)>"
        return HTML(markup: out)
    }

    /// A void element such as `input` or `meta`.
    static func void(_ name: StaticString, _ attributes: [(StaticString, String)]) -> HTML {
        var out = "<\(name)"
        for (key, value) in attributes { out += " \(key)=\"\(escape(value))\"" }
        return HTML(markup: out + ">")
    }

    /// The parts one after another.
    static func join(_ parts: [HTML]) -> HTML {
        HTML(markup: parts.map(\.markup).joined())
    }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(markup: lhs.markup + rhs.markup) }

    static func += (lhs: inout HTML, rhs: HTML) { lhs.markup += rhs.markup }
}

/// A query string or path segment, percent-encoded so that a value read from the board stays one value.
enum URLText {
    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func component(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// `path?key=value&…` with the pairs whose value is not empty.
    static func path(_ path: String, query: [(String, String)]) -> String {
        let pairs = query.filter { !$0.1.isEmpty }.map { "\(component($0.0))=\(component($0.1))" }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }
}
