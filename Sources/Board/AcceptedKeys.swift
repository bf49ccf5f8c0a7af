/// The keys one kind of board file accepts, read from the `CodingKeys` its decoder uses (the same lists that give
/// "did you mean" hints), with where a key's value holds keys of its own. For tests that hold the docs and the
/// JSON Schemas to what the decoder really takes.
public struct AcceptedKeys: Sendable, Hashable {
    /// How a key's value holds further keys.
    public enum Shape: Sendable, Hashable {
        /// A mapping, or a list of mappings, with these keys.
        case mapping
        /// A mapping of free names (profiles, roles, workflows, jobs) to mappings with these keys.
        case named
    }

    /// The keys of a value that holds keys.
    public struct Nested: Sendable, Hashable {
        /// How the value holds them.
        public let shape: Shape
        /// The keys.
        public let keys: AcceptedKeys
    }

    /// Every key accepted at this level, in the decoder's order.
    public let keys: [String]
    /// The keys whose values hold keys of their own.
    public let nested: [String: Nested]

    /// The keys of `type`, with the nested keys of some of them.
    static func of<Key: CodingKey & CaseIterable & Hashable>(_ type: Key.Type, _ nested: [Key: Nested] = [:]) -> AcceptedKeys {
        AcceptedKeys(keys: type.allCases.map(\.stringValue),
                     nested: Dictionary(uniqueKeysWithValues: nested.map { ($0.key.stringValue, $0.value) }))
    }

    /// Every key path, dotted (`retry.max_retries`); a free name is written `*` (`profiles.*.harness`).
    public var paths: [String] {
        keys.flatMap { key -> [String] in
            guard let inner = nested[key] else { return [key] }
            let prefix = inner.shape == .named ? "\(key).*." : "\(key)."
            return [key] + inner.keys.paths.map { prefix + $0 }
        }
    }

    /// The board's file kinds, by the name of their schema (`schemas/<name>.schema.json`).
    public enum FileKind: String, CaseIterable, Sendable {
        case ticket, status, evidence, mission, runtimes, roles, workflows, schedule
    }

    /// What a file of `kind` accepts.
    public static func file(_ kind: FileKind) -> AcceptedKeys {
        func mapping(_ keys: AcceptedKeys) -> Nested { Nested(shape: .mapping, keys: keys) }
        func named(_ keys: AcceptedKeys) -> Nested { Nested(shape: .named, keys: keys) }
        switch kind {
        case .ticket:
            return .of(Ticket.CodingKeys.self)
        case .status:
            return .of(TicketStatus.CodingKeys.self, [
                .session: mapping(.of(SessionRef.CodingKeys.self)),
                .nextAction: mapping(.of(NextAction.CodingKeys.self)),
            ])
        case .evidence:
            return .of(EvidencePacket.CodingKeys.self, [
                .adapter: mapping(.of(AdapterRecord.CodingKeys.self)),
                .verdict: mapping(.of(Verdict.CodingKeys.self)),
                .change: mapping(.of(ChangeRecord.CodingKeys.self)),
                .checks: mapping(.of(CheckResult.CodingKeys.self)),
                .artifacts: mapping(.of(Artifact.CodingKeys.self)),
                .usage: mapping(.of(Usage.CodingKeys.self)),
                .terminal: mapping(.of(TerminalState.CodingKeys.self, [.safeRetry: mapping(.of(RetryDecision.CodingKeys.self))])),
                .transcript: mapping(.of(TranscriptRef.CodingKeys.self)),
                .signoff: mapping(.of(Signoff.CodingKeys.self)),
            ])
        case .mission:
            return .of(BoardSettings.CodingKeys.self, [
                .limits: mapping(.of(BoardSettings.Limits.CodingKeys.self)),
                .retry: mapping(.of(BoardSettings.RetryPolicy.CodingKeys.self)),
            ])
        case .runtimes:
            return .of(RuntimesFile.CodingKeys.self, [
                .profiles: named(.of(RuntimeProfile.CodingKeys.self, [.limits: mapping(.of(SessionLimits.CodingKeys.self))])),
            ])
        case .roles:
            return .of(RolesFile.CodingKeys.self, [.roles: named(.of(Role.CodingKeys.self))])
        case .workflows:
            return .of(WorkflowsFile.CodingKeys.self, [
                .workflows: named(.of(Workflow.CodingKeys.self, [
                    .gates: mapping(.of(Gate.CodingKeys.self, [.browser: mapping(.of(BrowserGate.CodingKeys.self))])),
                ])),
            ])
        case .schedule:
            return .of(ScheduleFile.CodingKeys.self, [.jobs: named(.of(ScheduledJob.CodingKeys.self))])
        }
    }
}
