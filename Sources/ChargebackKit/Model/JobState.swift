/// The normalised state of a code-task job.
public enum JobState: String, Sendable, Hashable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// Succeeded, failed and cancelled jobs never change state again.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running: false
        }
    }

    /// Reads any vendor spelling, case-insensitively; nil for anything unknown.
    public init?(vendorSpelling text: String) {
        switch text.uppercased() {
        case "QUEUED", "STARTING": self = .queued
        case "RUNNING": self = .running
        case "SUCCEEDED", "SUCCESS", "COMPLETED": self = .succeeded
        case "FAILED": self = .failed
        case "CANCELLED", "CANCELED", "STOPPED": self = .cancelled
        default: return nil
        }
    }
}
