import Foundation

/// Board settings, `mission.yaml`.
public struct BoardSettings: Sendable, Hashable, Codable {
    /// The id prefix, e.g. `MC` for `MC-7K3Q`.
    public var prefix: String
    /// Minimum length of the random part of new ids; it grows with the board.
    public var idLength: Int
    /// Workflow for tickets that name none.
    public var defaultWorkflow: String?
    /// First role for tickets that name none.
    public var defaultAssignee: String?
    /// Concurrency limits.
    public var limits: Limits
    /// Retry policy.
    public var retry: RetryPolicy
    /// Approver groups: a human gate names a group; only its members may sign.
    public var approvers: [String: [String]]
    /// Closed tickets older than this are archived (by `mission archive` and the watcher).
    public var archiveAfter: Interval?
    /// Where ticket worktrees live, relative to the repository's top folder (a bare one: its git folder) or
    /// absolute; a host's own setting wins. Never inside a `.git` folder.
    public var worktreeRoot: String?
    /// The workflow of the baseline: when the code branch's code changes, the watcher makes a ticket on it, whose
    /// gates run the repository's whole suite there; while its latest run is red, no campaign is DONE.
    public var baselineWorkflow: String?

    /// The keys of `mission.yaml`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case prefix
        case idLength = "id_length"
        case defaultWorkflow = "default_workflow"
        case defaultAssignee = "default_assignee"
        case limits, retry, approvers
        case archiveAfter = "archive_after"
        case worktreeRoot = "worktree_root"
        case baselineWorkflow = "baseline_workflow"
    }

    /// Concurrency limits of the board.
    public struct Limits: Sendable, Hashable, Codable {
        /// Sessions running at once on one watcher.
        public var maxWorkers: Int

        /// The keys of `limits`.
        public enum CodingKeys: String, CodingKey, CaseIterable { case maxWorkers = "max_workers" }

        /// Limits with a worker count.
        public init(maxWorkers: Int = 2) { self.maxWorkers = maxWorkers }

        /// Decodes `limits`, defaulting what is absent.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxWorkers = try c.decodeIfPresent(Int.self, forKey: .maxWorkers) ?? 2
        }
    }

    /// When failed sessions are retried, and when the circuit breaker stops them.
    public struct RetryPolicy: Sendable, Hashable, Codable {
        /// Safe retries of one gate before a person must look.
        public var maxRetries: Int
        /// Failures in a row with the same root cause that block the ticket.
        public var circuitBreaker: Int
        /// How long a rate-limited profile rests when neither the CLI nor the provider said when the limit lifts.
        public var rateLimitWait: Interval?

        /// The keys of `retry`.
        public enum CodingKeys: String, CodingKey, CaseIterable {
            case maxRetries = "max_retries", circuitBreaker = "circuit_breaker", rateLimitWait = "rate_limit_wait"
        }

        /// A retry policy.
        public init(maxRetries: Int = 2, circuitBreaker: Int = 2, rateLimitWait: Interval? = nil) {
            self.maxRetries = maxRetries
            self.circuitBreaker = circuitBreaker
            self.rateLimitWait = rateLimitWait
        }

        /// Decodes `retry`, defaulting what is absent.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxRetries = try c.decodeIfPresent(Int.self, forKey: .maxRetries) ?? 2
            circuitBreaker = try c.decodeIfPresent(Int.self, forKey: .circuitBreaker) ?? 2
            rateLimitWait = try c.decodeIfPresent(Interval.self, forKey: .rateLimitWait)
        }
    }

    /// Settings for a board with the given prefix.
    public init(prefix: String = "MC", idLength: Int = 4, defaultWorkflow: String? = nil, defaultAssignee: String? = nil,
                limits: Limits = .init(), retry: RetryPolicy = .init(), approvers: [String: [String]] = [:],
                archiveAfter: Interval? = nil, worktreeRoot: String? = nil) {
        self.prefix = prefix
        self.idLength = idLength
        self.defaultWorkflow = defaultWorkflow
        self.defaultAssignee = defaultAssignee
        self.limits = limits
        self.retry = retry
        self.approvers = approvers
        self.archiveAfter = archiveAfter
        self.worktreeRoot = worktreeRoot
    }

    /// Decodes `mission.yaml`; only `prefix` is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        prefix = try c.decode(String.self, forKey: .prefix)
        idLength = try c.decodeIfPresent(Int.self, forKey: .idLength) ?? 4
        defaultWorkflow = try c.decodeIfPresent(String.self, forKey: .defaultWorkflow)
        defaultAssignee = try c.decodeIfPresent(String.self, forKey: .defaultAssignee)
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? .init()
        retry = try c.decodeIfPresent(RetryPolicy.self, forKey: .retry) ?? .init()
        approvers = try c.decodeIfPresent([String: [String]].self, forKey: .approvers) ?? [:]
        archiveAfter = try c.decodeIfPresent(Interval.self, forKey: .archiveAfter)
        worktreeRoot = try c.decodeIfPresent(String.self, forKey: .worktreeRoot)
        baselineWorkflow = try c.decodeIfPresent(String.self, forKey: .baselineWorkflow)
    }
}

/// A capability a runtime profile offers.
public enum Capability: String, StrictEnum {
    case tools, write, browser
}

/// How a profile's output is read.
public enum OutputFormat: String, StrictEnum {
    case lines, json
}

/// Limits a runtime session runs under.
public struct SessionLimits: Sendable, Hashable, Codable {
    /// Wall-clock time.
    public var wall: Interval?
    /// Time without output.
    public var idle: Interval?
    /// Output size.
    public var output: ByteSize?
    /// Sessions of this profile at once.
    public var concurrency: Int?

    /// The keys of `limits`.
    public enum CodingKeys: String, CodingKey, CaseIterable { case wall, idle, output, concurrency }
}

/// A runtime profile: one way to run an agent (an adapter's configuration).
public struct RuntimeProfile: Sendable, Hashable, Codable {
    /// The harness: `claude-code`, `codex`, `gemini`, `kimi`, `hermes`, `aider`, `script` or `ssh`.
    public var harness: String
    /// The argv template, an array (never a shell string).
    public var command: [String]
    /// Model provider.
    public var provider: String?
    /// Model.
    public var model: String?
    /// What the runtime can do; nil when the profile does not say (it is then taken to do what its role asks).
    public var capabilities: [Capability]?
    /// Environment variables passed through, by name; values are never recorded.
    public var env: [String]
    /// Session limits.
    public var limits: SessionLimits?
    /// How its output is read.
    public var output: OutputFormat?
    /// The host, for the `ssh` harness.
    public var host: String?
    /// Host labels a runner must have to run this profile (`macos`, `gpu`): on any other, fallback passes over it.
    public var runsOn: [String]

    /// The keys of a profile.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case harness, command, provider, model, capabilities, env, limits, output, host
        case runsOn = "runs_on"
    }

    /// Decodes a profile; `harness` and `command` are required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        harness = try c.decode(String.self, forKey: .harness)
        command = try c.decode([String].self, forKey: .command)
        provider = try c.decodeIfPresent(String.self, forKey: .provider)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        capabilities = try c.decodeIfPresent([Capability].self, forKey: .capabilities)
        env = try c.decodeIfPresent([String].self, forKey: .env) ?? []
        limits = try c.decodeIfPresent(SessionLimits.self, forKey: .limits)
        output = try c.decodeIfPresent(OutputFormat.self, forKey: .output)
        host = try c.decodeIfPresent(String.self, forKey: .host)
        runsOn = try c.decodeIfPresent([String].self, forKey: .runsOn) ?? []
    }
}

/// The harnesses Mission Control knows.
public let knownHarnesses = ["claude-code", "codex", "gemini", "kimi", "hermes", "aider", "script", "ssh"]

/// Runtime profiles, `runtimes.yaml`.
public struct RuntimesFile: Sendable, Hashable, Codable {
    /// Profiles by name.
    public var profiles: [String: RuntimeProfile]

    /// The keys of `runtimes.yaml`.
    public enum CodingKeys: String, CodingKey, CaseIterable { case profiles }
}

/// Whether a role may change code.
public enum Permission: String, StrictEnum {
    case read, write
}

extension Role {
    /// The capabilities a profile must have to serve this role: a role that changes code (permission `write`)
    /// needs `tools` and `write`; a read role can work from the prompt alone.
    public var requiredCapabilities: [Capability] {
        permission == .write ? [.tools, .write] : []
    }

    /// What `profile` lacks of what this role needs; empty when it fits, or when the profile declares no
    /// capabilities at all (then it is taken at its word). A direct-API profile declares `[]`: no tools.
    public func missingCapabilities(in profile: RuntimeProfile) -> [Capability] {
        guard let declared = profile.capabilities else { return [] }
        return requiredCapabilities.filter { !declared.contains($0) }
    }
}

/// A role: stable, whatever runtime serves it.
public struct Role: Sendable, Hashable, Codable {
    /// Profiles that may serve it, in fallback order.
    public var profiles: [String]
    /// Read or write.
    public var permission: Permission
    /// Evidence its packets must hold (`tests`, `screenshots`, `remaining_risk`, …).
    public var evidence: [String]
    /// The role's part of the contract.
    public var contract: String?

    /// The keys of a role.
    public enum CodingKeys: String, CodingKey, CaseIterable { case profiles, permission, evidence, contract }

    /// Decodes a role; `profiles` is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        profiles = try c.decode([String].self, forKey: .profiles)
        permission = try c.decodeIfPresent(Permission.self, forKey: .permission) ?? .read
        evidence = try c.decodeIfPresent([String].self, forKey: .evidence) ?? []
        contract = try c.decodeIfPresent(String.self, forKey: .contract)
    }
}

/// Roles and the central contract, `roles.yaml`.
public struct RolesFile: Sendable, Hashable, Codable {
    /// The central role contract, injected into every session's prompt.
    public var contract: String?
    /// Roles by name.
    public var roles: [String: Role]

    /// The keys of `roles.yaml`.
    public enum CodingKeys: String, CodingKey, CaseIterable { case contract, roles }
}

/// One gate of a workflow: an agent gate (`role`), a check gate (`check`) or a human gate (`human`).
public struct Gate: Sendable, Hashable, Codable {
    /// The gate's name, unique within its workflow.
    public var name: String
    /// The role that serves an agent gate.
    public var role: String?
    /// The command of a check gate.
    public var check: String?
    /// The approver group of a human gate.
    public var human: String?
    /// A browser gate: the app to start and the pages to load in a headless browser.
    public var browser: BrowserGate?
    /// The gate a failure returns to.
    public var onFail: String?
    /// Rounds allowed at this gate, overriding the workflow's.
    public var maxRounds: Int?
    /// Time limit of a check gate.
    public var timeout: Interval?
    /// The status ledger's column this gate proves, when not the one its kind implies (see `LedgerColumn`).
    public var ledger: LedgerColumn?

    /// A gate; set exactly one of `role`, `check` and `human`.
    public init(name: String, role: String? = nil, check: String? = nil, human: String? = nil, browser: BrowserGate? = nil,
                onFail: String? = nil, maxRounds: Int? = nil, timeout: Interval? = nil, ledger: LedgerColumn? = nil) {
        self.name = name
        self.role = role
        self.check = check
        self.human = human
        self.browser = browser
        self.onFail = onFail
        self.maxRounds = maxRounds
        self.timeout = timeout
        self.ledger = ledger
    }

    /// The keys of a gate.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, role, check, human, browser
        case onFail = "on_fail"
        case maxRounds = "max_rounds"
        case timeout, ledger
    }

    /// Which kind of gate this is, from the one of `role`, `check`, `human` that is set.
    public enum Kind: Sendable, Hashable {
        /// An agent serving a role.
        case agent(role: String)
        /// A command run by the watcher.
        case check(command: String)
        /// A person's sign-off.
        case human(group: String)
        /// The ticket's app, started in its worktree and looked at in a headless browser by the watcher.
        case browser(BrowserGate)

        /// Whether a runner does the work (an agent or a check), so the ticket's `runs_on` labels apply.
        public var runsOnRunner: Bool {
            if case .human = self { return false }
            return true
        }
    }

    /// The gate's kind; nil when not exactly one of `role`, `check`, `human`, `browser` is set.
    public var kind: Kind? {
        switch (role, check, human, browser) {
        case let (role?, nil, nil, nil): .agent(role: role)
        case let (nil, command?, nil, nil): .check(command: command)
        case let (nil, nil, group?, nil): .human(group: group)
        case let (nil, nil, nil, spec?): .browser(spec)
        default: nil
        }
    }
}

/// A browser gate: the watcher starts the ticket's app in its worktree (`start`, one program and its arguments,
/// with a free port in `PORT`), waits until it answers, loads each page at each width in headless Chromium, and
/// keeps a screenshot of each, the console's errors and the failed requests as artifacts. It passes when every
/// page loaded within `load_timeout`, showed every selector, and (unless allowed) logged no console error.
public struct BrowserGate: Sendable, Hashable, Codable {
    /// The app's command, run in the worktree with `PORT` (and `MISSION_BROWSER_PORT`) set to a free port.
    public var start: String
    /// The pages to load: paths on the app, each starting with `/`.
    public var pages: [String]
    /// Viewport widths in pixels; the default is a desktop and a phone, `[1280, 390]`.
    public var widths: [Int]
    /// CSS selectors every page must show.
    public var selectors: [String]
    /// Whether a console error is allowed (the default: it fails the gate).
    public var allowConsoleErrors: Bool
    /// How long a page may take to load; default 15s.
    public var loadTimeout: Interval?
    /// How long the app may take to answer after it starts; default 60s.
    public var readyTimeout: Interval?

    /// The keys of a browser gate.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case start, pages, widths, selectors
        case allowConsoleErrors = "allow_console_errors"
        case loadTimeout = "load_timeout"
        case readyTimeout = "ready_timeout"
    }

    public init(start: String, pages: [String], widths: [Int] = [1280, 390], selectors: [String] = [],
                allowConsoleErrors: Bool = false, loadTimeout: Interval? = nil, readyTimeout: Interval? = nil) {
        self.start = start
        self.pages = pages
        self.widths = widths
        self.selectors = selectors
        self.allowConsoleErrors = allowConsoleErrors
        self.loadTimeout = loadTimeout
        self.readyTimeout = readyTimeout
    }

    /// The gate in a few words: `/ and /settings at 1280 and 390 px`.
    public var summary: String {
        pages.joined(separator: ", ") + " at " + widths.map(String.init).joined(separator: " and ") + " px"
    }

    /// Decodes a browser gate; `start` and `pages` are required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        start = try c.decode(String.self, forKey: .start)
        pages = try c.decode([String].self, forKey: .pages)
        widths = try c.decodeIfPresent([Int].self, forKey: .widths) ?? [1280, 390]
        selectors = try c.decodeIfPresent([String].self, forKey: .selectors) ?? []
        allowConsoleErrors = try c.decodeIfPresent(Bool.self, forKey: .allowConsoleErrors) ?? false
        loadTimeout = try c.decodeIfPresent(Interval.self, forKey: .loadTimeout)
        readyTimeout = try c.decodeIfPresent(Interval.self, forKey: .readyTimeout)
    }
}

/// A gate sequence.
public struct Workflow: Sendable, Hashable, Codable {
    /// Review rounds before a person must look.
    public var maxRounds: Int
    /// What kind of work its tickets are: the ledger columns they need beyond those its gates prove.
    public var workClass: WorkClass?
    /// The gates in order.
    public var gates: [Gate]

    /// The keys of a workflow.
    public enum CodingKeys: String, CodingKey, CaseIterable { case maxRounds = "max_rounds", workClass = "class", gates }

    /// Decodes a workflow; `gates` is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxRounds = try c.decodeIfPresent(Int.self, forKey: .maxRounds) ?? 3
        workClass = try c.decodeIfPresent(WorkClass.self, forKey: .workClass)
        gates = try c.decode([Gate].self, forKey: .gates)
    }
}

/// A column of the status ledger: what a ticket's evidence proves.
public enum LedgerColumn: String, StrictEnum {
    /// Documentation written and reviewed.
    case docs
    /// The code change: an agent gate whose role writes (permission `write`).
    case code
    /// Tests: a check gate.
    case tests
    /// Review: an agent gate whose role reads (permission `read`), such as a QA reviewer's verdict.
    case review
    /// Verified in a browser.
    case browser
    /// A person's sign-off: a human gate.
    case signoff
}

/// The kind of work a workflow's tickets are: which ledger columns they need. A ticket needs the columns its
/// workflow's gates prove and those of its class; any other column is `n/a`, and a column the class needs but no
/// gate proves is `no` until the workflow gets such a gate.
public enum WorkClass: String, StrictEnum {
    /// Code, tests, review and a sign-off; no docs or browser column.
    case codeOnly = "code-only"
    /// A user interface: code, tests, review, a browser check and a sign-off.
    case ui
    /// A mobile interface: as `ui`, checked at a phone's width.
    case mobile
    /// A design or architecture decision: docs, review and a sign-off.
    case architecture
    /// Scheduled work (a job's ticket): code and tests.
    case scheduled

    /// The columns this class needs.
    public var columns: Set<LedgerColumn> {
        switch self {
        case .codeOnly: [.code, .tests, .review, .signoff]
        case .ui, .mobile: [.code, .tests, .review, .browser, .signoff]
        case .architecture: [.docs, .review, .signoff]
        case .scheduled: [.code, .tests]
        }
    }
}

/// Gate sequences, `workflows.yaml`.
public struct WorkflowsFile: Sendable, Hashable, Codable {
    /// Workflows by name.
    public var workflows: [String: Workflow]

    /// The keys of `workflows.yaml`.
    public enum CodingKeys: String, CodingKey, CaseIterable { case workflows }
}

/// What a scheduled job does about runs missed while the watcher was down.
public enum MissedRunPolicy: String, StrictEnum {
    /// Run once when the watcher is back, however many runs were missed (the default).
    case runOnce = "run_once"
    /// Run nothing for the missed times; the next on-time run goes ahead as usual.
    case skip
}

/// A scheduled job: creates a ticket at its times, visibly.
public struct ScheduledJob: Sendable, Hashable, Codable {
    /// The workflow of a job that names none.
    public static let defaultWorkflow = "task"

    /// Cron syntax, in UTC: minute hour day-of-month month day-of-week, or a macro such as `@daily`
    /// (see `CronSchedule`).
    public var cron: String
    /// Title of the ticket each run creates.
    public var title: String
    /// Workflow of that ticket (usually `task`).
    public var workflow: String?
    /// First role of that ticket.
    public var assignee: String?
    /// Labels of that ticket.
    public var labels: [String]?
    /// Description of that ticket.
    public var description: String?
    /// What to do about runs missed while the watcher was down; `run_once` when absent.
    public var missed: MissedRunPolicy?

    /// The keys of a job.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case cron, title, workflow, assignee, labels, description, missed
    }

    /// A job that runs at `cron` and creates tickets titled `title`.
    public init(cron: String, title: String, workflow: String? = nil, assignee: String? = nil, labels: [String]? = nil,
                description: String? = nil, missed: MissedRunPolicy? = nil) {
        self.cron = cron
        self.title = title
        self.workflow = workflow
        self.assignee = assignee
        self.labels = labels
        self.description = description
        self.missed = missed
    }

    /// The policy for missed runs: `missed`, or `run_once` when the job does not say.
    public var missedRunPolicy: MissedRunPolicy { missed ?? .runOnce }
}

/// Scheduled jobs, `schedule.yaml`.
public struct ScheduleFile: Sendable, Hashable, Codable {
    /// Jobs by name.
    public var jobs: [String: ScheduledJob]

    /// The keys of `schedule.yaml`.
    public enum CodingKeys: String, CodingKey, CaseIterable { case jobs }
}
