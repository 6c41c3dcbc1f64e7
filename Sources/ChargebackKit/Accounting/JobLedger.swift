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
        let order = JobDocument.rank(a, b)
        if order != 0 { return order > 0 }
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
        // Texts are taken as pooled numbers: as strings, each would be pooled again.
        func firstText(_ field: (DocumentContent) -> PooledText) -> PooledText? {
            first { field($0.content) != .none ? field($0.content) : nil }
        }
        var c = DocumentContent(state: winner.content.state)
        // A document's org is its own, else its envelope's.
        c.orgText = .unknown
        for d in docs {
            if d.content.orgText != .none {
                c.orgText = d.content.orgText
                break
            }
            if let org = d.envelopeOrgId {
                c.orgId = org
                break
            }
        }
        c.userText = firstText(\.userText) ?? .unknown
        c.environmentText = firstText(\.environmentText) ?? .unknown
        c.codeTaskId = first { $0.content.codeTaskId }
        c.codeTaskNameText = firstText(\.codeTaskNameText) ?? .none
        c.runId = first { $0.content.runId }
        c.instanceName = first { $0.content.instanceName }
        c.startTime = startTime
        c.endTime = end
        c.errorText = firstText(\.errorText) ?? .none
        c.sessionLink = first { $0.content.sessionLink }
        c.assignedCU = first { $0.content.assignedCU }
        c.consumedCU = first { $0.content.consumedCU }
        return .success(JobRecord(content: c, jobId: first(\.jobId), startEstimated: estimated, source: winner.source))
    }

    /// Assembles a job that has one document: its content is taken as it is, with the
    /// defaults filled in (the same record `assemble([doc])` builds, without a new string).
    static func assemble(single doc: JobDocument) -> Result<JobRecord, Reject> {
        var c = doc.content
        var estimated = false
        if c.startTime == nil {
            guard doc.fetchedAt != nil else { return assemble([doc]) }
            c.startTime = doc.fetchedAt
            estimated = true
        }
        if !estimated, let e = c.endTime, let s = c.startTime, e < s { return assemble([doc]) }
        // Absent texts are asked for as pooled numbers: reading them as strings would build one.
        if c.orgText == .none {
            if let org = doc.envelopeOrgId { c.orgId = org } else { c.orgText = .unknown }
        }
        if c.userText == .none { c.userText = .unknown }
        if c.environmentText == .none { c.environmentText = .unknown }
        return .success(JobRecord(single: c, envelopeJobId: doc.envelopeJobId, startEstimated: estimated, source: doc.source))
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
    /// Which group each job key first named. The keys themselves are not stored: every key
    /// of a group is a key of one of its kept documents, where a lookup checks it.
    private var keyGroups = KeyTable()
    /// Documents added so far.
    public private(set) var documentCount = 0

    /// An empty ledger.
    public init() {}

    /// Adds documents. They are taken sixteen at a time: the table slots of a batch's keys
    /// are read first, all at once, so that their cache misses overlap instead of each add
    /// waiting for its own.
    public mutating func add(_ documents: [JobDocument]) {
        var start = documents.startIndex
        var keys: [DocumentKeys] = []
        keys.reserveCapacity(16)
        while start < documents.endIndex {
            let batch = start..<min(start + 16, documents.endIndex)
            keys.removeAll(keepingCapacity: true)
            for i in batch { keys.append(DocumentKeys(documents[i])) }
            // A short loop of independent reads, so that the processor has them all in flight.
            var touched: UInt64 = 0
            for k in keys { touched &+= keyGroups.slot(hash: k.runHash) &+ keyGroups.slot(hash: k.jobHash) }
            keepReads(touched)
            for (k, i) in batch.enumerated() { add(documents[i], keys[k]) }
            start = batch.upperBound
        }
    }

    /// Adds one document to the job its keys name, joining jobs it links.
    public mutating func add(_ doc: JobDocument) {
        add(doc, DocumentKeys(doc))
    }

    /// A document's ledger keys and their hashes (0 for an absent key).
    private struct DocumentKeys {
        let run: LedgerKey?
        let job: LedgerKey?
        let runHash: Int
        let jobHash: Int

        init(_ doc: JobDocument) {
            run = doc.ledgerRunKey
            job = doc.ledgerJobKey
            runHash = run?.hashValue ?? 0
            jobHash = job?.hashValue ?? 0
        }
    }

    /// `add(_:)` with the document's keys taken.
    private mutating func add(_ doc: JobDocument, _ keys: DocumentKeys) {
        documentCount += 1
        let runKey = keys.run, jobKey = keys.job
        let runHash = keys.runHash, jobHash = keys.jobHash
        var root: Int?
        var runFound = false, jobFound = false
        if let runKey, let g = lookup(runKey, hash: runHash) {
            root = g
            runFound = true
        }
        if let jobKey, let g = lookup(jobKey, hash: jobHash) {
            root = root.map { $0 == g ? g : union($0, g) } ?? g
            jobFound = true
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
        if runKey != nil && !runFound { keyGroups.insert(hash: runHash, group: target) }
        if jobKey != nil && !jobFound { keyGroups.insert(hash: jobHash, group: target) }
        counts[target] += 1
        keep(doc, in: target)
    }

    /// The jobs, with the duplicate and superseded counts. Each group's documents are let go
    /// once its job is assembled, so documents and jobs are not all held at once. With several
    /// threads, ranges of groups are assembled in parallel and joined in order, so the result
    /// does not depend on the number of threads.
    public mutating func finish(threads: Int = 1) -> JobLedger {
        let count = firsts.count
        let chunks = threads > 1 && count >= 10_000 ? threads * 4 : 1
        let parent = self.parent, counts = self.counts, more = self.more
        self.more = [:]
        @Sendable func groups(of k: Int) -> Range<Int> { (count * k / chunks)..<(count * (k + 1) / chunks) }
        // Each range's jobs are written straight into the result, from where its roots start;
        // the few places left by rejected jobs are closed up afterwards by moving references.
        var starts: [Int] = []
        var roots = 0
        for k in 0..<chunks {
            starts.append(roots)
            for g in groups(of: k) where parent[g] == g && firsts[g] != nil { roots += 1 }
        }
        let regions = starts
        // Each range's rejects and counts, and how many jobs it wrote.
        let parts = LockedSlots<(part: JobLedger, written: Int)>(count: chunks)
        let jobs = [JobRecord](unsafeUninitializedCapacity: roots) { buffer, initialized in
            let target = JobSlots(base: buffer.baseAddress)
            firsts.withUnsafeMutableBufferPointer { firstsBuffer in
                let firsts = SharedDocuments(buffer: firstsBuffer)
                DispatchQueue.concurrentPerform(iterations: chunks) { k in
                    var part = JobLedger(jobs: [], rejects: [], duplicates: 0, superseded: 0)
                    var n = 0
                    for g in groups(of: k) where parent[g] == g {
                        // The document is moved out, not copied and cleared (no reference to
                        // count); a group of one document has no others to look up.
                        let slot = firsts.buffer.baseAddress! + g
                        guard let first = slot.move() else {
                            slot.initialize(to: nil)
                            continue
                        }
                        slot.initialize(to: nil)
                        let result: Result<JobRecord, Reject>
                        if counts[g] > 1, let others = more[g] {
                            let docs = ([first] + others).sorted(by: JobLedger.latestFirst)
                            // Kept documents differ in their fields, and so nearly always in their content.
                            let distinct = Set(docs.map(\.content)).count
                            part.duplicates += counts[g] - distinct
                            part.superseded += distinct - 1
                            result = JobLedger.assemble(docs)
                        } else {
                            part.duplicates += counts[g] - 1
                            result = JobLedger.assemble(single: first)
                        }
                        switch result {
                        case .success(let job):
                            (target.base! + regions[k] + n).initialize(to: job)
                            n += 1
                        case .failure(let reject): part.rejects.append(reject)
                        }
                    }
                    parts.store((part, n), at: k)
                }
            }
            var n = 0
            for (k, w) in parts.values().map(\.written).enumerated() {
                if starts[k] != n { (buffer.baseAddress! + n).moveInitialize(from: buffer.baseAddress! + starts[k], count: w) }
                n += w
            }
            initialized = n
        }
        var ledger = JobLedger(jobs: jobs, rejects: [], duplicates: 0, superseded: 0)
        for (part, _) in parts.values() {
            ledger.rejects += part.rejects
            ledger.duplicates += part.duplicates
            ledger.superseded += part.superseded
        }
        return ledger
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

    /// The root of the group `key` names, if any.
    private mutating func lookup(_ key: LedgerKey, hash: Int) -> Int? {
        var found: Int?
        keyGroups.probe(hash: hash) { g in
            let r = find(g)
            guard holds(key, r) else { return false }
            found = r
            return true
        }
        return found
    }

    /// Whether a kept document of root group `g` carries `key`.
    private func holds(_ key: LedgerKey, _ g: Int) -> Bool {
        func has(_ d: JobDocument) -> Bool {
            switch key {
            case .run: d.ledgerRunKey == key
            case .shortJob, .longJob: d.ledgerJobKey == key
            }
        }
        if let f = firsts[g], has(f) { return true }
        return more[g]?.contains(where: has) ?? false
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

/// Takes the sum of values read only to bring their memory into the cache, so that the
/// compiler keeps the reads. (The comparison is what makes them count; it is never true in
/// practice, and even then prints nothing.)
@inline(never) func keepReads(_ sum: UInt64) {
    if sum == 0x5EED_5EED_5EED_5EED { print("", terminator: "") }
}

/// An open-addressing table from key hashes to group numbers in 8-byte slots: the low 32 bits
/// of the hash (which place the slot, also after growing) and the group. The caller tells a
/// true match from a collision by looking at the group's documents, so a shortened hash
/// costs only the rare extra look.
struct KeyTable: Sendable {
    private var slots = [UInt64](repeating: 0, count: 1024)
    private var used = 0

    /// Calls `match` with the group of each slot of `hash` until it returns true.
    func probe(hash: Int, _ match: (Int) -> Bool) {
        let h = UInt32(truncatingIfNeeded: hash)
        let mask = slots.count - 1
        var i = Int(h) & mask
        while slots[i] != 0 {
            let slot = slots[i]
            if UInt32(truncatingIfNeeded: slot) == h, match(Int(slot >> 32) - 1) { return }
            i = (i + 1) & mask
        }
    }

    /// The first slot `hash` looks at: reading it brings it into the cache.
    @inline(__always) func slot(hash: Int) -> UInt64 {
        slots.withUnsafeBufferPointer { $0[Int(UInt32(truncatingIfNeeded: hash)) & ($0.count - 1)] }
    }

    /// Adds a slot for a key not in the table.
    mutating func insert(hash: Int, group: Int) {
        if (used + 1) * 4 > slots.count * 3 { grow() }
        place(UInt64(UInt32(group + 1)) << 32 | UInt64(UInt32(truncatingIfNeeded: hash)))
        used += 1
    }

    /// Stores a slot (never 0: groups are stored plus one).
    private mutating func place(_ slot: UInt64) {
        let mask = slots.count - 1
        var i = Int(UInt32(truncatingIfNeeded: slot)) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        for slot in old where slot != 0 { place(slot) }
    }
}

/// The uninitialised storage of the jobs, filled by worker threads at disjoint indices.
private struct JobSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<JobRecord>?
}

/// The kept documents, each slot cleared by the one thread that assembles its group.
private struct SharedDocuments: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<JobDocument?>
}

/// Folds documents into a ledger from several reading threads.
final class LedgerSink: @unchecked Sendable {
    private let lock = NSLock()
    private var builder = LedgerBuilder()
    private let threads: Int

    init(threads: Int = 1) { self.threads = threads }

    func add(_ documents: [JobDocument]) {
        lock.withLock { builder.add(documents) }
    }

    func finish() -> (ledger: JobLedger, documents: Int) {
        lock.withLock { (builder.finish(threads: threads), builder.documentCount) }
    }
}
