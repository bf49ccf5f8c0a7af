/// A tree object's bytes, read and edited in place, without building libgit2 tree objects.
///
/// A board's `tickets/` folder can hold ten thousand entries, and every commit that touches one ticket rewrites
/// it. libgit2's tree builder parses every entry into its own allocation, hashes them into a map and sorts
/// them again; splicing the few changed entries into the serialized bytes does the same job in one copy.
/// The format is git's: for each entry, the octal mode, a space, the name, a NUL and the 20-byte id, sorted
/// by name with folders compared as if their name ended in `/`.
struct RawTree {
    /// One entry's place in the bytes.
    struct Entry {
        /// Where the entry (its mode) starts.
        let start: Int
        /// Where its name starts and ends (the NUL).
        let nameStart: Int
        let nameEnd: Int
        /// Whether it is a folder (mode 40000).
        let isTree: Bool
        /// Where its id starts; the entry ends 20 bytes later.
        var idStart: Int { nameEnd + 1 }
        /// Where the next entry starts.
        var end: Int { nameEnd + 21 }
    }

    /// The serialized tree.
    let bytes: [UInt8]
    /// Its entries, in order.
    let entries: [Entry]

    /// Indexes `bytes`; nil when they are not a well-formed tree.
    init?(_ bytes: [UInt8]) {
        var entries: [Entry] = []
        let count = bytes.count
        let parsed: Bool = bytes.withUnsafeBufferPointer { raw in
            var position = 0
            while position < count {
                let start = position
                var mode = 0
                while position < count, raw[position] != 0x20 {
                    let digit = Int(raw[position]) - 0x30
                    guard (0...7).contains(digit) else { return false }
                    mode = mode * 8 + digit
                    position += 1
                }
                position += 1
                let nameStart = position
                while position < count, raw[position] != 0 { position += 1 }
                guard position > nameStart, position + 21 <= count else { return false }
                entries.append(Entry(start: start, nameStart: nameStart, nameEnd: position, isTree: mode == 0o40000))
                position += 21
            }
            return true
        }
        guard parsed else { return nil }
        self.bytes = bytes
        self.entries = entries
    }

    /// The entry's name bytes.
    func name(_ entry: Entry) -> ArraySlice<UInt8> { bytes[entry.nameStart..<entry.nameEnd] }

    /// The entry's id.
    func id(_ entry: Entry) -> ObjectID {
        bytes.withUnsafeBytes { ObjectID(raw: UnsafeRawBufferPointer(rebasing: $0[entry.idStart..<entry.end])) }
    }

    /// The index of the entry named `name`, of either kind.
    func index(of name: [UInt8]) -> Int? {
        // A name sorts in one of two places, as a file or as a folder; look in both.
        for isTree in [false, true] {
            let position = insertionPoint(name, isTree: isTree)
            if position < entries.count, self.name(entries[position]).elementsEqual(name) { return position }
        }
        return nil
    }

    /// Where an entry `name` of the given kind belongs: the first entry that sorts after it (binary search).
    func insertionPoint(_ name: [UInt8], isTree: Bool) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let entry = entries[middle]
            if Self.order(self.name(entry), entry.isTree, name[...], isTree) < 0 { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Git's tree order: bytewise by name, where a folder's name continues with `/`.
    static func order(_ a: ArraySlice<UInt8>, _ aIsTree: Bool, _ b: ArraySlice<UInt8>, _ bIsTree: Bool) -> Int {
        var i = a.startIndex, j = b.startIndex
        while i < a.endIndex, j < b.endIndex {
            if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
            i += 1
            j += 1
        }
        let next: (ArraySlice<UInt8>, Int, Bool) -> UInt8 = { name, index, isTree in
            index < name.endIndex ? name[index] : (isTree ? UInt8(ascii: "/") : 0)
        }
        let x = next(a, i, aIsTree), y = next(b, j, bIsTree)
        return x == y ? 0 : (x < y ? -1 : 1)
    }

    /// One serialized entry.
    static func entryBytes(name: [UInt8], id: ObjectID, kind: EntryKind) -> [UInt8] {
        let mode: String = switch kind {
        case .blob: "100644"
        case .executable: "100755"
        case .tree: "40000"
        case .link: "120000"
        case .submodule: "160000"
        }
        return Array(mode.utf8) + [0x20] + name + [0] + id.bytes
    }

    /// The tree with the entries named in `changes` removed and their replacements (nil: none) put in place.
    func applying(_ changes: [(name: [UInt8], replacement: (id: ObjectID, kind: EntryKind)?)]) -> [UInt8] {
        var removed = Set<Int>()
        var inserted: [(at: Int, name: [UInt8], isTree: Bool, bytes: [UInt8])] = []
        for change in changes {
            if let existing = index(of: change.name) { removed.insert(existing) }
        }
        for change in changes {
            guard let (id, kind) = change.replacement else { continue }
            inserted.append((insertionPoint(change.name, isTree: kind == .tree), change.name, kind == .tree,
                             Self.entryBytes(name: change.name, id: id, kind: kind)))
        }
        // Several new entries can belong at one point; among themselves they go in tree order too.
        inserted.sort { $0.at != $1.at ? $0.at < $1.at : Self.order($0.name[...], $0.isTree, $1.name[...], $1.isTree) < 0 }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + inserted.reduce(0) { $0 + $1.bytes.count })
        // Copy runs of kept entries wholesale; stop at each removal and insertion point.
        var cuts = Set(removed)
        for insertion in inserted { cuts.insert(insertion.at) }
        var runStart = 0
        var pending = inserted[...]
        for cut in cuts.sorted() {
            let cutByte = cut < entries.count ? entries[cut].start : bytes.count
            out += bytes[(runStart < entries.count ? entries[runStart].start : bytes.count)..<cutByte]
            while let next = pending.first, next.at == cut {
                out += next.bytes
                pending = pending.dropFirst()
            }
            runStart = removed.contains(cut) ? cut + 1 : cut
        }
        if runStart < entries.count { out += bytes[entries[runStart].start...] }
        for rest in pending { out += rest.bytes }
        return out
    }
}

/// One changed entry of a tree level.
public struct EntryChange: Sendable, Hashable {
    /// The entry's name.
    public let name: String
    /// Its id and kind before; nil when it was added.
    public let old: ObjectID?
    public let oldKind: EntryKind?
    /// Its id and kind after; nil when it was removed.
    public let new: ObjectID?
    public let newKind: EntryKind?
}

extension RawTree {
    /// The kind a raw entry's mode names.
    func kind(_ entry: Entry) -> EntryKind? {
        let mode = bytes[entry.start..<entry.nameStart - 1].reduce(0) { $0 * 8 + Int($1) - 0x30 }
        return EntryKind(mode: mode)
    }

    /// The entries that differ between `old` and `new` (one level, no recursion), in tree order.
    static func changes(from old: RawTree, to new: RawTree) -> [EntryChange] {
        var changes: [EntryChange] = []
        var i = 0, j = 0
        let a = old.entries, b = new.entries
        func removed(_ entry: Entry) {
            changes.append(EntryChange(name: String(decoding: old.name(entry), as: UTF8.self), old: old.id(entry),
                                       oldKind: old.kind(entry), new: nil, newKind: nil))
        }
        func added(_ entry: Entry) {
            changes.append(EntryChange(name: String(decoding: new.name(entry), as: UTF8.self), old: nil, oldKind: nil,
                                       new: new.id(entry), newKind: new.kind(entry)))
        }
        while i < a.count || j < b.count {
            guard i < a.count else { added(b[j]); j += 1; continue }
            guard j < b.count else { removed(a[i]); i += 1; continue }
            let order = Self.order(old.name(a[i]), a[i].isTree, new.name(b[j]), b[j].isTree)
            if order < 0 {
                removed(a[i]); i += 1
            } else if order > 0 {
                added(b[j]); j += 1
            } else {
                // Same name and kind of place: unchanged when mode and id are the same bytes.
                if !old.bytes[a[i].start..<a[i].end].elementsEqual(new.bytes[b[j].start..<b[j].end]) {
                    changes.append(EntryChange(name: String(decoding: new.name(b[j]), as: UTF8.self),
                                               old: old.id(a[i]), oldKind: old.kind(a[i]),
                                               new: new.id(b[j]), newKind: new.kind(b[j])))
                }
                i += 1
                j += 1
            }
        }
        return changes
    }
}
