import Foundation
import Testing

@testable import ChargebackKit

/// `source reason` of every reject, in report order.
func rejectList(_ outcome: ReportOutcome) -> [String] {
    outcome.report.rejects.map { "\($0.source) \($0.reason)" }
}

/// A job with its own job ID and run.
func hostileJob(_ n: Int, _ overrides: [String: Any?] = [:]) -> String {
    var fields: [String: Any?] = ["sessionLogUrl": "l/jobs/HOSTILE\(n)/logs", "runId": n]
    for (k, v) in overrides { fields[k] = v }
    return docA(fields)
}

@Suite("Hostile inputs: each ends in a stated reject or error, never a crash, a hang or a silent loss")
struct HostileInputTests {
    @Test("a 200 MB single-line document is one document; a 1 MB broken line is one malformed_json with a 200-character excerpt")
    func hugeLine() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("in/huge.ndjson")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let file = try FileHandle(forWritingTo: url)
        // The bulk is an unknown field, ignored by the decoder: the job itself is ordinary.
        let padding = 200 << 20
        try file.write(contentsOf: Data("{\"padding\":\"".utf8))
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<(padding >> 20) { try file.write(contentsOf: chunk) }
        try file.write(contentsOf: Data(("\"," + hostileJob(1).dropFirst() + "\n").utf8))
        try file.write(contentsOf: Data((hostileJob(2) + "\n").utf8))
        try file.write(contentsOf: Data("{\"status\":\"".utf8) + chunk + Data("\n".utf8))
        try file.close()
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        #expect(size > 201 << 20)

        let clock = ContinuousClock()
        var outcome: ReportOutcome?
        let elapsed = try clock.measure { outcome = try runReport(dir) { $0.format = "csv" } }
        let report = try #require(outcome).report
        #expect(report.reconciliation == Reconciliation(documentsRead: 3, jobsReported: 2, outOfPeriod: 0, superseded: 0, duplicates: 0, rejected: 1))
        #expect(rejectList(try #require(outcome)) == ["in/huge.ndjson:3 malformed_json"])
        #expect(report.rejects[0].detail == "invalid JSON at column 11: unterminated string")
        #expect(report.rejects[0].excerpt == "{\"status\":\"" + String(repeating: "x", count: 189))
        #expect(report.inputs.map(\.bytes) == [Int64(size)])
        #expect(report.lineItems.map { $0.job.jobId } == ["HOSTILE1", "HOSTILE2"])
        // Generous for a debug build on a shared 2-core machine (about 20 s); a release build takes
        // a few seconds. No bound under a sanitizer, which is many times slower.
        if !underSanitizer { #expect(elapsed < .seconds(120), "reading 200 MB took \(elapsed)") }
    }

    @Test("JSON nested 100,000 levels deep is malformed_json (nesting too deep), without a stack overflow")
    func deepNesting() throws {
        let dir = try TempDir()
        let depth = 100_000
        try dir.write("in/deep.json", String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        let object = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        try dir.write("in/deep.ndjson", hostileJob(1) + "\n" + object + "\n" + hostileJob(2, ["errorMessage": ["a": [[[["deep enough"]]]]]]) + "\n")
        let envelope = "{\"jobId\":\"J\",\"fetchedAt\":\"2026-10-01T00:00:00Z\",\"response\":\(object)}"
        try dir.write("in/fetch-1.ndjson", envelope + "\n")
        let outcome = try runReport(dir)
        #expect(
            rejectList(outcome) == [
                "in/deep.json malformed_json", "in/deep.ndjson:2 malformed_json", "in/deep.ndjson:3 bad_type:errorMessage",
                "in/fetch-1.ndjson:1 malformed_json",
            ])
        #expect(outcome.report.rejects.filter { $0.reason == .malformedJSON }.allSatisfy { $0.detail.hasSuffix("nesting too deep") })
        #expect(outcome.report.reconciliation.jobsReported == 1)
        #expect(outcome.report.reconciliation.holds)
    }

    @Test("a configuration nested 100,000 levels deep is a configuration error (exit 1), not a crash")
    func deepConfig() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", hostileJob(1))
        try dir.write("deep.yaml", "rates: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n")
        let r = try runCLI(["report", "in", "--config", "deep.yaml", "--output", "out"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains("deep.yaml:1: not valid YAML: Maximum nesting level reached"), "stderr was: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out").path))
    }

    @Test("invalid UTF-8 inside or outside strings is malformed_json; the rest of the file is read")
    func invalidUTF8() throws {
        let dir = try TempDir()
        let good = Data((hostileJob(1) + "\n").utf8)
        var data = good
        data += Data(hostileJob(2, ["instanceName": "A\u{1}B"]).utf8).replacing(Data([0x5C, 0x75, 0x30, 0x30, 0x30, 0x31]), with: Data([0xFF, 0xFE]))
        data += Data("\n".utf8)
        data += Data(hostileJob(3).utf8) + Data([0xC0, 0xAF]) + Data("\n".utf8)  // an overlong "/" after the object
        data += Data("{\"status\":\"".utf8) + Data([0xED, 0xA0, 0x80]) + Data("\",\"x\":\"\\n\"}\n".utf8)  // a UTF-8-encoded surrogate
        data += Data("{\"status\":\"\\t".utf8) + Data([0xE2, 0x82]) + Data("\"}\n".utf8)  // truncated sequence after an escape
        try dir.write("in/a.ndjson", data)
        let outcome = try runReport(dir)
        #expect(rejectList(outcome) == (2...5).map { "in/a.ndjson:\($0) malformed_json" })
        #expect(
            outcome.report.rejects.map(\.detail) == [
                "invalid JSON at column \(hostileJob(2).utf8.count - hostileJob(2).split(separator: "\"instanceName\":\"")[1].utf8.count + 1): invalid UTF-8 in string",
                "invalid JSON at column \(hostileJob(3).utf8.count + 1): unexpected text after the JSON value",
                "invalid JSON at column 12: invalid UTF-8 in string",
                "invalid JSON at column 11: invalid UTF-8 in string",
            ])
        // Excerpts are valid UTF-8 text, with U+FFFD where the bytes were not.
        #expect(outcome.report.rejects[0].excerpt.contains("A\u{FFFD}\u{FFFD}B"))
        #expect(outcome.report.lineItems.count == 1)
        #expect(outcome.report.reconciliation.holds)
    }

    @Test("a NUL byte: raw in a string or a line is malformed_json; escaped, it is text that audit.xml turns into U+FFFD")
    func nulByte() throws {
        let dir = try TempDir()
        var data = Data((hostileJob(1, ["instanceName": "before\u{0}after"]) + "\n").utf8)
        #expect(String(decoding: data, as: UTF8.self).contains("before\\u0000after"))
        data += Data(hostileJob(2).utf8).replacing(Data("Demo-2".utf8), with: Data("De\u{0}mo".utf8)) + Data("\n".utf8)
        data += Data([0]) + Data("\n".utf8)
        try dir.write("in/a.ndjson", data)
        try dir.write("in/b.json", Data(repeating: 0, count: 64))
        let outcome = try runReport(dir)
        #expect(rejectList(outcome) == ["in/a.ndjson:2 malformed_json", "in/a.ndjson:3 malformed_json", "in/b.json malformed_json"])
        let nulColumn = hostileJob(2).utf8.count - hostileJob(2).split(separator: "Demo-2")[1].utf8.count - 3
        #expect(
            outcome.report.rejects.map(\.detail).prefix(2) == [
                "invalid JSON at column \(nulColumn): control character in string", "invalid JSON at column 1: unexpected character",
            ])
        #expect(outcome.report.lineItems.map { $0.job.instanceName } == ["before\u{0}after"])
        let xml = try dir.read("out/audit.xml")
        #expect(xml.contains("<instance_name>before\u{FFFD}after</instance_name>"))
        #expect(!xml.utf8.contains(0))
        let csv = try Data(contentsOf: dir.url.appendingPathComponent("out/line-items.csv"))
        #expect(try parseCSVWithPython(Array(csv))[1][6] == "before\u{0}after")
    }

    @Test("a UTF-8 byte order mark starts a file in every layout, also across block boundaries; inside a file it is malformed_json")
    func byteOrderMark() throws {
        let dir = try TempDir()
        let bom = Data([0xEF, 0xBB, 0xBF])
        try dir.write("in/a.json", bom + Data(hostileJob(1).utf8))
        try dir.write("in/b.json", bom + Data(("[" + hostileJob(2) + "]").utf8))
        try dir.write("in/c.ndjson", bom + Data((hostileJob(3) + "\n" + hostileJob(4) + "\n").utf8))
        try dir.write("in/d.ndjson", Data((hostileJob(5) + "\n").utf8) + bom + Data((hostileJob(6) + "\n").utf8))
        try dir.write("in/e.ndjson.gz", try gzipped(bom + Data(hostileJob(7).utf8)))
        let outcome = try runReport(dir)
        #expect(rejectList(outcome) == ["in/d.ndjson:2 malformed_json"])
        #expect(outcome.report.rejects[0].detail == "invalid JSON at column 1: unexpected character")
        #expect(Set(outcome.report.lineItems.compactMap { $0.job.jobId }) == Set([1, 2, 3, 4, 5, 7].map { "HOSTILE\($0)" }))

        // Standard input, and an NDJSON file read in blocks smaller than its first line.
        let stdin = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 1, standardInput: { bom + Data(hostileJob(8).utf8) })
        #expect(stdin.read(try InputPlan(paths: ["-"], workingDirectory: dir.url)).documents.map(\.jobId) == ["HOSTILE8"])
        for blockSize in [1, 2, 3, 4, 7, 64] {
            var reader = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 1)
            reader.blockSize = blockSize
            let r = reader.read(try InputPlan(paths: ["in/c.ndjson"], workingDirectory: dir.url))
            #expect(r.rejects.isEmpty, "blocks of \(blockSize) bytes: \(r.rejects.map(\.detail))")
            #expect(r.documents.map(\.jobId) == ["HOSTILE3", "HOSTILE4"])
            #expect(r.documents.first?.text == hostileJob(3))
        }
    }

    @Test(
        "numbers Decimal cannot hold exactly (1e400, 1e-400, 39 significant digits) are bad_type; 38 digits and trailing zeros are exact",
        arguments: [
            ("1e400", "bad_type:consumedServerlessComputeUnits"),
            ("-1e400", "bad_type:consumedServerlessComputeUnits"),
            ("1e-400", "bad_type:consumedServerlessComputeUnits"),
            ("\"1e400\"", "bad_type:consumedServerlessComputeUnits"),
            ("340282366920938463463374607431768211456", "bad_type:consumedServerlessComputeUnits"),
            ("1.0000000000000000000000000000000000000000001", "bad_type:consumedServerlessComputeUnits"),
            ("99999999999999999999999999999999999999", "99999999999999999999999999999999999999"),
            ("1.50000000000000000000000000000000000000000000", "1.5"),
            ("1e100", "1" + String(repeating: "0", count: 100)),
        ])
    func hugeNumbers(cu: String, expected: String) throws {
        let text = hostileJob(1, ["consumedServerlessComputeUnits": Raw(cu)])
        switch decodeOne(text) {
        case .success(let doc): #expect(doc.content.consumedCU.map(ExactDecimal.plain) == expected)
        case .failure(let reject):
            #expect(reject.reason.code == expected)
            #expect(
                reject.detail
                    == "consumedServerlessComputeUnits is a number beyond what is kept exactly (at most 38 significant digits, exponents within ±127), got \(cu)"
            )
        }
    }

    @Test("1e400 as a task ID, an assigned CU or a rate: a reject or a configuration error naming the field")
    func hugeNumbersElsewhere() throws {
        #expect(decodeOne(hostileJob(1, ["codeTaskId": Raw("1e400")])).failure?.reason.code == "bad_type:codeTaskId")
        #expect(
            decodeOne(hostileJob(1, ["codeTaskId": "1e400"])).failure?.detail
                == "codeTaskId is a number beyond what is kept exactly (at most 38 significant digits, exponents within ±127), got \"1e400\"")
        #expect(decodeOne(hostileJob(1, ["codeTaskId": "twelve"])).failure?.detail == "codeTaskId must be a number, got \"twelve\"")
        #expect(decodeOne(hostileJob(1, ["codeTaskId": Raw("1e18")])).failure?.reason.code == nil)
        #expect(decodeOne(hostileJob(1, ["codeTaskId": Raw("1e19")])).failure?.reason.code == "bad_type:codeTaskId")
        #expect(decodeOne(hostileJob(1, ["assignedServerlessComputeUnits": Raw("1E+400")])).failure?.reason.code == "bad_type:assignedServerlessComputeUnits")
        #expect(throws: ConfigError(file: "c.yaml", line: 2, message: "rate must be a decimal number, got \"1e400\"")) {
            try ChargebackConfig.parse("rates:\n  default: 1e400\n", path: "c.yaml")
        }
    }

    @Test("duplicate member names are malformed_json, at any depth and in envelopes, whichever value comes last")
    func duplicateKeys() throws {
        let dir = try TempDir()
        let job = hostileJob(1)
        let lines = [
            String(job.dropLast()) + ",\"status\":\"RUNNING\"}",
            String(job.dropLast()) + ",\"status\":\"SUCCEEDED\"}",
            String(job.dropLast()) + ",\"extra\":{\"k\":1,\"k\":1}}",
            "{\"jobId\":\"J\",\"jobId\":\"K\",\"fetchedAt\":\"2026-10-01T00:00:00Z\",\"response\":\(hostileJob(2))}",
            hostileJob(3, ["extra": ["k": 1, "K": 2]]),
        ]
        try dir.write("in/a.ndjson", lines.joined(separator: "\n"))
        try dir.write("in/b.json", "[" + hostileJob(4) + "," + String(hostileJob(5).dropLast()) + ",\"runId\":6}]")
        let outcome = try runReport(dir)
        #expect(
            rejectList(outcome) == [
                "in/a.ndjson:1 malformed_json", "in/a.ndjson:2 malformed_json", "in/a.ndjson:3 malformed_json", "in/a.ndjson:4 malformed_json",
                "in/b.json malformed_json",
            ])
        #expect(
            outcome.report.rejects.map { $0.detail.components(separatedBy: ": ").last! } == [
                "duplicate member name \"status\"", "duplicate member name \"status\"", "duplicate member name \"k\"", "duplicate member name \"jobId\"",
                "duplicate member name \"runId\"",
            ])
        #expect(outcome.report.rejects[0].detail == "invalid JSON at column \(job.utf8.count + 1): duplicate member name \"status\"")
        // Names differing in case are different names; an array with a bad element is one reject for the file.
        #expect(outcome.report.lineItems.compactMap { $0.job.jobId } == ["HOSTILE3"])
        #expect(outcome.report.reconciliation.documentsRead == 6)
    }

    @Test("a truncated .gz is one unreadable_file reject; so are an empty one, a corrupt one and one with trailing garbage")
    func truncatedGzip() throws {
        let dir = try TempDir()
        let whole = try gzipped(Data((hostileJob(1) + "\n" + hostileJob(2) + "\n").utf8))
        try dir.write("in/a.ndjson.gz", whole.prefix(whole.count - 9))
        try dir.write("in/b.ndjson.gz", whole.prefix(12))
        try dir.write("in/c.json.gz", Data())
        var corrupt = whole
        corrupt[corrupt.count - 6] ^= 0xFF  // the CRC
        try dir.write("in/d.ndjson.gz", corrupt)
        try dir.write("in/e.ndjson.gz", whole + Data("garbage".utf8))
        try dir.write("in/f.ndjson.gz", whole + whole)
        let outcome = try runReport(dir)
        #expect(rejectList(outcome) == ["a", "b", "c", "d", "e"].map { "in/\($0).\($0 == "c" ? "json" : "ndjson").gz unreadable_file" })
        #expect(
            outcome.report.rejects.map(\.detail) == [
                "cannot decompress: truncated gzip stream", "cannot decompress: truncated gzip stream", "cannot decompress: empty file",
                "cannot decompress: not valid gzip data (incorrect data check)", "cannot decompress: not valid gzip data (incorrect header check)",
            ])
        // Concatenated members are read; the digest is of the bytes on disk, also for a truncated file.
        #expect(outcome.report.reconciliation == Reconciliation(documentsRead: 9, jobsReported: 2, outOfPeriod: 0, superseded: 0, duplicates: 2, rejected: 5))
        #expect(outcome.report.inputs.first { $0.path == "in/a.ndjson.gz" }?.bytes == Int64(whole.count - 9))
        #expect(outcome.report.inputs.first { $0.path == "in/a.ndjson.gz" }?.sha256 != nil)
    }

    @Test("symbolic-link loops: every file is read once, a self-referencing link is a skipped file, the walk ends")
    func symlinkLoop() throws {
        let dir = try TempDir()
        try dir.write("in/a/x.json", hostileJob(1))
        try dir.write("in/b/y.ndjson", hostileJob(2))
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: dir.url.appendingPathComponent("in/a/up").path, withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: dir.url.appendingPathComponent("in/b/to-a").path, withDestinationPath: "../a")
        try fm.createSymbolicLink(atPath: dir.url.appendingPathComponent("in/a/root").path, withDestinationPath: dir.url.path)
        try fm.createSymbolicLink(atPath: dir.url.appendingPathComponent("in/self.json").path, withDestinationPath: "self.json")
        try fm.createSymbolicLink(atPath: dir.url.appendingPathComponent("in/z.json").path, withDestinationPath: "a/x.json")
        let outcome = try runReport(dir)
        #expect(outcome.report.inputs.map(\.path) == ["in/a/x.json", "in/b/y.ndjson"])
        #expect(outcome.report.skippedFiles == ["in/self.json"])
        #expect(outcome.report.reconciliation == Reconciliation(documentsRead: 2, jobsReported: 2, outOfPeriod: 0, superseded: 0, duplicates: 0, rejected: 0))
    }

    @Test("a file deleted between planning and reading is one unreadable_file reject naming the cause")
    func vanishedFile() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", hostileJob(1))
        try dir.write("in/b.ndjson", hostileJob(2))
        try dir.write("in/c.json", hostileJob(3))
        let plan = try InputPlan(paths: ["in"], workingDirectory: dir.url)
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("in/a.json"))
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("in/b.ndjson"))
        let r = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 2).read(plan)
        #expect(
            r.rejects.map { "\($0.source) \($0.reason) \($0.detail)" } == [
                "in/a.json unreadable_file cannot read the file: No such file or directory",
                "in/b.ndjson unreadable_file cannot read the file: No such file or directory",
            ])
        #expect(r.documents.map(\.jobId) == ["HOSTILE3"])
        #expect(r.files.map(\.sha256).map { $0 == nil } == [true, true, false])
    }

    @Test("a pipe whose writer stops mid-document: what arrived is read, the cut line is malformed_json")
    func pipeCutShort() throws {
        let dir = try TempDir()
        let fifo = dir.url.appendingPathComponent("feed.ndjson")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let text = hostileJob(1) + "\n" + String(hostileJob(2).prefix(40))
        let writer = Thread {
            let fd = open(fifo.path, O_WRONLY)
            _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count - 1) }
            close(fd)
        }
        writer.start()
        let outcome = try runReport(dir, inputs: ["feed.ndjson"])
        #expect(rejectList(outcome) == ["feed.ndjson:2 malformed_json"])
        #expect(outcome.report.rejects[0].excerpt == String(hostileJob(2).prefix(40)))
        #expect(outcome.report.lineItems.compactMap { $0.job.jobId } == ["HOSTILE1"])
    }

    @Test("a named pipe inside a directory is an unreadable_file reject, not a hang; one named on the command line is read")
    func pipeInDirectory() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", hostileJob(1))
        #expect(mkfifo(dir.url.appendingPathComponent("in/pipe.ndjson").path, 0o600) == 0)
        #expect(mkfifo(dir.url.appendingPathComponent("in/notes.txt").path, 0o600) == 0)
        let outcome = try runReport(dir)
        #expect(rejectList(outcome) == ["in/pipe.ndjson unreadable_file"])
        #expect(outcome.report.rejects[0].detail == "not a regular file (a named pipe, socket or device): only regular files are read in a directory")
        #expect(outcome.report.skippedFiles == ["in/notes.txt"])
        #expect(outcome.report.lineItems.count == 1)
    }

    @Test("unreadable files (root reads everything else): /proc files failing with EIO, EINVAL and EACCES; a directory as --config; exit statuses")
    func unreadableFiles() throws {
        let dir = try TempDir()
        try dir.write("in/ok.json", hostileJob(1))
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("in/sub"), withIntermediateDirectories: true)
        let traps = [
            ("a.json", "/proc/self/mem", "Input/output error"), ("b.ndjson", "/proc/thread-self/mem", "Input/output error"),
            ("c.json.gz", "/proc/self/clear_refs", "Invalid argument"), ("d.gz", "/proc/sys/vm/drop_caches", "Permission denied"),
        ]
        for (name, target, _) in traps {
            try FileManager.default.createSymbolicLink(atPath: dir.url.appendingPathComponent("in/sub/" + name).path, withDestinationPath: target)
        }
        let r = try runCLI(["report", "in", "--output", "out", "--quiet"], in: dir.url)
        #expect(r.status == 0)
        let rejects = try dir.read("out/rejects.csv")
        #expect(
            rejects == "source,reason,detail,excerpt\r\n"
                + traps.map { "in/sub/\($0.0),unreadable_file,cannot read the file: \($0.2),\r\n" }.joined())
        let manifest = try dir.read("out/manifest.json")
        #expect(manifest.contains("\"documents_read\": 5"))
        #expect(manifest.contains("\"sha256\": null"))
        let strict = try runCLI(["report", "in", "--output", "out", "--quiet", "--strict"], in: dir.url)
        #expect(strict.status == 3)

        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("conf.yaml"), withIntermediateDirectories: true)
        let config = try runCLI(["report", "in", "--config", "conf.yaml", "--output", "out2"], in: dir.url)
        #expect(config.status == 1)
        #expect(config.stderr == "chargeback: error: conf.yaml: cannot read the configuration file: Is a directory\n")
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out2").path))
    }
}

/// Whether the tests run under `swift test --sanitize=thread` or `=address`.
let underSanitizer = ["__tsan_init", "__asan_init"].contains { (name: String) in dlsym(nil, name) != nil }

/// `data` compressed by the system's gzip.
func gzipped(_ data: Data) throws -> Data {
    let dir = try TempDir()
    let f = try dir.write("x", data)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/gzip")
    p.arguments = ["-n", "-k", f.path]
    try p.run()
    p.waitUntilExit()
    return try Data(contentsOf: dir.url.appendingPathComponent("x.gz"))
}

extension Data {
    /// A copy with every occurrence of `target` replaced.
    func replacing(_ target: Data, with replacement: Data) -> Data {
        var out = Data()
        var i = startIndex
        while i < endIndex {
            if self[i...].starts(with: target) {
                out += replacement
                i += target.count
            } else {
                out.append(self[i])
                i += 1
            }
        }
        return out
    }
}

extension Result {
    /// The error, if any.
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
