import Foundation

/// The recognised fields of one job-status document after normalisation: aliases of the two
/// vendor shapes merged, states normalised, times as instants, CU as exact decimals.
/// Two documents with equal content are duplicates of each other.
public struct DocumentContent: Sendable, Hashable {
    public var state: JobState
    public var startTime: Instant?
    public var updateTime: Instant?
    public var endTime: Instant?
    public var orgId: String?
    public var startedBy: String?
    public var runtimeEnvId: String?
    public var codeTaskId: Int64?
    public var codeTaskName: String?
    public var runId: Int64?
    public var instanceName: String?
    public var errorMessage: String?
    public var sessionLogUrl: String?
    public var agentJobLogUrl: String?
    public var advancedLogLocation: String?
    public var advancedLogDownloadUrl: String?
    public var assignedCU: Decimal?
    public var consumedCU: Decimal?

    /// Creates content with only a state; the other fields start absent.
    public init(state: JobState) { self.state = state }
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
    /// The envelope's `orgId`, used when the document has none.
    public let envelopeOrgId: String?
    /// The envelope's `fetchedAt`.
    public let fetchedAt: Instant?
    /// The envelope's `jobId` (the document's own job ID comes from its `sessionLogUrl`).
    public let envelopeJobId: String?
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
        self.envelopeOrgId = envelopeOrgId
        self.fetchedAt = fetchedAt
        self.envelopeJobId = envelopeJobId
        self.source = source
        self.textRef = text
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
    public var jobId: String? { content.sessionLogUrl.flatMap(ChargebackKit.jobId(fromSessionLogUrl:)) ?? envelopeJobId }

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
    // Fast path for the usual `…/jobs/<id>/logs` with nothing after it.
    let u = url.utf8
    if u.last == UInt8(ascii: "s"), url.hasSuffix("/logs") {
        let body = url.utf8.dropLast(5)
        if let slash = body.lastIndex(of: UInt8(ascii: "/")) {
            let id = body[body.index(after: slash)...]
            let before = body[..<slash]
            if !id.isEmpty, before.count >= 5, before.suffix(5).elementsEqual("/jobs".utf8) || before.elementsEqual("jobs".utf8) {
                return String(Substring(id))
            }
        }
    }
    var parts = url.split(separator: "/", omittingEmptySubsequences: true)
    if let last = parts.last, let q = last.firstIndex(where: { $0 == "?" || $0 == "#" }) {
        parts[parts.count - 1] = last[..<q]
    }
    guard parts.count >= 3, parts[parts.count - 1] == "logs", parts[parts.count - 3] == "jobs" else { return nil }
    let id = parts[parts.count - 2]
    return id.isEmpty ? nil : String(id)
}
