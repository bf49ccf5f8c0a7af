import Foundation

/// Checks that span files: references between tickets, dependency cycles, names that must exist in the
/// configuration. Each problem is located at the value that is wrong.
enum BoardValidator {
    /// Runs every cross-file check, or, given the ids whose folders changed since the last run (`changed`), only
    /// those that can have a different answer: the changed tickets, the tickets that name one of them, and the
    /// tickets that were in a cycle. Cycles are always looked for again: one edge anywhere can close one.
    static func validate(_ snapshot: inout BoardSnapshot, changed: Set<String>? = nil) {
        var problems: [String: [Diagnostic]]
        var recheck: [Int] = []
        if let changed {
            problems = snapshot.referenceDiagnostics
            for (index, record) in snapshot.tickets.enumerated()
            where changed.contains(record.id) || snapshot.cycleMembers.contains(record.id) || names(record, anyOf: changed) {
                recheck.append(index)
            }
            for id in changed.union(snapshot.cycleMembers) { problems[id] = nil }
        } else {
            snapshot.configReferenceDiagnostics = validateConfig(snapshot.config)
            problems = [:]
            recheck = Array(snapshot.tickets.indices)
        }
        for index in recheck {
            let record = snapshot.tickets[index]
            let found = ticketProblems(record, in: snapshot)
            problems[record.id] = found.isEmpty ? nil : found
        }
        var members: Set<String> = []
        var dependencyCycles: [String: String] = [:]
        let kind = "dependency cycle"
        for (id, diagnostic) in cycles(in: snapshot, edges: { $0.spec?.blockedBy ?? [] }, kind: kind,
                                       location: { record, index in
                                           index < record.locations.blockedBy.count ? record.locations.blockedBy[index] : nil
                                       }) {
            problems[id, default: []].append(diagnostic)
            members.insert(id)
            dependencyCycles[id] = String(diagnostic.message.dropFirst(kind.count + 2))
        }
        snapshot.dependencyCycles = dependencyCycles
        for (id, diagnostic) in cycles(in: snapshot, edges: { $0.spec?.parent.map { [$0] } ?? [] }, kind: "parent cycle",
                                       location: { record, _ in record.locations.parent }) {
            problems[id, default: []].append(diagnostic)
            members.insert(id)
        }
        snapshot.referenceDiagnostics = problems
        snapshot.cycleMembers = members
    }

    /// Whether the ticket's parent or blockers name one of `ids`.
    private static func names(_ record: TicketRecord, anyOf ids: Set<String>) -> Bool {
        if let parent = record.spec?.parent, ids.contains(parent) { return true }
        return record.spec?.blockedBy.contains(where: ids.contains) ?? false
    }

    /// The problems of one ticket's references, read in place (the spec is borrowed, never copied).
    private static func ticketProblems(_ record: TicketRecord, in snapshot: BoardSnapshot) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        // Active ids are folder names of one tree, so a duplicate can only be an active and an archived copy.
        if !record.archived, let archivedAt = snapshot.archivedFolders[record.id] {
            problems.append(Diagnostic("duplicate ticket id \(record.id): also archived at \(archivedAt)",
                                       at: SourceLocation(file: record.folder, line: 1, column: 1)))
        }
        guard record.hasSpec else { return problems }
        let config = snapshot.config
        func add(_ message: String, _ location: SourceLocation?, hint: String? = nil) {
            problems.append(Diagnostic(message, at: location ?? SourceLocation(file: record.specPath, line: 1, column: 1),
                                       hint: hint))
        }
        if let workflow = record.spec?.workflow, config.documents[.workflows] != nil,
           config.workflows.workflows[workflow] == nil {
            add("unknown workflow '\(workflow)'", record.locations.workflow,
                hint: suggestion(workflow, among: config.workflows.workflows.keys))
        }
        if let assignee = record.spec?.assignee, config.documents[.roles] != nil, config.roles.roles[assignee] == nil {
            add("unknown role '\(assignee)' in assignee", record.locations.assignee,
                hint: suggestion(assignee, among: config.roles.roles.keys))
        }
        if let profile = record.spec?.profile, config.documents[.runtimes] != nil, config.runtimes.profiles[profile] == nil {
            add("unknown runtime profile '\(profile)'", record.locations.profile,
                hint: suggestion(profile, among: config.runtimes.profiles.keys))
        }
        if let parent = record.spec?.parent {
            if parent == record.id {
                add("a ticket cannot be its own parent", record.locations.parent)
            } else if !snapshot.contains(parent) {
                add("parent \(parent) does not exist", record.locations.parent, hint: suggestion(parent, among: snapshot.allIDs))
            }
        }
        guard let blockers = record.spec?.blockedBy, !blockers.isEmpty else { return problems }
        var listed: Set<String> = []
        for (index, blocker) in blockers.enumerated() {
            let location = index < record.locations.blockedBy.count ? record.locations.blockedBy[index] : nil
            if blocker == record.id {
                add("a ticket cannot be blocked by itself", location)
            } else if !snapshot.contains(blocker) {
                add("blocked_by names \(blocker), which does not exist", location, hint: suggestion(blocker, among: snapshot.allIDs))
            } else if !listed.insert(blocker).inserted {
                add("\(blocker) is listed twice in blocked_by", location)
            }
        }
        return problems
    }

    /// Every cycle through `edges`, reported on each ticket in it at the edge that closes the loop.
    /// The graph holds only tickets that have edges, so a board where few tickets depend on others
    /// costs little however large it is.
    private static func cycles(in snapshot: BoardSnapshot, edges: (TicketRecord) -> [String], kind: String,
                               location: (TicketRecord, Int) -> SourceLocation?) -> [(String, Diagnostic)] {
        var graph: [String: [String]] = [:]
        // Optional chains borrow the spec; binding or mapping it would copy every ticket.
        for record in snapshot.tickets where record.spec?.parent != nil || record.spec?.blockedBy.isEmpty == false {
            let targets = edges(record)
            if !targets.isEmpty { graph[record.id] = targets }
        }
        guard !graph.isEmpty else { return [] }
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        var found: [(String, Diagnostic)] = []
        var reported: Set<String> = []

        func report(_ loop: [String]) {
            let text = loop.joined(separator: " -> ")
            for (position, member) in loop.dropLast().enumerated() where reported.insert(member).inserted {
                guard let record = snapshot.ticket(member) else { continue }
                let edgeIndex = edges(record).firstIndex(of: loop[position + 1]) ?? 0
                found.append((member, Diagnostic(
                    "\(kind): \(text)",
                    at: location(record, edgeIndex) ?? SourceLocation(file: record.specPath, line: 1, column: 1))))
            }
        }

        func visit(_ id: String) {
            marks[id] = .visiting
            stack.append(id)
            for next in graph[id] ?? [] where next != id {  // a self-reference is reported on its own
                switch marks[next] {
                case .visiting?: report(Array(stack[stack.lastIndex(of: next)!...]) + [next])
                case nil: if graph[next] != nil { visit(next) } else { marks[next] = .done }
                case .done?: break
                }
            }
            stack.removeLast()
            marks[id] = .done
        }
        for id in graph.keys.sorted() where marks[id] == nil {
            visit(id)
        }
        return found
    }

    private static func suggestion(_ word: String, among names: some Sequence<String>) -> String? {
        Suggest.closest(to: word, in: Array(names)).map { "did you mean '\($0)'?" }
    }

    // MARK: Configuration

    static func validateConfig(_ config: BoardConfig) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        func add(_ file: BoardFile, _ path: [YAMLPath], _ message: String, hint: String? = nil) {
            let location = config.documents[file]?.location(of: path) ?? SourceLocation(file: file.rawValue, line: 1, column: 1)
            problems.append(Diagnostic(message, at: location, hint: hint))
        }
        let settings = config.settings
        let hasRoles = config.documents[.roles] != nil
        let hasRuntimes = config.documents[.runtimes] != nil
        let hasWorkflows = config.documents[.workflows] != nil

        if config.documents[.settings] != nil {
            if !TicketID.isValid("\(settings.prefix)-0") || settings.prefix.contains("-") {
                add(.settings, [.key("prefix")], "prefix must be letters and digits, starting with a letter, like MC")
            }
            if !(1...16).contains(settings.idLength) {
                add(.settings, [.key("id_length")], "id_length must be between 1 and 16")
            }
            if settings.limits.maxWorkers < 1 {
                add(.settings, [.key("limits"), .key("max_workers")], "max_workers must be at least 1")
            }
            if settings.retry.maxRetries < 0 {
                add(.settings, [.key("retry"), .key("max_retries")], "max_retries must not be negative")
            }
            if settings.retry.circuitBreaker < 1 {
                add(.settings, [.key("retry"), .key("circuit_breaker")], "circuit_breaker must be at least 1")
            }
            if let workflow = settings.defaultWorkflow, hasWorkflows, config.workflows.workflows[workflow] == nil {
                add(.settings, [.key("default_workflow")], "unknown workflow '\(workflow)'",
                    hint: suggestion(workflow, among: config.workflows.workflows.keys))
            }
            if let workflow = settings.baselineWorkflow, hasWorkflows, config.workflows.workflows[workflow] == nil {
                add(.settings, [.key("baseline_workflow")], "unknown workflow '\(workflow)'",
                    hint: suggestion(workflow, among: config.workflows.workflows.keys))
            }
            if let role = settings.defaultAssignee, hasRoles, config.roles.roles[role] == nil {
                add(.settings, [.key("default_assignee")], "unknown role '\(role)'",
                    hint: suggestion(role, among: config.roles.roles.keys))
            }
        }

        for (name, profile) in config.runtimes.profiles.sorted(by: { $0.key < $1.key }) {
            if !knownHarnesses.contains(profile.harness) {
                add(.runtimes, [.key("profiles"), .key(name), .key("harness")],
                    "unknown harness '\(profile.harness)'; known: \(knownHarnesses.joined(separator: ", "))",
                    hint: suggestion(profile.harness, among: knownHarnesses))
            }
            if profile.command.isEmpty {
                add(.runtimes, [.key("profiles"), .key(name), .key("command")], "command must name an executable")
            }
            if profile.harness == "ssh", profile.host == nil {
                add(.runtimes, [.key("profiles"), .key(name)], "an ssh profile needs a host")
            }
        }

        for (name, role) in config.roles.roles.sorted(by: { $0.key < $1.key }) {
            if role.profiles.isEmpty {
                add(.roles, [.key("roles"), .key(name), .key("profiles")], "role '\(name)' needs at least one profile")
            }
            for (index, profile) in role.profiles.enumerated() where hasRuntimes && config.runtimes.profiles[profile] == nil {
                add(.roles, [.key("roles"), .key(name), .key("profiles"), .index(index)],
                    "unknown runtime profile '\(profile)'", hint: suggestion(profile, among: config.runtimes.profiles.keys))
            }
        }

        for (name, workflow) in config.workflows.workflows.sorted(by: { $0.key < $1.key }) {
            let base: [YAMLPath] = [.key("workflows"), .key(name)]
            if workflow.gates.isEmpty {
                add(.workflows, base + [.key("gates")], "workflow '\(name)' needs at least one gate")
            }
            if workflow.maxRounds < 1 {
                add(.workflows, base + [.key("max_rounds")], "max_rounds must be at least 1")
            }
            var gateNames: Set<String> = []
            let allGateNames = Set(workflow.gates.map(\.name))
            for (index, gate) in workflow.gates.enumerated() {
                let path = base + [.key("gates"), .index(index)]
                if !gateNames.insert(gate.name).inserted {
                    add(.workflows, path + [.key("name")], "gate name '\(gate.name)' is used twice in workflow '\(name)'")
                }
                switch gate.kind {
                case nil:
                    add(.workflows, path, "gate '\(gate.name)' must have exactly one of role, check, human or browser")
                case .agent(let role)?:
                    if hasRoles, config.roles.roles[role] == nil {
                        add(.workflows, path + [.key("role")], "unknown role '\(role)'",
                            hint: suggestion(role, among: config.roles.roles.keys))
                    }
                case .check(let command)?:
                    if command.trimmingCharacters(in: .whitespaces).isEmpty {
                        add(.workflows, path + [.key("check")], "check command must not be empty")
                    }
                case .browser(let spec)?:
                    if spec.start.trimmingCharacters(in: .whitespaces).isEmpty {
                        add(.workflows, path + [.key("browser"), .key("start")], "the browser gate's start command must not be empty")
                    }
                    if spec.pages.isEmpty {
                        add(.workflows, path + [.key("browser"), .key("pages")], "a browser gate needs at least one page")
                    }
                    for (index, page) in spec.pages.enumerated() where !page.hasPrefix("/") {
                        add(.workflows, path + [.key("browser"), .key("pages"), .index(index)],
                            "page '\(page)' must be a path on the app, starting with /")
                    }
                    for (index, width) in spec.widths.enumerated() where !(200...4000).contains(width) {
                        add(.workflows, path + [.key("browser"), .key("widths"), .index(index)],
                            "width \(width) must be 200 to 4000 pixels")
                    }
                    if spec.widths.isEmpty {
                        add(.workflows, path + [.key("browser"), .key("widths")], "a browser gate needs at least one width")
                    }
                case .human(let group)?:
                    if config.documents[.settings] != nil, settings.approvers[group] == nil {
                        add(.workflows, path + [.key("human")],
                            "no approver group '\(group)' in mission.yaml approvers",
                            hint: suggestion(group, among: settings.approvers.keys))
                    }
                }
                if let target = gate.onFail, !allGateNames.contains(target) {
                    add(.workflows, path + [.key("on_fail")], "on_fail names gate '\(target)', which is not in workflow '\(name)'",
                        hint: suggestion(target, among: allGateNames))
                }
                if let rounds = gate.maxRounds, rounds < 1 {
                    add(.workflows, path + [.key("max_rounds")], "max_rounds must be at least 1")
                }
            }
        }

        for (name, job) in config.schedule.jobs.sorted(by: { $0.key < $1.key }) {
            do {
                _ = try CronSchedule(parsing: job.cron)
            } catch {
                // At the field that is wrong, not just at the value.
                let path: [YAMLPath] = [.key("jobs"), .key(name), .key("cron")]
                let location = config.documents[.schedule]?.location(of: path, offset: error.offset)
                    ?? SourceLocation(file: BoardFile.schedule.rawValue, line: 1, column: 1)
                problems.append(Diagnostic(error.message, at: location, hint: error.hint))
            }
            if let workflow = job.workflow, hasWorkflows, config.workflows.workflows[workflow] == nil {
                add(.schedule, [.key("jobs"), .key(name), .key("workflow")], "unknown workflow '\(workflow)'",
                    hint: suggestion(workflow, among: config.workflows.workflows.keys))
            }
            if job.workflow == nil, hasWorkflows, config.workflows.workflows[ScheduledJob.defaultWorkflow] == nil {
                add(.schedule, [.key("jobs"), .key(name)],
                    "job '\(name)' names no workflow and workflows.yaml has no '\(ScheduledJob.defaultWorkflow)' workflow")
            }
            if let role = job.assignee, hasRoles, config.roles.roles[role] == nil {
                add(.schedule, [.key("jobs"), .key(name), .key("assignee")], "unknown role '\(role)'",
                    hint: suggestion(role, among: config.roles.roles.keys))
            }
        }
        return problems
    }
}
