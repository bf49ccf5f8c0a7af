@testable import Console
import Foundation
import Testing

@Suite("Console: escaping, forms and access")
struct ConsoleUnitTests {
    @Test("text from the board cannot open markup, and control or format characters show as escapes")
    func escaping() {
        #expect(HTML.escape("<script>alert('x')</script>") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        #expect(HTML.escape("\"><img src=x onerror=alert(1)>") == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
        #expect(HTML.escape("a & b") == "a &amp; b")
        #expect(HTML.escape("\u{1B}[31mred\u{07}") == "\\e[31mred\\x07")
        #expect(HTML.escape("abc\u{202E}fed") == "abc\\u{202E}fed")
        #expect(HTML.escape("line one\nline two\tend") == "line one\nline two\tend")
        let tag = HTML.tag("a", [("href", "/tickets/\"><x")], .text("<b>"))
        #expect(tag.description == "<a href=\"/tickets/&quot;&gt;&lt;x\">&lt;b&gt;</a>")
    }

    @Test("a value in a URL stays one value")
    func urls() {
        #expect(URLText.component("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9")
        #expect(URLText.path("/", query: [("owner", "pat"), ("label", ""), ("status", "needs_input")]) == "/?owner=pat&status=needs_input")
    }

    @Test("a posted form decodes + and percent escapes, and keeps the first of a repeated key")
    func forms() {
        let form = FormBody.parse("csrf=abc&body=two+words%21%0Aand+more&body=second&empty=")
        #expect(form["csrf"] == "abc")
        #expect(form["body"] == "two words!\nand more")
        #expect(form["empty"] == "")
    }

    @Test("on loopback pages need no token but a loopback host name; elsewhere every request needs the token")
    func access() {
        let local = Access(token: "t0ken-0123456789abcdef", loopback: true)
        #expect(local.refusal(host: "127.0.0.1:8400", cookie: nil, authorization: nil) == nil)
        #expect(local.refusal(host: "localhost:1", cookie: nil, authorization: nil) == nil)
        #expect(local.refusal(host: "[::1]:8400", cookie: nil, authorization: nil) == nil)
        // A name rebound to 127.0.0.1 by someone else's page is refused.
        #expect(local.refusal(host: "evil.example:8400", cookie: nil, authorization: nil)?.contains("answers only to") == true)
        #expect(local.grant(cookie: nil, authorization: nil).canAct == false)
        #expect(local.grant(cookie: "t0ken-0123456789abcdef", authorization: nil).canAct)

        let remote = Access(token: "t0ken-0123456789abcdef", loopback: false)
        #expect(remote.refusal(host: "10.0.0.5:8400", cookie: nil, authorization: nil)?.contains("needs its token") == true)
        #expect(remote.refusal(host: "10.0.0.5:8400", cookie: "wrong", authorization: nil) != nil)
        #expect(remote.refusal(host: "10.0.0.5:8400", cookie: nil, authorization: "Bearer t0ken-0123456789abcdef") == nil)
    }

    @Test("an action needs the token, this console's CSRF value and its own origin")
    func actions() {
        let access = Access(token: "t0ken-0123456789abcdef", loopback: true)
        let holder = access.grant(cookie: "t0ken-0123456789abcdef", authorization: nil)
        let host = "127.0.0.1:8400"
        #expect(access.actionRefusal(grant: holder, form: access.csrf, origin: "http://\(host)", fetchSite: "same-origin", host: host) == nil)
        #expect(access.actionRefusal(grant: .init(), form: access.csrf, origin: nil, fetchSite: nil, host: host)?.contains("token") == true)
        #expect(access.actionRefusal(grant: holder, form: "guess", origin: nil, fetchSite: nil, host: host)?.contains("CSRF") == true)
        #expect(access.actionRefusal(grant: holder, form: nil, origin: nil, fetchSite: nil, host: host)?.contains("CSRF") == true)
        #expect(access.actionRefusal(grant: holder, form: access.csrf, origin: "http://evil.example", fetchSite: nil, host: host) != nil)
        #expect(access.actionRefusal(grant: holder, form: access.csrf, origin: nil, fetchSite: "cross-site", host: host) != nil)
    }
}
