import Foundation
import Git

/// A compact binary form of parsed ticket records, for the on-disk cache. Hand-written because the cache is
/// read on every command and must decode ten thousand records in a few milliseconds. Any change to the
/// models must bump `version`: an old file is then ignored and rebuilt, never misread.
enum RecordCodec {
    static let magic: [UInt8] = Array("MCTC".utf8)
    static let version: UInt8 = 7

    struct Damaged: Error {}

    static func writeFile(_ records: [TicketRecord], producer: String, to writer: inout BinaryWriter) {
        writer.bytes += magic
        writer.byte(version)
        writer.string(producer)
        writer.int(records.count)
        for record in records { write(record, to: &writer) }
    }

    static func readFile(_ reader: inout BinaryReader, producer: String) throws -> [TicketRecord] {
        guard try reader.bytes(magic.count) == magic[...], try reader.byte() == version,
              try reader.string() == producer else { throw Damaged() }
        let count = try reader.int()
        guard count >= 0 else { throw Damaged() }
        var records: [TicketRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count { records.append(try read(&reader)) }
        return records
    }

    // MARK: Records

    static func write(_ record: TicketRecord, to w: inout BinaryWriter) {
        w.string(record.id)
        w.string(record.folder)
        w.bool(record.archived)
        w.optional(record.treeID) { $0.objectID($1) }
        w.optional(record.spec) { write($1, to: &$0) }
        w.optional(record.status) { write($1, to: &$0) }
        w.strings(record.evidence)
        w.strings(record.notes)
        // Locations mostly name the record's own spec file: written as "" and shared again on reading,
        // which keeps the file small and saves a string per location.
        let own = record.specPath
        w.array(record.diagnostics) { write($1, own: own, to: &$0) }
        let l = record.locations
        for location in [l.id, l.workflow, l.assignee, l.profile, l.parent, l.title] {
            w.optional(location) { write($1, own: own, to: &$0) }
        }
        w.array(l.blockedBy) { write($1, own: own, to: &$0) }
    }

    static func read(_ r: inout BinaryReader) throws -> TicketRecord {
        let id = try r.string(), folder = try r.string(), archived = try r.bool()
        let tree = try r.optional { try $0.objectID() }
        let spec = try r.optional { try readTicket(&$0) }
        let status = try r.optional { try readStatus(&$0) }
        let evidence = try r.strings(), notes = try r.strings()
        let own = "\(folder)/\(TicketFile.spec)"
        let diagnostics = try r.array { try readDiagnostic(&$0, own: own) }
        var locations = SpecLocations()
        locations.id = try r.optional { try readLocation(&$0, own: own) }
        locations.workflow = try r.optional { try readLocation(&$0, own: own) }
        locations.assignee = try r.optional { try readLocation(&$0, own: own) }
        locations.profile = try r.optional { try readLocation(&$0, own: own) }
        locations.parent = try r.optional { try readLocation(&$0, own: own) }
        locations.title = try r.optional { try readLocation(&$0, own: own) }
        locations.blockedBy = try r.array { try readLocation(&$0, own: own) }
        guard let treeID = tree else { throw Damaged() }
        return TicketRecord(id: id, folder: folder, archived: archived, treeID: treeID, spec: spec, status: status,
                            evidence: evidence, notes: notes, diagnostics: diagnostics, locations: locations)
    }

    // MARK: Ticket

    static func write(_ t: Ticket, to w: inout BinaryWriter) {
        w.string(t.id)
        w.string(t.title)
        w.enumeration(t.kind)
        w.enumeration(t.priority)
        w.enumeration(t.state)
        for value in [t.workflow, t.owner, t.assignee, t.profile, t.parent] { w.optional(value) { $0.string($1) } }
        w.strings(t.blockedBy)
        w.strings(t.labels)
        w.strings(t.runsOn)
        w.optional(t.checkIn) { $0.string($1.text) }
        w.optional(t.created) { $0.date($1) }
        w.strings(t.acceptance)
        w.optional(t.description) { $0.string($1) }
    }

    static func readTicket(_ r: inout BinaryReader) throws -> Ticket {
        let id = try r.string(), title = try r.string()
        let kind = try r.enumeration(TicketKind.self), priority = try r.enumeration(Priority.self)
        let state = try r.enumeration(DesiredState.self)
        let workflow = try r.optional { try $0.string() }, owner = try r.optional { try $0.string() }
        let assignee = try r.optional { try $0.string() }, profile = try r.optional { try $0.string() }
        let parent = try r.optional { try $0.string() }
        let blockedBy = try r.strings(), labels = try r.strings(), runsOn = try r.strings()
        let checkIn = try r.optional { try Interval($0.string()) }
        let created = try r.optional { try $0.date() }
        let acceptance = try r.strings()
        let description = try r.optional { try $0.string() }
        return Ticket(id: id, title: title, kind: kind, priority: priority, state: state, workflow: workflow,
                      owner: owner, assignee: assignee, profile: profile, parent: parent, blockedBy: blockedBy,
                      labels: labels, runsOn: runsOn, checkIn: checkIn, created: created, acceptance: acceptance, description: description)
    }

    // MARK: Status

    static func write(_ s: TicketStatus, to w: inout BinaryWriter) {
        w.enumeration(s.status)
        w.optional(s.gate) { $0.string($1) }
        w.int(s.round)
        w.int(s.attempt)
        w.optional(s.updated) { $0.date($1) }
        w.optional(s.session) { w, session in
            w.string(session.id)
            for value in [session.profile, session.runner, session.pidStart] { w.optional(value) { $0.string($1) } }
            w.optional(session.pid) { $0.int($1) }
            w.optional(session.started) { $0.date($1) }
            w.optional(session.leaseUntil) { $0.date($1) }
        }
        w.optional(s.question) { $0.string($1) }
        w.optional(s.blockedReason) { $0.string($1) }
        w.array(s.failures.sorted { $0.key < $1.key }) { w, pair in
            w.string(pair.key)
            w.int(pair.value)
        }
        w.optional(s.nextAction) { w, next in
            w.string(next.who)
            w.string(next.what)
        }
        w.optional(s.lastEvidence) { $0.string($1) }
        w.optional(s.closed) { $0.date($1) }
        w.array(s.rateLimits.sorted { $0.key < $1.key }) { w, pair in
            w.string(pair.key)
            w.date(pair.value)
        }
        w.optional(s.overdue) { $0.date($1) }
    }

    static func readStatus(_ r: inout BinaryReader) throws -> TicketStatus {
        let status = try r.enumeration(StatusValue.self)
        let gate = try r.optional { try $0.string() }
        let round = try r.int(), attempt = try r.int()
        let updated = try r.optional { try $0.date() }
        let session = try r.optional { r -> SessionRef in
            let id = try r.string()
            let profile = try r.optional { try $0.string() }, runner = try r.optional { try $0.string() }
            let pidStart = try r.optional { try $0.string() }
            let pid = try r.optional { try $0.int() }
            let started = try r.optional { try $0.date() }, lease = try r.optional { try $0.date() }
            return SessionRef(id: id, profile: profile, runner: runner, pid: pid, pidStart: pidStart, started: started,
                              leaseUntil: lease)
        }
        let question = try r.optional { try $0.string() }
        let blockedReason = try r.optional { try $0.string() }
        var failures: [String: Int] = [:]
        for (key, value) in try r.array({ r in (try r.string(), try r.int()) }) { failures[key] = value }
        let next = try r.optional { r in NextAction(who: try r.string(), what: try r.string()) }
        let lastEvidence = try r.optional { try $0.string() }
        let closed = try r.optional { try $0.date() }
        var rateLimits: [String: Date] = [:]
        for (key, value) in try r.array({ r in (try r.string(), try r.date()) }) { rateLimits[key] = value }
        let overdue = try r.optional { try $0.date() }
        return TicketStatus(status: status, gate: gate, round: round, attempt: attempt, updated: updated, session: session,
                            question: question, blockedReason: blockedReason, failures: failures, nextAction: next,
                            lastEvidence: lastEvidence, closed: closed, rateLimits: rateLimits, overdue: overdue)
    }

    // MARK: Diagnostics

    static func write(_ d: Diagnostic, own: String, to w: inout BinaryWriter) {
        write(d.location, own: own, to: &w)
        w.string(d.severity.rawValue)
        w.string(d.message)
        w.optional(d.hint) { $0.string($1) }
    }

    static func readDiagnostic(_ r: inout BinaryReader, own: String) throws -> Diagnostic {
        let location = try readLocation(&r, own: own)
        let severity = try r.enumeration(Diagnostic.Severity.self)
        let message = try r.string()
        return Diagnostic(message, at: location, severity: severity, hint: try r.optional { try $0.string() })
    }

    static func write(_ l: SourceLocation, own: String, to w: inout BinaryWriter) {
        w.string(l.file == own ? "" : l.file)
        w.int(l.line)
        w.int(l.column)
    }

    static func readLocation(_ r: inout BinaryReader, own: String) throws -> SourceLocation {
        let file = try r.string()
        return SourceLocation(file: file.isEmpty ? own : file, line: try r.int(), column: try r.int())
    }
}

/// Appends primitive values as bytes: variable-length integers, length-prefixed UTF-8 strings.
struct BinaryWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// A signed integer, zig-zag and LEB128 encoded.
    mutating func int(_ value: Int) {
        var v = UInt64(bitPattern: Int64((value << 1) ^ (value >> 63)))
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func string(_ value: String) {
        int(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    mutating func strings(_ values: [String]) { array(values) { $0.string($1) } }

    /// A closed word as its place among the cases (the version changes when the cases do).
    mutating func enumeration<E: StrictEnum>(_ value: E) {
        int(E.allCases.firstIndex { $0.rawValue == value.rawValue }.map { E.allCases.distance(from: E.allCases.startIndex, to: $0) } ?? -1)
    }

    /// An object id as its 20 bytes.
    mutating func objectID(_ id: ObjectID) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 20))
        bytes.withUnsafeMutableBytes { id.store(into: UnsafeMutableRawBufferPointer(rebasing: $0[start..<start + 20])) }
    }

    mutating func date(_ value: Date) {
        let bits = value.timeIntervalSinceReferenceDate.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8((bits >> UInt64(shift)) & 0xFF)) }
    }

    mutating func optional<T>(_ value: T?, _ write: (inout BinaryWriter, T) -> Void) {
        guard let value else { return bool(false) }
        bool(true)
        write(&self, value)
    }

    mutating func array<T>(_ values: [T], _ write: (inout BinaryWriter, T) -> Void) {
        int(values.count)
        for value in values { write(&self, value) }
    }
}

/// Reads what `BinaryWriter` wrote; throws on anything out of bounds or malformed. Valid only while the
/// buffer it reads from is.
struct BinaryReader {
    private let buffer: UnsafeBufferPointer<UInt8>
    private var offset = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    mutating func byte() throws -> UInt8 {
        guard offset < buffer.count else { throw RecordCodec.Damaged() }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= buffer.count else { throw RecordCodec.Damaged() }
        defer { offset += count }
        return ArraySlice(buffer[offset..<offset + count])
    }

    mutating func bool() throws -> Bool {
        switch try byte() {
        case 0: false
        case 1: true
        default: throw RecordCodec.Damaged()
        }
    }

    mutating func int() throws -> Int {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw RecordCodec.Damaged() }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        let value = Int64(bitPattern: result)
        return Int((value >> 1) ^ -(value & 1))
    }

    mutating func string() throws -> String {
        let count = try int()
        guard count >= 0, offset + count <= buffer.count else { throw RecordCodec.Damaged() }
        defer { offset += count }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[offset..<offset + count]), as: UTF8.self)
    }

    mutating func strings() throws -> [String] { try array { try $0.string() } }

    mutating func date() throws -> Date {
        var bits: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { bits |= UInt64(try byte()) << UInt64(shift) }
        return Date(timeIntervalSinceReferenceDate: Double(bitPattern: bits))
    }

    mutating func enumeration<E: RawRepresentable>(_ type: E.Type) throws -> E where E.RawValue == String {
        guard let value = E(rawValue: try string()) else { throw RecordCodec.Damaged() }
        return value
    }

    mutating func enumeration<E: StrictEnum>(_ type: E.Type) throws -> E {
        let index = try int()
        guard index >= 0, index < E.allCases.count else { throw RecordCodec.Damaged() }
        return E.allCases[E.allCases.index(E.allCases.startIndex, offsetBy: index)]
    }

    mutating func objectID() throws -> ObjectID {
        guard offset + 20 <= buffer.count else { throw RecordCodec.Damaged() }
        defer { offset += 20 }
        return ObjectID(raw: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[offset..<offset + 20])))
    }

    mutating func optional<T>(_ read: (inout BinaryReader) throws -> T?) throws -> T? {
        guard try bool() else { return nil }
        guard let value = try read(&self) else { throw RecordCodec.Damaged() }
        return value
    }

    mutating func array<T>(_ read: (inout BinaryReader) throws -> T) throws -> [T] {
        let count = try int()
        guard count >= 0, count <= buffer.count - offset else { throw RecordCodec.Damaged() }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(&self)) }
        return values
    }
}
