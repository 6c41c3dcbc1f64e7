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

    /// The session to use for the next request; while a renewal is under way, the new one
    /// (a request must not go out with a session already known to be refused).
    func session() async throws -> Session {
        if let renewal { return try await renewal.value }
        return current
    }

    /// Records that a request with `generation` was not refused.
    func confirm(_ generation: Int) {
        if generation == current.generation { confirmed = true }
    }

    /// Called on a 401 for a request that used `generation`, while the request still holds
    /// its permit: starts the renewal (or joins the one under way) at once, so that no
    /// queued request goes out with the refused session. Await the returned task (if any)
    /// after releasing the permit. Throws when the run cannot go on.
    func renewal(after generation: Int) throws -> Task<Session, Error>? {
        if generation < current.generation { return nil }
        if let renewal { return renewal }
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
            do {
                let r = try await login()
                let s = Session(id: r.sessionId, orgId: r.orgId ?? previousOrg, generation: next, fromLogin: true)
                self.install(s)
                return s
            } catch {
                self.abandonRenewal()
                throw error
            }
        }
        renewal = task
        return task
    }

    private func install(_ s: Session) {
        current = s
        confirmed = false
        renewals += 1
        renewal = nil
    }

    private func abandonRenewal() {
        renewal = nil
    }
}

/// What a login returns.
struct LoginResult: Sendable {
    var sessionId: Secret
    var orgId: String?
}
