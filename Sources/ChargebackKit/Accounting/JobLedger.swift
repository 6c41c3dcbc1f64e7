import Foundation

/// Groups documents into jobs by their linked keys and picks each job's latest state
/// (SPEC 1.3). The outcome depends only on the set of documents, never on their order.
public struct JobLedger: Sendable {
    /// Jobs that could be assembled, in no particular order.
    public var jobs: [JobRecord] = []
    /// Jobs whose winning document had to be rejected (no start time at all, or a filled-in
    /// start after the end).
    public var rejects: [Reject] = []
    /// Σ over jobs of (documents − distinct contents).
    public var duplicates = 0
    /// Σ over jobs of (distinct contents − 1).
    public var superseded = 0

    /// Builds the ledger from usable documents.
    public init(documents: [JobDocument]) {
        var builder = LedgerBuilder()
        builder.add(documents)
        self = builder.finish()
    }

    init(jobs: [JobRecord], rejects: [Reject], duplicates: Int, superseded: Int) {
        self.jobs = jobs
        self.rejects = rejects
        self.duplicates = duplicates
        self.superseded = superseded
    }

    /// Latest first; byte-identical documents in several places: the first read wins.
    static func latestFirst(_ a: JobDocument, _ b: JobDocument) -> Bool {
        if b.ranksBelow(a) { return true }
        if a.ranksBelow(b) { return false }
        return a.source < b.source
    }

    /// Assembles one job from its documents, sorted latest first.
    static func assemble(_ docs: [JobDocument]) -> Result<JobRecord, Reject> {
        let winner = docs[0]
        func first<T>(_ field: (JobDocument) -> T?) -> T? {
            for d in docs { if let v = field(d) { return v } }
            return nil
        }
        var start = first { $0.content.startTime }
        var estimated = false
        if start == nil, let fetched = docs.compactMap(\.fetchedAt).min() {
            start = fetched
            estimated = true
        }
        guard let startTime = start else {
            return .failure(
                Reject(
                    source: winner.source, reason: .missingStartTime,
                    detail: "none of the job's \(docs.count) document(s) has a startTime, and none came with a fetchedAt to estimate it from", text: winner.text
                ))
        }
        let end = first { $0.content.endTime }
        if !estimated, let e = end, e < startTime {
            return .failure(
                Reject(
                    source: winner.source, reason: .endBeforeStart,
                    detail: "the job's endTime \(formatInstant(e)) is before its startTime \(formatInstant(startTime)) (taken from different documents)",
                    text: winner.text))
        }
        return .success(
            JobRecord(
                jobId: first(\.jobId),
                orgId: first(\.orgId) ?? unknownValue,
                user: first { $0.content.startedBy } ?? unknownValue,
                runtimeEnvId: first { $0.content.runtimeEnvId } ?? unknownValue,
                codeTaskId: first { $0.content.codeTaskId },
                codeTaskName: first { $0.content.codeTaskName },
                instanceName: first { $0.content.instanceName },
                runId: first { $0.content.runId },
                state: winner.content.state,
                startTime: startTime,
                startEstimated: estimated,
                endTime: end,
                errorMessage: first { $0.content.errorMessage },
                sessionLogUrl: first { $0.content.sessionLogUrl },
                assignedCU: first { $0.content.assignedCU },
                consumedCU: first { $0.content.consumedCU },
                source: winner.source))
    }
}

/// Folds documents into jobs as they are read, so that memory holds each job's distinct
/// documents rather than every document. Documents that share a key are one job (a
/// union-find over groups); of documents that differ only in their text and place, only the
/// one latest-wins would pick is kept, and the others are counted. The result depends only on
/// the set of documents added, never on their order.
public struct LedgerBuilder: Sendable {
    /// Each group's kept documents: most groups (jobs) keep one, so the first is held here
    /// and only further distinct ones in `more`, saving an array per job.
    private var firsts: [JobDocument?] = []
    private var more: [Int: [JobDocument]] = [:]
    private var counts: [Int] = []
    private var parent: [Int] = []
    private var groupOfKey: [JobKey: Int] = [:]
    /// Documents added so far.
    public private(set) var documentCount = 0

    /// An empty ledger.
    public init() {}

    /// Adds documents.
    public mutating func add(_ documents: [JobDocument]) {
        for d in documents { add(d) }
    }

    /// Adds one document to the job its keys name, joining jobs it links.
    public mutating func add(_ doc: JobDocument) {
        documentCount += 1
        let runKey = doc.runKey
        let jobKey = doc.jobId.map(JobKey.jobId)
        var root: Int?
        for key in [runKey, jobKey] {
            guard let key, let g = groupOfKey[key] else { continue }
            let r = find(g)
            if let current = root, current != r {
                root = union(current, r)
            } else {
                root = r
            }
        }
        let target: Int
        if let root {
            target = root
        } else {
            target = firsts.count
            firsts.append(nil)
            counts.append(0)
            parent.append(target)
        }
        for key in [runKey, jobKey] {
            guard let key else { continue }
            groupOfKey[key] = groupOfKey[key] ?? target
        }
        counts[target] += 1
        keep(doc, in: target)
    }

    /// The jobs, with the duplicate and superseded counts. Each group's documents are let go
    /// once its job is assembled, so documents and jobs are not all held at once.
    public mutating func finish() -> JobLedger {
        var jobs: [JobRecord] = []
        var rejects: [Reject] = []
        var duplicates = 0, superseded = 0
        jobs.reserveCapacity(firsts.count)
        for g in firsts.indices where parent[g] == g {
            guard let first = firsts[g] else { continue }
            firsts[g] = nil
            var docs = [first]
            if let others = more.removeValue(forKey: g) {
                docs += others
                docs.sort(by: JobLedger.latestFirst)
            }
            // Kept documents differ in their fields, and so nearly always in their content.
            let distinct = docs.count == 1 ? 1 : Set(docs.map(\.content)).count
            duplicates += counts[g] - distinct
            superseded += distinct - 1
            switch JobLedger.assemble(docs) {
            case .success(let job): jobs.append(job)
            case .failure(let reject): rejects.append(reject)
            }
        }
        return JobLedger(jobs: jobs, rejects: rejects, duplicates: duplicates, superseded: superseded)
    }

    /// Keeps `doc` in group `g` unless a kept document differs from it only in text and
    /// place; then the one latest-wins prefers stays.
    private mutating func keep(_ doc: JobDocument, in g: Int) {
        guard let first = firsts[g] else {
            firsts[g] = doc
            return
        }
        if first.sameFields(as: doc) {
            if JobLedger.latestFirst(doc, first) { firsts[g] = doc }
            return
        }
        if let i = more[g]?.firstIndex(where: { $0.sameFields(as: doc) }) {
            if JobLedger.latestFirst(doc, more[g]![i]) { more[g]![i] = doc }
        } else {
            more[g, default: []].append(doc)
        }
    }

    private mutating func find(_ x: Int) -> Int {
        var r = x
        while parent[r] != r { r = parent[r] }
        var y = x
        while parent[y] != r {
            let n = parent[y]
            parent[y] = r
            y = n
        }
        return r
    }

    /// Joins two groups; the smaller index stays the root.
    private mutating func union(_ a: Int, _ b: Int) -> Int {
        let (root, other) = a < b ? (a, b) : (b, a)
        parent[other] = root
        counts[root] += counts[other]
        counts[other] = 0
        var moved = more.removeValue(forKey: other) ?? []
        if let f = firsts[other] { moved.insert(f, at: 0) }
        firsts[other] = nil
        for d in moved { keep(d, in: root) }
        return root
    }
}

/// Folds documents into a ledger from several reading threads.
final class LedgerSink: @unchecked Sendable {
    private let lock = NSLock()
    private var builder = LedgerBuilder()

    func add(_ documents: [JobDocument]) {
        lock.withLock { builder.add(documents) }
    }

    func finish() -> (ledger: JobLedger, documents: Int) {
        lock.withLock { (builder.finish(), builder.documentCount) }
    }
}
