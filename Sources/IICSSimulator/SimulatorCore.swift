import Foundation
import NIOConcurrencyHelpers

/// The simulator's state and decisions, shared by every connection (under one lock).
final class SimulatorCore: Sendable {
    struct State {
        var configuration: SimulatorConfiguration
        var jobs: [String: SimulatorJob] = [:]
        var polls: [String: Int] = [:]
        var validSessions: Set<String> = []
        var inFlight = 0
        var statistics = SimulatorStatistics()
        var sessionCounter = 0
    }

    /// What to do with a JobStatus request when it arrives.
    enum Arrival {
        case answer(status: Int, headers: [(String, String)], body: String)
        case drop
        case hang
        /// Answer after the configured delay (the session is checked then).
        case proceed(delay: Double)
    }

    let state: NIOLockedValueBox<State>
    let otherHostPort: NIOLockedValueBox<Int> = NIOLockedValueBox(0)

    init(_ configuration: SimulatorConfiguration) {
        var s = State(configuration: configuration)
        s.validSessions = Set(configuration.sessions)
        state = NIOLockedValueBox(s)
    }

    // MARK: Login

    func login(body: [UInt8]) -> (status: Int, body: String) {
        let fields = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let user = fields?["username"] as? String
        let password = fields?["password"] as? String
        return state.withLockedValue { s in
            guard user == s.configuration.username, password == s.configuration.password else {
                s.statistics.refusedLogins += 1
                return (401, #"{"error":{"code":"AUTH_01","message":"Invalid username or password.","requestId":"sim"}}"#)
            }
            s.sessionCounter += 1
            let session = "sim" + String(s.sessionCounter) + Self.randomToken(20)
            s.validSessions.insert(session)
            s.statistics.logins += 1
            s.statistics.issuedSessions.append(session)
            let org = s.configuration.orgId
            return (
                200,
                #"{"products":[{"name":"Integration Cloud","baseApiUrl":"http://127.0.0.1/saas"}],"userInfo":{"sessionId":"\#(session)","id":"user1","name":"\#(user ?? "")","orgId":"\#(org)","orgName":"Simulated Org"}}"#
            )
        }
    }

    // MARK: JobStatus

    func arrive(jobId: String, session: String?, accept: String?, otherHostBase: String) -> Arrival {
        state.withLockedValue { s in
            s.statistics.jobStatusRequests += 1
            s.statistics.attempts[jobId, default: 0] += 1
            s.statistics.attemptTimes[jobId, default: []].append(monotonicSeconds())
            if session == nil { s.statistics.requestsWithoutSession += 1 }
            if accept?.lowercased().contains("application/json") != true { s.statistics.requestsWithoutAccept += 1 }
            s.inFlight += 1
            s.statistics.maxInFlight = max(s.statistics.maxInFlight, s.inFlight)
            var fault: SimulatorFault?
            if var job = s.jobs[jobId], !job.faults.isEmpty {
                fault = job.faults.removeFirst()
                s.jobs[jobId] = job
            }
            let path = "/disnext/api/v1/CodeTask/JobStatus/" + jobId
            switch fault {
            case nil:
                return .proceed(delay: s.configuration.responseDelay)
            case .expireSessions:
                s.validSessions.removeAll()
                return .proceed(delay: s.configuration.responseDelay)
            case .drop:
                return .drop
            case .hang:
                return .hang
            case .redirectSameHost:
                return .answer(status: 307, headers: [("Location", path + "?redirected=1")], body: "")
            case .redirectOtherHost:
                return .answer(status: 307, headers: [("Location", otherHostBase + path)], body: "")
            case .status(let code, let retryAfter):
                var headers: [(String, String)] = []
                switch retryAfter {
                case .seconds(let n)?: headers.append(("Retry-After", String(n)))
                case .httpDate(let n)?: headers.append(("Retry-After", Self.httpDate(Date().addingTimeInterval(Double(n)))))
                case nil: break
                }
                let message =
                    switch code {
                    case 429: "Too many requests: the rate limit of your org is exceeded"
                    case 503: "Service temporarily unavailable"
                    default: "Simulated failure (HTTP \(code))"
                    }
                return .answer(status: code, headers: headers, body: #"{"error":{"code":"SIM_\#(code)","message":"\#(message)"}}"#)
            }
        }
    }

    /// The answer to a JobStatus request that got past its faults, decided when it is sent.
    func answer(jobId: String, session: String?) -> (status: Int, body: String) {
        state.withLockedValue { s in
            guard let session, s.validSessions.contains(session), !s.configuration.refuseEverySession else {
                s.statistics.unauthorized += 1
                return (401, #"{"error":{"code":"AUTH_01","message":"Session expired or invalid. Log in again."}}"#)
            }
            guard let job = s.jobs[jobId], !job.documents.isEmpty else {
                return (404, #"{"error":{"code":"CT_404","message":"Job \#(jobId) was not found"}}"#)
            }
            let n = s.polls[jobId, default: 0]
            s.polls[jobId] = n + 1
            return (200, job.documents[min(n, job.documents.count - 1)])
        }
    }

    func ended() {
        state.withLockedValue { $0.inFlight -= 1 }
    }

    func otherHost(session: String?) {
        state.withLockedValue { s in
            s.statistics.otherHostRequests += 1
            if session != nil { s.statistics.otherHostSessionHeaders += 1 }
        }
    }

    // MARK: Helpers

    static func randomToken(_ n: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<n).map { _ in alphabet.randomElement()! })
    }

    static func httpDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
}
