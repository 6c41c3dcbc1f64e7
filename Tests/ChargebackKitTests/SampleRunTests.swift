import Foundation
import Testing

@testable import ChargebackKit

/// The package's root directory, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `report` over the bundled samples into a fresh directory.
func runSamples(
    inputs: [String] = ["samples"], threads: Int? = nil, config: String? = "samples/chargeback.yaml", into out: URL,
    configure: (inout ReportOptions) -> Void = { _ in }
) throws -> ReportOutcome {
    var o = ReportOptions(inputs: inputs, workingDirectory: packageRoot)
    o.output = out.path
    o.asOf = "2026-11-01T06:00:00Z"
    o.config = config
    o.threads = threads
    configure(&o)
    return try ReportRun.execute(try ReportRun.resolve(o), standardInput: { Data() })
}

@Suite("The sample run: goldens, determinism, crash safety")
struct SampleRunTests {
    /// Golden files are re-recorded only on purpose: `CHARGEBACK_RECORD_GOLDENS=1 swift test`.
    @Test("the sample run's CSV outputs match the golden files byte for byte")
    func goldens() throws {
        let dir = try TempDir()
        let outcome = try runSamples(into: dir.url)
        #expect(outcome.report.reconciliation.holds)
        #expect(
            outcome.report.reconciliation
                == Reconciliation(documentsRead: 4066, jobsReported: 1502, outOfPeriod: 0, superseded: 2395, duplicates: 151, rejected: 18))
        let goldenDir = packageRoot.appendingPathComponent("Tests/ChargebackKitTests/Fixtures/golden")
        let record = ProcessInfo.processInfo.environment["CHARGEBACK_RECORD_GOLDENS"] == "1"
        for name in ["summary.csv", "line-items.csv", "rejects.csv", "focus.csv"] {
            let actual = try Data(contentsOf: dir.url.appendingPathComponent(name))
            let golden = goldenDir.appendingPathComponent(name)
            if record {
                try FileManager.default.createDirectory(at: goldenDir, withIntermediateDirectories: true)
                try actual.write(to: golden)
            }
            let expected = try Data(contentsOf: golden)
            #expect(actual == expected, "\(name) differs from its golden file; if the change is intended, re-record with CHARGEBACK_RECORD_GOLDENS=1")
        }
    }

    @Test("shuffled arguments and any thread count give byte-identical outputs")
    func determinism() throws {
        let a = try TempDir(), b = try TempDir(), c = try TempDir()
        _ = try runSamples(inputs: ["samples/vendor", "samples/2026-10"], threads: 1, into: a.url)
        _ = try runSamples(inputs: ["samples/2026-10", "samples/vendor"], threads: 4, into: b.url)
        _ = try runSamples(
            inputs: [
                "samples/2026-10/archive", "samples/vendor/job-status-running.json", "samples/vendor/job-status-failed.json",
                "samples/2026-10/jobs-2026-10.ndjson", "samples/2026-10/late-polls.ndjson.gz", "samples/2026-10/agent-polls.json",
            ], threads: 3, into: c.url)
        for name in ["summary.csv", "line-items.csv", "rejects.csv", "focus.csv"] {
            let x = try Data(contentsOf: a.url.appendingPathComponent(name))
            #expect(x == (try Data(contentsOf: b.url.appendingPathComponent(name))), "\(name) depends on argument order or threads")
            #expect(x == (try Data(contentsOf: c.url.appendingPathComponent(name))), "\(name) depends on how inputs are named")
        }
        #expect(try Data(contentsOf: a.url.appendingPathComponent("manifest.json")) == (try Data(contentsOf: b.url.appendingPathComponent("manifest.json"))))
    }

    @Test("a write that fails half-way leaves the old file and no temporary file")
    func atomicWrite() throws {
        let dir = try TempDir()
        let target = try dir.write("summary.csv", "old complete content\n")
        struct Boom: Error {}
        #expect(throws: OutputError.self) {
            try AtomicFile.write(to: target) { (fd: Int32) throws(OutputError) in
                let half = Array("new, half-writ".utf8)
                try half.withUnsafeBytes { raw in
                    Result { () throws(OutputError) in try AtomicFile.writeAll(fd, raw, path: target.path) }
                }.get()
                throw OutputError(path: target.path, reason: "disk full (simulated)")
            }
        }
        #expect(try dir.read("summary.csv") == "old complete content\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["summary.csv"])
        try AtomicFile.write(Array("new\n".utf8), to: target)
        #expect(try dir.read("summary.csv") == "new\n")
    }

    @Test("killing the process mid-run never leaves a partial report at a final path")
    func killMidRun() throws {
        let reference = try TempDir()
        _ = try runSamples(into: reference.url)
        let binary = try chargebackBinary()
        var sawPartialRun = false
        for step in 0..<16 {
            let out = try TempDir()
            let p = Process()
            p.executableURL = binary
            p.currentDirectoryURL = packageRoot
            p.arguments = ["report", "samples", "--config", "samples/chargeback.yaml", "--output", out.url.path, "--as-of", "2026-11-01T06:00:00Z", "--quiet"]
            try p.run()
            usleep(useconds_t(step * 25_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let present = try FileManager.default.contentsOfDirectory(atPath: out.url.path).filter { !$0.hasPrefix(".") }
            if present.count < OutputFile.allCases.count { sawPartialRun = true }
            for name in present {
                let got = try Data(contentsOf: out.url.appendingPathComponent(name))
                let want = try Data(contentsOf: reference.url.appendingPathComponent(name))
                #expect(got == want, "\(name) at its final path is not the complete report (step \(step))")
            }
        }
        #expect(sawPartialRun, "no kill landed before the run finished; the test proved nothing")

        // Over an earlier run's reports, with the kill aimed at the writing phase: every file at
        // its final path is the earlier one or the new complete one, never a mix of the two.
        let reports = try SampleReports()
        var mixed = 0
        for step in 0..<24 {
            let out = try TempDir()
            try reports.seed(out.url)
            let p = Process()
            p.executableURL = binary
            p.currentDirectoryURL = packageRoot
            p.arguments = ["report", "samples", "--config", "samples/chargeback.yaml", "--output", out.url.path, "--as-of", "2026-11-01T06:00:00Z", "--quiet"]
            try p.run()
            // Writing has begun when the first temporary file (".summary.csv.tmp-…") shows.
            let deadline = Date().addingTimeInterval(20)
            while p.isRunning, Date() < deadline, try !FileManager.default.contentsOfDirectory(atPath: out.url.path).contains(where: { $0.hasPrefix(".") }) {
                usleep(200)
            }
            usleep(useconds_t(step * 4_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            var fresh = 0
            for name in SampleReports.order {
                let got = try Data(contentsOf: out.url.appendingPathComponent(name))
                #expect(got == reports.old[name] || got == reports.new[name], "\(name) is neither the earlier report nor the new one (step \(step))")
                if got == reports.new[name] && got != reports.old[name] { fresh += 1 }
            }
            if fresh > 0 && fresh < SampleReports.order.count - 1 { mixed += 1 }
        }
        #expect(mixed > 0, "no kill landed while the reports were being written; the test proved nothing")
    }

    @Test("a later run removes the temporary files of a killed run, and leaves a live run's alone")
    func abandonedTemporaries() throws {
        let out = try TempDir()
        // A process that has exited stands for the killed run.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = ".summary.csv.tmp-\(gone.processIdentifier)-1a2b", live = ".summary.csv.tmp-\(getpid())-3c4d"
        let other = ".notes.txt.tmp-\(gone.processIdentifier)-5e6f"
        for name in [dead, live, other] { try out.write(name, "partial") }
        _ = try runSamples(into: out.url)
        let left = try FileManager.default.contentsOfDirectory(atPath: out.url.path).filter { $0.hasPrefix(".") }.sorted()
        #expect(left == [other, live].sorted())
    }
}

/// The `chargeback` executable built next to the test bundle.
func chargebackBinary() throws -> URL {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent(), dir.deletingLastPathComponent().deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("chargeback")
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue { return url }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "chargeback next to \(CommandLine.arguments[0])"])
}
