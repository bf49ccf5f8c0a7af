internal import CLibGit2
internal import Foundation

extension Repository {
    /// Writes the tree that results from applying `edits` to `base` (nil: the empty tree); touches no index or files.
    ///
    /// Folders are created as needed and disappear when an edit leaves them empty. Only the trees on the edited
    /// paths are rewritten, each by splicing its changed entries into its serialized bytes (see `RawTree`).
    public func updateTree(_ base: ObjectID?, applying edits: [TreeEdit]) throws(GitError) -> ObjectID {
        let operation = "update tree \(base?.short ?? "empty tree")"
        var root = EditNode()
        for edit in edits {
            let (path, leaf): (String, EditNode.Leaf) = switch edit {
            case .write(let path, let blob, let executable): (path, .write(blob, executable ? .executable : .blob))
            case .remove(let path): (path, .remove)
            }
            let components = path.split(separator: "/", omittingEmptySubsequences: false).map { Array($0.utf8) }
            guard !components.isEmpty, components.allSatisfy(Self.isValidName) else {
                throw GitError(code: .invalid, operation: operation, message: "invalid path '\(path)'")
            }
            root.insert(leaf, at: components[...])
        }
        if let tree = try rewrite(base, with: root, operation: operation) { return tree }
        return try emptyTree()
    }

    /// A name git accepts in a tree, and one that cannot escape a checkout.
    private static func isValidName(_ name: [UInt8]) -> Bool {
        !name.isEmpty && name != [0x2E] && name != [0x2E, 0x2E] && !name.contains(0)
            && name.lazy.map { $0 | 0x20 }.elementsEqual(".git".utf8) == false
    }

    /// The edits below one folder, by entry name.
    private struct EditNode {
        enum Leaf { case write(ObjectID, EntryKind), remove }
        var leaf: Leaf?
        var children: [[UInt8]: EditNode] = [:]

        mutating func insert(_ value: Leaf, at path: ArraySlice<[UInt8]>) {
            guard let first = path.first else {
                leaf = value
                children = [:]
                return
            }
            children[first, default: EditNode()].insert(value, at: path.dropFirst())
        }
    }

    /// Writes `tree` with `node`'s edits applied and returns its id; nil when the result is empty.
    private func rewrite(_ tree: ObjectID?, with node: EditNode, operation: String) throws(GitError) -> ObjectID? {
        let raw: RawTree
        if let tree {
            guard let parsed = RawTree(try rawTree(tree, operation)) else {
                throw GitError(code: .invalid, operation: operation, message: "tree \(tree.short) is malformed")
            }
            raw = parsed
        } else {
            raw = RawTree([])!
        }
        var changes: [(name: [UInt8], replacement: (id: ObjectID, kind: EntryKind)?)] = []
        for (name, child) in node.children {
            switch child.leaf {
            case .write(let blob, let kind)?:
                changes.append((name, (blob, kind)))
            case .remove?:
                changes.append((name, nil))
            case nil:
                let existing = raw.index(of: name).map { raw.entries[$0] }
                let subtree = existing.flatMap { $0.isTree ? raw.id($0) : nil }
                changes.append((name, try rewrite(subtree, with: child, operation: operation).map { ($0, .tree) }))
            }
        }
        let bytes = raw.applying(changes)
        return bytes.isEmpty ? nil : try writeRawTree(bytes, operation)
    }

    /// The serialized tree `id`, from memory when this repository wrote or read it lately.
    func rawTree(_ id: ObjectID, _ operation: String) throws(GitError) -> [UInt8] {
        if let bytes = rawTrees[id] { return bytes }
        var odb: OpaquePointer?
        try LibGit2.check(git_repository_odb(&odb, handle), operation)
        defer { git_odb_free(odb) }
        var object: OpaquePointer?
        var oid = id.oid
        try LibGit2.check(git_odb_read(&object, odb, &oid), operation)
        defer { git_odb_object_free(object) }
        guard git_odb_object_type(object) == GIT_OBJECT_TREE else {
            throw GitError(code: .invalid, operation: operation, message: "object \(id.short) is not a tree")
        }
        let size = git_odb_object_size(object)
        let bytes = size == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: git_odb_object_data(object), count: size))
        remember(bytes, as: id)
        return bytes
    }

    /// Writes a serialized tree through libgit2, the one writer of git objects, and returns its id.
    private func writeRawTree(_ bytes: [UInt8], _ operation: String) throws(GitError) -> ObjectID {
        var odb: OpaquePointer?
        try LibGit2.check(git_repository_odb(&odb, handle), operation)
        defer { git_odb_free(odb) }
        var oid = git_oid()
        try LibGit2.check(bytes.withUnsafeBytes { git_odb_write(&oid, odb, $0.baseAddress, $0.count, GIT_OBJECT_TREE) },
                          operation)
        let id = ObjectID(oid)
        remember(bytes, as: id)
        return id
    }

    /// Keeps large trees only: small ones are cheap to read, and the budget is for the folders that are not.
    private func remember(_ bytes: [UInt8], as id: ObjectID) {
        guard bytes.count >= 4096 else { return }
        if rawTreeBytes + bytes.count > rawTreeBudget {
            rawTrees.removeAll(keepingCapacity: true)
            rawTreeBytes = 0
        }
        rawTrees[id] = bytes
        rawTreeBytes += bytes.count
    }

    /// The entries that differ between the trees `old` and `new` (nil: empty), one level deep, in tree order.
    public func changedEntries(from old: ObjectID?, to new: ObjectID?) throws(GitError) -> [EntryChange] {
        let operation = "compare trees \(old?.short ?? "empty")..\(new?.short ?? "empty")"
        if old == new { return [] }
        let read = { (id: ObjectID?) throws(GitError) -> RawTree in
            guard let id else { return RawTree([])! }
            guard let raw = RawTree(try self.rawTree(id, operation)) else {
                throw GitError(code: .invalid, operation: operation, message: "tree \(id.short) is malformed")
            }
            return raw
        }
        return RawTree.changes(from: try read(old), to: try read(new))
    }
}

extension Repository {
    /// The files that differ between the root trees `old` and `new` (nil: empty), below `prefix` when given, with
    /// their kinds, in path order. Walked level by level from the trees' own ids, so a folder whose id did not
    /// change is never opened: libgit2's tree-to-tree diff reads every tree (below the path filter too), which on a
    /// board of ten thousand ticket folders was most of a commit in a checkout and of a pre-commit check.
    func prunedTreeDiff(from old: ObjectID?, to new: ObjectID?, under prefix: String?) throws(GitError) -> [TreeChange] {
        // The walk starts at the folder holding `prefix` and follows only the entry it names (a folder or a file).
        let slash = prefix?.lastIndex(of: "/")
        let parent = prefix.flatMap { prefix in slash.map { String(prefix[..<$0]) } } ?? ""
        let name = prefix.map { prefix in slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix }
        func folder(_ root: ObjectID?) throws(GitError) -> ObjectID? {
            guard let root, !parent.isEmpty else { return root }
            guard let entry = try entry(at: parent, in: root), entry.kind == .tree else { return nil }
            return entry.id
        }
        var changes: [TreeChange] = []
        try collectChanges(from: try folder(old), to: try folder(new), at: parent, only: name,
                           into: &changes)
        return changes.sorted { $0.change.path < $1.change.path }
    }

    private func collectChanges(from old: ObjectID?, to new: ObjectID?, at folder: String, only name: String? = nil,
                                into changes: inout [TreeChange]) throws(GitError) {
        for entry in try changedEntries(from: old, to: new) where name == nil || entry.name == name {
            let path = folder.isEmpty ? entry.name : "\(folder)/\(entry.name)"
            let oldTree = entry.oldKind == .tree ? entry.old : nil
            let newTree = entry.newKind == .tree ? entry.new : nil
            if oldTree != nil || newTree != nil { try collectChanges(from: oldTree, to: newTree, at: path, into: &changes) }
            let oldKind = entry.oldKind == .tree ? nil : entry.oldKind
            let newKind = entry.newKind == .tree ? nil : entry.newKind
            let kind: ChangeKind
            switch (oldKind, newKind) {
            case let (before?, after?):
                kind = (before == .link) != (after == .link) || (before == .submodule) != (after == .submodule) ? .typeChanged : .modified
            case (_?, nil): kind = .deleted
            case (nil, _?): kind = .added
            case (nil, nil): continue
            }
            changes.append(TreeChange(change: Change(kind: kind, path: path, oldID: oldKind == nil ? nil : entry.old,
                                                     newID: newKind == nil ? nil : entry.new),
                                      oldKind: oldKind, newKind: newKind))
        }
    }
}
