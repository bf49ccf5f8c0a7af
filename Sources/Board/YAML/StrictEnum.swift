/// A closed set of words in a board file, such as `enum Priority: String, StrictEnum { case low, high }`.
/// Decoding anything else fails with "priority must be one of low, high (found 'hihg')" and a
/// "did you mean 'high'?" hint when a case is close.
public protocol StrictEnum: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {}

extension StrictEnum {
    /// Decodes one of the raw values, or fails naming them all.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? NodeDecoder {
            self = try decoder.strictEnum(Self.self)
            return
        }
        // Another decoder (JSON, say): the same words, without a location.
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        if let value = Self(rawValue: raw) {
            self = value
            return
        }
        let names = Self.allCases.map(\.rawValue)
        var message = "\(decoder.codingPath.last?.stringValue ?? "value") must be one of \(names.joined(separator: ", ")) (found '\(raw)')"
        if let near = Suggest.closest(to: raw, in: names) {
            message += "; did you mean '\(near)'?"
        }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: message)
    }
}
