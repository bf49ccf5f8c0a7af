import Foundation
import Runtime
import Testing

/// The tmux ground interactive agents run on, against Debian's real tmux on a server of its own.
extension ProcessTrees {
@Suite(.serialized)
struct TmuxTests {
    /// A tmux on a fresh socket, its server killed and its folder removed when `body` returns; nil (said) without tmux.
    func withTmux(_ body: (Tmux, String) throws -> Void) throws {
        guard let executable = Tmux.find() else {
            // .ci/run installs tmux: in CI a missing one is a failure, not a skip.
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "tmux is not installed; .ci/run installs it")
            print("skipped: TmuxTests (tmux is not installed)")
            return
        }
        let folder = "/tmp/mc-tmux-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tmux = Tmux(socket: "\(folder)/s", executable: executable)
        defer {
            tmux.stopServer()
            try? FileManager.default.removeItem(atPath: folder)
        }
        try body(tmux, folder)
    }

    /// Waits up to `seconds` for `condition`.
    func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    @Test func startsAnArgvWithoutAShellAndSeesItEnd() throws {
        try withTmux { tmux, folder in
            try tmux.start("mc-MC-ARGV", argv: ["/bin/echo", "a;b", "$HOME", "`id`"], directory: folder)
            #expect(tmux.sessions() == ["mc-MC-ARGV"])
            #expect(try eventually { try tmux.pane("mc-MC-ARGV").exitStatus != nil }, "tmux learns the exit status soon after the pane dies")
            #expect(try tmux.capture("mc-MC-ARGV").contains("a;b $HOME `id`"), "the words reach the program as they are")
            #expect(try tmux.pane("mc-MC-ARGV").exitStatus == 0)
            #expect(throws: Tmux.Failure.self) { try tmux.start("mc-MC-ARGV", argv: ["/bin/true", "x"], directory: folder) }
            tmux.kill("mc-MC-ARGV")
            #expect(!tmux.exists("mc-MC-ARGV"))
            #expect(tmux.sessions().isEmpty)
        }
    }

    @Test func aDeadPaneKeepsItsExitStatus() throws {
        try withTmux { tmux, folder in
            try tmux.start("mc-MC-DEAD", argv: ["/bin/sh", "-c", "echo going; exit 3"], directory: folder)
            #expect(try eventually { try tmux.pane("mc-MC-DEAD").exitStatus != nil })
            let pane = try tmux.pane("mc-MC-DEAD")
            #expect(pane.dead)
            #expect(pane.exitStatus == 3)
            #expect(pane.pid > 0)
            #expect(try tmux.capture("mc-MC-DEAD").contains("going"))
        }
    }

    /// A prompt reaches the program byte for byte, shell and tmux syntax included, in the session's directory and
    /// environment, and a second message reaches the same live program.
    @Test func deliversTextByteForByteToTheLiveProgram() throws {
        try withTmux { tmux, folder in
            let script = """
                import os, sys
                with open("received", "a") as out:
                    out.write(os.getcwd() + "|" + os.environ.get("MISSION_TICKET", "") + "\\n")
                    out.flush()
                    for line in sys.stdin:
                        out.write(line)
                        out.flush()
                """
            try script.write(toFile: "\(folder)/echo.py", atomically: true, encoding: .utf8)
            // A pasted line arrives as typed input; the terminal's bracketed-paste marks are not passed by a tty in
            // cooked mode to a program that did not ask for them.
            try tmux.start("mc-MC-TALK", argv: ["/usr/bin/python3", "\(folder)/echo.py"], directory: folder,
                           environment: ["MISSION_TICKET": "MC-TALK"])
            let first = "fix it; rm -rf $HOME `id` \"quoted\" #{pane_pid} C-c"
            #expect(eventually { FileManager.default.fileExists(atPath: "\(folder)/received") })
            try tmux.deliver(first, to: "mc-MC-TALK")
            try tmux.deliver("and the second answer", to: "mc-MC-TALK")
            let expected = "\(folder)|MC-TALK\n\(first)\nand the second answer\n"
            #expect(eventually { ((try? String(contentsOfFile: "\(folder)/received", encoding: .utf8)) ?? "").contains("second answer") })
            let received = try String(contentsOfFile: "\(folder)/received", encoding: .utf8)
            #expect(received.replacingOccurrences(of: "\u{1B}[200~", with: "").replacingOccurrences(of: "\u{1B}[201~", with: "") == expected)
            #expect(!(try tmux.pane("mc-MC-TALK").dead), "the program is still live after both messages")
            #expect(tmux.attachArguments("mc-MC-TALK") == [tmux.executable, "-S", tmux.socket, "attach-session", "-t", "=mc-MC-TALK", "-r"])
        }
    }
}
}
