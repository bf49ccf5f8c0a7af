import Board
import Testing

@Suite struct TicketIDTests {
    @Test(arguments: ["MC-7K3Q", "MC-4207", "OPS_2-ab12", "X-1"])
    func acceptsWellFormedIDs(_ id: String) {
        #expect(TicketID.isValid(id))
    }

    @Test(arguments: ["../../etc/passwd", "MC-", "-7K3Q", "MC 7K3Q", "MC-7K3Q/x", "MC-7K.3Q", "1C-7K3Q", "",
                      "MC-\u{00C9}", String(repeating: "A", count: 39) + "-1"])
    func refusesAnythingThatCouldNameAPathOrIsNotAnID(_ id: String) {
        #expect(!TicketID.isValid(id))
    }

    @Test func mintedIDsUseCrockfordBase32AndAvoidExistingOnes() {
        var generator = SeededGenerator(seed: 42)
        var existing: Set<String> = []
        for _ in 0..<2_000 {
            let id = TicketID.mint(prefix: "MC", existing: existing, minimumLength: 4, using: &generator)
            #expect(!existing.contains(id))
            #expect(TicketID.isValid(id))
            let random = id.dropFirst(3)
            #expect(random.allSatisfy { TicketID.alphabet.contains($0) })
            #expect(!random.contains { "ILOU".contains($0) })
            existing.insert(id)
        }
    }

    @Test(arguments: [(0, 4, 4), (100, 4, 4), (1_000, 4, 5), (10_000, 4, 6), (100_000, 4, 6), (1_000_000, 4, 7), (10, 6, 6)])
    func idsLengthenAsTheBoardGrows(count: Int, minimum: Int, expected: Int) {
        #expect(TicketID.randomLength(forBoardOf: count, minimum: minimum) == expected)
    }
}

/// A deterministic generator for repeatable tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
