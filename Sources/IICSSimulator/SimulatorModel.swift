import Foundation

/// How one simulated request goes wrong. Faults of a job are used up in order, one per
/// JobStatus request; when they are used up the job answers normally.
public enum SimulatorFault: Sendable, Equatable {
    /// Answers with this status (and a `Retry-After` header when given).
    case status(Int, retryAfter: SimulatorRetryAfter? = nil)
    /// Closes the connection without answering.
    case drop
    /// Reads the request and never answers (until the client gives up).
    case hang
    /// Invalidates every session, then goes on: this request and every other one answered
    /// after it with an old session get 401 until the client logs in again.
    case expireSessions
    /// A 307 to the same URL on the same host.
    case redirectSameHost
    /// A 307 to the same path on `http://localhost:<other port>`: another host, whose
    /// listener records whether the session header reached it.
    case redirectOtherHost
}

/// The value of a `Retry-After` header.
public enum SimulatorRetryAfter: Sendable, Equatable {
    /// Whole seconds.
    case seconds(Int)
    /// An HTTP date this many seconds from now.
    case httpDate(secondsFromNow: Int)
}

/// A job the simulator knows.
public struct SimulatorJob: Sendable {
    /// The 22-character job ID.
    public var id: String
    /// The JobStatus answers in order, one per successful poll; the last one repeats.
    public var documents: [String]
    /// Faults to inject, one per request, before the job answers normally.
    public var faults: [SimulatorFault]

    /// Creates a job.
    public init(id: String, documents: [String], faults: [SimulatorFault] = []) {
        self.id = id
        self.documents = documents
        self.faults = faults
    }
}

/// What the simulator accepts and how it behaves.
public struct SimulatorConfiguration: Sendable {
    /// The user name the login accepts.
    public var username = "demo@example.com"
    /// The password the login accepts (a made-up one: this is a simulator).
    public var password = "demo-password"
    /// The org that logins return.
    public var orgId = "kuJVH54wm6gfhVj4QEdboY"
    /// Seconds before each JobStatus answer (faults that answer at once excepted).
    public var responseDelay = 0.0
    /// Every session is refused (401), even one that a login has just returned.
    public var refuseEverySession = false
    /// Sessions valid from the start, for clients given `IICS_SESSION_ID`.
    public var sessions: [String] = []

    /// The defaults.
    public init() {}
}

/// What the simulator has seen, for tests.
public struct SimulatorStatistics: Sendable {
    /// JobStatus requests received.
    public var jobStatusRequests = 0
    /// The largest number of JobStatus requests in flight at once.
    public var maxInFlight = 0
    /// Successful logins.
    public var logins = 0
    /// Logins refused for wrong credentials.
    public var refusedLogins = 0
    /// JobStatus requests per job.
    public var attempts: [String: Int] = [:]
    /// When each JobStatus request of a job arrived (seconds on a monotonic clock).
    public var attemptTimes: [String: [Double]] = [:]
    /// JobStatus requests that carried no `IDS-SESSION-ID` header.
    public var requestsWithoutSession = 0
    /// JobStatus requests without `Accept: application/json`.
    public var requestsWithoutAccept = 0
    /// 401 answers.
    public var unauthorized = 0
    /// Requests that reached the other host.
    public var otherHostRequests = 0
    /// Requests that reached the other host with an `IDS-SESSION-ID` header.
    public var otherHostSessionHeaders = 0
    /// Every session ID a login returned.
    public var issuedSessions: [String] = []
}

/// Monotonic seconds.
func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
