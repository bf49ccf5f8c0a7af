/// Ticket ids: the board prefix and a random Crockford base-32 string, minted with no coordination.
public enum TicketID {
    /// Crockford's base-32 alphabet: no I, L, O or U, so ids read aloud and typed by hand survive.
    public static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// The longest id accepted.
    public static let maxLength = 40

    /// Whether `id` is a well-formed ticket id: letters, digits and `_` before one `-`, letters and digits after.
    /// Anything else (slashes, dots, spaces) is refused, so an id can never name a path outside its folder.
    public static func isValid(_ id: String) -> Bool {
        guard id.utf8.count <= maxLength, let dash = id.firstIndex(of: "-") else { return false }
        let prefix = id[..<dash], rest = id[id.index(after: dash)...]
        guard let first = prefix.first, first.isASCII, first.isLetter, !rest.isEmpty else { return false }
        return prefix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// The length of the random part for a board of `count` tickets: long enough that the chance that
    /// the next id minted anywhere collides with an existing one stays below one in ten thousand.
    public static func randomLength(forBoardOf count: Int, minimum: Int) -> Int {
        var length = max(1, minimum)
        // 32^length must exceed count * 10_000.
        var space = 1.0
        for _ in 0..<length { space *= 32 }
        while space < Double(max(count, 1)) * 10_000 {
            length += 1
            space *= 32
        }
        return length
    }

    /// Mints a new id that is not in `existing`.
    public static func mint<G: RandomNumberGenerator>(
        prefix: String, existing: Set<String>, minimumLength: Int, using generator: inout G
    ) -> String {
        var length = randomLength(forBoardOf: existing.count, minimum: minimumLength)
        while true {
            for _ in 0..<8 {
                let random = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
                let id = "\(prefix)-\(random)"
                if !existing.contains(id) { return id }
            }
            length += 1  // Crowded at this length: lengthen rather than loop.
        }
    }

    /// Mints a new id with the system's random number generator.
    public static func mint(prefix: String, existing: Set<String>, minimumLength: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return mint(prefix: prefix, existing: existing, minimumLength: minimumLength, using: &generator)
    }
}
