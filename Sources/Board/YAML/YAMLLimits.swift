/// Bounds on what `YAMLDocument.parse` accepts, checked before libyaml sees the bytes.
public struct YAMLLimits: Sendable {
    /// The largest file accepted, in bytes.
    public var maxBytes: Int = 1 << 20
    /// The deepest nesting of lists and mappings accepted.
    public var maxDepth: Int = 64

    /// Limits of `maxBytes` bytes and `maxDepth` levels; the defaults suit every board file.
    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }
}

/// A step from a node to one of its children: a mapping key or a list index (from 0).
public enum YAMLPath: Sendable, Hashable {
    /// The value under this key of a mapping.
    case key(String)
    /// The item at this 0-based index of a list.
    case index(Int)
}

extension YAMLPath {
    /// The name a message uses for the value at `path`: its key, followed by any list indices
    /// (`labels[2]`); `document` for the root.
    static func fieldName(_ path: [YAMLPath]) -> String {
        var suffix = ""
        var i = path.count - 1
        while i >= 0, case .index(let index) = path[i] {
            suffix = "[\(index)]" + suffix
            i -= 1
        }
        if i >= 0, case .key(let name) = path[i] {
            return name + suffix
        }
        return "document" + suffix
    }
}
