import ChargebackKit
import Foundation
import NIOHTTP1

/// The state a job-status answer reports (nil: missing or not a known state).
struct AnswerState: Sendable {
    var state: JobState?
}

/// One poll of one job, after retries.
enum PollResult: Sendable {
    /// A 200 answer whose body is a JSON object.
    case document(body: [UInt8], state: JobState?, orgId: String?, fetchedAt: Date)
    /// Not fetched; not retried further.
    case failed(FetchFailure)
}

/// The IICS REST calls with the behaviour of SPEC 5.2: retries with backoff and full
/// jitter, `Retry-After`, 401 → shared re-login, redirects within the same host only.
struct IICSClient: Sendable {
    let transport: HTTPTransport
    let policy: RetryPolicy
    let clock: FetchClock
    let counters: FetchCounters
    /// Redirects followed per request, at most.
    static let maxRedirects = 5

    // MARK: JobStatus

    /// Fetches the status of `jobId` once (with retries). Throws only when the whole run
    /// must stop (the session cannot be renewed, or the run was cancelled).
    func poll(_ jobId: String, serverURL: URL, sessions: SessionManager, limiter: RequestLimiter) async throws -> PollResult {
        var url = URL(string: serverURL.absoluteString + "/disnext/api/v1/CodeTask/JobStatus/" + jobId)!
        var attempts = 0
        var redirects = 0
        var lastStatus: Int?
        var lastProblem = ""
        func failure(_ reason: String, _ message: String) -> PollResult {
            .failed(FetchFailure(jobId: jobId, httpStatus: lastStatus, attempts: attempts, reason: reason, message: message))
        }
        while true {
            try await limiter.acquire()
            // Read the session once a permit is held: a request that waited in the queue
            // while the session was renewed must not go out with the old one.
            let session = try await sessions.session()
            attempts += 1
            var headers = [("Accept", "application/json")]
            // Belt and braces: redirects to another host are never followed (below), and the
            // header is only ever attached for the host the user named.
            if Self.sameOrigin(url, serverURL) { headers.append(("IDS-SESSION-ID", session.id.revealed)) }
            counters.requestStarted()
            let result = await transport.send(method: .GET, url: url, headers: headers)
            var renewal: Task<Session, Error>?
            if case .success(let x) = result, x.status == 401 {
                do {
                    renewal = try await sessions.renewal(after: session.generation)
                } catch {
                    await limiter.release()
                    throw error
                }
            }
            await limiter.release()
            try Task.checkCancellation()
            let delay: Double
            let kind: String
            switch result {
            case .failure(let f):
                lastStatus = nil
                lastProblem = f.message
                kind = f.kind
                delay = policy.backoff(retry: attempts)
            case .success(let x):
                lastStatus = x.status
                if x.status != 401, x.status < 500 { await sessions.confirm(session.generation) }
                switch x.status {
                case 200:
                    guard let state = Self.documentState(x.body) else {
                        return failure(
                            "not_a_json_object",
                            "HTTP 200 but the answer is not a JSON object: \(ServerMessage.clean(String(decoding: x.body.prefix(200), as: UTF8.self)))")
                    }
                    return .document(body: x.body, state: state.state, orgId: session.orgId, fetchedAt: clock.now())
                case 301, 302, 303, 307, 308:
                    guard let location = x.headers.first(name: "Location"), let target = URL(string: location, relativeTo: url)?.absoluteURL else {
                        return failure("http_\(x.status)", "HTTP \(x.status) redirect without a usable Location header")
                    }
                    guard Self.sameOrigin(target, url) else {
                        return failure(
                            "redirect_to_other_host",
                            "HTTP \(x.status) redirect to another host (\(Self.origin(target))); not followed, so that the session is never sent there")
                    }
                    redirects += 1
                    attempts -= 1
                    guard redirects <= Self.maxRedirects else {
                        return failure("too_many_redirects", "more than \(Self.maxRedirects) redirects")
                    }
                    url = target
                    continue
                case 401:
                    lastProblem = ServerMessage.of(status: 401, body: x.body)
                    _ = try await renewal?.value
                    kind = "http_401"
                    delay = 0
                case let s where RetryPolicy.retryableStatuses.contains(s):
                    lastProblem = ServerMessage.of(status: s, body: x.body)
                    kind = "http_\(s)"
                    if let asked = RetryPolicy.retryAfter(x.headers.first(name: "Retry-After"), now: clock.now()) {
                        guard asked <= policy.maxRetryAfter else {
                            return failure(
                                "retry_after_too_long",
                                "\(lastProblem) (the server asked to retry after \(FetchFormat.seconds(asked)) s, more than the \(FetchFormat.seconds(policy.maxRetryAfter)) s chargeback waits)"
                            )
                        }
                        delay = asked
                    } else {
                        delay = policy.backoff(retry: attempts)
                    }
                default:
                    return failure(FetchFailure.reason(forStatus: x.status), ServerMessage.of(status: x.status, body: x.body))
                }
            }
            guard attempts < policy.maxAttempts else {
                return failure("retries_exhausted", "gave up after \(attempts) attempts; last: \(lastProblem)")
            }
            counters.retried(kind)
            try await clock.sleep(delay)
        }
    }

    /// The state of a job-status answer, or nil when the body is not a JSON object.
    static func documentState(_ body: [UInt8]) -> AnswerState? {
        guard
            let value = try? body.withUnsafeBufferPointer({ buf in
                var p = JSONParser(buf)
                return try p.parseDocument()
            }), case .object(let fields) = value
        else { return nil }
        for key in ["status", "executionState"] {
            if case .string(let s)? = fields[key] { return AnswerState(state: JobState(vendorSpelling: s)) }
        }
        return AnswerState(state: nil)
    }

    // MARK: Login

    /// `POST <login-url>/saas/public/core/v3/login` with the credentials of the environment.
    func login(_ credentials: Credentials) async throws -> LoginResult {
        guard let base = credentials.loginURL, let user = credentials.username, let password = credentials.password else {
            throw FetchError.noCredentials
        }
        let url = URL(string: base.absoluteString + "/saas/public/core/v3/login")!
        let body =
            Array("{\"username\":".utf8) + Self.jsonString(user) + Array(",\"password\":".utf8) + Self.jsonString(password.revealed) + [UInt8(ascii: "}")]
        var attempts = 0
        var lastProblem = ""
        while true {
            attempts += 1
            let result = await transport.send(
                method: .POST, url: url, headers: [("Content-Type", "application/json"), ("Accept", "application/json")], body: body)
            try Task.checkCancellation()
            let delay: Double
            switch result {
            case .failure(let f):
                lastProblem = f.message
                delay = policy.backoff(retry: attempts)
            case .success(let x) where x.status == 200:
                return try Self.loginResult(x.body)
            case .success(let x) where RetryPolicy.retryableStatuses.contains(x.status):
                lastProblem = ServerMessage.of(status: x.status, body: x.body)
                let asked = RetryPolicy.retryAfter(x.headers.first(name: "Retry-After"), now: clock.now())
                delay = min(asked ?? policy.backoff(retry: attempts), policy.maxRetryAfter)
            case .success(let x):
                var message = ServerMessage.extract(x.body) ?? ServerMessage.reasonPhrase(x.status)
                if (300..<400).contains(x.status), let location = x.headers.first(name: "Location") {
                    message += " (redirected to \(location): pass that host as --login-url)"
                }
                throw FetchError.loginRefused(status: x.status, message: message)
            }
            guard attempts < policy.maxAttempts else { throw FetchError.loginUnreachable(message: "\(attempts) attempts; last: \(lastProblem)") }
            try await clock.sleep(delay)
        }
    }

    static func loginResult(_ body: [UInt8]) throws -> LoginResult {
        guard
            let value = try? body.withUnsafeBufferPointer({ buf in
                var p = JSONParser(buf)
                return try p.parseDocument()
            }), case .object(let top) = value, case .object(let info)? = top["userInfo"], case .string(let id)? = info["sessionId"],
            Credentials.isHeaderSafe(id)
        else {
            throw FetchError.loginRefused(status: 200, message: "the answer has no usable userInfo.sessionId")
        }
        var org: String?
        if case .string(let o)? = info["orgId"], !o.isEmpty { org = o }
        return LoginResult(sessionId: Secret(id), orgId: org)
    }

    static func jsonString(_ s: String) -> [UInt8] {
        Array(JSONText.string(s).rendered.utf8.dropLast())
    }

    // MARK: Origins

    /// Scheme, host and port: a redirect is followed, and the session sent, only within one.
    static func origin(_ url: URL) -> String {
        let scheme = (url.scheme ?? "").lowercased()
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\((url.host ?? "").lowercased()):\(port)"
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool { origin(a) == origin(b) }
}
