import ArgumentParser

/// The `mission` command: tickets, gates and evidence as YAML files in git.
@main
struct Mission: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mission",
        abstract: "Mission Control: a control plane for software work by AI agents and people, on git.",
        discussion: "Tickets, gates and evidence are YAML files in a git repository. See docs/ for the formats.",
        version: "0.1.0",
        subcommands: [
            Init.self, Clone.self, New.self, List.self, BoardView.self, Show.self, Check.self, Log.self, Edit.self,
            Ready.self, Hold.self, Cancel.self, Switch.self, Note.self, Answer.self, Approve.self, Reject.self, Merge.self,
            Archive.self, Reconcile.self, Watch.self, Poke.self, Health.self, LedgerCommand.self, ArtifactsCommand.self, BrowserCheckCommand.self,
            Serve.self, Runtimes.self, Demo.self,
        ]
    )
}
