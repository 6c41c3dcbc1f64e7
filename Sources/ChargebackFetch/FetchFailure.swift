import ChargebackKit
import Foundation

/// A job that could not be fetched, with the server's own message.
public struct FetchFailure: Sendable, Equatable {
    /// The job.
    public var jobId: String
    /// The last HTTP status received, if any.
    public var httpStatus: Int?
    /// Requests made for this fetch (redirects excluded).
    public var attempts: Int
    /// A stable code: `not_found`, `forbidden`, `bad_request`, `http_<status>`,
    /// `retries_exhausted`, `redirect_to_other_host`, `too_many_redirects`,
    /// `retry_after_too_long`, `not_a_json_object`.
    public var reason: String
    /// What went wrong, with the server's message.
    public var message: String

    /// Creates a failure record.
    public init(jobId: String, httpStatus: Int?, attempts: Int, reason: String, message: String) {
        self.jobId = jobId
        self.httpStatus = httpStatus
        self.attempts = attempts
        self.reason = reason
        self.message = message
    }

    /// The reason code of a status that is not retried.
    static func reason(forStatus status: Int) -> String {
        switch status {
        case 400: "bad_request"
        case 403: "forbidden"
        case 404: "not_found"
        default: "http_\(status)"
        }
    }
}

/// `DIR/fetch-<timestamp>.failures.csv`: `job_id,http_status,attempts,message`.
enum FailuresFile {
    static func render(_ failures: [FetchFailure]) -> [UInt8] {
        var csv = CSVWriter()
        csv.header(["job_id", "http_status", "attempts", "message"])
        for f in failures {
            csv.row([.text(f.jobId), .number(f.httpStatus.map(String.init) ?? ""), .number(String(f.attempts)), .text(f.message)])
        }
        return csv.bytes
    }
}
