import ChargebackKit
import Foundation
import IICSSimulator
import Testing

@testable import ChargebackFetch

/// The real `chargeback` executable against the simulator: secrets, exit statuses, SIGKILL.
@Suite("chargeback fetch, the command")
struct FetchCommandTests {
    @Test("no password or session ID in argv, stdout, stderr, the archive or the failures file")
    func secretsNeverLeak() async throws {
        var configuration = SimulatorConfiguration()
        configuration.password = "Pa55-simulated-S3cret"
        configuration.sessions = ["GivenSession-7f3a9c0d1e2b"]
        configuration.responseDelay = 0.02
        var jobs = DemoJobs.make(count: 12, pollsToFinish: 1)
        jobs[4].faults = [.expireSessions]
        jobs[6].faults = [.status(503), .redirectOtherHost]
        let dir = try TempDir()
        try dir.write("jobs.txt", (jobs.map(\.id) + ["NoSuchJob0000000000000"]).joined(separator: "\n"))
        var secrets = [configuration.password, "GivenSession-7f3a9c0d1e2b"]
        var issued = 0
        for (env, name) in [
            (["IICS_USERNAME": configuration.username, "IICS_PASSWORD": configuration.password], "login"),
            (["IICS_SESSION_ID": "GivenSession-7f3a9c0d1e2b", "IICS_USERNAME": configuration.username, "IICS_PASSWORD": configuration.password], "given"),
        ] {
            try await withSimulator(configuration, jobs: jobs) { sim in
                let args = [
                    "fetch", "--server-url", sim.baseURL, "--login-url", sim.baseURL, "--job-ids", "jobs.txt", "--archive", "archive-\(name)", "--timeout", "5",
                    "--concurrency", "2",
                ]
                let p = try CLIProcess.start(args, in: dir, environment: env)
                let cmdline = try await p.kernelCommandLine()
                let r = try await p.wait()
                secrets += sim.statistics.issuedSessions
                issued += sim.statistics.issuedSessions.count
                #expect(r.status == 4, "stderr: \(r.stderr)")
                #expect(r.stderr.contains("NoSuchJob0000000000000: HTTP 404: Job NoSuchJob0000000000000 was not found"))
                #expect(r.stderr.contains("re-logins    1"))
                #expect(cmdline.contains("fetch --server-url"), "could not read /proc/<pid>/cmdline: \(cmdline)")
                var texts = [r.stdout, r.stderr, cmdline, p.process.arguments!.joined(separator: " ")]
                for f in try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("archive-\(name)").path) {
                    texts.append(try dir.read("archive-\(name)/\(f)"))
                }
                #expect(texts.count == 6, "expected an archive and a failures file")
                for secret in secrets {
                    #expect(!texts.contains { $0.contains(secret) }, "a secret leaked in run \(name)")
                }
            }
        }
        // login + re-login, then the given session + one re-login.
        #expect(issued == 3)
    }

    @Test("a password or session ID on the command line: exit 1, the fix named, the value not echoed")
    func secretOnCommandLine() throws {
        let dir = try TempDir()
        for args in [["--password", "hunter2-value"], ["--password=hunter2-value"], ["--session-id", "hunter2-value"]] {
            let p = try CLIProcess.start(
                ["fetch", "--server-url", "https://x.example.com", "--job-ids", "j", "--archive", "a"] + args, in: dir, environment: [:])
            let r = try runToEnd(p)
            #expect(r.status == 1)
            #expect(r.stderr.contains(args[0].hasPrefix("--password") ? "set IICS_PASSWORD" : "set IICS_SESSION_ID"))
            #expect(!r.stderr.contains("hunter2-value"))
        }
    }

    @Test("usage and authentication errors: exit 1 with the problem named, no archive written")
    func usageErrors() async throws {
        let dir = try TempDir()
        try dir.write("jobs.txt", "aaaaaaaaaaaaaaaaaaaaaa\n")
        let session = try dir.write("session", "S3ss10n\n")
        chmod(session.path, 0o644)
        let jobs = DemoJobs.make(count: 1, pollsToFinish: 1)
        try await withSimulator(jobs: jobs) { sim in
            let base = ["fetch", "--server-url", sim.baseURL, "--job-ids", "jobs.txt", "--archive", "archive"]
            let cases: [([String], [String: String], String)] = [
                (base + ["--session-id-file", "session"], [:], "chmod 600"),
                (base, [:], "no IICS session: set IICS_SESSION_ID"),
                (
                    base + ["--login-url", sim.baseURL], ["IICS_USERNAME": "demo@example.com", "IICS_PASSWORD": "wrong"],
                    "login refused (HTTP 401): Invalid username or password."
                ),
                (base + ["--concurrency", "0"], ["IICS_SESSION_ID": "x"], "--concurrency \"0\" is not valid"),
                (base + ["--poll-interval", "5"], ["IICS_SESSION_ID": "x"], "apply only with --until-terminal"),
                (
                    ["fetch", "--server-url", "http://iics.example.com", "--job-ids", "jobs.txt", "--archive", "archive"], ["IICS_SESSION_ID": "x"],
                    "plain http would send the session unencrypted"
                ),
                (
                    ["fetch", "--server-url", sim.baseURL, "--job-ids", "missing.txt", "--archive", "archive"], ["IICS_SESSION_ID": "x"],
                    "--job-ids missing.txt: cannot be read"
                ),
            ]
            for (args, env, message) in cases {
                let r = try await CLIProcess.start(args, in: dir, environment: env).wait()
                #expect(r.status == 1, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
                #expect(!r.stderr.contains("wrong"))
                #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("archive").path), "\(args) created the archive")
            }
        }
    }

    @Test("SIGKILL mid-fetch leaves a valid archive: every line parses and report reconciles")
    func killMidFetch() async throws {
        var configuration = SimulatorConfiguration()
        configuration.responseDelay = 0.02
        let jobs = DemoJobs.make(count: 400, pollsToFinish: 1, seed: 3)
        let dir = try TempDir()
        try dir.write("jobs.txt", jobs.map(\.id).joined(separator: "\n"))
        let lines = try await withSimulator(configuration, jobs: jobs) { sim -> Int in
            let p = try CLIProcess.start(
                ["fetch", "--server-url", sim.baseURL, "--login-url", sim.baseURL, "--job-ids", "jobs.txt", "--archive", "archive", "--concurrency", "4"],
                in: dir, environment: simulatorLogin)
            // Wait until some responses are archived, then kill without warning.
            let start = Date()
            var archived = 0
            while archived < 40, Date().timeIntervalSince(start) < 30 {
                try await Task.sleep(nanoseconds: 20_000_000)
                archived =
                    (try? dir.files(in: "archive", endingWith: ".ndjson").first.map { try String(contentsOf: $0, encoding: .utf8) })??
                    .split(separator: "\n").count ?? 0
            }
            kill(p.process.processIdentifier, SIGKILL)
            let r = try await p.wait()
            #expect(r.status == SIGKILL || p.process.terminationReason == .uncaughtSignal)
            return archived
        }
        let file = try #require(try dir.files(in: "archive", endingWith: ".ndjson").first)
        let parsed = try archiveLines(file)
        #expect(parsed.count >= lines && parsed.count < 400, "\(parsed.count) lines: the kill did not land mid-fetch")
        #expect(parsed.allSatisfy { $0["response"] is [String: Any] && $0["jobId"] is String })
        let r = try report(dir, inputs: ["archive"], name: "k")
        #expect(r.report.reconciliation.holds)
        #expect(r.report.reconciliation.documentsRead == parsed.count)
        #expect(r.report.reconciliation.rejected == 0)
        #expect(r.report.reconciliation.jobsReported == Set(parsed.compactMap { $0["jobId"] as? String }).count)
    }

    @Test("job IDs from standard input; exit 0 and the summary when every job is fetched")
    func standardInput() async throws {
        let jobs = DemoJobs.make(count: 3, pollsToFinish: 1)
        let dir = try TempDir()
        try await withSimulator(jobs: jobs) { sim in
            let p = Process()
            p.executableURL = try builtBinary("chargeback")
            p.arguments = ["fetch", "--server-url", sim.baseURL, "--login-url", sim.baseURL, "--job-ids", "-", "--archive", "archive"]
            p.currentDirectoryURL = dir.url
            p.environment = simulatorLogin
            let input = Pipe()
            let err = dir.url.appendingPathComponent("stderr.txt")
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            p.standardInput = input
            p.standardError = try FileHandle(forWritingTo: err)
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            input.fileHandleForWriting.write(Data(("# from a pipe\n" + jobs.map(\.id).joined(separator: "\n") + "\n" + jobs[0].id + "\n").utf8))
            try input.fileHandleForWriting.close()
            let r = try await CLIProcess(process: p, stdout: err, stderr: err).wait()
            #expect(r.status == 0)
            #expect(r.stderr.contains("fetch — 3 jobs (1 duplicate IDs ignored)"))
            #expect(r.stderr.contains("fetched      3  (terminal 3, still open 0)"))
            #expect(r.stderr.contains("archived     3 responses in "))
        }
    }
}

/// Waits synchronously for a process that needs no server.
func runToEnd(_ p: CLIProcess) throws -> (status: Int32, stderr: String) {
    p.process.waitUntilExit()
    return (p.process.terminationStatus, (try? String(contentsOf: p.stderr, encoding: .utf8)) ?? "")
}
