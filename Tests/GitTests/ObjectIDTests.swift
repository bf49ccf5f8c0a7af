import Foundation
import Git
import Testing

@Suite("ObjectID")
struct ObjectIDTests {
    let hex = "0123456789abcdef0123456789abcdef01234567"

    @Test func parsesAndPrintsHex() throws {
        let id = try #require(ObjectID(hex: hex))
        #expect(id.hex == hex)
        #expect(id.description == hex)
        #expect(id.short == "0123456")
        #expect(ObjectID(hex: hex.uppercased()) == id)
    }

    @Test(arguments: ["", "0123", "g123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef012345678"])
    func rejectsMalformedHex(_ text: String) {
        #expect(ObjectID(hex: text) == nil)
    }

    @Test func ordersLikeBytes() throws {
        let low = try #require(ObjectID(hex: "00000000000000000000000000000000000000ff"))
        let middle = try #require(ObjectID(hex: "0000000000000000000000000000000100000000"))
        let high = try #require(ObjectID(hex: "ff00000000000000000000000000000000000000"))
        #expect([high, low, middle].sorted() == [low, middle, high])
    }

    @Test func codesAsHexString() throws {
        let id = try #require(ObjectID(hex: hex))
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == "[\"\(hex)\"]")
        #expect(try JSONDecoder().decode([ObjectID].self, from: data) == [id])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([ObjectID].self, from: Data("[\"nothex\"]".utf8))
        }
    }

    @Test func isStoredInline() {
        #expect(MemoryLayout<ObjectID>.size == 20)
    }
}
