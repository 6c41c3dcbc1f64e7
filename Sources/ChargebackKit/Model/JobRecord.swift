import Foundation

/// One job, assembled from its latest document with gaps filled from its other documents.
public final class JobRecord: Sendable {
    /// The job ID when it is not the one in `sessionLogUrl` (nil: derive it from there, so
    /// that a million jobs do not hold a second copy of it).
    private let explicitJobId: String??
    public let orgId: String
    public let user: String
    public let runtimeEnvId: String
    public let codeTaskId: Int64?
    public let codeTaskName: String?
    /// The instance name when it is not the usual `<codeTaskName>-<runId>` (nil: build it).
    private let explicitInstanceName: String??
    public let runId: Int64?
    public let state: JobState
    public let startTime: Instant
    /// True when the start time is the earliest `fetchedAt` of the job's envelopes.
    public let startEstimated: Bool
    public let endTime: Instant?
    public let errorMessage: String?
    private let sessionLink: SessionLogLink?
    public let assignedCU: Decimal?
    /// nil for a Secure Agent (non-serverless) job.
    public let consumedCU: Decimal?
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
        self.init(
            jobId: jobId, orgId: orgId, user: user, runtimeEnvId: runtimeEnvId, codeTaskId: codeTaskId, codeTaskName: codeTaskName,
            instanceName: instanceName, runId: runId, state: state, startTime: startTime, startEstimated: startEstimated, endTime: endTime,
            errorMessage: errorMessage, sessionLink: sessionLogUrl.map(SessionLogLink.init), assignedCU: assignedCU, consumedCU: consumedCU,
            source: source)
    }

    /// Creates a job record with the session log URL as its documents hold it.
    init(
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
        sessionLink: SessionLogLink?,
        assignedCU: Decimal?,
        consumedCU: Decimal?,
        source: SourceLocation
    ) {
        self.explicitJobId = jobId == sessionLink?.jobId ? .none : .some(jobId)
        self.orgId = orgId
        self.user = user
        self.runtimeEnvId = runtimeEnvId
        self.codeTaskId = codeTaskId
        self.codeTaskName = codeTaskName
        self.explicitInstanceName =
            instanceName != nil && instanceName == DocumentContent.usualInstanceName(codeTaskName, runId) ? .none : .some(instanceName)
        self.runId = runId
        self.state = state
        self.startTime = startTime
        self.startEstimated = startEstimated
        self.endTime = endTime
        self.errorMessage = errorMessage
        self.sessionLink = sessionLink
        self.assignedCU = assignedCU
        self.consumedCU = consumedCU
        self.source = source
    }

    /// The 22-character job ID, when known.
    public var jobId: String? {
        if let explicit = explicitJobId { return explicit }
        return sessionLink?.jobId
    }

    public var instanceName: String? {
        if let explicit = explicitInstanceName { return explicit }
        return DocumentContent.usualInstanceName(codeTaskName, runId)
    }

    /// The session log URL, as written.
    public var sessionLogUrl: String? { sessionLink?.url }

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
        switch explicitJobId {
        case .some(let explicit): if let explicit { bytes.append(contentsOf: explicit.utf8) }
        case .none: sessionLink?.appendJobId(to: &bytes)
        }
    }

    /// Appends the UTF-8 of `instanceName`, nothing when it is absent.
    func appendInstanceName(to bytes: inout [UInt8]) {
        switch explicitInstanceName {
        case .some(let explicit): if let explicit { bytes.append(contentsOf: explicit.utf8) }
        case .none:
            // `DocumentContent.usualInstanceName`: `<task name>-<run ID>`.
            guard let task = codeTaskName, let run = runId else { return }
            bytes.append(contentsOf: task.utf8)
            bytes.append(UInt8(ascii: "-"))
            appendInteger(run, to: &bytes)
        }
    }

    /// Appends the UTF-8 of `sessionLogUrl`, nothing when it is absent.
    func appendSessionLogUrl(to bytes: inout [UInt8]) {
        sessionLink?.appendURL(to: &bytes)
    }
}

/// The placeholder for an org or user no document names.
public let unknownValue = "(unknown)"
