import Board
import Foundation
import Testing

/// Artifacts through the real watcher: what a session leaves in `$MISSION_ARTIFACTS` becomes blobs on
/// `refs/mission/artifacts`, named in its packet; `mission artifacts` lists and exports them; the console shows
/// images inline and serves nothing a packet does not name.
@Suite(.serialized)
struct ArtifactTests {
    /// A 1×1 PNG, as a screenshot stands in for a real one.
    static let png: [UInt8] = Array(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/AJIG7QAAAABJRU5ErkJggg==")!)

    static let agent = #"""
        #!/bin/sh
        mkdir -p "$MISSION_ARTIFACTS/reports"
        printf '%s' "$SHOT" | base64 -d > "$MISSION_ARTIFACTS/home.png"
        echo "ran 12 tests with OPENAI_API_KEY=sk-live-AbCdEfGhIjKlMnOpQrStUv" > "$MISSION_ARTIFACTS/reports/tests.txt"
        echo "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>" > "$MISSION_ARTIFACTS/logo.svg"
        printf '{"mission_signal": "DONE", "ticket": "%s", "nonce": "%s", "summary": "left proof"}\n' "$MISSION_TICKET" "$MISSION_NONCE"
        """#

    static func board() throws -> (Sandbox, String, [String]) {
        let sandbox = try Sandbox()
        try sandbox.mission("init").expectSuccess()
        let script = Self.agent.replacingOccurrences(of: "\"$SHOT\"", with: "'\(Data(Self.png).base64EncodedString())'")
        let agent = try sandbox.fakeAgent("artifact-agent.sh", script)
        try sandbox.useTaskWorkflow()
        try sandbox.git("commit", "-q", "-am", "an agent that leaves artifacts").expectSuccess()
        let id = try sandbox.newTicket("Take a screenshot")
        try sandbox.reconcile(["--allow", agent], times: 2)
        return (sandbox, id, ["--allow", agent])
    }

    @Test("a session's files become blobs on the side ref, named in its packet with type and size; text is redacted")
    func stored() throws {
        let (sandbox, id, _) = try Self.board()
        let packet = try sandbox.packet(id, "0001-run.yaml")
        let artifacts = try #require(packet.artifacts)
        #expect(artifacts.map(\.name) == ["home.png", "logo.svg", "reports/tests.txt"])
        let shot = try #require(artifacts.first)
        #expect(shot.mediaType == "image/png")
        #expect(shot.size == Self.png.count)
        #expect(shot.kind == "screenshot")
        // The blobs live on the side ref, not the board's branch.
        let tree = try sandbox.git("ls-tree", "-r", "refs/mission/artifacts").expectSuccess().stdout
        #expect(tree.contains("\(shot.blob!)\t\(id)/"))
        #expect(try sandbox.git("ls-tree", "-r", "HEAD").expectSuccess().stdout.contains(shot.blob!) == false)
        let report = try #require(artifacts.last?.blob)
        let text = try sandbox.git("cat-file", "-p", report).expectSuccess().stdout
        #expect(text.contains("ran 12 tests"))
        #expect(!text.contains("sk-live-AbCdEfGhIjKlMnOpQrStUv"))
    }

    @Test("mission artifacts lists them and --out writes each, byte for byte, under its packet's name")
    func exported() throws {
        let (sandbox, id, _) = try Self.board()
        let listing = try sandbox.mission("artifacts", id).expectSuccess().stdout
        #expect(listing.contains("0001-run.yaml  home.png"))
        #expect(listing.contains("image/png"))
        let out = try sandbox.scratch("exported")
        let json = try sandbox.mission("artifacts", id, "--out", out, "--json").expectSuccess().stdout
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows.first?["written"] as? String == "\(out)/0001-run/home.png")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(out)/0001-run/home.png"))) == Self.png)
        #expect(FileManager.default.fileExists(atPath: "\(out)/0001-run/reports/tests.txt"))
    }

    @Test("the console shows the screenshot inline, serves an SVG only as a sandboxed download, and nothing a packet does not name")
    func console() throws {
        guard Browser.available() else { return }
        let (sandbox, id, _) = try Self.board()
        let packet = try sandbox.packet(id, "0001-run.yaml")
        let svg = try #require(packet.artifacts?.first { $0.name == "logo.svg" }?.blob)
        let console = try ConsoleProcess(sandbox)
        defer { console.stop() }
        let report = try Browser.run([
            ["open": console.url + "tickets/" + id],
            ["wait": "document.querySelector('figure.artifact img') !== null && document.querySelector('figure.artifact img').complete"],
            ["eval": "document.querySelector('figure.artifact img').naturalWidth"],
            ["eval": "document.querySelectorAll('figure.artifact').length"],
        ], in: sandbox)
        #expect(report.value(2) as? Int == 1)
        #expect(report.value(3) as? Int == 1)  // the SVG is a link, never an image in the page
        #expect(report.list("dialogs").isEmpty)
        let headers = try sandbox.run("/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", console.url + "tickets/\(id)/artifacts/\(svg)"]).stdout
        #expect(headers.contains("Content-Type: application/octet-stream"))
        #expect(headers.contains("Content-Disposition: attachment; filename=\"logo.svg\""))
        #expect(headers.contains("Content-Security-Policy: sandbox; default-src 'none'"))
        // A blob of the repository that no packet names is not served, whatever its id.
        let spec = try sandbox.git("rev-parse", "HEAD:board/tickets/\(id)/ticket.yaml").expectSuccess().stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try sandbox.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", console.url + "tickets/\(id)/artifacts/\(spec)"]).stdout
        #expect(refused == "404")
    }
}
