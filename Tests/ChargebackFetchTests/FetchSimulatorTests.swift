import ChargebackKit
import Foundation
import IICSSimulator
import Testing

@testable import ChargebackFetch

/// The real client (AsyncHTTPClient) against the simulator on 127.0.0.1.
@Suite("fetch against the IICS simulator")
struct FetchSimulatorTests {
    @Test("every job is fetched once the faults are over: 5xx, 408, 429, dropped connections")
    func faultsThenFetched() async throws {
        var jobs = DemoJobs.make(count: 8, pollsToFinish: 1)
        let faults: [[SimulatorFault]] = [
            [.status(503)], [.status(500), .status(502)], [.drop], [.status(504), .status(408)], [.status(429)],
            [.status(503), .drop, .status(500), .status(502), .status(504)], [], [.drop, .drop],
        ]
        for i in jobs.indices { jobs[i].faults = faults[i] }
        let dir = try TempDir()
        let (outcome, stats) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id), dir: dir), sim.statistics)
        }
        #expect(outcome.failures.isEmpty)
        #expect(outcome.fetched == 8 && outcome.terminal == 8)
        #expect(outcome.exitStatus == 0)
        for (job, f) in zip(jobs, faults) {
            #expect(stats.attempts[job.id] == f.count + 1, "job with faults \(f)")
        }
        #expect(outcome.retries.values.reduce(0, +) == faults.map(\.count).reduce(0, +))
        #expect(outcome.retries["connection"] == 4)
        #expect(stats.requestsWithoutSession == 0 && stats.requestsWithoutAccept == 0)
        let lines = try archiveLines(outcome.archiveFile)
        #expect(lines.count == 8)
        #expect(Set(lines.compactMap { $0["jobId"] as? String }) == Set(jobs.map(\.id)))
        #expect(lines.allSatisfy { $0["orgId"] as? String == "kuJVH54wm6gfhVj4QEdboY" && $0["httpStatus"] as? Int == 200 })
        #expect(outcome.failuresFile == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("archive").path) == [outcome.archiveFile.lastPathComponent])
    }

    @Test("six failed attempts: the job fails with the server's message, attempts 6, exit 4")
    func retriesExhausted() async throws {
        var jobs = DemoJobs.make(count: 2, pollsToFinish: 1)
        jobs[0].faults = Array(repeating: .status(503), count: 7)
        let dir = try TempDir()
        let (outcome, stats) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id), dir: dir), sim.statistics)
        }
        #expect(stats.attempts[jobs[0].id] == 6)
        #expect(outcome.exitStatus == 4)
        #expect(outcome.fetched == 1)
        let f = try #require(outcome.failures.first)
        #expect(f.jobId == jobs[0].id && f.attempts == 6 && f.httpStatus == 503 && f.reason == "retries_exhausted")
        #expect(f.message == "gave up after 6 attempts; last: HTTP 503: Service temporarily unavailable")
    }

    @Test("Retry-After in seconds is honoured: the retry waits for it, not for the short backoff")
    func retryAfterSeconds() async throws {
        var jobs = DemoJobs.make(count: 1, pollsToFinish: 1)
        jobs[0].faults = [.status(429, retryAfter: .seconds(1))]
        let dir = try TempDir()
        let (outcome, gap) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: [jobs[0].id], dir: dir), gapBetweenAttempts(sim, jobs[0].id))
        }
        #expect(outcome.fetched == 1)
        let g = try #require(gap)
        #expect(g >= 1.0 && g < 15, "retried after \(g) s; Retry-After asked for 1 s (backoff alone would be ≤ 0.01 s)")
    }

    @Test("Retry-After as an HTTP date is honoured")
    func retryAfterDate() async throws {
        var jobs = DemoJobs.make(count: 1, pollsToFinish: 1)
        jobs[0].faults = [.status(503, retryAfter: .httpDate(secondsFromNow: 2))]
        let dir = try TempDir()
        let (outcome, gap) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: [jobs[0].id], dir: dir), gapBetweenAttempts(sim, jobs[0].id))
        }
        #expect(outcome.fetched == 1)
        let g = try #require(gap)
        // The date has whole seconds: "now + 2 s" rounds down to between 1 and 2 s ahead.
        #expect(g >= 1.0 && g < 15, "retried after \(g) s")
    }

    @Test("a Retry-After beyond the limit fails the job instead of stalling the run")
    func retryAfterTooLong() async throws {
        var jobs = DemoJobs.make(count: 1, pollsToFinish: 1)
        jobs[0].faults = [.status(429, retryAfter: .seconds(86400))]
        let dir = try TempDir()
        let outcome = try await withSimulator(jobs: jobs) { sim in try await fetch(sim, ids: [jobs[0].id], dir: dir) }
        #expect(outcome.failures.map(\.reason) == ["retry_after_too_long"])
        #expect(outcome.failures.first?.message.contains("86400 s") == true)
    }

    @Test("with an injected clock: the backoff of SPEC 5.2 (0.5, 1, 2 s) and Retry-After, without waiting")
    func injectedClock() async throws {
        var jobs = DemoJobs.make(count: 2, pollsToFinish: 1)
        jobs[0].faults = [.status(503), .status(500), .status(502)]
        jobs[1].faults = [.status(429, retryAfter: .seconds(7))]
        let sleeps = Recorded<[Double]>([])
        let clock = FetchClock(
            now: { Date() }, monotonic: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
            sleep: { seconds in sleeps.update { $0.append(seconds) } })
        var policy = RetryPolicy()
        policy.random = { $0.upperBound }
        let dir = try TempDir()
        let outcome = try await withSimulator(jobs: jobs) { sim in
            let list = try dir.write("jobs.txt", jobs.map(\.id).joined(separator: "\n"))
            var o = FetchOptions(serverURL: sim.baseURL, jobIDs: list.path, archive: "archive", workingDirectory: dir.url, environment: simulatorLogin)
            o.loginURL = sim.baseURL
            o.concurrency = 1
            return try await FetchRun.execute(try FetchRun.resolve(o), policy: policy, clock: clock)
        }
        #expect(outcome.fetched == 2)
        // Every wait went through the injected clock (the real one would have taken ≥ 7 s;
        // no bound on the time here, as other suites may load both cores meanwhile).
        #expect(sleeps.value.sorted() == [0.5, 1, 2, 7])
    }

    @Test("requests in flight never exceed --concurrency (counted by the server)", arguments: [1, 3, 8])
    func concurrencyBound(limit: Int) async throws {
        var configuration = SimulatorConfiguration()
        configuration.responseDelay = 0.1
        let jobs = DemoJobs.make(count: 32, pollsToFinish: 1)
        let dir = try TempDir()
        let (outcome, stats) = try await withSimulator(configuration, jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id), dir: dir) { $0.concurrency = limit }, sim.statistics)
        }
        #expect(outcome.fetched == 32)
        #expect(stats.maxInFlight <= limit)
        #expect(stats.maxInFlight == limit, "the limit was never reached: the test proves nothing")
    }

    @Test("a session that expires with many requests in flight: exactly one re-login, every job fetched")
    func oneRelogin() async throws {
        var configuration = SimulatorConfiguration()
        configuration.responseDelay = 0.1
        var jobs = DemoJobs.make(count: 30, pollsToFinish: 1)
        jobs[10].faults = [.expireSessions]
        let dir = try TempDir()
        let (outcome, stats) = try await withSimulator(configuration, jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id), dir: dir) { $0.concurrency = 8 }, sim.statistics)
        }
        #expect(stats.logins == 2)
        #expect(outcome.relogins == 1)
        #expect(stats.unauthorized >= 4, "only \(stats.unauthorized) requests saw the expiry: not many in flight")
        // Only the requests in flight at the expiry see a 401: the queued ones wait for the
        // new session instead of going out with the refused one.
        #expect(stats.unauthorized <= 8)
        #expect(outcome.retries["http_401"] == stats.unauthorized)
        #expect(outcome.fetched == 30 && outcome.failures.isEmpty)
        #expect(try archiveLines(outcome.archiveFile).count == 30)
    }

    @Test("a 401 on a session that the login has just returned fails the run (no login loop)")
    func freshSessionRefused() async throws {
        var configuration = SimulatorConfiguration()
        configuration.refuseEverySession = true
        let jobs = DemoJobs.make(count: 5, pollsToFinish: 1)
        let dir = try TempDir()
        try await withSimulator(configuration, jobs: jobs) { sim in
            await #expect {
                _ = try await fetch(sim, ids: jobs.map(\.id), dir: dir)
            } throws: { error in
                guard case FetchError.sessionRejected(let m) = error else { return false }
                return m.contains("refused the session that the login has just returned")
            }
            #expect(sim.statistics.logins == 1)
        }
    }

    @Test("a given session that expires, without credentials: the run stops and says how to fix it")
    func givenSessionExpires() async throws {
        var configuration = SimulatorConfiguration()
        configuration.sessions = ["given-session-0001"]
        var jobs = DemoJobs.make(count: 3, pollsToFinish: 1)
        jobs[1].faults = [.expireSessions]
        let dir = try TempDir()
        try await withSimulator(configuration, jobs: jobs) { sim in
            await #expect {
                _ = try await fetch(sim, ids: jobs.map(\.id), dir: dir, environment: ["IICS_SESSION_ID": "given-session-0001"]) { $0.concurrency = 1 }
            } throws: { error in
                guard case FetchError.sessionRejected(let m) = error else { return false }
                // One slot does not fix which job goes first: job 0 alone, or jobs 0 and 2,
                // may have answered before job 1 meets the expired session.
                return m.contains("IICS_SESSION_ID") && m.contains("IICS_USERNAME") && !m.contains("given-session-0001")
                    && (m.contains("1 responses received before the stop") || m.contains("2 responses received before the stop"))
            }
            #expect(sim.statistics.logins == 0)
        }
    }

    @Test("a given session that expires, with credentials: one login, every job fetched")
    func givenSessionRenewed() async throws {
        var configuration = SimulatorConfiguration()
        configuration.sessions = ["given-session-0001"]
        var jobs = DemoJobs.make(count: 6, pollsToFinish: 1)
        jobs[2].faults = [.expireSessions]
        let dir = try TempDir()
        var env = simulatorLogin
        env["IICS_SESSION_ID"] = "given-session-0001"
        let (outcome, stats) = try await withSimulator(configuration, jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id), dir: dir, environment: env) { $0.concurrency = 2 }, sim.statistics)
        }
        #expect(stats.logins == 1 && outcome.relogins == 1)
        #expect(outcome.fetched == 6)
        let lines = try archiveLines(outcome.archiveFile)
        // The org is known once a login has returned it.
        #expect(lines.contains { $0["orgId"] is NSNull } && lines.contains { $0["orgId"] as? String == "kuJVH54wm6gfhVj4QEdboY" })
    }

    @Test("404, 403 and 400 are not retried; each is reported with the server's message")
    func notRetried() async throws {
        var jobs = DemoJobs.make(count: 3, pollsToFinish: 1)
        jobs[1].faults = [.status(403)]
        jobs[2].faults = [.status(400)]
        let missing = "NoSuchJob0000000000000"
        let dir = try TempDir()
        let (outcome, stats) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id) + [missing], dir: dir), sim.statistics)
        }
        #expect(stats.attempts[missing] == 1 && stats.attempts[jobs[1].id] == 1 && stats.attempts[jobs[2].id] == 1)
        #expect(outcome.exitStatus == 4)
        #expect(outcome.failures.map(\.reason) == ["forbidden", "bad_request", "not_found"])
        #expect(outcome.failures.last?.message == "HTTP 404: Job \(missing) was not found")
        let csv = try String(contentsOf: try #require(outcome.failuresFile), encoding: .utf8)
        #expect(
            csv
                == "job_id,http_status,attempts,message\r\n\(jobs[1].id),403,1,HTTP 403: Simulated failure (HTTP 403)\r\n"
                + "\(jobs[2].id),400,1,HTTP 400: Simulated failure (HTTP 400)\r\n\(missing),404,1,HTTP 404: Job \(missing) was not found\r\n")
        #expect(outcome.failuresFile?.lastPathComponent == outcome.archiveFile.deletingPathExtension().lastPathComponent + ".failures.csv")
    }

    @Test("a server that accepts and never answers: the request times out and is retried")
    func hangingAnswer() async throws {
        var jobs = DemoJobs.make(count: 2, pollsToFinish: 1)
        jobs[0].faults = [.hang]
        let dir = try TempDir()
        let started = Date()
        let (outcome, stats, gap) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id), dir: dir) { $0.timeout = 0.5 }, sim.statistics, gapBetweenAttempts(sim, jobs[0].id))
        }
        #expect(outcome.fetched == 2 && outcome.failures.isEmpty)
        #expect(stats.attempts[jobs[0].id] == 2)
        #expect(outcome.retries["timeout"] == 1)
        let g = try #require(gap)
        // The server sees the first request a little after the client's clock started
        // (connection set-up), so the gap it measures can be slightly under 0.5 s.
        #expect(g >= 0.35 && g < 15, "retried after \(g) s with --timeout 0.5")
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.5 && elapsed < 30)
    }

    @Test("a redirect within the same host is followed with the session")
    func sameHostRedirect() async throws {
        var jobs = DemoJobs.make(count: 1, pollsToFinish: 1)
        jobs[0].faults = [.redirectSameHost]
        let dir = try TempDir()
        let (outcome, stats) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: [jobs[0].id], dir: dir), sim.statistics)
        }
        #expect(outcome.fetched == 1)
        #expect(stats.attempts[jobs[0].id] == 2)
        #expect(stats.requestsWithoutSession == 0)
    }

    @Test("a redirect to another host is not followed: the session header never reaches it")
    func crossHostRedirect() async throws {
        var jobs = DemoJobs.make(count: 2, pollsToFinish: 1)
        jobs[0].faults = [.redirectOtherHost]
        let dir = try TempDir()
        let (outcome, stats, otherPort) = try await withSimulator(jobs: jobs) { sim in
            (try await fetch(sim, ids: jobs.map(\.id), dir: dir), sim.statistics, sim.otherHostPort)
        }
        #expect(stats.otherHostSessionHeaders == 0)
        #expect(stats.otherHostRequests == 0)
        #expect(outcome.fetched == 1)
        let f = try #require(outcome.failures.first)
        #expect(f.reason == "redirect_to_other_host" && f.httpStatus == 307)
        #expect(f.message.contains("http://localhost:\(otherPort)"))
    }

    @Test("--until-terminal polls queued and running jobs until they end; report keeps the latest state")
    func untilTerminal() async throws {
        let jobs = DemoJobs.make(count: 6, pollsToFinish: 3)
        let dir = try TempDir()
        let outcome = try await withSimulator(jobs: jobs) { sim in
            try await fetch(sim, ids: jobs.map(\.id), dir: dir) {
                $0.untilTerminal = true
                $0.pollInterval = 0.05
            }
        }
        #expect(outcome.fetched == 6 && outcome.terminal == 6 && outcome.open == 0)
        let lines = try archiveLines(outcome.archiveFile)
        #expect(lines.count == 18)
        let states = lines.map { (($0["response"] as? [String: Any])?["status"] as? String) ?? "?" }
        #expect(states.filter { $0 == "QUEUED" }.count == 6 && states.filter { $0 == "RUNNING" }.count == 6)
        let r = try report(dir, inputs: ["archive"], name: "a")
        #expect(r.report.reconciliation.holds)
        #expect(r.report.reconciliation.jobsReported == 6 && r.report.reconciliation.superseded == 12)
        #expect(r.report.totals.open == 0)
    }

    @Test("--deadline stops polling a job that never ends: it is fetched, still open, exit 0")
    func deadline() async throws {
        var jobs = DemoJobs.make(count: 2, pollsToFinish: 1)
        jobs[0].documents = DemoJobs.make(count: 1, pollsToFinish: 2)[0].documents.prefix(1).map { $0 }  // QUEUED for ever
        let dir = try TempDir()
        let started = Date()
        let outcome = try await withSimulator(jobs: jobs) { sim in
            try await fetch(sim, ids: jobs.map(\.id), dir: dir) {
                $0.untilTerminal = true
                $0.pollInterval = 0.1
                $0.deadline = 0.5
            }
        }
        // Generous bounds: other test suites may load both cores meanwhile.
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(outcome.exitStatus == 0 && outcome.open == 1 && outcome.terminal == 1 && outcome.deadlineReached)
        let lines = try archiveLines(outcome.archiveFile).count
        #expect(lines >= 2 && lines <= 1 + 6, "\(lines) responses: polls every 0.1 s for 0.5 s")
    }

    @Test("fetch into an archive, then report: the same totals as report on the same documents as plain files")
    func fetchThenReportMatchesPlainFiles() async throws {
        var jobs = DemoJobs.make(count: 40, pollsToFinish: 2, seed: 7)
        jobs[3].faults = [.status(503), .drop]
        jobs[9].faults = [.status(429, retryAfter: .seconds(0))]
        let dir = try TempDir()
        // The same documents as plain files, one JSON file per document.
        for job in jobs {
            for (i, d) in job.documents.enumerated() { try dir.write("plain/\(job.id)-\(i).json", d) }
        }
        let outcome = try await withSimulator(jobs: jobs) { sim in
            try await fetch(sim, ids: jobs.map(\.id), dir: dir) {
                $0.untilTerminal = true
                $0.pollInterval = 0.02
            }
        }
        #expect(outcome.fetched == 40 && outcome.responses == 80)
        let fromArchive = try report(dir, inputs: ["archive"], name: "archive")
        let fromFiles = try report(dir, inputs: ["plain"], name: "plain")
        #expect(fromArchive.report.reconciliation == fromFiles.report.reconciliation)
        #expect(fromArchive.report.reconciliation.holds && fromArchive.report.reconciliation.rejected == 0)
        #expect(fromArchive.report.totals.jobs == 40)
        #expect(fromArchive.report.totals.consumedCU == fromFiles.report.totals.consumedCU)
        #expect(fromArchive.report.totals.cost == fromFiles.report.totals.cost)
        #expect(try dir.read("out-archive/summary.csv") == (try dir.read("out-plain/summary.csv")))
    }

    @Test("a re-run appends a new archive file; report keeps each job's latest state")
    func rerunAppends() async throws {
        let jobs = DemoJobs.make(count: 4, pollsToFinish: 2)
        let dir = try TempDir()
        try await withSimulator(jobs: jobs) { sim in
            let first = try await fetch(sim, ids: jobs.map(\.id), dir: dir)
            let second = try await fetch(sim, ids: jobs.map(\.id), dir: dir)
            #expect(first.archiveFile != second.archiveFile)
            #expect(first.open == 4 && second.terminal == 4)
        }
        #expect(try dir.files(in: "archive", endingWith: ".ndjson").count == 2)
        let r = try report(dir, inputs: ["archive"], name: "r")
        #expect(r.report.reconciliation.jobsReported == 4 && r.report.totals.succeeded + r.report.totals.failed == 4)
    }
}
