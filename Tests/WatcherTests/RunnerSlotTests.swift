import Foundation
import Git
import Testing
@testable import Watcher

/// Runner names are slots of the repository: one watcher holds a name at a time, and a freed name is free again.
struct RunnerSlotTests {
    /// A fresh bare repository, removed when `body` returns.
    func withRepository(_ body: (Repository) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("runner-slot-\(UUID().uuidString).git").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(try Repository.create(at: path, bare: true))
    }

    @Test func withoutANameEachWatcherTakesTheFirstFreeSlotOfItsHost() throws {
        try withRepository { repository in
            let first = try RunnerSlot.acquire(nil, in: repository, host: "build box")
            let second = try RunnerSlot.acquire(nil, in: repository, host: "build box")
            #expect(first.name == "build-box")
            #expect(second.name == "build-box-2")
            var third: RunnerSlot? = try RunnerSlot.acquire(nil, in: repository, host: "build box")
            #expect(third?.name == "build-box-3")
            third = nil  // the watcher ended: its name is free for the next one, which recovers its sessions
            #expect(try RunnerSlot.acquire(nil, in: repository, host: "build box").name == "build-box-3")
            _ = (first, second)
        }
    }

    @Test func aNameAskedForIsThatNameOrAnErrorThatSaysWhoHoldsIt() throws {
        try withRepository { repository in
            let held = try RunnerSlot.acquire("gpu-1", in: repository)
            let error = #expect(throws: RunnerSlotError.self) { try RunnerSlot.acquire("gpu-1", in: repository) }
            #expect(error?.message.contains("another watcher on this repository runs as 'gpu-1' (pid \(getpid()))") == true,
                    "\(error?.message ?? "")")
            #expect(try RunnerSlot.acquire("gpu-2", in: repository).name == "gpu-2")
            #expect(throws: RunnerSlotError.self) { try RunnerSlot.acquire("../escape", in: repository) }
            _ = held
        }
    }
}
