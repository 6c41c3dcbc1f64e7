/// Receives documents in output order.
protocol DocumentSink {
    /// Takes the next document.
    mutating func accept(_ document: Document) throws
}

/// How many bad documents to mix in.
enum BadDocumentPlan: Sendable {
    /// Exactly this many of each kind, at random points of the month.
    case fixed([BadKind: Int])
    /// Each job is followed by a bad document with this many basis points of probability,
    /// the kinds taking turns.
    case perJob(basisPoints: Int)
}

/// How many documents a job leaves besides its latest one.
enum PollPlan: Sendable, Equatable {
    /// The vendor-like mix: 0 to 3 earlier polls, a few repeated polls and shape-A twins of
    /// shape-B documents; about 2.66 documents per job. The default, and what
    /// `samples/2026-10` was made with.
    case vendorMix
    /// About this many millionths of all documents are not their job's latest: earlier
    /// polls (non-terminal, before the final one) and, one in ten, a repeat of the final
    /// poll. For benchmarks whose documents should be mostly distinct jobs.
    case share(millionths: Int)

    /// Expected documents per job in millionths, bad documents of the `ndjson` layout
    /// included, for sizing a run to a document count.
    var documentsPerJobMillionths: Int {
        switch self {
        // Measured: 2,657,921 documents from 1,000,000 jobs.
        case .vendorMix: 2_657_000
        case .share(let millionths): 1_000_000 + Self.extrasPerJob(millionths) + 2500
        }
    }

    /// Extra documents per job, in millionths, that make `share` of all documents extra:
    /// x / (1 + x) = share.
    static func extrasPerJob(_ share: Int) -> Int {
        share * 1_000_000 / (1_000_000 - share)
    }
}

/// What to generate.
struct GeneratorConfig: Sendable {
    /// PRNG seed.
    var seed: UInt64
    /// The modelled month; every job starts inside it.
    var month: YearMonth
    /// Number of jobs.
    var jobs: Int
    /// Bad documents to mix in.
    var badDocuments: BadDocumentPlan
    /// Keep what the fetch archive needs (jobs of the session's org); off for the
    /// benchmark layout, whose memory must not grow with the job count.
    var collectArchiveCandidates: Bool
    /// How many documents each job leaves.
    var polls: PollPlan = .vendorMix
    /// Stop after this many documents (the month's last ones are dropped); nil for all.
    var documentLimit: Int?
}

/// Counts of what was generated, for the summary line.
struct GenerationStats: Sendable {
    /// Jobs modelled (bad documents' jobs not included).
    var jobs = 0
    /// Jobs ending SUCCEEDED.
    var succeeded = 0
    /// Jobs ending FAILED.
    var failed = 0
    /// Jobs ending CANCELLED.
    var cancelled = 0
    /// Jobs with no terminal poll in the month.
    var open = 0
    /// Jobs on serverless runtime environments.
    var serverless = 0
    /// Documents handed to the sink.
    var documents = 0
    /// Shape-B documents handed to the sink.
    var shapeB = 0
    /// Exact re-polls of a job's final document.
    var duplicates = 0
    /// Non-terminal polls of jobs that also have a terminal poll.
    var earlierPolls = 0
    /// Bad documents per kind, indexed by `BadKind.rawValue`.
    var bad = [Int](repeating: 0, count: BadKind.allCases.count)
}

/// A re-poll the fetch archive may contain.
struct ArchiveCandidate: Sendable {
    /// The job ID the fetch asked for.
    var jobId: String
    /// The response body: the job's final shape-A document, or, for a job still open at
    /// month end, the terminal state it reached before the fetch.
    var response: Document
    /// True when `response` closes a job the month's polls left open.
    var resolvesOpenJob: Bool
}

/// The month's jobs and their polls, in roughly chronological, locally shuffled order.
///
/// Jobs are drawn in start-time order, one per equal slice of the month, so run IDs rise
/// with start time. Each poll waits in a min-heap keyed by the time it was observed and
/// is released once no later job can produce an earlier one; a small random window then
/// reorders neighbours. Memory is bounded by the jobs in flight, not by `jobs`.
struct Generator {
    /// Documents held back for local shuffling.
    static let shuffleWindow = 24

    /// The request.
    let config: GeneratorConfig
    /// Orgs, users, environments and tasks.
    let universe: Universe
    /// What has been generated so far.
    private(set) var stats = GenerationStats()
    /// Filled when `config.collectArchiveCandidates` is set.
    private(set) var archiveCandidates = [ArchiveCandidate]()

    private var rng: SplitMix64
    private var shuffleRNG: SplitMix64
    private var badRNG: SplitMix64
    private var archiveRNG: SplitMix64
    private var nextRunIds: [Int]
    private var queue = EmissionQueue()
    private var window = [Document]()
    private let monthStart: Int64
    private let monthEnd: Int64

    /// Prepares a generator; nothing is drawn for jobs until `run(into:)`.
    init(config: GeneratorConfig) {
        self.config = config
        var root = SplitMix64(seed: config.seed)
        var universeRNG = root.fork()
        universe = Universe(rng: &universeRNG)
        rng = root.fork()
        shuffleRNG = root.fork()
        badRNG = root.fork()
        archiveRNG = root.fork()
        nextRunIds = universe.tasks.map(\.firstRunId)
        monthStart = config.month.startMillis
        monthEnd = config.month.next.startMillis
    }

    /// Generates every document into `sink`.
    mutating func run<Sink: DocumentSink>(into sink: inout Sink) throws {
        let span = monthEnd - monthStart
        let jobs = Int64(config.jobs)
        var schedule = [(job: Int, kind: BadKind)]()
        if case .fixed(let counts) = config.badDocuments {
            for kind in BadKind.allCases {
                for _ in 0..<(counts[kind] ?? 0) {
                    schedule.append((badRNG.below(config.jobs), kind))
                }
            }
            schedule.sort { ($0.job, $0.kind.rawValue) < ($1.job, $1.kind.rawValue) }
        }
        var nextScheduled = 0
        var kindTurn = 0
        for index in 0..<config.jobs {
            let slotLow = monthStart + span * Int64(index) / jobs
            let slotHigh = max(slotLow, monthStart + span * Int64(index + 1) / jobs - 1)
            let start = rng.int64(in: slotLow...slotHigh)
            try release(before: start, into: &sink)
            if reachedLimit { return }
            makeJob(slotStart: start)
            switch config.badDocuments {
            case .fixed:
                while nextScheduled < schedule.count, schedule[nextScheduled].job == index {
                    makeBadDocument(schedule[nextScheduled].kind, start: start)
                    nextScheduled += 1
                }
            case .perJob(let basisPoints):
                if badRNG.chance(basisPoints) {
                    makeBadDocument(BadKind.allCases[kindTurn % BadKind.allCases.count], start: start)
                    kindTurn += 1
                }
            }
        }
        try release(before: .max, into: &sink)
        while !window.isEmpty, !reachedLimit {
            let index = shuffleRNG.below(window.count)
            window.swapAt(index, window.count - 1)
            try hand(window.removeLast(), to: &sink)
        }
    }

    // MARK: - Jobs

    /// One job's fixed facts; its documents are views of these at different poll times.
    private struct Job {
        var id: String
        var task: Int
        var runId: Int
        var user: Int
        var start: Int64
        var seconds: Int64
        var style: TimestampStyle
        var runIdAsString: Bool
        var consumedAsString: Bool
        var nullCUFields: Bool
        var cuFactor: Int64
        var errorMessage: String
        var sessionLogUrl: String
    }

    /// The state a poll reports.
    private enum PollState {
        case queued, starting, running, succeeded, failed, cancelled

        var isTerminal: Bool {
            switch self {
            case .succeeded, .failed, .cancelled: true
            case .queued, .starting, .running: false
            }
        }
    }

    private mutating func makeJob(slotStart: Int64) {
        let taskIndex = universe.pickTask(&rng)
        let task = universe.tasks[taskIndex]
        var job = newJob(task: taskIndex, start: slotStart)
        stats.jobs += 1
        if universe.isServerless(taskIndex) { stats.serverless += 1 }
        let collect = config.collectArchiveCandidates && task.org == 0

        // Jobs starting in the last 2.5 % of the month are mostly still running when the
        // month's polling stops, which gives about 2 % open jobs.
        if job.start >= monthEnd - (monthEnd - monthStart) / 40, rng.chance(8000) {
            stats.open += 1
            let stuckQueued = rng.chance(2500)
            let room = max(0, (monthEnd - 1000 - job.start) / 1000)
            let pollCount: Int
            switch config.polls {
            case .vendorMix: pollCount = rng.int(in: 1...3)
            case .share(let share): pollCount = 1 + extraDocuments(share)
            }
            let offsets = distinctOffsets(count: pollCount, in: 1...max(1, room))
            job.seconds = (monthEnd - job.start) / 1000 + rng.int64(in: 600...18_000)
            for (position, offset) in offsets.enumerated() {
                let state: PollState =
                    stuckQueued
                    ? .queued
                    : position == 0 && offsets.count > 1 ? (rng.chance(5000) ? .queued : .starting) : .running
                let withLog = !(state == .queued || state == .starting) || rng.chance(7000)
                enqueue(
                    shapeA(job, state, at: min(offset, room), withLog: withLog), observedAt: job.start + offset * 1000)
            }
            if collect {
                let final: PollState = rng.chance(9000) ? .succeeded : .failed
                if final == .failed { job.errorMessage = failureMessage(job) }
                archiveCandidates.append(
                    ArchiveCandidate(
                        jobId: job.id, response: shapeA(job, final, at: job.seconds, withLog: true),
                        resolvesOpenJob: true))
            }
            return
        }

        let roll = rng.below(10_000)
        let outcome: PollState = roll < 816 ? .failed : roll < 1020 ? .cancelled : .succeeded
        let typical = task.typicalSeconds
        switch outcome {
        case .failed:
            stats.failed += 1
            job.seconds = max(30, typical * rng.int64(in: 5...60) / 100)
            job.errorMessage = failureMessage(job)
        case .cancelled:
            stats.cancelled += 1
            job.seconds = max(30, typical * rng.int64(in: 10...90) / 100)
            job.errorMessage = ErrorMessages.cancellation(by: universe.users[job.user].email)
        default:
            stats.succeeded += 1
            job.seconds = min(5 * 3600, max(30, typical * rng.int64(in: 70...140) / 100))
        }

        let end = job.seconds
        if case .share(let share) = config.polls {
            makeClosedJob(job, outcome, extras: extraDocuments(share), collect: collect)
            return
        }
        var polls = [(PollState, Int64)]()
        switch rng.weighted([15, 30, 35, 20]) + 1 {
        case 1:
            break
        case 2:
            polls = [(.running, rng.int64(in: 4...(end - 1)))]
        case 3:
            polls = [
                (rng.chance(5000) ? .queued : .starting, rng.int64(in: 1...3)),
                (.running, rng.int64(in: 4...(end - 1))),
            ]
        default:
            let running = distinctOffsets(count: 2, in: 4...(end - 1))
            polls = [(.queued, rng.int64(in: 1...3)), (.running, running[0]), (.running, running[1])]
        }
        for (state, offset) in polls {
            let withLog = !(state == .queued || state == .starting) || rng.chance(7000)
            enqueue(shapeA(job, state, at: offset, withLog: withLog), observedAt: job.start + offset * 1000 + lag())
        }
        stats.earlierPolls += polls.count

        let terminal = shapeA(job, outcome, at: end, withLog: true)
        let endObserved = job.start + end * 1000 + lag()
        var final = terminal
        // Shape B only for jobs that also have a shape-A poll, so its missing times, org
        // and user can be filled from the same job.
        if !polls.isEmpty, rng.chance(600) {
            final = shapeB(job, outcome)
            if rng.chance(4000) { enqueue(terminal, observedAt: endObserved) }
            enqueue(final, observedAt: endObserved + lag())
        } else {
            enqueue(terminal, observedAt: endObserved)
        }
        if rng.chance(500) {
            stats.duplicates += 1
            enqueue(final, observedAt: endObserved + rng.int64(in: 60...3600) * 1000)
        }
        if collect {
            archiveCandidates.append(ArchiveCandidate(jobId: job.id, response: terminal, resolvesOpenJob: false))
        }
    }

    /// A finished job under `PollPlan.share`: `extras` documents besides the final one,
    /// one in ten of them a repeat of the final poll and the rest earlier polls. A shape-B
    /// final poll comes only after a running shape-A poll, which carries the job ID that
    /// links the two, and without the shape-A twin of the vendor mix, so the count holds;
    /// it is drawn for 40 % of such jobs, so at a 5 % share shape B stays near the vendor
    /// mix's 2 % of documents and the benchmark still exercises linking.
    private mutating func makeClosedJob(_ job: Job, _ outcome: PollState, extras: Int, collect: Bool) {
        let end = job.seconds
        let repeatFinal = extras > 0 && rng.chance(1000)
        let earlier = repeatFinal ? extras - 1 : extras
        var polls = [(PollState, Int64)]()
        if earlier >= 2 {
            polls.append((rng.chance(5000) ? .queued : .starting, rng.int64(in: 1...3)))
        }
        if earlier >= 1 {
            for offset in distinctOffsets(count: max(1, earlier - 1), in: 4...(end - 1)) {
                polls.append((.running, offset))
            }
        }
        for (state, offset) in polls {
            let withLog = state == .running || rng.chance(7000)
            enqueue(shapeA(job, state, at: offset, withLog: withLog), observedAt: job.start + offset * 1000 + lag())
        }
        stats.earlierPolls += polls.count

        let terminal = shapeA(job, outcome, at: end, withLog: true)
        let final = !polls.isEmpty && rng.chance(4000) ? shapeB(job, outcome) : terminal
        let endObserved = job.start + end * 1000 + lag()
        enqueue(final, observedAt: endObserved)
        if repeatFinal {
            stats.duplicates += 1
            enqueue(final, observedAt: endObserved + rng.int64(in: 60...3600) * 1000)
        }
        if collect {
            archiveCandidates.append(ArchiveCandidate(jobId: job.id, response: terminal, resolvesOpenJob: false))
        }
    }

    /// How many documents a job leaves besides its latest under `PollPlan.share`: the
    /// expected count per job, with its fraction decided by one draw.
    private mutating func extraDocuments(_ share: Int) -> Int {
        let perJob = PollPlan.extrasPerJob(share)
        return perJob / 1_000_000 + (rng.below(1_000_000) < perJob % 1_000_000 ? 1 : 0)
    }

    private mutating func newJob(task taskIndex: Int, start slotStart: Int64) -> Job {
        let task = universe.tasks[taskIndex]
        let runId = nextRunIds[taskIndex]
        nextRunIds[taskIndex] += 1
        let user = rng.chance(7500) ? task.owner : rng.pick(universe.usersByOrg[task.org])
        let id = rng.string(length: 22, alphabet: Universe.alphanumerics)
        let style: TimestampStyle
        var start = slotStart
        switch rng.weighted([8600, 600, 450, 100, 250]) {
        case 0:
            style = .zoneless
            // The vendor's examples are whole seconds; most real polls are too.
            if rng.chance(9000) { start -= start % 1000 }
        case 1: style = .utc
        case 2: style = .offset(minutes: 120)
        case 3: style = .offset(minutes: -300)
        default: style = .microseconds
        }
        let path = rng.chance(100) ? "logservice/api/v1//jobs/" : "logservice/api/v1/jobs/"
        return Job(
            id: id, task: taskIndex, runId: runId, user: user, start: start, seconds: 0, style: style,
            runIdAsString: rng.chance(200), consumedAsString: rng.chance(200), nullCUFields: rng.chance(5000),
            cuFactor: rng.int64(in: 9000...10_000), errorMessage: "", sessionLogUrl: path + id + "/logs")
    }

    private mutating func failureMessage(_ job: Job) -> String {
        let task = universe.tasks[job.task]
        let day = Civil.civilFromDays(Int(job.start.floorDiv(Civil.millisPerDay)))
        let date = Civil.padded(day.year, 4) + "-" + Civil.padded(day.month, 2) + "-" + Civil.padded(day.day, 2)
        return ErrorMessages.failure(
            template: rng.below(ErrorMessages.failureTemplates.count),
            environment: universe.environments[task.environment].id, asset: task.assetName,
            jobId: job.id, date: date, rng: &rng)
    }

    /// Sorted distinct offsets, fewer when the range is too small.
    private mutating func distinctOffsets(count: Int, in range: ClosedRange<Int64>) -> [Int64] {
        var picked = Set<Int64>()
        let wanted = min(count, Int(range.upperBound - range.lowerBound + 1))
        while picked.count < wanted { picked.insert(rng.int64(in: range)) }
        return picked.sorted()
    }

    /// Delay between a state change and the poll that saw it.
    private mutating func lag() -> Int64 {
        rng.int64(in: 0...120_000)
    }

    // MARK: - Documents

    private mutating func spell(_ state: PollState) -> String {
        switch state {
        case .queued: "QUEUED"
        case .starting: "STARTING"
        case .running: rng.chance(300) ? "Running" : "RUNNING"
        case .succeeded: ["SUCCEEDED", "SUCCESS", "COMPLETED", "succeeded"][rng.weighted([8700, 500, 400, 400])]
        case .failed: rng.chance(500) ? "failed" : "FAILED"
        case .cancelled: ["CANCELLED", "CANCELED", "STOPPED"][rng.weighted([60, 30, 10])]
        }
    }

    /// Consumed CU after `seconds` of running, in ten-thousandths: assigned × hours,
    /// scaled by the job's utilisation factor (90–100 %).
    private func consumedTenThousandths(_ job: Job, seconds: Int64) -> Int64 {
        Int64(universe.tasks[job.task].assignedCU) * seconds * 1000 * job.cuFactor / 3_600_000
    }

    private func appendCU(_ job: Job, _ state: PollState, at seconds: Int64, to fields: inout [JSONField]) {
        let task = universe.tasks[job.task]
        guard universe.isServerless(job.task) else {
            if job.nullCUFields {
                fields.append(JSONField(key: "assignedServerlessComputeUnits", value: .null))
                fields.append(JSONField(key: "consumedServerlessComputeUnits", value: .null))
            }
            return
        }
        let running = !(state == .queued || state == .starting)
        let consumed = JSONText.decimal(tenThousandths: running ? consumedTenThousandths(job, seconds: seconds) : 0)
        fields.append(JSONField(key: "assignedServerlessComputeUnits", value: .int(task.assignedCU)))
        fields.append(
            JSONField(
                key: "consumedServerlessComputeUnits",
                value: job.consumedAsString ? .string(consumed) : .number(consumed)))
    }

    private mutating func shapeA(_ job: Job, _ state: PollState, at seconds: Int64, withLog: Bool) -> Document {
        let task = universe.tasks[job.task]
        let update = job.style.format(job.start + seconds * 1000)
        let message: String
        switch state {
        case .failed, .cancelled: message = job.errorMessage
        default: message = ""
        }
        var fields = [JSONField]()
        fields.reserveCapacity(18)
        fields.append(JSONField(key: "status", value: .string(spell(state))))
        fields.append(JSONField(key: "startTime", value: .string(job.style.format(job.start))))
        fields.append(JSONField(key: "updateTime", value: .string(update)))
        fields.append(JSONField(key: "endTime", value: state.isTerminal ? .string(update) : .null))
        fields.append(JSONField(key: "instanceName", value: .string(task.assetName + "-" + String(job.runId))))
        fields.append(JSONField(key: "assetName", value: .string(task.assetName)))
        fields.append(JSONField(key: "runId", value: job.runIdAsString ? .string(String(job.runId)) : .int(job.runId)))
        fields.append(JSONField(key: "orgId", value: .string(universe.orgs[task.org])))
        fields.append(JSONField(key: "startedBy", value: .string(universe.users[job.user].email)))
        fields.append(JSONField(key: "runtimeEnvId", value: .string(universe.environments[task.environment].id)))
        fields.append(JSONField(key: "codeTaskId", value: .int(task.codeTaskId)))
        fields.append(JSONField(key: "errorMessage", value: .string(message)))
        fields.append(JSONField(key: "sessionLogUrl", value: withLog ? .string(job.sessionLogUrl) : .null))
        fields.append(JSONField(key: "agentJobLogUrl", value: .null))
        fields.append(JSONField(key: "advancedLogLocation", value: .null))
        fields.append(JSONField(key: "advancedLogDownloadUrl", value: .null))
        appendCU(job, state, at: seconds, to: &fields)
        return Document(shape: .a, fields: fields)
    }

    private mutating func shapeB(_ job: Job, _ state: PollState) -> Document {
        let task = universe.tasks[job.task]
        var fields = [
            JSONField(key: "executionState", value: .string(spell(state))),
            JSONField(key: "codeTaskName", value: .string(task.assetName)),
            JSONField(key: "codeTaskId", value: .int(task.codeTaskId)),
            JSONField(key: "agentGroupId", value: .string(universe.environments[task.environment].id)),
            JSONField(key: "sessionLogUrl", value: .string(job.sessionLogUrl)),
            JSONField(key: "firstErrorMessage", value: job.errorMessage.isEmpty ? .null : .string(job.errorMessage)),
        ]
        appendCU(job, state, at: job.seconds, to: &fields)
        return Document(shape: .b, fields: fields)
    }

    // MARK: - Bad documents

    private mutating func makeBadDocument(_ kind: BadKind, start slotStart: Int64) {
        stats.bad[kind.rawValue] += 1
        let task =
            kind == .negativeConsumedCU && !universe.serverlessTasks.isEmpty
            ? rng.pick(universe.serverlessTasks) : universe.pickTask(&rng)
        var job = newJob(task: task, start: slotStart)
        job.style = .zoneless
        job.runIdAsString = false
        job.consumedAsString = false
        job.seconds = rng.int64(in: 60...3600)
        var document = shapeA(job, .succeeded, at: job.seconds, withLog: true)
        // The canonical spelling, so the planted defect is the document's only one.
        document.set("status", .string("SUCCEEDED"))
        switch kind {
        case .truncatedJSON:
            document.form = .truncated(permille: rng.int(in: 300...800))
        case .arrayOnLine:
            document.form = .wrappedInArray
        case .unknownStatus:
            document.set("status", .string("PAUSED"))
            document.set("endTime", .null)
        case .numericOrgId:
            document.set("orgId", .int(rng.int(in: 100_000...999_999)))
        case .unparsableStartTime:
            document.set("startTime", .string("yesterday"))
        case .negativeConsumedCU:
            let consumed = consumedTenThousandths(job, seconds: job.seconds)
            document.set("assignedServerlessComputeUnits", .int(universe.tasks[task].assignedCU))
            document.set("consumedServerlessComputeUnits", .number(JSONText.decimal(tenThousandths: -max(1, consumed))))
        case .noIdentity:
            document.remove("runId")
            document.set("sessionLogUrl", .null)
        case .endBeforeStart:
            document.set("endTime", .string(job.style.format(job.start - rng.int64(in: 60...7200) * 1000)))
        }
        document.badKind = kind
        enqueue(document, observedAt: job.start + job.seconds * 1000 + lag())
    }

    // MARK: - Ordering

    private mutating func enqueue(_ document: Document, observedAt time: Int64) {
        queue.push(document, at: time)
    }

    private mutating func release<Sink: DocumentSink>(before time: Int64, into sink: inout Sink) throws {
        while let next = queue.nextTime, next < time {
            let document = queue.pop()
            if window.count < Self.shuffleWindow {
                window.append(document)
            } else {
                let index = shuffleRNG.below(window.count)
                let out = window[index]
                window[index] = document
                try hand(out, to: &sink)
            }
        }
    }

    /// True once `config.documentLimit` documents have gone to the sink.
    private var reachedLimit: Bool {
        config.documentLimit.map { stats.documents >= $0 } ?? false
    }

    private mutating func hand<Sink: DocumentSink>(_ document: Document, to sink: inout Sink) throws {
        guard !reachedLimit else { return }
        stats.documents += 1
        if document.shape == .b { stats.shapeB += 1 }
        try sink.accept(document)
    }

    // MARK: - Archive

    /// Fetch-archive re-polls: about half the open jobs of the session's org, now
    /// terminal, topped up to `limit` with re-polls of finished jobs. A quarter of the
    /// responses lack `sessionLogUrl` and `orgId`, so only the envelope identifies them.
    mutating func archiveResponses(limit: Int) -> [ArchiveCandidate] {
        var chosen = archiveCandidates.filter(\.resolvesOpenJob).filter { _ in archiveRNG.chance(5000) }
        var finished = archiveCandidates.filter { !$0.resolvesOpenJob }
        while chosen.count < limit, !finished.isEmpty {
            let index = archiveRNG.below(finished.count)
            finished.swapAt(index, finished.count - 1)
            chosen.append(finished.removeLast())
        }
        for index in chosen.indices.reversed() {
            chosen.swapAt(index, archiveRNG.below(index + 1))
            if archiveRNG.chance(2500) {
                chosen[index].response.set("sessionLogUrl", .null)
                chosen[index].response.remove("orgId")
            }
        }
        return chosen
    }

    /// Whether an envelope's response keeps the vendor page's spacing.
    mutating func spacedResponse() -> Bool {
        archiveRNG.chance(5000)
    }
}

/// Min-heap of documents keyed by observation time; the insertion sequence breaks ties
/// so the order never depends on the heap's internals.
struct EmissionQueue {
    private var items = [(time: Int64, sequence: Int, document: Document)]()
    private var sequence = 0

    /// The earliest pending time.
    var nextTime: Int64? { items.first?.time }

    /// Adds a document observed at `time`.
    mutating func push(_ document: Document, at time: Int64) {
        items.append((time, sequence, document))
        sequence += 1
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest document.
    mutating func pop() -> Document {
        items.swapAt(0, items.count - 1)
        let top = items.removeLast().document
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < items.count, precedes(left, first) { first = left }
            if right < items.count, precedes(right, first) { first = right }
            if first == parent { break }
            items.swapAt(parent, first)
            parent = first
        }
        return top
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        (items[a].time, items[a].sequence) < (items[b].time, items[b].sequence)
    }
}
