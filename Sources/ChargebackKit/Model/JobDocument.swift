import Foundation

/// The recognised fields of one job-status document after normalisation: aliases of the two
/// vendor shapes merged, states normalised, times as instants, CU as exact decimals.
/// Two documents with equal content are duplicates of each other.
///
/// A million of these may be held at once, so absent times and numbers are marks rather than
/// optionals, and the three rarely present log locations share one optional box.
public struct DocumentContent: Sendable, Hashable {
    public var state: JobState
    private var start = absentInstant
    private var update = absentInstant
    private var end = absentInstant
    private var task: Int64 = 0
    private var run: Int64 = 0
    private var present: UInt8 = 0
    public var orgId: String?
    public var startedBy: String?
    public var runtimeEnvId: String?
    private var taskName: String?
    /// The instance name when it is not the usual `<codeTaskName>-<runId>` (bit 4 of `present`).
    private var instance: String?
    public var errorMessage: String?
    /// The session log URL, held as a shared prefix and an inline job ID when usual.
    var sessionLink: SessionLogLink?
    private var logs: LogLocations?
    public var assignedCU: Decimal?
    public var consumedCU: Decimal?

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
    public var codeTaskName: String? {
        get { taskName }
        set {
            let name = instanceName
            taskName = newValue
            setInstanceName(name)
        }
    }
    public var instanceName: String? {
        get { present & 4 != 0 ? Self.usualInstanceName(taskName, runId) : instance }
        set { setInstanceName(newValue) }
    }

    /// `<task name>-<run ID>`, the vendor's usual instance name.
    static func usualInstanceName(_ task: String?, _ run: Int64?) -> String? {
        guard let task, let run else { return nil }
        return task + "-" + String(run)
    }

    /// Stores `name`, as a mark when it is the usual one: one form for one value, so that
    /// equal contents compare equal.
    private mutating func setInstanceName(_ name: String?) {
        if let name, name == Self.usualInstanceName(taskName, runId) {
            instance = nil
            present |= 4
        } else {
            instance = name
            present &= ~4
        }
    }

    /// Marks the instance name as the usual `<codeTaskName>-<runId>` (the caller checked it).
    mutating func setUsualInstanceName() {
        instance = nil
        present |= 4
    }
    public var sessionLogUrl: String? {
        get { sessionLink?.url }
        set { sessionLink = newValue.map(SessionLogLink.init) }
    }
    public var agentJobLogUrl: String? {
        get { logs?.agentJobLogUrl }
        set { setLogs(newValue, logs?.advancedLogLocation, logs?.advancedLogDownloadUrl) }
    }
    public var advancedLogLocation: String? {
        get { logs?.advancedLogLocation }
        set { setLogs(logs?.agentJobLogUrl, newValue, logs?.advancedLogDownloadUrl) }
    }
    public var advancedLogDownloadUrl: String? {
        get { logs?.advancedLogDownloadUrl }
        set { setLogs(logs?.agentJobLogUrl, logs?.advancedLogLocation, newValue) }
    }

    private mutating func setLogs(_ a: String?, _ b: String?, _ c: String?) {
        logs = a == nil && b == nil && c == nil ? nil : LogLocations(agentJobLogUrl: a, advancedLogLocation: b, advancedLogDownloadUrl: c)
    }
}

/// No timestamp from year 0000 to 9999 comes near it.
private let absentInstant = Instant.min

/// The log locations a document rarely carries, boxed so that absent ones cost one word.
private final class LogLocations: Sendable, Hashable {
    let agentJobLogUrl: String?
    let advancedLogLocation: String?
    let advancedLogDownloadUrl: String?

    init(agentJobLogUrl: String?, advancedLogLocation: String?, advancedLogDownloadUrl: String?) {
        self.agentJobLogUrl = agentJobLogUrl
        self.advancedLogLocation = advancedLogLocation
        self.advancedLogDownloadUrl = advancedLogDownloadUrl
    }

    static func == (a: LogLocations, b: LogLocations) -> Bool {
        a.agentJobLogUrl == b.agentJobLogUrl && a.advancedLogLocation == b.advancedLogLocation && a.advancedLogDownloadUrl == b.advancedLogDownloadUrl
    }

    func hash(into h: inout Hasher) {
        h.combine(agentJobLogUrl)
        h.combine(advancedLogLocation)
        h.combine(advancedLogDownloadUrl)
    }
}

/// The two keys that identify a job across polls.
public enum JobKey: Sendable, Hashable {
    /// `(orgId, codeTaskId, runId)`.
    case run(org: String, task: Int64, run: Int64)
    /// The 22-character job ID.
    case jobId(String)
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
    public func ranksBelow(_ other: JobDocument) -> Bool {
        let a = content, b = other.content
        if a.state.isTerminal != b.state.isTerminal { return !a.state.isTerminal }
        for (x, y) in [(a.updateTime, b.updateTime), (a.endTime, b.endTime), (a.startTime, b.startTime), (fetchedAt, other.fetchedAt)] where x != y {
            guard let x else { return true }
            guard let y else { return false }
            return x < y
        }
        return textRef.precedes(other.textRef)
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
