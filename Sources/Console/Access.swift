import Foundation

/// Who may read and act. The console listens on loopback unless told otherwise; there, pages need no token, and
/// a request must name a loopback host (a web page elsewhere cannot reach it by rebinding a name to 127.0.0.1). On
/// any other address every request needs the token. Acting always needs it, as an HttpOnly cookie set by
/// `/login?token=…` (or an `Authorization: Bearer` header), and a form that carries the CSRF value that only
/// this console's pages hold, posted from this console's own origin.
struct Access: Sendable {
    /// What a request may do.
    struct Grant: Sendable {
        /// Set when the request holds the token: the value its forms carry back.
        var csrf: String?
        var canAct: Bool { csrf != nil }
    }

    static let cookie = "mission_console"

    let token: String
    let csrf: String
    let loopback: Bool
    /// The host names a loopback console answers to, whatever the port.
    static let loopbackNames: Set<String> = ["127.0.0.1", "localhost", "[::1]"]

    init(token: String, loopback: Bool) {
        self.token = token
        csrf = Self.random()
        self.loopback = loopback
    }

    /// `127.0.0.1` of `127.0.0.1:8400`, `[::1]` of `[::1]:8400`.
    static func hostName(_ host: String) -> String {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") { return String(host[...end]) }
        return String(host.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// 32 random bytes as hex.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Whether `presented` is the token, compared in time that does not depend on where they differ.
    func isToken(_ presented: String?) -> Bool {
        Self.same(presented, token)
    }

    static func same(_ presented: String?, _ expected: String) -> Bool {
        guard let presented else { return false }
        let a = Array(presented.utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Why a request may not be answered at all; nil when it may.
    func refusal(host: String?, cookie: String?, authorization: String?) -> String? {
        if loopback, !Self.loopbackNames.contains(Self.hostName(host ?? "")) {
            return "this console answers only to 127.0.0.1, localhost or [::1] (the request named \(host ?? "no host"))"
        }
        if !loopback, !holdsToken(cookie: cookie, authorization: authorization) {
            return "this console needs its token: open the link that mission serve printed (/login?token=…)"
        }
        return nil
    }

    func holdsToken(cookie: String?, authorization: String?) -> Bool {
        isToken(cookie) || authorization.map { $0.hasPrefix("Bearer ") && isToken(String($0.dropFirst(7))) } == true
    }

    func grant(cookie: String?, authorization: String?) -> Grant {
        Grant(csrf: holdsToken(cookie: cookie, authorization: authorization) ? csrf : nil)
    }

    /// Why a form post may not act; nil when it may: the token, the CSRF value, and this console's own origin.
    func actionRefusal(grant: Grant, form csrfValue: String?, origin: String?, fetchSite: String?, host: String?) -> String? {
        guard grant.canAct else { return "acting needs this console's token: open the link that mission serve printed" }
        guard Self.same(csrfValue, csrf) else { return "the form is not one this console made (CSRF check): reload the page and try again" }
        if let origin, origin != "http://\(host ?? "")" { return "the form was posted from \(origin), not from this console" }
        if let fetchSite, fetchSite != "same-origin", fetchSite != "none" { return "the form was posted from another site (\(fetchSite))" }
        return nil
    }
}

/// A posted form's fields.
enum FormBody {
    /// `a=1&b=two+words` as a dictionary; a repeated key keeps its first value.
    static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(parts[0])
            if fields[key] == nil { fields[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }
}
