import ChargebackKit
import Foundation
import Testing

@testable import ChargebackFetch

@Suite("fetch: job lists, retry policy, credentials, archive lines")
struct FetchUnitTests {
    @Test("job IDs: one per line, # comments, blank lines, duplicates removed in first-seen order")
    func jobIDs() throws {
        let list = try JobIDList(
            text: "# jobs of October\n\nbbbbbbbbbbbbbbbbbbbbbb\naaaaaaaaaaaaaaaaaaaaaa   # the nightly load\r\n  bbbbbbbbbbbbbbbbbbbbbb\ncccc-cccc_cccc\n",
            source: "jobs.txt")
        #expect(list.ids == ["bbbbbbbbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaaaaaaaa", "cccc-cccc_cccc"])
        #expect(list.duplicates == 1)
        #expect(throws: FetchError.jobIDs(source: "jobs.txt", reason: "no job IDs found (one per line; # starts a comment)")) {
            try JobIDList(text: "# nothing\n\n", source: "jobs.txt")
        }
        #expect(
            throws: FetchError.jobIDs(
                source: "jobs.txt", reason: "line 2: \"a/../../x\" is not a job ID (expected letters, digits, - and _ only, one ID per line)")
        ) {
            try JobIDList(text: "ok\na/../../x\n", source: "jobs.txt")
        }
    }

    @Test("Retry-After: whole seconds, or an HTTP date in any of its three forms; a past date means now")
    func retryAfter() {
        let now = RetryPolicy.httpDate("Sun, 06 Nov 1994 08:49:37 GMT")!
        #expect(RetryPolicy.retryAfter("120", now: now) == 120)
        #expect(RetryPolicy.retryAfter(" 0 ", now: now) == 0)
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == 30)
        #expect(RetryPolicy.retryAfter("Sunday, 06-Nov-94 08:49:47 GMT", now: now) == 10)
        #expect(RetryPolicy.retryAfter("Sun Nov  6 08:49:42 1994", now: now) == 5)
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)
        #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
        #expect(RetryPolicy.retryAfter("-5", now: now) == nil)
        #expect(RetryPolicy.retryAfter(nil, now: now) == nil)
        #expect(RetryPolicy.formatHTTPDate(now) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test("backoff: full jitter under a ceiling of 0.5 s doubling per retry, capped at 30 s")
    func backoff() {
        var p = RetryPolicy()
        p.random = { $0.upperBound }
        #expect((1...8).map { p.backoff(retry: $0) } == [0.5, 1, 2, 4, 8, 16, 30, 30])
        p.random = { $0.lowerBound }
        #expect(p.backoff(retry: 3) == 0)
        let real = RetryPolicy()
        let samples = (0..<200).map { _ in real.backoff(retry: 2) }
        #expect(samples.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(Set(samples).count > 100, "the delay is not jittered")
        #expect(real.maxAttempts == 6)
        #expect(RetryPolicy.retryableStatuses == [408, 429, 500, 502, 503, 504])
    }

    @Test("--session-id-file must be 0600 or stricter; the error names the fix")
    func sessionFileMode() throws {
        let dir = try TempDir()
        let file = try dir.write("session", "abcDEF123\n")
        chmod(file.path, 0o644)
        #expect(throws: FetchError.sessionFileTooOpen(path: file.path, mode: "0644")) {
            try Credentials.resolve(environment: [:], sessionIDFile: file, loginURL: nil)
        }
        #expect(FetchError.sessionFileTooOpen(path: file.path, mode: "0644").errorDescription!.contains("chmod 600 \(file.path)"))
        chmod(file.path, 0o640)
        #expect(throws: FetchError.self) { try Credentials.resolve(environment: [:], sessionIDFile: file, loginURL: nil) }
        chmod(file.path, 0o600)
        let c = try Credentials.resolve(environment: ["IICS_SESSION_ID": "from-env"], sessionIDFile: file, loginURL: nil)
        #expect(c.session?.revealed == "abcDEF123")
        #expect(c.sessionOrigin == "--session-id-file \(file.path)")
        chmod(file.path, 0o400)
        #expect(try Credentials.resolve(environment: [:], sessionIDFile: file, loginURL: nil).session?.revealed == "abcDEF123")
    }

    @Test("credentials: what is missing is named; a session or a complete login is required")
    func credentials() throws {
        let login = URL(string: "https://dm-us.informaticacloud.com")!
        #expect(throws: FetchError.noCredentials) { try Credentials.resolve(environment: [:], sessionIDFile: nil, loginURL: login) }
        #expect(throws: FetchError.self) { try Credentials.resolve(environment: ["IICS_USERNAME": "u"], sessionIDFile: nil, loginURL: login) }
        #expect(throws: FetchError.self) {
            try Credentials.resolve(environment: ["IICS_USERNAME": "u", "IICS_PASSWORD": "p"], sessionIDFile: nil, loginURL: nil)
        }
        let c = try Credentials.resolve(environment: ["IICS_USERNAME": "u", "IICS_PASSWORD": "p"], sessionIDFile: nil, loginURL: login)
        #expect(c.canLogIn && c.session == nil)
        let s = try Credentials.resolve(environment: ["IICS_SESSION_ID": " s3ss10n \n"], sessionIDFile: nil, loginURL: nil)
        #expect(s.session?.revealed == "s3ss10n" && !s.canLogIn)
        #expect(throws: FetchError.self) { try Credentials.resolve(environment: ["IICS_SESSION_ID": "a b"], sessionIDFile: nil, loginURL: nil) }
    }

    @Test("a secret never prints")
    func secretRedacted() {
        let s = Secret("hunter2")
        #expect("\(s)" == "<redacted>")
        #expect(String(reflecting: s) == "<redacted>")
        var dumped = ""
        dump(Credentials(session: s, sessionOrigin: "x", username: "u", password: s, loginURL: nil), to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }

    @Test("URLs: https, or plain http to this machine only; no credentials, query or fragment")
    func urls() throws {
        #expect(
            try FetchRun.parseURL("https://usw3.dm-us.informaticacloud.com/", option: "--server-url", example: "").absoluteString
                == "https://usw3.dm-us.informaticacloud.com")
        #expect(try FetchRun.parseURL("http://127.0.0.1:8089", option: "--server-url", example: "").absoluteString == "http://127.0.0.1:8089")
        #expect(throws: UsageError.self) { try FetchRun.parseURL("http://usw3.dm-us.informaticacloud.com", option: "--server-url", example: "") }
        #expect(throws: UsageError.self) { try FetchRun.parseURL("ftp://x", option: "--server-url", example: "") }
        #expect(throws: UsageError.self) { try FetchRun.parseURL("https://x.com/?a=1", option: "--server-url", example: "") }
        #expect(throws: FetchError.self) { try FetchRun.parseURL("https://me:pw@x.com", option: "--login-url", example: "") }
    }

    @Test("a password or session ID on the command line is refused with where to put it instead")
    func secretArguments() {
        #expect(SecretArguments.refusal(["fetch", "--password", "x"])?.errorDescription?.contains("IICS_PASSWORD") == true)
        #expect(SecretArguments.refusal(["fetch", "--password=x"])?.errorDescription?.contains("IICS_PASSWORD") == true)
        #expect(SecretArguments.refusal(["fetch", "--session-id", "x"])?.errorDescription?.contains("IICS_SESSION_ID") == true)
        #expect(SecretArguments.refusal(["fetch", "--session-id-file", "f"]) == nil)
        #expect(SecretArguments.refusal(["report", "--", "--password"]) == nil)
    }

    @Test("an archive line: the envelope, then the body verbatim with its line breaks as spaces")
    func archiveLine() {
        let body = Array("\n{\n  \"status\": \"RUNNING\",\r\n  \"note\": \"a\\nb\"\n}\n".utf8)
        let line = ArchiveWriter.line(jobId: "J1", orgId: "org\"1", fetchedAt: Date(timeIntervalSince1970: 1_790_000_000.1239), body: body)
        #expect(
            String(decoding: line, as: UTF8.self)
                == "{\"jobId\":\"J1\",\"orgId\":\"org\\\"1\",\"fetchedAt\":\"2026-09-21T14:13:20.123Z\",\"httpStatus\":200,\"response\":{   \"status\": \"RUNNING\",    \"note\": \"a\\nb\" }}\n"
        )
        let noOrg = ArchiveWriter.line(jobId: "J1", orgId: nil, fetchedAt: Date(timeIntervalSince1970: 0), body: Array("{}".utf8))
        #expect(
            String(decoding: noOrg, as: UTF8.self)
                == "{\"jobId\":\"J1\",\"orgId\":null,\"fetchedAt\":\"1970-01-01T00:00:00.000Z\",\"httpStatus\":200,\"response\":{}}\n")
        #expect(ArchiveWriter.stem(Date(timeIntervalSince1970: 1_793_512_800)) == "fetch-20261101T060000Z")
    }

    @Test("the server's message: IICS error objects, other JSON shapes, plain text")
    func serverMessage() {
        #expect(
            ServerMessage.of(status: 404, body: Array(#"{"error":{"code":"CT_404","message":"Job X was not found"}}"#.utf8)) == "HTTP 404: Job X was not found")
        #expect(ServerMessage.of(status: 403, body: Array(#"{"message":"Access denied"}"#.utf8)) == "HTTP 403: Access denied")
        #expect(ServerMessage.of(status: 400, body: Array("Bad\njob id".utf8)) == "HTTP 400: Bad job id")
        #expect(ServerMessage.of(status: 503, body: []) == "HTTP 503 Service Unavailable")
    }
}
