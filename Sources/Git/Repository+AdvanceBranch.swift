internal import CLibGit2
internal import Foundation

extension Repository {
    /// Moves `branch` from `expected` to `new` like `updateReference`, keeping a checkout of it in step.
    ///
    /// When a checkout holds `branch` — this repository's, the main checkout of the worktree this is, or a linked
    /// worktree (a board on its own branch, checked out beside the code) — the files and index entries of the
    /// paths that differ between the two commits are updated there too, under git's own `index.lock`, so a person's
    /// next `git commit` does not record our commit as reverted. It refuses (`.uncommittedChange`) rather than
    /// overwrite a person's edit, and leaves every other index entry (their staged work) alone.
    /// Submodule entries get their index entry only. If writing files fails after the reference moved,
    /// the error says so and the index is left as it was.
    public func advanceBranch(
        _ branch: String, from expected: ObjectID?, to new: ObjectID, logMessage: String
    ) throws(GitError) {
        guard let holder = try checkout(holding: branch) else {
            try updateReference(branch, to: new, expecting: expected, logMessage: logMessage)
            return
        }
        try holder.advanceCheckedOutBranch(branch, from: expected, to: new, logMessage: logMessage)
    }

    /// The repository whose checkout holds `branch`: this one when its HEAD names it, else the main checkout
    /// (from inside a linked worktree), else a linked worktree that has it checked out; nil when none does.
    private func checkout(holding branch: String) throws(GitError) -> Repository? {
        if !isBare, try headBranch() == branch { return self }
        if git_repository_is_worktree(handle) == 1 {
            let main = try Repository.open(at: commonDirectory)
            if !main.isBare, try main.headBranch() == branch { return main }
        }
        return try worktree(holding: branch).map { (worktree) throws(GitError) in try Repository.open(at: worktree.path) }
    }

    /// `advanceBranch` in the checkout that holds `branch`: HEAD names it and there is a working tree.
    private func advanceCheckedOutBranch(
        _ branch: String, from expected: ObjectID?, to new: ObjectID, logMessage: String
    ) throws(GitError) {
        guard let workingDirectory else {
            try updateReference(branch, to: new, expecting: expected, logMessage: logMessage)
            return
        }
        let operation = "advance \(branch) to \(new.short)"
        // Report a lost race as such rather than as working-tree differences; the swap below still decides.
        let current = try referenceTarget(branch)
        guard current == expected else {
            throw GitError(
                code: .referenceMoved, operation: "update reference \(branch)",
                message: "expected \(expected?.short ?? "no reference") but found \(current?.short ?? "none")")
        }
        var oldTree: ObjectID?
        if let expected {
            oldTree = try withCommit(expected, operation) { ObjectID(git_commit_tree_id($0)) }
        }
        let newTree = try withCommit(new, operation) { ObjectID(git_commit_tree_id($0)) }
        let changes = try treeDiff(from: oldTree, to: newTree)

        var lock = try IndexLock(gitDirectory: gitDirectory, operation: operation)
        defer { lock.abandon() }
        let index = try lock.openCopy()
        defer { git_index_free(index) }
        let checkout = Checkout(repository: self, root: workingDirectory, index: index, operation: operation)
        try checkout.ensureUntouched(changes)
        try updateReference(branch, to: new, expecting: expected, logMessage: logMessage)
        do throws(GitError) {
            try checkout.apply(changes)
            try lock.commit(index)
        } catch {
            throw GitError(
                code: error.code, operation: error.operation,
                message: "\(error.message) (\(branch) already points at \(new.short); the index was not updated)")
        }
    }
}

/// Git's index lock held the way git holds it: `index.lock` created exclusively, renamed over `index` to commit.
private struct IndexLock {
    let operation: String
    let lockPath: String
    let indexPath: String
    let copyPath: String
    private var held = true

    /// Creates `<gitdir>/index.lock`; throws `.locked` when another process holds it.
    init(gitDirectory: String, operation: String) throws(GitError) {
        self.operation = operation
        lockPath = gitDirectory + "/index.lock"
        indexPath = gitDirectory + "/index"
        copyPath = gitDirectory + "/index.mission-update"
        let descriptor = open(lockPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST {
                throw GitError(
                    code: .locked, operation: operation,
                    message: "another git process holds the index lock \(lockPath); if none is running, remove the file")
            }
            throw posixError(code, "create \(lockPath)")
        }
        close(descriptor)
    }

    /// Copies the index beside it and opens the copy as a standalone libgit2 index; the caller frees it.
    func openCopy() throws(GitError) -> OpaquePointer {
        // We hold the lock, so leftovers from a crashed run are ours to clear.
        unlink(copyPath)
        unlink(copyPath + ".lock")
        if FileManager.default.fileExists(atPath: indexPath) {
            do {
                try FileManager.default.copyItem(atPath: indexPath, toPath: copyPath)
            } catch {
                throw GitError(code: .other, operation: operation, message: "copy \(indexPath): \(error)")
            }
        }
        var index: OpaquePointer?
        try LibGit2.check(git_index_open(&index, copyPath), "\(operation): read index")
        return index!
    }

    /// Writes the edited copy, moves it into the lock file and the lock file over the index.
    mutating func commit(_ index: OpaquePointer) throws(GitError) {
        try LibGit2.check(git_index_write(index), "\(operation): write index")
        guard rename(copyPath, lockPath) == 0 else { throw posixError(errno, "rename \(copyPath) to \(lockPath)") }
        guard rename(lockPath, indexPath) == 0 else { throw posixError(errno, "rename \(lockPath) to \(indexPath)") }
        held = false
    }

    /// Removes the copy and, unless committed, the lock file.
    mutating func abandon() {
        unlink(copyPath)
        unlink(copyPath + ".lock")
        if held {
            unlink(lockPath)
            held = false
        }
    }

    private func posixError(_ code: Int32, _ action: String) -> GitError {
        GitError(code: .other, operation: operation, message: "\(action): \(String(cString: strerror(code)))")
    }
}

/// The working files and index entries of one checkout, read and written path by path.
private struct Checkout {
    let repository: Repository
    let root: String
    let index: OpaquePointer
    let operation: String

    /// What a working path holds.
    private enum WorkingFile: Equatable {
        case absent
        case content(ObjectID)
        case somethingElse
    }

    /// Throws `.uncommittedChange` unless every changed path holds our old or new version in files and index.
    func ensureUntouched(_ changes: [Repository.TreeChange]) throws(GitError) {
        let deleted = Set(changes.filter { $0.change.newID == nil }.map(\.change.path))
        for item in changes {
            let change = item.change
            let path = change.path
            let allowed: Set<ObjectID?> = [change.oldID, change.newID]
            for stage in 1...3 where git_index_get_bypath(index, path, Int32(stage)) != nil {
                throw refusal("\(path) has unresolved conflicts; resolve them first")
            }
            guard allowed.contains(indexID(path)) else { throw uncommitted(path) }
            if item.oldKind == .submodule || item.newKind == .submodule {
                continue
            }
            let working = try workingFile(path)
            let matches = switch working {
            case .absent: allowed.contains(nil)
            case .content(let id): allowed.contains(id)
            case .somethingElse: false
            }
            guard matches else { throw uncommitted(path) }
            // A file where we need a folder would stop us half way: refuse before moving anything.
            if change.newID != nil {
                var folder = ""
                for component in path.split(separator: "/").dropLast() {
                    folder += folder.isEmpty ? String(component) : "/" + component
                    var info = stat()
                    if lstat(root + "/" + folder, &info) == 0, info.st_mode & S_IFMT != S_IFDIR, !deleted.contains(folder) {
                        throw refusal("\(folder) is in the way of \(path); move it away first")
                    }
                }
            }
        }
    }

    /// Writes the new side of every change into the working files and the index copy.
    func apply(_ changes: [Repository.TreeChange]) throws(GitError) {
        // Deletions first, so a file that becomes a folder (or the reverse) has room.
        for item in changes where item.change.newID == nil {
            let path = item.change.path
            if item.oldKind != .submodule {
                let full = root + "/" + path
                if unlink(full) != 0, errno != ENOENT, errno != ENOTDIR {
                    throw posixError(errno, "delete \(path)")
                }
                pruneEmptyFolders(above: path)
            }
            let result = git_index_remove(index, path, 0)
            if result != GIT_ENOTFOUND.rawValue {
                try LibGit2.check(result, "\(operation): remove \(path) from the index")
            }
        }
        for item in changes {
            guard let id = item.change.newID else { continue }
            let path = item.change.path
            let kind = item.newKind ?? .blob
            var info = stat()
            if kind != .submodule {
                try write(try repository.blob(id), kind: kind, to: path)
                guard lstat(root + "/" + path, &info) == 0 else { throw posixError(errno, "stat \(path)") }
            }
            var entry = git_index_entry()
            entry.ctime = git_index_time(
                seconds: Int32(truncatingIfNeeded: info.st_ctim.tv_sec),
                nanoseconds: UInt32(truncatingIfNeeded: info.st_ctim.tv_nsec))
            entry.mtime = git_index_time(
                seconds: Int32(truncatingIfNeeded: info.st_mtim.tv_sec),
                nanoseconds: UInt32(truncatingIfNeeded: info.st_mtim.tv_nsec))
            entry.dev = UInt32(truncatingIfNeeded: info.st_dev)
            entry.ino = UInt32(truncatingIfNeeded: info.st_ino)
            entry.uid = info.st_uid
            entry.gid = info.st_gid
            entry.file_size = UInt32(truncatingIfNeeded: info.st_size)
            entry.mode = kind.mode.rawValue
            entry.id = id.oid
            let result = path.withCString { cPath in
                entry.path = cPath
                return git_index_add(index, &entry)
            }
            try LibGit2.check(result, "\(operation): add \(path) to the index")
        }
    }

    private func indexID(_ path: String) -> ObjectID? {
        guard let entry = git_index_get_bypath(index, path, 0) else { return nil }
        return ObjectID(entry.pointee.id)
    }

    private func workingFile(_ path: String) throws(GitError) -> WorkingFile {
        let full = root + "/" + path
        var info = stat()
        guard lstat(full, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                return .absent
            }
            throw posixError(code, "stat \(path)")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            guard let data = FileManager.default.contents(atPath: full) else {
                throw GitError(code: .other, operation: operation, message: "cannot read \(path)")
            }
            return .content(try repository.hashBlob([UInt8](data)))
        case S_IFLNK:
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(full, &target, target.count - 1)
            guard count >= 0 else { throw posixError(errno, "read link \(path)") }
            return .content(try repository.hashBlob(target[0..<count].map { UInt8(bitPattern: $0) }))
        default:
            return .somethingElse
        }
    }

    private func write(_ content: [UInt8], kind: EntryKind, to path: String) throws(GitError) {
        let full = root + "/" + path
        let folder = (full as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw GitError(code: .other, operation: operation, message: "create folder for \(path): \(error)")
        }
        // Replace rather than rewrite, as git checkout does: the mode comes out right and links stay links.
        if unlink(full) != 0, errno != ENOENT {
            throw posixError(errno, "replace \(path)")
        }
        if kind == .link {
            let target = String(decoding: content, as: UTF8.self)
            guard symlink(target, full) == 0 else { throw posixError(errno, "create link \(path)") }
            return
        }
        let descriptor = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kind == .executable ? 0o777 : 0o666)
        guard descriptor >= 0 else { throw posixError(errno, "create \(path)") }
        defer { close(descriptor) }
        var written = 0
        while written < content.count {
            let count = content.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw posixError(errno, "write \(path)")
            }
            written += count
        }
    }

    private func pruneEmptyFolders(above path: String) {
        var components = path.split(separator: "/").dropLast()
        while !components.isEmpty {
            guard rmdir(root + "/" + components.joined(separator: "/")) == 0 else { return }
            components = components.dropLast()
        }
    }

    private func uncommitted(_ path: String) -> GitError {
        refusal("\(path) has uncommitted changes; commit or stash them first")
    }

    private func refusal(_ message: String) -> GitError {
        GitError(code: .uncommittedChange, operation: operation, message: message)
    }

    private func posixError(_ code: Int32, _ action: String) -> GitError {
        GitError(code: .other, operation: operation, message: "\(action): \(String(cString: strerror(code)))")
    }
}
