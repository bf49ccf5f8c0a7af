import Foundation
import Testing

/// The scripted model server (`model-server.py`) on 127.0.0.1, on a free port, for one test: it stands in for
/// the providers, plays the scenario each ticket names, and logs every request it answered.
final class ModelServer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("model-server.py").path

    let process = Process()
    let log: String
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(log: String) throws {
        self.log = log
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.script, log]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Its first line says where it listens.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ServerFailure(message: "the model server did not start: \(text)")
        }
        self.port = port
    }

    deinit {
        // SIGKILL: the test runner's children inherit a blocked SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// One request the server answered, as it logged it.
    struct Request {
        let fields: [String: Any]
        var ticket: String? { fields["ticket"] as? String }
        var role: String? { fields["role"] as? String }
        var action: String? { fields["action"] as? String }
        var time: Date? { (fields["time"] as? Double).map(Date.init(timeIntervalSince1970:)) }
        var resumedContext: Bool { fields["resumed_context"] as? Bool ?? false }
        var nonce: String? { fields["nonce"] as? String }
    }

    /// Every model request so far (token counts and model listings left out), oldest first.
    func requests(ticket: String? = nil) -> [Request] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.map(Request.init).filter { $0.fields["api"] != nil && (ticket == nil || $0.ticket == ticket) }
    }

    struct ServerFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
