import Foundation

/// An IICS session as the requests use it.
struct Session: Sendable {
    var id: Secret
    /// The org of the session, known after a login.
    var orgId: String?
    /// Increases with every new session, so a 401 can tell whether it concerns the
    /// current session or one that was already replaced.
    var generation: Int
    /// Obtained by a login of this run (not given by the user).
    var fromLogin: Bool
}

/// Holds the current session and renews it on 401 (SPEC 5.2): one login shared by every
/// request in flight, and a 401 on a session that a login has just produced (before any
/// request succeeded with it) fails the run instead of looping.
actor SessionManager {
    private var current: Session
    /// The current session has been accepted at least once.
    private var confirmed = false
    private var renewal: Task<Session, Error>?
    private let login: (@Sendable () async throws -> LoginResult)?
    private let origin: String
    /// Logins made after the first session (re-logins on 401).
    private(set) var renewals = 0

    init(initial: Session, origin: String, login: (@Sendable () async throws -> LoginResult)?) {
        current = initial
        self.origin = origin
        self.login = login
    }

    /// The session to use for the next request.
    func session() -> Session { current }

    /// Records that a request with `generation` was not refused.
    func confirm(_ generation: Int) {
        if generation == current.generation { confirmed = true }
    }

    /// Called on a 401 for a request that used `generation`: returns the session to retry
    /// with, or throws when the run cannot go on.
    func unauthorized(_ generation: Int) async throws -> Session {
        if generation < current.generation { return current }
        if let renewal { return try await renewal.value }
        if current.fromLogin, !confirmed {
            throw FetchError.sessionRejected(
                message:
                    "IICS refused the session that the login has just returned (HTTP 401); check that --login-url and --server-url belong to the same region and org"
            )
        }
        guard let login else {
            throw FetchError.sessionRejected(
                message: "IICS refused the session from \(origin) (HTTP 401: expired or invalid); get a new session ID, "
                    + "or set IICS_USERNAME and IICS_PASSWORD and pass --login-url so that chargeback can log in again")
        }
        let next = current.generation + 1
        let previousOrg = current.orgId
        let task = Task { () async throws -> Session in
            let r = try await login()
            return Session(id: r.sessionId, orgId: r.orgId ?? previousOrg, generation: next, fromLogin: true)
        }
        renewal = task
        do {
            let s = try await task.value
            renewal = nil
            current = s
            confirmed = false
            renewals += 1
            return s
        } catch {
            renewal = nil
            throw error
        }
    }
}

/// What a login returns.
struct LoginResult: Sendable {
    var sessionId: Secret
    var orgId: String?
}
