import Foundation

/// The recognised fields of one job-status document after normalisation: aliases of the two
/// vendor shapes merged, states normalised, times as instants, CU as exact decimals.
/// Two documents with equal content are duplicates of each other.
///
/// A million of these may be held at once, so absent times and numbers are marks rather than
/// optionals, compute units are packed into a word each, and the rarely present fields (an
/// unusual instance name, the log locations, CU too long to pack) share one optional box.
public struct DocumentContent: Sendable, Hashable {
    public var state: JobState
    /// Bits: 1 task, 2 run, 4 usual instance name, 8 assigned CU, 16 consumed CU.
    private var present: UInt8 = 0
    private var start = absentInstant
    private var update = absentInstant
    private var end = absentInstant
    private var task: Int64 = 0
    private var run: Int64 = 0
    private var assigned = PackedDecimal.boxed
    private var consumed = PackedDecimal.boxed
    /// Org, user, environment, task name and error message, pooled.
    var orgText = PooledText.none
    var userText = PooledText.none
    var environmentText = PooledText.none
    private var taskNameText = PooledText.none
    var errorText = PooledText.none
    /// The session log URL, held as a shared prefix and an inline job ID when usual.
    var sessionLink: SessionLogLink?
    private var rare: RareFields?

    /// Creates content with only a state; the other fields start absent.
    public init(state: JobState) { self.state = state }

    public var startTime: Instant? {
        get { start == absentInstant ? nil : start }
        set { start = newValue ?? absentInstant }
    }
    public var updateTime: Instant? {
        get { update == absentInstant ? nil : update }
        set { update = newValue ?? absentInstant }
    }
    public var endTime: Instant? {
        get { end == absentInstant ? nil : end }
        set { end = newValue ?? absentInstant }
    }
    public var codeTaskId: Int64? {
        get { present & 1 != 0 ? task : nil }
        set {
            task = newValue ?? 0
            present = newValue == nil ? present & ~1 : present | 1
        }
    }
    public var runId: Int64? {
        get { present & 2 != 0 ? run : nil }
        set {
            let name = instanceName
            run = newValue ?? 0
            present = newValue == nil ? present & ~2 : present | 2
            setInstanceName(name)
        }
    }
    public var orgId: String? {
        get { orgText.string }
        set { orgText = PooledText(newValue) }
    }
    public var startedBy: String? {
        get { userText.string }
        set { userText = PooledText(newValue) }
    }
    public var runtimeEnvId: String? {
        get { environmentText.string }
        set { environmentText = PooledText(newValue) }
    }
    public var errorMessage: String? {
        get { errorText.string }
        set { errorText = PooledText(newValue) }
    }
    public var codeTaskName: String? {
        get { taskNameText.string }
        set { codeTaskNameText = PooledText(newValue) }
    }
    /// The pooled task name; setting it keeps the instance name as it was.
    var codeTaskNameText: PooledText {
        get { taskNameText }
        set {
            let name = instanceName
            taskNameText = newValue
            setInstanceName(name)
        }
    }
    public var instanceName: String? {
        get { present & 4 != 0 ? Self.usualInstanceName(codeTaskName, runId) : rare?.instance }
        set { setInstanceName(newValue) }
    }
    public var assignedCU: Decimal? {
        get { present & 8 == 0 ? nil : assigned.value ?? rare?.assigned }
        set {
            let (word, boxed) = pack(newValue, bit: 8)
            assigned = word
            if boxed != nil || rare?.assigned != nil { updateRare { $0.assigned = boxed } }
        }
    }
    /// nil for a Secure Agent (non-serverless) job.
    public var consumedCU: Decimal? {
        get { present & 16 == 0 ? nil : consumed.value ?? rare?.consumed }
        set {
            let (word, boxed) = pack(newValue, bit: 16)
            consumed = word
            if boxed != nil || rare?.consumed != nil { updateRare { $0.consumed = boxed } }
        }
    }

    /// Sets the assigned CU from its packed word (not `boxed`).
    mutating func setAssignedCU(_ word: PackedDecimal) {
        present |= 8
        assigned = word
        if rare?.assigned != nil { updateRare { $0.assigned = nil } }
    }

    /// Sets the consumed CU from its packed word (not `boxed`).
    mutating func setConsumedCU(_ word: PackedDecimal) {
        present |= 16
        consumed = word
        if rare?.consumed != nil { updateRare { $0.consumed = nil } }
    }

    /// Adds the consumed CU, when present, to `sum`.
    func addConsumedCU(to sum: inout DecimalSum) {
        guard present & 16 != 0 else { return }
        sum.add(consumed, boxed: rare!.consumed!)
    }

    /// Appends the UTF-8 of `instanceName`, nothing when it is absent.
    func appendInstanceName(to bytes: inout [UInt8]) {
        guard present & 4 != 0 else {
            if let name = rare?.instance { bytes.append(contentsOf: name.utf8) }
            return
        }
        // `usualInstanceName`: `<task name>-<run ID>`.
        guard taskNameText != .none, let run = runId else { return }
        taskNameText.append(to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendInteger(run, to: &bytes)
    }

    /// `<task name>-<run ID>`, the vendor's usual instance name.
    static func usualInstanceName(_ task: String?, _ run: Int64?) -> String? {
        guard let task, let run else { return nil }
        return task + "-" + String(run)
    }

    /// Stores `name`, as a mark when it is the usual one: one form for one value, so that
    /// equal contents compare equal.
    private mutating func setInstanceName(_ name: String?) {
        if let name, name == Self.usualInstanceName(codeTaskName, runId) {
            present |= 4
            updateRare { $0.instance = nil }
        } else {
            present &= ~4
            if name != nil || rare != nil { updateRare { $0.instance = name } }
        }
    }

    /// Marks the instance name as the usual `<codeTaskName>-<runId>` (the caller checked it).
    mutating func setUsualInstanceName() {
        present |= 4
        if rare?.instance != nil { updateRare { $0.instance = nil } }
    }

    /// Marks `value` present or absent in `bit` and packs it into a word; a value that does
    /// not fit comes back to be kept in the box.
    private mutating func pack(_ value: Decimal?, bit: UInt8) -> (PackedDecimal, boxed: Decimal?) {
        guard let value else {
            present &= ~bit
            return (.boxed, nil)
        }
        present |= bit
        if let word = PackedDecimal(value) { return (word, nil) }
        return (.boxed, value)
    }

    public var sessionLogUrl: String? {
        get { sessionLink?.url }
        set { sessionLink = newValue.map(SessionLogLink.init) }
    }
    public var agentJobLogUrl: String? {
        get { rare?.agentJobLogUrl }
        set { if newValue != nil || rare != nil { updateRare { $0.agentJobLogUrl = newValue } } }
    }
    public var advancedLogLocation: String? {
        get { rare?.advancedLogLocation }
        set { if newValue != nil || rare != nil { updateRare { $0.advancedLogLocation = newValue } } }
    }
    public var advancedLogDownloadUrl: String? {
        get { rare?.advancedLogDownloadUrl }
        set { if newValue != nil || rare != nil { updateRare { $0.advancedLogDownloadUrl = newValue } } }
    }

    /// Replaces the box with a changed copy (none when every rare field is absent). Setters
    /// that clear a field skip it when there is no box, as most documents have none.
    private mutating func updateRare(_ change: (inout RareFields.Values) -> Void) {
        var values = rare?.values ?? RareFields.Values()
        change(&values)
        rare = values.isEmpty ? nil : RareFields(values)
    }

    // Compute units compare and hash by value, as `Decimal` does (`1.0` equals `1.00`).
    public static func == (a: Self, b: Self) -> Bool {
        a.state == b.state && a.present == b.present && a.start == b.start && a.update == b.update && a.end == b.end && a.task == b.task
            && a.run == b.run && a.orgText == b.orgText && a.userText == b.userText && a.environmentText == b.environmentText
            && a.taskNameText == b.taskNameText && a.errorText == b.errorText && a.sessionLink == b.sessionLink
            && a.rare?.instance == b.rare?.instance && a.agentJobLogUrl == b.agentJobLogUrl && a.advancedLogLocation == b.advancedLogLocation
            && a.advancedLogDownloadUrl == b.advancedLogDownloadUrl
            && (a.assigned == b.assigned || a.assignedCU == b.assignedCU) && (a.consumed == b.consumed || a.consumedCU == b.consumedCU)
    }

    public func hash(into h: inout Hasher) {
        h.combine(state)
        h.combine(present)
        h.combine(start)
        h.combine(update)
        h.combine(end)
        h.combine(task)
        h.combine(run)
        h.combine(orgText)
        h.combine(userText)
        h.combine(environmentText)
        h.combine(taskNameText)
        h.combine(errorText)
        h.combine(sessionLink)
        h.combine(rare?.instance)
        h.combine(agentJobLogUrl)
        h.combine(advancedLogLocation)
        h.combine(advancedLogDownloadUrl)
        h.combine(assignedCU)
        h.combine(consumedCU)
    }
}

/// No timestamp from year 0000 to 9999 comes near it.
private let absentInstant = Instant.min

/// The fields a document rarely carries, boxed so that absent ones cost one word.
private final class RareFields: Sendable {
    struct Values: Sendable {
        /// An instance name that is not the usual `<codeTaskName>-<runId>`.
        var instance: String?
        var agentJobLogUrl: String?
        var advancedLogLocation: String?
        var advancedLogDownloadUrl: String?
        /// Compute units too long to pack into a word.
        var assigned: Decimal?
        var consumed: Decimal?

        var isEmpty: Bool {
            instance == nil && agentJobLogUrl == nil && advancedLogLocation == nil && advancedLogDownloadUrl == nil && assigned == nil
                && consumed == nil
        }
    }

    let values: Values

    init(_ values: Values) { self.values = values }

    var instance: String? { values.instance }
    var agentJobLogUrl: String? { values.agentJobLogUrl }
    var advancedLogLocation: String? { values.advancedLogLocation }
    var advancedLogDownloadUrl: String? { values.advancedLogDownloadUrl }
    var assigned: Decimal? { values.assigned }
    var consumed: Decimal? { values.consumed }
}

/// The two keys that identify a job across polls.
public enum JobKey: Sendable, Hashable {
    /// `(orgId, codeTaskId, runId)`.
    case run(org: String, task: Int64, run: Int64)
    /// The 22-character job ID.
    case jobId(String)
}

/// A job key as the ledger hashes and compares it: the org as a pooled number and a job ID
/// inline when short, so that looking a document up allocates nothing.
enum LedgerKey: Sendable, Hashable {
    case run(org: PooledText, task: Int64, run: Int64)
    case shortJob(ShortText)
    case longJob(String)

    /// The key of the job ID `id`, in one form whatever it was read from.
    static func job(_ id: String) -> LedgerKey {
        var copy = id
        return copy.withUTF8 { ShortText($0) }.map(LedgerKey.shortJob) ?? .longJob(id)
    }
}

/// One usable document: its content plus what the fetch envelope added and where it came from.
public final class JobDocument: Sendable {
    public let content: DocumentContent
    /// What a fetch envelope added; nil for a plain document.
    private let envelope: Envelope?
    public let source: SourceLocation
    /// The document's own JSON text, trimmed; the last tie-breaker of latest-wins.
    public let textRef: DocumentText

    /// Creates a document.
    public init(
        content: DocumentContent,
        envelopeOrgId: String?,
        fetchedAt: Instant?,
        envelopeJobId: String?,
        source: SourceLocation,
        text: DocumentText
    ) {
        self.content = content
        self.envelope =
            envelopeOrgId == nil && fetchedAt == nil && envelopeJobId == nil
            ? nil : Envelope(orgId: envelopeOrgId, fetchedAt: fetchedAt, jobId: envelopeJobId)
        self.source = source
        self.textRef = text
    }

    /// The envelope's `orgId`, used when the document has none.
    public var envelopeOrgId: String? { envelope?.orgId }
    /// The envelope's `fetchedAt`.
    public var fetchedAt: Instant? { envelope?.fetchedAt }
    /// The envelope's `jobId` (the document's own job ID comes from its `sessionLogUrl`).
    public var envelopeJobId: String? { envelope?.jobId }

    /// Boxed: most documents have no envelope, and then it costs one word.
    private final class Envelope: Sendable {
        let orgId: String?
        let fetchedAt: Instant?
        let jobId: String?

        init(orgId: String?, fetchedAt: Instant?, jobId: String?) {
            self.orgId = orgId
            self.fetchedAt = fetchedAt
            self.jobId = jobId
        }
    }

    /// The same document found at another place.
    public func withSource(_ source: SourceLocation) -> JobDocument {
        JobDocument(content: content, envelopeOrgId: envelopeOrgId, fetchedAt: fetchedAt, envelopeJobId: envelopeJobId, source: source, text: textRef)
    }

    /// Whether the two documents agree in everything latest-wins and the job's fields can
    /// see: content, envelope org, `fetchedAt` and job ID (only text and place may differ).
    func sameFields(as other: JobDocument) -> Bool {
        fetchedAt == other.fetchedAt && envelopeOrgId == other.envelopeOrgId && envelopeJobId == other.envelopeJobId && content == other.content
    }

    /// From `sessionLogUrl`, else the envelope's `jobId` (derived, not stored: memory).
    public var jobId: String? { content.sessionLink?.jobId ?? envelopeJobId }

    /// The document's JSON text (read back from its file when it was streamed).
    public var text: String { textRef.string }

    /// The document's org: its own, else its envelope's.
    public var orgId: String? { content.orgId ?? envelopeOrgId }

    /// The run key, when org, task and run are all known.
    public var runKey: JobKey? {
        guard let org = orgId, let task = content.codeTaskId, let run = content.runId else { return nil }
        return .run(org: org, task: task, run: run)
    }

    /// `runKey` as the ledger keeps it.
    var ledgerRunKey: LedgerKey? {
        guard let task = content.codeTaskId, let run = content.runId else { return nil }
        let org = content.orgText != .none ? content.orgText : PooledText(envelopeOrgId)
        guard org != .none else { return nil }
        return .run(org: org, task: task, run: run)
    }

    /// The key of `jobId` as the ledger keeps it.
    var ledgerJobKey: LedgerKey? {
        if case .usual(_, let id)? = content.sessionLink { return .shortJob(id) }
        return jobId.map(LedgerKey.job)
    }

    /// The keys this document carries (zero, one or two).
    public var keys: [JobKey] {
        var k: [JobKey] = []
        if let r = runKey { k.append(r) }
        if let j = jobId { k.append(.jobId(j)) }
        return k
    }

    /// Latest-wins order: true when `self` ranks below `other` (SPEC 1.3). A terminal state
    /// beats a non-terminal one, then update, end and start time, then `fetchedAt` (absent
    /// before present), then the document text byte-wise.
    public func ranksBelow(_ other: JobDocument) -> Bool { Self.rank(self, other) < 0 }

    /// Latest-wins order as a three-way comparison: negative when `a` ranks below `b`, zero
    /// when neither does, positive when `b` ranks below `a`. The texts, which may have to be
    /// read back from their file, are compared once.
    static func rank(_ a: JobDocument, _ b: JobDocument) -> Int {
        let x = a.content, y = b.content
        if x.state.isTerminal != y.state.isTerminal { return x.state.isTerminal ? 1 : -1 }
        for (p, q) in [(x.updateTime, y.updateTime), (x.endTime, y.endTime), (x.startTime, y.startTime), (a.fetchedAt, b.fetchedAt)] where p != q {
            guard let p else { return -1 }
            guard let q else { return 1 }
            return p < q ? -1 : 1
        }
        return DocumentText.compare(a.textRef, b.textRef)
    }
}

/// Extracts the job ID from a session log URL ending in `…/jobs/<job ID>/logs`.
public func jobId(fromSessionLogUrl url: String) -> String? {
    // Fast path for the usual `…/jobs/<id>/logs` with nothing after it, on the bytes.
    let fast: String?? = url.utf8.withContiguousStorageIfAvailable { u in
        usualJobIdRange(u).map { String(decoding: UnsafeBufferPointer(rebasing: u[$0]), as: UTF8.self) }
    }
    if let fast, let id = fast { return id }
    var parts = url.split(separator: "/", omittingEmptySubsequences: true)
    if let last = parts.last, let q = last.firstIndex(where: { $0 == "?" || $0 == "#" }) {
        parts[parts.count - 1] = last[..<q]
    }
    guard parts.count >= 3, parts[parts.count - 1] == "logs", parts[parts.count - 3] == "jobs" else { return nil }
    let id = parts[parts.count - 2]
    return id.isEmpty ? nil : String(id)
}
