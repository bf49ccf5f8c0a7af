import Actions
import ArgumentParser
import Board
import Foundation

/// `mission artifacts ID`: the files a ticket's sessions and checks left as proof.
struct ArtifactsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts",
        abstract: "List a ticket's artifacts (screenshots, reports, logs its sessions and checks left), or export them.",
        discussion: """
            Artifacts are blobs on refs/mission/artifacts, named by the evidence packets. With --out each is written \
            to DIR/PACKET/NAME (PACKET without .yaml). In a clone, 'git fetch' brings them (mission clone sets that up).
            """)

    @OptionGroup var board: BoardOptions

    @Argument(help: "The ticket id.")
    var id: String

    @Option(help: "Write every artifact into this folder.")
    var out: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try failing {
            let context = try BoardContext.open(board)
            let entries = try context.artifacts(of: id)
            var written: [String: String] = [:]
            if let out {
                for entry in entries where entry.artifact.blob != nil {
                    let bytes = try context.contents(of: entry.artifact)
                    let stem = entry.packet.hasSuffix(".yaml") ? String(entry.packet.dropLast(5)) : entry.packet
                    // The name is anyone's push away: no absolute path, no way out of the folder.
                    let parts = entry.artifact.name.split(separator: "/").filter { $0 != ".." && $0 != "." && !$0.isEmpty }
                    guard !parts.isEmpty else { continue }
                    let target = URL(fileURLWithPath: out).appendingPathComponent(stem).appendingPathComponent(parts.joined(separator: "/"))
                    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    guard FileManager.default.createFile(atPath: target.path, contents: Data(bytes)) else {
                        throw MissionFailure("cannot write \(target.path)")
                    }
                    written[entry.packet + "/" + entry.artifact.name] = target.path
                }
            }
            if json {
                try Output.json(entries.map { entry in
                    ArtifactRow(packet: entry.packet, gate: entry.gate, artifact: entry.artifact,
                                written: written[entry.packet + "/" + entry.artifact.name])
                })
                return
            }
            guard !entries.isEmpty else {
                print("\(id) has no artifacts.")
                return
            }
            var rows = [["PACKET", "NAME", "TYPE", "SIZE", "BLOB"]]
            for entry in entries {
                let a = entry.artifact
                rows.append([entry.packet, a.name, a.mediaType ?? "-", a.size.map(String.init) ?? "-",
                             a.blob.map { String($0.prefix(12)) } ?? (a.description ?? "-")].map { Output.visible($0) })
            }
            print(Output.table(rows).joined(separator: "\n"))
            if let out { print("Wrote \(written.count) file\(written.count == 1 ? "" : "s") into \(out).") }
        }
    }
}

/// One artifact in `artifacts --json`; every key always present.
struct ArtifactRow: Encodable {
    let packet: String
    let gate: String
    let artifact: Artifact
    let written: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(packet, forKey: "packet")
        try c.encode(gate, forKey: "gate")
        try c.encode(artifact.name, forKey: "name")
        try c.encode(artifact.blob, forKey: "blob")
        try c.encode(artifact.mediaType, forKey: "media_type")
        try c.encode(artifact.size, forKey: "size")
        try c.encode(artifact.kind, forKey: "kind")
        try c.encode(artifact.description, forKey: "description")
        try c.encode(written, forKey: "written")
    }
}
