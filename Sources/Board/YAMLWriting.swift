import Foundation
import Yams

/// Writing the files the watcher owns (status, evidence). People's files are never re-encoded: they are
/// edited in place (`SpecEditor`); these are the watcher's own, written whole.
public enum YAMLWriting {
    /// `value` as YAML, keys in declaration order, absent optionals left out, dates in ISO 8601.
    public static func encode(_ value: some Encodable, header: String? = nil) throws -> [UInt8] {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = false
        let text = try encoder.encode(value)
        return Array(((header.map { $0 + "\n" } ?? "") + text).utf8)
    }
}
