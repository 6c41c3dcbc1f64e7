import ChargebackKit
import Foundation

/// The options of `chargeback fetch`, as the user gave them.
public struct FetchOptions: Sendable {
    /// `--server-url`: the IICS pod, e.g. `https://usw3.dm-us.informaticacloud.com`.
    public var serverURL: String
    /// `--job-ids`: a file of job IDs, or `-` for standard input.
    public var jobIDs: String
    /// `--archive`: the directory that receives `fetch-<timestamp>.ndjson`.
    public var archive: String
    /// `--login-url`: the login host, e.g. `https://dm-us.informaticacloud.com`.
    public var loginURL: String?
    /// `--session-id-file`: a 0600 file holding a session ID.
    public var sessionIDFile: String?
    /// `--concurrency`: requests in flight at most.
    public var concurrency = 8
    /// `--timeout`: seconds per request.
    public var timeout = 60.0
    /// `--until-terminal`: poll open jobs until they end.
    public var untilTerminal = false
    /// `--poll-interval`: seconds between polls of an open job (default 30).
    public var pollInterval: Double?
    /// `--deadline`: seconds after which no new poll starts (default 3600).
    public var deadline: Double?
    /// Relative paths are resolved against this directory.
    public var workingDirectory: URL
    /// The process environment (`IICS_SESSION_ID`, `IICS_USERNAME`, `IICS_PASSWORD`).
    public var environment: [String: String]

    /// Creates options with the defaults of the command line.
    public init(serverURL: String, jobIDs: String, archive: String, workingDirectory: URL, environment: [String: String]) {
        self.serverURL = serverURL
        self.jobIDs = jobIDs
        self.archive = archive
        self.workingDirectory = workingDirectory
        self.environment = environment
    }
}

/// Settings after validation: everything a fetch needs, nothing left to parse.
public struct FetchSettings: Sendable {
    /// The IICS pod, without a trailing slash.
    public var serverURL: URL
    /// The jobs to fetch.
    public var jobs: JobIDList
    /// The archive directory (created if missing).
    public var archiveDirectory: URL
    /// The session and/or login credentials.
    public var credentials: Credentials
    /// Requests in flight at most.
    public var concurrency: Int
    /// Seconds per request.
    public var timeout: Double
    /// Poll open jobs until they end, every `pollInterval` seconds, for at most `deadline` seconds.
    public var untilTerminal: Bool
    public var pollInterval: Double
    public var deadline: Double
}

/// What a finished fetch did.
public struct FetchOutcome: Sendable {
    /// The archive file written by this run.
    public var archiveFile: URL
    /// `fetch-<timestamp>.failures.csv`, written when some job failed.
    public var failuresFile: URL?
    /// Jobs in the list (after removing duplicates).
    public var jobs: Int
    /// Lines of the list that repeated a job ID.
    public var duplicatesInList: Int
    /// Jobs with at least one archived response whose last poll did not fail.
    public var fetched: Int
    /// Fetched jobs whose last answer is in a terminal state.
    public var terminal: Int
    /// Fetched jobs still queued or running.
    public var open: Int
    /// Fetched jobs whose state is missing or not recognised.
    public var unrecognisedState: Int
    /// Jobs that failed, in list order, each with the server's message.
    public var failures: [FetchFailure]
    /// Responses archived.
    public var responses: Int
    /// JobStatus requests sent.
    public var requests: Int
    /// Retries by cause (`http_503`, `timeout`, `connection`, …).
    public var retries: [String: Int]
    /// Logins made after the first session (re-logins on 401).
    public var relogins: Int
    /// `--until-terminal` stopped polling some job because of `--deadline`.
    public var deadlineReached: Bool
    /// Seconds the fetch took.
    public var elapsed: Double
    /// 0 when every job was fetched, 4 otherwise (SPEC 3.8).
    public var exitStatus: Int32 { failures.isEmpty ? 0 : 4 }
}

/// `chargeback fetch`: validate, authenticate, fetch every job, archive the answers.
public enum FetchRun {
    /// Checks every option and reads the job list and the credentials before any request.
    public static func resolve(_ o: FetchOptions, standardInput: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }) throws -> FetchSettings {
        let server = try parseURL(o.serverURL, option: "--server-url", example: "https://usw3.dm-us.informaticacloud.com")
        let login = try o.loginURL.map { try parseURL($0, option: "--login-url", example: "https://dm-us.informaticacloud.com") }
        guard (1...256).contains(o.concurrency) else {
            throw UsageError.invalidValue(option: "--concurrency", value: String(o.concurrency), expected: "a number of requests from 1 to 256")
        }
        guard o.timeout > 0, o.timeout <= 3600 else {
            throw UsageError.invalidValue(option: "--timeout", value: FetchFormat.seconds(o.timeout), expected: "seconds, more than 0 and at most 3600")
        }
        if !o.untilTerminal, o.pollInterval != nil || o.deadline != nil {
            throw UsageError.conflict("--poll-interval and --deadline apply only with --until-terminal: add --until-terminal, or drop them")
        }
        let pollInterval = o.pollInterval ?? 30
        let deadline = o.deadline ?? 3600
        guard pollInterval > 0 else {
            throw UsageError.invalidValue(option: "--poll-interval", value: FetchFormat.seconds(pollInterval), expected: "seconds, more than 0")
        }
        guard deadline > 0 else {
            throw UsageError.invalidValue(option: "--deadline", value: FetchFormat.seconds(deadline), expected: "seconds, more than 0")
        }
        guard !o.archive.isEmpty else {
            throw UsageError.invalidValue(option: "--archive", value: o.archive, expected: "a directory path")
        }
        let archive = resolvePath(o.archive, o.workingDirectory)
        let sessionFile = o.sessionIDFile.map { resolvePath($0, o.workingDirectory) }
        let credentials = try Credentials.resolve(environment: o.environment, sessionIDFile: sessionFile, loginURL: login)
        let jobs: JobIDList
        if o.jobIDs == "-" {
            jobs = try JobIDList(text: String(decoding: standardInput(), as: UTF8.self), source: "- (standard input)")
        } else {
            let url = resolvePath(o.jobIDs, o.workingDirectory)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw FetchError.jobIDs(source: o.jobIDs, reason: "cannot be read (\(String(cString: strerror(errno))))")
            }
            jobs = try JobIDList(text: String(decoding: data, as: UTF8.self), source: o.jobIDs)
        }
        return FetchSettings(
            serverURL: server, jobs: jobs, archiveDirectory: archive, credentials: credentials, concurrency: o.concurrency, timeout: o.timeout,
            untilTerminal: o.untilTerminal, pollInterval: pollInterval, deadline: deadline)
    }

    /// Fetches every job. Throws `FetchError` (exit 1) when authentication fails and
    /// `OutputError` (exit 2) when the archive cannot be written; every response received
    /// before such an error stays in the archive.
    public static func execute(
        _ s: FetchSettings, policy: RetryPolicy = RetryPolicy(), clock: FetchClock = .system, progress: (@Sendable (FetchProgress) -> Void)? = nil
    ) async throws -> FetchOutcome {
        try check(s.archiveDirectory)
        let started = clock.monotonic()
        let transport = HTTPTransport(timeout: s.timeout, concurrency: s.concurrency)
        do {
            let outcome = try await run(s, transport: transport, policy: policy, clock: clock, started: started, progress: progress)
            await transport.shutdown()
            return outcome
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    private enum JobResult: Sendable {
        case fetched(JobState?, deadlineReached: Bool)
        case failed(FetchFailure)
    }

    private static func run(
        _ s: FetchSettings, transport: HTTPTransport, policy: RetryPolicy, clock: FetchClock, started: Double,
        progress: (@Sendable (FetchProgress) -> Void)?
    ) async throws -> FetchOutcome {
        let counters = FetchCounters(total: s.jobs.ids.count, clock: clock, onChange: progress)
        let client = IICSClient(transport: transport, policy: policy, clock: clock, counters: counters)
        let credentials = s.credentials
        let initial: Session
        if let given = credentials.session {
            initial = Session(id: given, orgId: nil, generation: 0, fromLogin: false)
        } else {
            let r = try await client.login(credentials)
            initial = Session(id: r.sessionId, orgId: r.orgId, generation: 0, fromLogin: true)
        }
        var relogin: (@Sendable () async throws -> LoginResult)?
        if credentials.canLogIn {
            relogin = { @Sendable in try await client.login(credentials) }
        }
        let sessions = SessionManager(initial: initial, origin: credentials.sessionOrigin ?? "the login", login: relogin)
        let limiter = RequestLimiter(permits: s.concurrency)
        // Created only now, so that a failed login leaves nothing behind.
        try create(s.archiveDirectory)
        let writer = try ArchiveWriter(directory: s.archiveDirectory, date: clock.now())
        let deadlineAt = started + s.deadline

        @Sendable func runJob(_ id: String) async throws -> JobResult {
            while true {
                switch try await client.poll(id, serverURL: s.serverURL, sessions: sessions, limiter: limiter) {
                case .failed(let f):
                    return .failed(f)
                case .document(let body, let state, let orgId, let fetchedAt):
                    try await writer.append(jobId: id, orgId: orgId, fetchedAt: fetchedAt, body: body)
                    counters.archived()
                    // Only a state known to be open is polled again: an unrecognised one would
                    // never end.
                    guard s.untilTerminal, let state, !state.isTerminal else { return .fetched(state, deadlineReached: false) }
                    guard clock.monotonic() + s.pollInterval <= deadlineAt else { return .fetched(state, deadlineReached: true) }
                    try await clock.sleep(s.pollInterval)
                }
            }
        }

        var results: [String: JobResult] = [:]
        do {
            try await withThrowingTaskGroup(of: (String, JobResult).self) { group in
                for id in s.jobs.ids {
                    group.addTask { (id, try await runJob(id)) }
                }
                do {
                    for try await (id, result) in group {
                        results[id] = result
                        if case .failed = result { counters.finished(failed: true) } else { counters.finished(failed: false) }
                    }
                } catch {
                    group.cancelAll()
                    await limiter.close()
                    throw error
                }
            }
        } catch {
            try? await writer.close()
            let archived = await writer.lines
            if case FetchError.sessionRejected(let message) = error {
                throw FetchError.sessionRejected(
                    message: message + " (\(archived) responses received before the stop are in \(writer.url.path))")
            }
            throw error
        }
        try await writer.close()

        var outcome = FetchOutcome(
            archiveFile: writer.url, failuresFile: nil, jobs: s.jobs.ids.count, duplicatesInList: s.jobs.duplicates, fetched: 0, terminal: 0,
            open: 0, unrecognisedState: 0, failures: [], responses: await writer.lines, requests: counters.progress.requests,
            retries: counters.retriesByKind, relogins: await sessions.renewals, deadlineReached: false, elapsed: clock.monotonic() - started)
        for id in s.jobs.ids {
            switch results[id]! {
            case .failed(let f):
                outcome.failures.append(f)
            case .fetched(let state, let deadlineReached):
                outcome.fetched += 1
                outcome.deadlineReached = outcome.deadlineReached || deadlineReached
                switch state {
                case .some(let st) where st.isTerminal: outcome.terminal += 1
                case .some: outcome.open += 1
                case .none: outcome.unrecognisedState += 1
                }
            }
        }
        if !outcome.failures.isEmpty {
            let name = writer.url.deletingPathExtension().lastPathComponent + ".failures.csv"
            let url = s.archiveDirectory.appendingPathComponent(name)
            try AtomicFile.write(FailuresFile.render(outcome.failures), to: url)
            outcome.failuresFile = url
        }
        return outcome
    }

    // MARK: Validation helpers

    static func resolvePath(_ path: String, _ base: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
    }

    /// An `https://` URL (or `http://` to this machine, for the simulator) with a host, no
    /// credentials, query or fragment; the trailing slash is dropped.
    static func parseURL(_ text: String, option: String, example: String) throws -> URL {
        let expected = "a URL such as \(example)"
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw UsageError.invalidValue(option: option, value: text, expected: expected)
        }
        guard url.user == nil, url.password == nil else {
            throw FetchError.secretOnCommandLine(
                option: "\(option) with a user or password in it", use: "set IICS_USERNAME and IICS_PASSWORD in the environment instead")
        }
        guard url.query == nil, url.fragment == nil else {
            throw UsageError.invalidValue(option: option, value: text, expected: "\(expected), without ? or #")
        }
        switch scheme {
        case "https": break
        case "http":
            guard ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()) else {
                throw UsageError.invalidValue(
                    option: option, value: text,
                    expected: "https:// (plain http would send the session unencrypted; it is accepted only for 127.0.0.1 and localhost, e.g. the simulator)")
            }
        default:
            throw UsageError.invalidValue(option: option, value: text, expected: expected)
        }
        var s = url.absoluteString
        while s.hasSuffix("/") { s.removeLast() }
        return URL(string: s)!
    }

    /// Fails early (before any request) when the archive directory cannot be used: it must
    /// be a writable directory, or be creatable under its nearest existing ancestor.
    private static func check(_ dir: URL) throws(OutputError) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        var existing = dir
        while !fm.fileExists(atPath: existing.path, isDirectory: &isDir) {
            let parent = existing.deletingLastPathComponent()
            if parent.path == existing.path { break }
            existing = parent
        }
        guard isDir.boolValue else {
            throw OutputError(path: existing.path, reason: existing == dir ? "it exists and is not a directory" : "it is not a directory")
        }
        guard access(existing.path, W_OK | X_OK) == 0 else {
            throw OutputError(path: dir.path, reason: "\(existing.path) is not writable")
        }
    }

    private static func create(_ dir: URL) throws(OutputError) {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: dir.path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
    }
}
