import Actions
import ArgumentParser
import Foundation

/// `mission merge ID`: merge a done ticket's branch into the code branch, once a person approved it.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", 
        abstract: "Merge a done ticket's branch mission/ID into the code branch, after a person's approval.",
        discussion: """
            Merging into a protected branch happens only after a human gate, never implied by a passing check: the \
            ticket must be done and its evidence must hold an approval at every human gate of its workflow. It \
            fast-forwards when it can and otherwise makes a merge commit; a conflict refuses and changes nothing. \
            A checkout of the code branch follows, and a person's uncommitted edit is never overwritten. Then a \
            merge packet is committed on the board, and the ticket's worktree and merged branch are removed. The \
            code branch is --into, else git config mission.codeBranch, else the branch HEAD names.
            """)

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Option(help: "The branch to merge into (default: mission.codeBranch from git config, else HEAD's branch).")
    var into: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if let into, into.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--into needs a branch") }
    }

    func run() throws {
        try failing {
            let result = try BoardContext.open(board).merge(id, into: into)
            if json {
                try Output.json(result)
                return
            }
            for warning in result.warnings { Output.error("warning: \(warning)") }
            let files = result.files.count
            print("\(id): \(result.summary) (\(files) file\(files == 1 ? "" : "s"), +\(result.insertions) -\(result.deletions))")
            print("Recorded \(result.packet) (\(result.commit.prefix(7))).")
            switch (result.removedWorktree, result.deletedBranch) {
            case (true, true): print("Removed the worktree of \(id) and deleted the merged branch \(result.branch).")
            case (false, true): print("Deleted the merged branch \(result.branch).")
            case (true, false): print("Removed the worktree of \(id).")
            case (false, false): break
            }
            if let push = result.push {
                print("This is a clone of the hub: push the merge and the packet, and delete the ticket branch there:\n  \(push)")
            }
        }
    }
}
