import Foundation

/// One job, assembled from its latest document with gaps filled from its other documents.
///
/// It keeps the job's fields as one `DocumentContent` (a one-document job takes its
/// document's content as it is, without a new string), with org, user and environment
/// always filled in.
public final class JobRecord: Sendable {
    private let content: DocumentContent
    /// The job ID when the session log URL does not name it (an envelope's); nil when it is
    /// the one in the URL, or unknown.
    private let otherJobId: String?
    /// True when the start time is the earliest `fetchedAt` of the job's envelopes.
    public let startEstimated: Bool
    /// Where the winning document came from.
    public let source: SourceLocation

    /// Creates a job record.
    public convenience init(
        jobId: String?,
        orgId: String,
        user: String,
        runtimeEnvId: String,
        codeTaskId: Int64?,
        codeTaskName: String?,
        instanceName: String?,
        runId: Int64?,
        state: JobState,
        startTime: Instant,
        startEstimated: Bool,
        endTime: Instant?,
        errorMessage: String?,
        sessionLogUrl: String?,
        assignedCU: Decimal?,
        consumedCU: Decimal?,
        source: SourceLocation
    ) {
        var c = DocumentContent(state: state)
        c.orgId = orgId
        c.startedBy = user
        c.runtimeEnvId = runtimeEnvId
        c.codeTaskId = codeTaskId
        c.codeTaskName = codeTaskName
        c.runId = runId
        c.instanceName = instanceName
        c.startTime = startTime
        c.endTime = endTime
        c.errorMessage = errorMessage
        c.sessionLogUrl = sessionLogUrl
        c.assignedCU = assignedCU
        c.consumedCU = consumedCU
        self.init(content: c, jobId: jobId, startEstimated: startEstimated, source: source)
    }

    /// Creates a job record from merged content whose org, user, environment and start time
    /// are set; `jobId` is the job's ID.
    init(content: DocumentContent, jobId: String?, startEstimated: Bool, source: SourceLocation) {
        self.content = content
        self.otherJobId = jobId == content.sessionLink?.jobId ? nil : jobId
        self.startEstimated = startEstimated
        self.source = source
    }

    /// Creates a job record from the content of its one document, which the caller filled in;
    /// `envelopeJobId` is the document's envelope job ID.
    init(single content: DocumentContent, envelopeJobId: String?, startEstimated: Bool, source: SourceLocation) {
        self.content = content
        // The document's job ID is its URL's, else its envelope's.
        self.otherJobId = content.sessionLink?.namesJob == true ? nil : envelopeJobId
        self.startEstimated = startEstimated
        self.source = source
    }

    /// The 22-character job ID, when known.
    public var jobId: String? { otherJobId ?? content.sessionLink?.jobId }
    public var orgId: String { content.orgId ?? unknownValue }
    public var user: String { content.startedBy ?? unknownValue }
    public var runtimeEnvId: String { content.runtimeEnvId ?? unknownValue }
    public var codeTaskId: Int64? { content.codeTaskId }
    public var codeTaskName: String? { content.codeTaskName }
    public var instanceName: String? { content.instanceName }
    public var runId: Int64? { content.runId }
    public var state: JobState { content.state }
    public var startTime: Instant { content.startTime ?? 0 }
    public var endTime: Instant? { content.endTime }
    public var errorMessage: String? { content.errorMessage }
    public var assignedCU: Decimal? { content.assignedCU }
    /// nil for a Secure Agent (non-serverless) job.
    public var consumedCU: Decimal? { content.consumedCU }

    /// Org, user and environment as pooled texts (`none` only when not filled in, which
    /// reads as `unknownValue`).
    var orgText: PooledText { content.orgText }
    var userText: PooledText { content.userText }
    var environmentText: PooledText { content.environmentText }
    var codeTaskNameText: PooledText { content.codeTaskNameText }
    var errorText: PooledText { content.errorText }

    /// Adds the consumed CU, when present, to `sum`.
    func addConsumedCU(to sum: inout DecimalSum) { content.addConsumedCU(to: &sum) }

    /// The session log URL, as written.
    public var sessionLogUrl: String? { content.sessionLink?.url }

    /// `end − start` in milliseconds, for terminal jobs with both times (not estimated).
    public var durationMilliseconds: Int64? {
        guard state.isTerminal, !startEstimated, let end = endTime else { return nil }
        return end - startTime
    }
}

/// The derived fields written straight into a byte buffer: the CSV reporters write them for
/// every job, and building each as a `String` first allocates several times per row.
extension JobRecord {
    /// Appends the UTF-8 of `jobId`, nothing when it is absent.
    func appendJobId(to bytes: inout [UInt8]) {
        if let other = otherJobId {
            bytes.append(contentsOf: other.utf8)
        } else {
            content.sessionLink?.appendJobId(to: &bytes)
        }
    }

    /// Appends the UTF-8 of `instanceName`, nothing when it is absent.
    func appendInstanceName(to bytes: inout [UInt8]) {
        content.appendInstanceName(to: &bytes)
    }

    /// Appends the UTF-8 of `sessionLogUrl`, nothing when it is absent.
    func appendSessionLogUrl(to bytes: inout [UInt8]) {
        content.sessionLink?.appendURL(to: &bytes)
    }
}

/// The placeholder for an org or user no document names.
public let unknownValue = "(unknown)"

extension PooledText {
    /// `unknownValue`, pooled once: jobs without an org or a user are common (every Secure
    /// Agent job), and pooling the placeholder for each would take the pool's lock each time.
    static let unknown = PooledText(unknownValue)
}
