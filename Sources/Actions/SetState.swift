import Board
import Foundation
import Git

/// What setting a desired state did.
public struct StateChange: Encodable, Equatable {
    public let id: String
    public let state: String
    /// The state the spec held before.
    public let previous: String
    /// The commit; nil when the ticket was in that state already.
    public let commit: String?

    private enum CodingKeys: String, CodingKey { case id, state, commit }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(state, forKey: .state)
        try c.encode(commit, forKey: .commit)
    }
}

extension BoardContext {
    /// Sets ticket `id`'s desired state (`ready`, `hold`, `cancelled`, `draft`), editing that one line of its spec in
    /// place. A ticket already in that state is left as it is.
    public func setState(_ id: String, to state: DesiredState) throws -> StateChange {
        let snapshot = try listing(parsing: [id])
        let record = try activeRecord(id, in: snapshot)
        let spec = try Self.spec(of: record, in: snapshot)
        if spec.state == state {
            return StateChange(id: id, state: state.rawValue, previous: spec.state.rawValue, commit: nil)
        }
        let result = try commitSpecField(
            "state", to: state.rawValue, of: record, in: snapshot,
            message: "\(id): \(spec.state.rawValue) -> \(state.rawValue)",
            trailers: [Trailer(key: "Mission-Ticket", value: id), Trailer(key: "Mission-Action", value: state.rawValue)],
            refusal: "\(id) cannot become \(state.rawValue)")
        return StateChange(id: id, state: state.rawValue, previous: spec.state.rawValue, commit: result.id.hex)
    }
}
