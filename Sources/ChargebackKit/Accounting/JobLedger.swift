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
        // Union-find over document indices: documents that share a key are one job.
        var parent = Array(0..<documents.count)
        func find(_ x: Int) -> Int {
            var r = x
            while parent[r] != r { r = parent[r] }
            var y = x
            while parent[y] != r { let n = parent[y]; parent[y] = r; y = n }
            return r
        }
        var firstWithKey: [JobKey: Int] = [:]
        for (i, doc) in documents.enumerated() {
            for key in doc.keys {
                if let j = firstWithKey[key] {
                    let a = find(i), b = find(j)
                    if a != b { parent[max(a, b)] = min(a, b) }
                } else {
                    firstWithKey[key] = i
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in documents.indices { groups[find(i), default: []].append(i) }
        for (_, members) in groups {
            let docs = members.map { documents[$0] }.sorted { a, b in
                // Latest first; byte-identical documents in several places: first read wins.
                if b.ranksBelow(a) { return true }
                if a.ranksBelow(b) { return false }
                return a.source < b.source
            }
            let distinct = Set(docs.map(\.content)).count
            duplicates += docs.count - distinct
            superseded += distinct - 1
            switch Self.assemble(docs) {
            case .success(let job): jobs.append(job)
            case .failure(let reject): rejects.append(reject)
            }
        }
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
