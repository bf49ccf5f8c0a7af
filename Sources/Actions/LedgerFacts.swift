import Board
import Control
import Foundation
import Git

/// The ledger's facts of each ticket's packets, kept by the id of the ticket folder's tree: a folder that did not
/// change is not read again. Derived and disposable, like the ticket cache: a file under the git directory
/// (`mission/ledger-facts`), one `T TREE` line per folder and a `P NAME KIND PASSED GATE` line per packet.
final class LedgerFacts {
    private var byTree: [ObjectID: [Ledger.Fact]] = [:]
    private(set) var changed = false
    let path: String

    init(gitDirectory: String) {
        path = "\(gitDirectory)/mission/ledger-facts"
        guard let data = FileManager.default.contents(atPath: path) else { return }
        // Read as bytes, field by field: splitting a large String was most of the cost of a warm ledger.
        var tree: ObjectID?
        var facts: [Ledger.Fact] = []
        [UInt8](data).withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                var fields: [String] = []
                var from = start
                for index in start...end where index == end || bytes[index] == 0x09 && fields.count < 4 {
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<index]), as: UTF8.self))
                    from = index + 1
                }
                if fields.first == "T", fields.count == 2 {
                    if let tree { byTree[tree] = facts }
                    tree = ObjectID(hex: fields[1])
                    facts = []
                } else if fields.first == "P", fields.count == 5, let kind = EvidenceKind(rawValue: fields[2]) {
                    facts.append(Ledger.Fact(name: fields[1], gate: fields[4], kind: kind, passed: fields[3] == "1"))
                }
                start = end + 1
            }
        }
        if let tree { byTree[tree] = facts }
    }

    /// The facts of `record`'s packets: cached by its folder's tree, else read from `source` and remembered.
    func facts(of record: TicketRecord, source: TreeSource) -> [Ledger.Fact] {
        if let tree = record.treeID, let known = byTree[tree] { return known }
        let facts = source.decodedEvidence(of: record).map { Ledger.Fact(name: $0.name, packet: $0.packet) }
        if let tree = record.treeID {
            byTree[tree] = facts
            changed = true
        }
        return facts
    }

    /// Writes the facts of the folders in `keep` (the board's now), replacing the file; a failure only costs time.
    func save(keeping keep: Set<ObjectID>) {
        var out = ""
        for (tree, facts) in byTree where keep.contains(tree) {
            out += "T\t\(tree.hex)\n"
            for fact in facts where !fact.name.contains("\t") && !fact.name.contains("\n") && !fact.gate.contains("\n") {
                out += "P\t\(fact.name)\t\(fact.kind.rawValue)\t\(fact.passed ? "1" : "0")\t\(fact.gate)\n"
            }
        }
        let temporary = path + ".\(getpid())"
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: temporary, contents: Data(out.utf8)) else { return }
        if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
    }
}
