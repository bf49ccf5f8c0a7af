internal import CLibGit2
internal import Foundation

/// Writing a large tree as a loose object whose zlib stream holds the bytes in stored (uncompressed) blocks.
///
/// A tree is half SHA-1 ids, which do not compress: deflating a board's 360 KB `tickets/` tree saves a third of
/// its size and costs ~5 ms even at level 1, most of a commit's time. Stored blocks cost a copy. The object is
/// an ordinary loose object that git and libgit2 read like any other (RFC 1950/1951 stored blocks), and
/// `git gc` packs it with deltas like any other. libgit2 1.5 cannot write level 0 itself (its stream then
/// fails to inflate), so the few lines of framing are here.
enum StoredObject {
    /// Trees at least this big are written stored; smaller ones go through libgit2 at its usual level.
    static let threshold = 64 << 10

    /// Writes `bytes` as a loose object of `type` under `objects` (the repository's `objects` folder) unless it
    /// is there already, and returns its id.
    static func write(_ bytes: [UInt8], type: git_object_t, objects: String) throws(GitError) -> ObjectID {
        let operation = "write a \(bytes.count)-byte object"
        var oid = git_oid()
        try LibGit2.check(bytes.withUnsafeBytes { git_odb_hash(&oid, $0.baseAddress, $0.count, type) }, operation)
        let id = ObjectID(oid)
        let hex = id.hex
        let folder = "\(objects)/\(hex.prefix(2))"
        let path = "\(folder)/\(hex.dropFirst(2))"
        if access(path, F_OK) == 0 { return id }
        if mkdir(folder, 0o777) != 0, errno != EEXIST { throw failure(operation, "create \(folder)") }
        var template = Array("\(folder)/tmp_obj_XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure(operation, "create a temporary file in \(folder)") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let header = Array("\(String(cString: git_object_type2string(type))) \(bytes.count)\0".utf8)
        let stream = zlibStored(header, bytes)
        let written = stream.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        let closed = close(descriptor) == 0
        guard written, closed, fchmodat(AT_FDCWD, temporary, 0o444, 0) == 0, rename(temporary, path) == 0 else {
            let error = failure(operation, "write \(path)")
            unlink(temporary)
            throw error
        }
        return id
    }

    /// `header` then `body` as a zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4).
    static func zlibStored(_ header: [UInt8], _ body: [UInt8]) -> [UInt8] {
        let total = header.count + body.count
        let blocks = max(1, (total + 65_534) / 65_535)
        var out: [UInt8] = []
        out.reserveCapacity(total + blocks * 5 + 6)
        out += [0x78, 0x01]  // deflate, 32 KB window, no preset dictionary, fastest; (0x7801 % 31 == 0)
        var checksum = Adler32()
        checksum.update(header)
        checksum.update(body)
        var remaining = total
        var position = 0
        repeat {
            let count = min(remaining, 65_535)
            remaining -= count
            out.append(remaining == 0 ? 1 : 0)  // BFINAL, BTYPE 00
            out += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            // The block's bytes, taken from the header and then the body.
            let end = position + count
            if position < header.count { out += header[position..<min(end, header.count)] }
            if end > header.count { out += body[max(position, header.count) - header.count..<end - header.count] }
            position = end
        } while remaining > 0
        let value = checksum.value
        out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        return out
    }

    private static func failure(_ operation: String, _ what: String) -> GitError {
        GitError(code: .other, operation: operation, message: "could not \(what): \(String(cString: strerror(errno)))")
    }
}

/// The Adler-32 checksum zlib streams end with.
struct Adler32 {
    private var a: UInt32 = 1
    private var b: UInt32 = 0
    var value: UInt32 { b << 16 | a }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                // 5552 bytes is the most that cannot overflow 32 bits before the modulo.
                let end = min(index + 5552, buffer.count)
                while index < end {
                    a &+= UInt32(buffer[index])
                    b &+= a
                    index += 1
                }
                a %= 65_521
                b %= 65_521
            }
        }
    }
}
