import Actions
import Board
import Foundation
import HTTPTypes
import Hummingbird

/// The console's routes. Every page is rendered by `ConsoleBoard`; every action goes through the library.
enum Routes {
    /// Forbids every script but our own file, every style but our sheet, and any frame, plugin or foreign form
    /// target: ticket text that got past escaping still could not run.
    static let policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func router(board: ConsoleBoard, access: Access, events: Broadcaster) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let flashes = Flashes()
        router.add(middleware: Guard(access: access))

        router.get("/") { request, _ in
            let filters = BoardFilters(query: Self.query(request))
            return html(try await board.boardPage(filters, access: grant(request, access)))
        }
        router.get("/tickets/:id") { request, context in
            let id = try context.parameters.require("id")
            let grant = grant(request, access)
            var notice = HTML.empty
            if let key = Self.query(request)["flash"], let flash = await flashes.take(key) {
                notice = Layout.notice(flash.text, error: flash.error)
            }
            do {
                return html(try await board.ticketPage(id, notice: notice, access: grant))
            } catch let error as ActionError {
                return html(await board.errorPage(error.message, access: grant), status: .notFound)
            }
        }
        router.post("/tickets/:id/:action") { request, context in
            let id = try context.parameters.require("id")
            guard let action = context.parameters.get("action").flatMap(ConsoleAction.init(rawValue:)) else {
                return html(await board.errorPage("no such action", access: grant(request, access)), status: .notFound)
            }
            var request = request
            let body = try await request.collectBody(upTo: 256 * 1024)
            let form = FormBody.parse(String(buffer: body))
            let grant = grant(request, access)
            if let why = access.actionRefusal(grant: grant, form: form["csrf"], origin: request.headers[.origin],
                                              fetchSite: request.headers[Self.fetchSite], host: Self.host(request)) {
                return html(await board.errorPage(why, access: grant), status: .forbidden)
            }
            let path = "/tickets/\(URLText.component(id))"
            do {
                let done = try await board.perform(action, on: id, form: form)
                return .redirect(to: path + "?flash=" + (await flashes.put(done, error: false)), type: .found)
            } catch let error as ActionError {
                return .redirect(to: path + "?flash=" + (await flashes.put(error.message, error: true)), type: .found)
            }
        }
        router.get("/health") { request, _ in
            let since = Self.query(request)["since"] ?? "7d"
            guard let window = Interval(since) else {
                return html(await board.errorPage("since '\(since)' is not a duration: write a number and a unit, like 30m, 12h or 7d",
                                                  access: grant(request, access)), status: .badRequest)
            }
            return html(try await board.healthPage(window: window, access: grant(request, access)))
        }
        router.get("/tickets/:id/artifacts/:blob") { request, context in
            let id = try context.parameters.require("id")
            let blob = try context.parameters.require("blob")
            do {
                guard let found = try await board.artifact(blob, of: id) else {
                    return html(await board.errorPage("no packet of \(id) names the artifact \(blob)", access: grant(request, access)),
                                status: .notFound)
                }
                return Self.artifact(found.artifact, bytes: found.bytes)
            } catch let error as ActionError {
                return html(await board.errorPage(error.message, access: grant(request, access)), status: .notFound)
            }
        }
        router.get("/ledger") { request, _ in
            let campaign = Self.query(request)["campaign"].flatMap { $0.isEmpty ? nil : $0 }
            do {
                return html(try await board.ledgerPage(campaign: campaign, access: grant(request, access)))
            } catch let error as ActionError {
                return html(await board.errorPage(error.message, access: grant(request, access)), status: .notFound)
            }
        }
        router.get("/log") { request, _ in
            html(try await board.logPage(access: grant(request, access)))
        }
        router.get("/events") { _, _ in
            let stream = await events.subscribe()
            let first = await board.tip() ?? ""
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\nevent: board\ndata: \(first)\n\n"))
                for await tip in stream {
                    try await writer.write(ByteBuffer(string: tip.isEmpty ? ": keep-alive\n\n" : "event: board\ndata: \(tip)\n\n"))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/login") { request, _ in
            guard access.isToken(Self.query(request)["token"]) else {
                return html(await board.errorPage("that is not this console's token", access: .init()), status: .forbidden)
            }
            var response = Response.redirect(to: "/", type: .found)
            response.setCookie(Cookie(name: Access.cookie, value: access.token, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/assets/console.css") { _, _ in asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get("/assets/console.js") { _, _ in asset(Assets.js, type: "text/javascript; charset=utf-8") }
        return router
    }

    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    static func query(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where out[String(key)] == nil {
            out[String(key)] = String(value).removingPercentEncoding ?? String(value)
        }
        return out
    }

    static func host(_ request: Request) -> String? {
        request.head.authority
    }

    static func grant(_ request: Request, _ access: Access) -> Access.Grant {
        access.grant(cookie: request.cookies[Access.cookie]?.value, authorization: request.headers[.authorization])
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Media types shown in the page itself; any other artifact is a download, never rendered (an SVG or HTML
    /// artifact could carry script).
    static let inline: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"]

    /// An artifact's bytes, sandboxed: its own Content-Security-Policy forbids everything, and a type not known to
    /// be inert is sent as a download.
    static func artifact(_ artifact: Artifact, bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        let type = artifact.mediaType ?? "application/octet-stream"
        if inline.contains(type) {
            headers[.contentType] = type == "text/plain" ? "text/plain; charset=utf-8" : type
        } else {
            headers[.contentType] = "application/octet-stream"
            let name = artifact.name.split(separator: "/").last.map(String.init) ?? "artifact"
            let safe = String(name.unicodeScalars.filter { $0.isASCII && $0.value > 0x20 && $0 != "\"" && $0 != "\\" }.map(Character.init))
            headers[.contentDisposition] = "attachment; filename=\"\(safe.isEmpty ? "artifact" : safe)\""
        }
        headers[.cacheControl] = "private, max-age=86400"  // a blob id names its contents for good
        headers[HTTPField.Name("Content-Security-Policy")!] = "sandbox; default-src 'none'"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Refuses what `Access` refuses, and puts the security headers on every response.
struct Guard<Context: RequestContext>: RouterMiddleware {
    let access: Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let login = request.uri.path == "/login"
        var response: Response
        if let why = access.refusal(host: Routes.host(request), cookie: request.cookies[Access.cookie]?.value,
                                    authorization: request.headers[.authorization]),
           !(login && access.loopback == false && why.hasPrefix("this console needs its token")) {
            response = Routes.html(Layout.refusal(why), status: login ? .forbidden : .unauthorized)
        } else {
            response = try await next(request, context)
        }
        let policy = HTTPField.Name("Content-Security-Policy")!
        if response.headers[policy] == nil { response.headers[policy] = Routes.policy }
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // Not no-referrer: with it a browser posts forms with `Origin: null`, which the CSRF check must refuse.
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return response
    }
}

/// What an action did, kept for the one page load after its redirect (so that a reload never posts it again).
actor Flashes {
    private var stored: [String: (text: String, error: Bool)] = [:]
    private var order: [String] = []

    func put(_ text: String, error: Bool) -> String {
        let key = String(Access.random().prefix(16))
        stored[key] = (text, error)
        order.append(key)
        if order.count > 100 { stored[order.removeFirst()] = nil }
        return key
    }

    func take(_ key: String) -> (text: String, error: Bool)? {
        stored.removeValue(forKey: key)
    }
}
