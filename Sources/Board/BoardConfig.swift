import Foundation

/// The board's configuration files, loaded. A file that is missing gets its defaults; a file that fails
/// to load is reported in `diagnostics` and also gets its defaults, so the rest of the board keeps working.
public struct BoardConfig: Sendable {
    /// `mission.yaml`.
    public var settings: BoardSettings
    /// `runtimes.yaml`.
    public var runtimes: RuntimesFile
    /// `roles.yaml`.
    public var roles: RolesFile
    /// `workflows.yaml`.
    public var workflows: WorkflowsFile
    /// `schedule.yaml`.
    public var schedule: ScheduleFile
    /// The parsed documents, for locating errors found across files.
    public var documents: [BoardFile: YAMLDocument]
    /// Problems in the configuration files.
    public var diagnostics: [Diagnostic]

    /// Empty configuration with defaults.
    public init() {
        settings = BoardSettings()
        runtimes = RuntimesFile(profiles: [:])
        roles = RolesFile(contract: nil, roles: [:])
        workflows = WorkflowsFile(workflows: [:])
        schedule = ScheduleFile(jobs: [:])
        documents = [:]
        diagnostics = []
    }

    /// Loads every board-level file of `location` from `source`.
    public static func load(from source: some BoardSource, location: BoardLocation, limits: YAMLLimits = .init()) -> BoardConfig {
        var config = BoardConfig()
        let entries: [SourceEntry]
        do {
            guard let found = try source.entries(in: location.directory) else {
                config.diagnostics.append(Diagnostic(
                    "no board here: '\(location.directory)' does not exist on \(location.branchName); run 'mission init'",
                    at: SourceLocation(file: location.directory, line: 1, column: 1)))
                return config
            }
            entries = found
        } catch {
            config.diagnostics.append(Diagnostic("cannot read the board folder: \(error)",
                                                 at: SourceLocation(file: location.directory, line: 1, column: 1)))
            return config
        }
        for file in BoardFile.allCases {
            let path = location.path(file)
            guard let entry = entries.first(where: { $0.name == file.rawValue && $0.kind == .file }) else {
                if file.isRequired {
                    config.diagnostics.append(Diagnostic("missing \(file.rawValue): every board needs one",
                                                         at: SourceLocation(file: path, line: 1, column: 1)))
                }
                continue
            }
            do {
                let document = try YAMLLoading.document(entry, from: source, limits: limits)
                switch file {
                case .settings: config.settings = try document.decode(BoardSettings.self)
                case .runtimes: config.runtimes = try document.decode(RuntimesFile.self)
                case .roles: config.roles = try document.decode(RolesFile.self)
                case .workflows: config.workflows = try document.decode(WorkflowsFile.self)
                case .schedule: config.schedule = try document.decode(ScheduleFile.self)
                }
                // Only a file that decoded counts as present: names in a broken file are unknown, not missing,
                // so one bad file does not make every reference to it an error too.
                config.documents[file] = document
            } catch {
                config.diagnostics.append(error)
            }
        }
        return config
    }
}

/// Reading one YAML file from a source, with the size checked before the bytes are read.
enum YAMLLoading {
    /// Parses the file at `entry`; every failure is a located diagnostic.
    static func document(_ entry: SourceEntry, from source: some BoardSource, limits: YAMLLimits) throws(Diagnostic) -> YAMLDocument {
        let start = SourceLocation(file: entry.path, line: 1, column: 1)
        let bytes: [UInt8]
        do {
            let size = try source.size(of: entry)
            if size > limits.maxBytes {
                throw Diagnostic(
                    "file is \(ByteFormat.megabytes(size)); board files are limited to \(ByteFormat.megabytes(limits.maxBytes))",
                    at: start)
            }
            bytes = try source.read(entry)
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw Diagnostic("cannot read the file: \(error)", at: start)
        }
        return try YAMLDocument.parse(bytes, file: entry.path, limits: limits)
    }
}

/// Human-readable sizes.
enum ByteFormat {
    /// `20.0 MB`, `1.0 MB`.
    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
    }
}
