import Foundation
import Testing

/// `mission runtimes` and `mission switch`, end to end with the real binary in real repositories.
@Suite(.serialized)
struct RuntimesCommandTests {
    /// A folder that holds no executables: used as PATH, so no agent CLI this machine may have is found.
    func emptyPath(_ sandbox: Sandbox) throws -> String {
        let folder = try sandbox.scratch("empty-path")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// `mission runtimes --json`, parsed.
    func report(_ sandbox: Sandbox, _ arguments: [String] = [], environment: [String: String] = [:],
                expecting status: Int32 = 0) throws -> [String: Any] {
        let result = try sandbox.run(Sandbox.missionBinary, ["runtimes", "--json"] + arguments, environment: environment)
        #expect(result.status == status, "\(result.all)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// The profile called `name` in a report.
    func profile(_ name: String, in report: [String: Any]) throws -> [String: Any] {
        let profiles = try #require(report["profiles"] as? [[String: Any]])
        return try #require(profiles.first { $0["name"] as? String == name })
    }

    /// A fake agent CLI outside the repository: prints its version, and leaves a mark when asked for it.
    func fakeAgent(_ sandbox: Sandbox) throws -> (path: String, mark: String) {
        let mark = try sandbox.scratch("version-was-run")
        let path = try sandbox.script("fake-agent", """
            #!/bin/sh
            if [ "$1" = --version ]; then touch '\(mark)'; echo "fake-agent 1.2.3"; exit 0; fi
            echo working
            """)
        return (path, mark)
    }

    /// Appends `text` to the board's runtimes.yaml and commits it with git (the pre-commit hook checks it).
    func addProfiles(_ sandbox: Sandbox, _ text: String, verify: Bool = true) throws {
        let runtimes = try sandbox.read("board/runtimes.yaml")
        try sandbox.write("board/runtimes.yaml", runtimes + text)
        try sandbox.git("add", "board/runtimes.yaml").expectSuccess()
        try sandbox.run("/usr/bin/git", ["commit", "-q", "-m", "profiles"] + (verify ? [] : ["--no-verify"])).expectSuccess()
    }

    // MARK: mission runtimes

    @Test func aFreshBoardListsTheStarterProfilesWithTheirExecutablesMissing() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let path = try emptyPath(sandbox)
        let json = try report(sandbox, environment: ["PATH": path])
        let names = try #require(json["profiles"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(names == ["claude", "codex", "gemini", "shell"])  // file order, not alphabetical
        for name in names {
            let entry = try profile(name, in: json)
            let executable = try #require(entry["executable"] as? [String: Any])
            #expect(executable["found"] as? Bool == false, "\(name)")
            #expect(executable["path"] is NSNull, "\(name)")
            #expect(executable["version"] is NSNull, "\(name)")
            #expect(entry["allowed"] as? Bool == false, "\(name)")
            #expect(entry["runnable"] as? Bool == false, "\(name)")
            #expect(entry["harness_known"] as? Bool == true, "\(name)")
        }
        let claude = try profile("claude", in: json)
        #expect(claude["harness"] as? String == "claude-code")
        #expect(claude["command"] as? [String] == ["claude", "--permission-mode", "acceptEdits"])
        #expect(claude["provider"] as? String == "anthropic")
        #expect(claude["model"] is NSNull)
        #expect(claude["capabilities"] as? [String] == ["tools", "write"])
        #expect(claude["harness_capabilities"] as? [String] == ["json-stream", "resume", "tools", "usage", "cost", "max-turns"])
        #expect(claude["env"] as? [String] == ["ANTHROPIC_API_KEY"])
        // What the watcher runs: the harness's argv, the prompt on standard input, never in argv.
        let invocation = try #require(try profile("codex", in: json)["invocation"] as? [String: Any])
        #expect(invocation["argv"] as? [String] == ["codex", "exec", "--sandbox", "workspace-write", "--json", "-"])
        #expect(invocation["stdin"] as? String == "{prompt_file}")
        let limits = try #require(claude["limits"] as? [String: Any])
        #expect(limits["wall"] as? String == "60m")
        #expect(limits["output"] as? String == "50MB")
        #expect(limits["concurrency"] as? Int == 2)
        let roles = try #require(claude["roles"] as? [[String: Any]])
        #expect(roles.compactMap { "\($0["role"] ?? "")#\($0["position"] ?? "")" }
            == ["planner#1", "designer#1", "coder#2", "qa#1", "tester#2", "validator#1"])
        #expect(try profile("shell", in: json)["harness_capabilities"] as? [String] == [])
        #expect(json["path"] as? String == path)
        #expect(json["allow"] as? [String] == [])
    }

    @Test func theTextReportIsATableWithCommandsAndProblems() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let result = try sandbox.mission("runtimes", environment: ["PATH": try emptyPath(sandbox)]).expectSuccess()
        #expect(result.stdout == """
            PROFILE  HARNESS      MODEL      CAPABILITIES  EXECUTABLE                   VERSION  ALLOWED  ROLES
            claude   claude-code  anthropic  tools,write   missing: claude              -        no       planner#1 designer#1 coder#2 qa#1 tester#2 validator#1
            codex    codex        openai     tools,write   missing: codex               -        no       planner#2 coder#1 qa#2 validator#2
            gemini   gemini       google     tools,write   missing: gemini              -        no       designer#2 coder#3 tester#1
            shell    script       -          tools,write   missing: ./scripts/agent.sh  -        no       -

            claude  $ claude --permission-mode acceptEdits -p --output-format stream-json --verbose < {prompt_file}  (wall 60m, idle 10m, output 50MB, concurrency 2)  harness: json-stream,resume,tools,usage,cost,max-turns
            codex   $ codex exec --sandbox workspace-write --json - < {prompt_file}  (wall 60m, idle 10m, output 50MB, concurrency 2)  harness: json-stream,resume,tools,usage
            gemini  $ gemini --output-format stream-json < {prompt_file}  (wall 60m, idle 10m, output 50MB, concurrency 1)  harness: json-stream,resume,tools,usage
            shell   $ ./scripts/agent.sh  (wall 10m, idle 2m, output 5MB)

            Problems:
              board/runtimes.yaml:31:14: warning: profile 'shell' runs './scripts/agent.sh' from the ticket's worktree, a file anyone who can push can change, and this host does not allow it; allow it by that path where you trust the repository (--allow ./scripts/agent.sh), or give an absolute path
              warning: nothing can run on this host: no profile's executable is both found and allowed

            """)
        #expect(result.stderr == "")
    }

    @Test func aScriptProfileIsFoundAndOnlyAnAllowedOneIsAskedItsVersion() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let agent = try fakeAgent(sandbox)
        try addProfiles(sandbox, """
              fake:
                harness: script
                command: [\(agent.path), "{prompt_file}"]
                capabilities: [tools, write]
                limits: {wall: 5m}
              fakecli:
                harness: codex
                command: [\(agent.path), exec]
                capabilities: [tools, write]

            """)

        // Not allowed: found, but never run (anyone who can push can edit runtimes.yaml).
        let denied = try profile("fake", in: try report(sandbox))
        let deniedExecutable = try #require(denied["executable"] as? [String: Any])
        #expect(deniedExecutable["found"] as? Bool == true)
        #expect(deniedExecutable["path"] as? String == agent.path)
        #expect(deniedExecutable["version"] is NSNull)
        #expect((deniedExecutable["problem"] as? String)?.contains("this host does not allow") == true)
        #expect(denied["allowed"] as? Bool == false)
        #expect(!FileManager.default.fileExists(atPath: agent.mark), "--version ran without being allowed")

        // Allowed by --allow: a script agent is still never run just to ask (running it is its work) ...
        let allowed = try report(sandbox, ["--allow", agent.path])
        let fake = try profile("fake", in: allowed)
        let scriptExecutable = try #require(fake["executable"] as? [String: Any])
        #expect(scriptExecutable["version"] is NSNull)
        #expect((scriptExecutable["problem"] as? String)?.contains("a script agent is not asked for its version") == true)
        #expect(fake["allowed"] as? Bool == true)
        #expect(fake["runnable"] as? Bool == true)
        #expect(allowed["allow"] as? [String] == [agent.path])
        // ... while a CLI harness's executable is asked for its version.
        let executable = try #require(try profile("fakecli", in: allowed)["executable"] as? [String: Any])
        #expect(executable["version"] as? String == "fake-agent 1.2.3")
        #expect(executable["problem"] is NSNull)
        #expect(FileManager.default.fileExists(atPath: agent.mark))
        // --allow changes only what it names.
        #expect(try profile("codex", in: allowed)["allowed"] as? Bool == false)
        #expect(try profile("codex", in: try report(sandbox, ["--allow", "codex"]))["allowed"] as? Bool == true)

        // The same allow-list as the watcher's: MISSION_ALLOW and the host file count too.
        let viaEnvironment = try report(sandbox, environment: ["MISSION_ALLOW": "codex:\(agent.path)"])
        #expect(try profile("fake", in: viaEnvironment)["allowed"] as? Bool == true)
        let config = try sandbox.scratch("config")
        try FileManager.default.createDirectory(atPath: "\(config)/mission", withIntermediateDirectories: true)
        try Data("allow: [\(agent.path)]\n".utf8).write(to: URL(fileURLWithPath: "\(config)/mission/host.yaml"))
        let viaFile = try report(sandbox, environment: ["XDG_CONFIG_HOME": config])
        #expect(try profile("fake", in: viaFile)["allowed"] as? Bool == true)
        #expect(viaFile["host_file"] as? String == "\(config)/mission/host.yaml")
    }

    @Test func anUnknownHarnessAndARoleServedWithoutToolsAreFlagged() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let agent = try fakeAgent(sandbox)
        try addProfiles(sandbox, """
              api:
                harness: script
                command: [\(agent.path)]
                provider: openai
                model: gpt-5
                capabilities: []
              odd:
                harness: scrpit
                command: [\(agent.path)]

            """, verify: false)
        let roles = try sandbox.read("board/roles.yaml")
        try sandbox.write("board/roles.yaml", roles.replacingOccurrences(of: "profiles: [codex, claude, gemini]",
                                                                         with: "profiles: [codex, api, claude]"))
        try sandbox.git("commit", "-q", "--no-verify", "-am", "a direct-API profile").expectSuccess()

        let result = try sandbox.run(Sandbox.missionBinary, ["runtimes", "--json", "--allow", agent.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: the runtime configuration has errors"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let odd = try profile("odd", in: json)
        #expect(odd["harness_known"] as? Bool == false)
        #expect(odd["runnable"] as? Bool == false)
        #expect((odd["executable"] as? [String: Any])?["version"] is NSNull)  // an unknown harness is not run
        let problems = try #require(json["problems"] as? [[String: Any]])
        let messages = problems.compactMap { "\($0["severity"] ?? ""): \($0["message"] ?? "")" }
        #expect(messages.contains { $0.hasPrefix("error: unknown harness 'scrpit'") }, "\(messages)")
        #expect(messages.contains("warning: role 'coder' (permission write) needs tools and write; profile 'api' lacks "
                                  + "tools and write: a profile without tools is refused for a role that needs tools"),
                "\(messages)")
        // A read role may be served from the prompt alone: no warning for it.
        #expect(!messages.contains { $0.contains("role 'planner'") && $0.contains("lacks") })

        let text = try sandbox.mission("runtimes", "--allow", agent.path)
        #expect(text.status == 1)
        #expect(text.stdout.contains("odd      scrpit (unknown)"), "\(text.stdout)")
        #expect(text.stdout.contains("board/roles.yaml:21:23: warning: role 'coder'"), "\(text.stdout)")
    }

    @Test func aRuntimesFileThatDoesNotLoadIsAClearFailure() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        try addProfiles(sandbox, "  broken: [unclosed\n", verify: false)
        let result = try sandbox.mission("runtimes")
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr.hasPrefix("error: the runtime configuration does not load:\n  board/runtimes.yaml:"),
                "\(result.stderr)")
    }

    // MARK: mission switch

    @Test func switchEditsOnlyTheProfileLineAndCommits() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Port the parser"]).first)
        let specPath = "board/tickets/\(id)/ticket.yaml"
        let original = try sandbox.read(specPath)
        #expect(!original.contains("profile:"))

        // No profile yet: the line is added at the end, every other byte kept.
        let first = try sandbox.mission("switch", id, "--profile", "codex", "--json").expectSuccess()
        let firstJSON = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(firstJSON["profile"] as? String == "codex")
        #expect(firstJSON["previous"] is NSNull)
        #expect(firstJSON["warnings"] as? [String] == [])
        let commit = try #require(firstJSON["commit"] as? String)
        #expect(try sandbox.git("rev-parse", "HEAD").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == commit)
        #expect(try sandbox.git("show", "HEAD:\(specPath)").stdout == original + "profile: codex\n")
        #expect(try sandbox.read(specPath) == original + "profile: codex\n")
        let message = try sandbox.git("log", "-1", "--format=%B").stdout
        #expect(message == "\(id): switch to profile codex\n\nMission-Ticket: \(id)\nMission-Action: switch\nMission-Profile: codex\n\n")
        #expect(try sandbox.git("status", "--porcelain").stdout == "")

        // A person's comment on the line stays; so does every other line.
        try sandbox.write(specPath, original + "profile: codex   # pinned while claude is rate-limited\n")
        try sandbox.git("commit", "-q", "-am", "say why").expectSuccess()
        let before = try sandbox.read(specPath)
        let second = try sandbox.mission("switch", id, "--profile", "gemini").expectSuccess()
        #expect(second.stdout.hasPrefix("\(id): the next session runs on gemini (was codex) ("), "\(second.stdout)")
        #expect(second.stderr == "")
        let after = try sandbox.read(specPath)
        #expect(after == before.replacingOccurrences(of: "profile: codex   # pinned", with: "profile: gemini  # pinned"))
        #expect(try sandbox.git("show", "HEAD:\(specPath)").stdout == after)
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        #expect(try sandbox.git("diff", "--stat", "HEAD~1", "HEAD").stdout.contains("1 file changed, 1 insertion(+), 1 deletion(-)"))

        // The same profile again: nothing to commit.
        let head = try sandbox.git("rev-parse", "HEAD").stdout
        let again = try sandbox.mission("switch", id, "--profile", "gemini").expectSuccess()
        #expect(again.stdout == "\(id) already runs on gemini.\n")
        #expect(try sandbox.git("rev-parse", "HEAD").stdout == head)
    }

    @Test func switchRefusesAnUnknownProfileWithASuggestion() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Port the parser"]).first)
        let head = try sandbox.git("rev-parse", "HEAD").stdout
        let result = try sandbox.mission("switch", id, "--profile", "codx")
        #expect(result.status != 0)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            error: no runtime profile 'codx' in board/runtimes.yaml
              did you mean 'codex'?
              profiles: claude, codex, gemini, shell

            """)
        #expect(try sandbox.git("rev-parse", "HEAD").stdout == head)
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
        let missing = try sandbox.mission("switch", "MC-ZZZZ", "--profile", "codex")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no ticket MC-ZZZZ"))
    }

    @Test func switchWarnsOffTheRoleAndNotesWhoAndWhyLeavingEarlierNotesAlone() throws {
        let sandbox = try Sandbox()
        let id = try #require(try sandbox.board(tickets: ["Port the parser"]).first)
        try sandbox.mission("note", id, "An earlier note.").expectSuccess()
        let notesFolder = "board/tickets/\(id)/notes"
        let earlier = try FileManager.default.contentsOfDirectory(atPath: "\(sandbox.path)/\(notesFolder)")
        #expect(earlier.count == 1)
        let earlierText = try sandbox.read("\(notesFolder)/\(earlier[0])")

        // 'shell' is not among the coder role's profiles: a warning, not a refusal.
        let result = try sandbox.mission("switch", id, "--profile", "shell", "--note", "The CLIs are down; use the script.",
                                         "--json").expectSuccess()
        #expect(result.stderr == "warning: profile 'shell' is not one of the profiles of role 'coder' in roles.yaml "
                + "(codex, claude, gemini); the ticket runs on it anyway\n")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["warnings"] as? [String])?.count == 1)
        let notePath = try #require(json["note"] as? String)
        #expect(json["note_commit"] as? String
                == (try sandbox.git("rev-parse", "HEAD").stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try sandbox.read(notePath) == "Test Person switched the runtime profile to `shell`.\n\nThe CLIs are down; use the script.\n")
        #expect(try sandbox.read("\(notesFolder)/\(earlier[0])") == earlierText)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(sandbox.path)/\(notesFolder)").count == 2)
        // Two commits: the switch, then the note.
        let subjects = try sandbox.git("log", "-2", "--format=%s").stdout
        #expect(subjects == "\(id): note by Test Person\n\(id): switch to profile shell\n")
        #expect(try sandbox.git("status", "--porcelain").stdout == "")
    }

    @Test func theCheckSaysWhatStopsEachProfileAndFailsWhenARoleHasNone() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.board()
        let agent = try fakeAgent(sandbox)
        // Nothing allowed, nothing installed: every role is without a profile that can run here.
        let none = try sandbox.mission("runtimes", "--check", "--json", environment: ["PATH": try emptyPath(sandbox)])
        #expect(none.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [String: Any])
        #expect(report["passed"] as? Bool == false)
        let profiles = try #require(report["profiles"] as? [[String: Any]])
        let codex = try #require(profiles.first { $0["name"] as? String == "codex" })
        #expect((codex["problems"] as? [String])?.first?.contains("codex is not installed here") == true, "\(codex)")
        #expect(codex["env_missing"] as? [String] == ["OPENAI_API_KEY"])
        let root = try #require(report["worktree_root"] as? String)
        #expect(root.hasPrefix(sandbox.root.appendingPathExtension("state").path), "\(root)")
        #expect(!FileManager.default.fileExists(atPath: agent.mark), "the check ran something")

        // Every role served by one allowed CLI whose credentials are set: it passes.
        let bin = try sandbox.scratch("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(bin)/claude", withDestinationPath: agent.path)
        let roles = try sandbox.read("board/roles.yaml").split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("    profiles:") ? "    profiles: [claude]" : String(line)
        }
        try sandbox.write("board/roles.yaml", roles.joined(separator: "\n"))
        try sandbox.git("commit", "-q", "-am", "claude only").expectSuccess()
        let ok = try sandbox.mission("runtimes", "--check", "--allow", "claude",
                                     environment: ["PATH": "\(bin):/usr/bin:/bin", "ANTHROPIC_API_KEY": "k"])
        #expect(ok.status == 0, "\(ok.all)")
        #expect(ok.stdout.contains("ok   claude: \(bin)/claude fake-agent 1.2.3"), "\(ok.stdout)")
        #expect(ok.stdout.contains("set here: ANTHROPIC_API_KEY"))
        #expect(ok.stdout.contains("Every role has a profile that can run here."))

        // A profile that asks for a label this host does not offer cannot serve here, and the check says which.
        let runtimes = try sandbox.read("board/runtimes.yaml").split(separator: "\n", omittingEmptySubsequences: false)
            .flatMap { $0 == "  claude:" ? [String($0), "    runs_on: [gpu]"] : [String($0)] }
        try sandbox.write("board/runtimes.yaml", runtimes.joined(separator: "\n"))
        try sandbox.git("commit", "-q", "-am", "claude on a gpu host").expectSuccess()
        let environment = ["PATH": "\(bin):/usr/bin:/bin", "ANTHROPIC_API_KEY": "k"]
        let unlabelled = try sandbox.mission("runtimes", "--check", "--allow", "claude", environment: environment)
        #expect(unlabelled.status == 1)
        #expect(unlabelled.stdout.contains("it runs on a runner labelled gpu; this host offers none"), "\(unlabelled.stdout)")
        let labelled = try sandbox.mission("runtimes", "--check", "--allow", "claude", "--label", "gpu",
                                           environment: environment)
        #expect(labelled.status == 0, "\(labelled.all)")

        // A worktree root inside .git fails the check, with what to set.
        let inside = try sandbox.mission("runtimes", "--check", "--allow", "claude",
                                         environment: ["PATH": "\(bin):/usr/bin:/bin",
                                                       "MISSION_WORKTREE_ROOT": "\(sandbox.path)/.git/worktrees-here"])
        #expect(inside.status == 1)
        #expect(inside.stdout.contains("inside the git folder"), "\(inside.stdout)")
    }
}
