import Foundation

/// One job, assembled from its latest document with gaps filled from its other documents.
public struct JobRecord: Sendable {
    public var jobId: String?
    public var orgId: String
    public var user: String
    public var runtimeEnvId: String
    public var codeTaskId: Int64?
    public var codeTaskName: String?
    public var instanceName: String?
    public var runId: Int64?
    public var state: JobState
    public var startTime: Instant
    /// True when the start time is the earliest `fetchedAt` of the job's envelopes.
    public var startEstimated: Bool
    public var endTime: Instant?
    public var errorMessage: String?
    public var sessionLogUrl: String?
    public var assignedCU: Decimal?
    /// nil for a Secure Agent (non-serverless) job.
    public var consumedCU: Decimal?
    /// Where the winning document came from.
    public var source: SourceLocation

    /// `end − start` in milliseconds, for terminal jobs with both times (not estimated).
    public var durationMilliseconds: Int64? {
        guard state.isTerminal, !startEstimated, let end = endTime else { return nil }
        return end - startTime
    }
}

/// The placeholder for an org or user no document names.
public let unknownValue = "(unknown)"
