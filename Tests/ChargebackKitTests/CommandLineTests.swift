import Foundation
import Testing

@testable import ChargebackKit

/// Runs the real `chargeback` executable and captures its exit status and output.
func runCLI(_ args: [String], in dir: URL, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = try chargebackBinary()
    p.arguments = args
    p.currentDirectoryURL = dir
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite("The chargeback command: exit statuses and messages (SPEC 3.8)")
struct CommandLineTests {
    @Test("a normal run: exit 0, nothing on stdout, the summary with the reconciliation on stderr")
    func success() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let r = try runCLI(["report", "in", "--output", "out"], in: dir.url)
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("reconciliation  holds: documents_read 1 = jobs_reported 1 + out_of_period 0 + superseded 0 + duplicates 0 + rejected 0"))
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out/summary.csv").path))
        let quiet = try runCLI(["report", "in", "--output", "out", "--quiet"], in: dir.url)
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty)
    }

    @Test(
        "usage errors: exit 1, a message naming the problem, no stack trace, nothing written",
        arguments: [
            (["report", "in", "--period", "2026-13"], "--period \"2026-13\" is not valid"),
            (["report", "in", "--timezone", "Mars/Olympus"], "--timezone \"Mars/Olympus\" is not valid"),
            (["report", "in", "--group-by", "org,planet"], "unknown: \"planet\""),
            (["report", "in", "--format", "pdf"], "--format \"pdf\" is not valid"),
            (["report", "missing-dir"], "no such file or directory: missing-dir"),
            (["report"], "name at least one input"),
            (["report", "in", "--bogus"], "Unknown option '--bogus'"),
            (["report", "in", "--period", "2026-10", "--from", "2026-10-01"], "--period cannot be combined with --from/--to"),
        ])
    func usage(args: [String], message: String) throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let r = try runCLI(args + ["--output", "out"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out").path))
    }

    @Test("an output that cannot be written: exit 2")
    func outputError() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        try dir.write("out", "a file, not a directory")
        let r = try runCLI(["report", "in", "--output", "out"], in: dir.url)
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write"))
        #expect(r.stderr.contains("it exists and is not a directory"))
    }

    @Test("--strict with a reject: every report written, exit 3")
    func strict() throws {
        let dir = try TempDir()
        try dir.write("in/a.ndjson", docA() + "\n{broken\n")
        let r = try runCLI(["report", "in", "--output", "out", "--strict"], in: dir.url)
        #expect(r.status == 3)
        #expect(try dir.read("out/rejects.csv").contains("in/a.ndjson:2,malformed_json"))
    }

    @Test("--output - sends one format to stdout; --help exits 0")
    func stdoutAndHelp() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let r = try runCLI(["report", "in", "--output", "-", "--format", "summary", "--quiet"], in: dir.url)
        #expect(r.status == 0)
        #expect(
            r.stdout
                == "cost_center,org_id,user,jobs,succeeded,failed,cancelled,open,duration_seconds,consumed_cu,cost,currency\r\nUNALLOCATED,kuJVH54wm6gfhVj4QEdboY,coder@examplecompany.com,1,1,0,0,0,300.000,1.25,0.00,USD\r\n"
        )
        let help = try runCLI(["report", "--help"], in: dir.url)
        #expect(help.status == 0)
        #expect(help.stdout.contains("--attribute-by"))
    }

    @Test("SOURCE_DATE_EPOCH makes two runs byte-identical")
    func reproducible() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        _ = try runCLI(["report", "in", "--output", "o1", "--quiet"], in: dir.url, environment: ["SOURCE_DATE_EPOCH": "1790000000"])
        _ = try runCLI(["report", "in", "--output", "o2", "--quiet"], in: dir.url, environment: ["SOURCE_DATE_EPOCH": "1790000000"])
        #expect(try dir.read("o1/manifest.json") == (try dir.read("o2/manifest.json")))
    }
}
