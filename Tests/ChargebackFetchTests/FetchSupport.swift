import ChargebackKit
import Foundation
import IICSSimulator
import Testing

@testable import ChargebackFetch

/// A temporary directory removed when the value is released.
final class TempDir: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("chargeback-fetch-test-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let f = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: f)
        return f
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    }

    /// Every file of `sub` whose name ends with `suffix`.
    func files(in sub: String, endingWith suffix: String) throws -> [URL] {
        let d = url.appendingPathComponent(sub)
        return try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.hasSuffix(suffix) }.sorted().map { d.appendingPathComponent($0) }
    }
}

/// The simulator's credentials, as a fetch reads them from the environment.
let simulatorLogin = ["IICS_USERNAME": "demo@example.com", "IICS_PASSWORD": "demo-password"]

/// The retry policy of SPEC 5.2 with short delays, so that retries take milliseconds.
var fastPolicy: RetryPolicy {
    var p = RetryPolicy()
    p.baseDelay = 0.01
    p.maxDelay = 0.05
    return p
}

/// Runs `body` with a simulator on 127.0.0.1 and stops it afterwards.
func withSimulator<T>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(), jobs: [SimulatorJob], _ body: (IICSSimulator) async throws -> T
) async throws -> T {
    let sim = try await IICSSimulator.start(configuration, jobs: jobs)
    do {
        let r = try await body(sim)
        try await sim.stop()
        return r
    } catch {
        try? await sim.stop()
        throw error
    }
}

/// Fetches `ids` from `sim` in-process into `dir/archive`.
func fetch(
    _ sim: IICSSimulator, ids: [String], dir: TempDir, environment: [String: String] = simulatorLogin, policy: RetryPolicy = fastPolicy,
    configure: (inout FetchOptions) -> Void = { _ in }
) async throws -> FetchOutcome {
    let list = try dir.write("jobs-\(UUID().uuidString).txt", ids.joined(separator: "\n") + "\n")
    var o = FetchOptions(serverURL: sim.baseURL, jobIDs: list.path, archive: "archive", workingDirectory: dir.url, environment: environment)
    o.loginURL = sim.baseURL
    configure(&o)
    return try await FetchRun.execute(try FetchRun.resolve(o), policy: policy)
}

/// The archive's lines, each parsed as a JSON object.
func archiveLines(_ url: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: url, encoding: .utf8)
    #expect(text.isEmpty || text.hasSuffix("\n"))
    return try text.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line.prefix(80))")
    }
}

/// Seconds between the first two requests the simulator saw for `job`.
func gapBetweenAttempts(_ sim: IICSSimulator, _ job: String, _ first: Int = 0) -> Double? {
    guard let times = sim.statistics.attemptTimes[job], times.count > first + 1 else { return nil }
    return times[first + 1] - times[first]
}

/// Runs `report` in-process over `inputs` (relative to `dir`) into `dir/out-<name>`.
func report(_ dir: TempDir, inputs: [String], name: String) throws -> ReportOutcome {
    var o = ReportOptions(inputs: inputs, workingDirectory: dir.url)
    o.output = "out-" + name
    o.asOf = "2026-11-01T00:00:00Z"
    return try ReportRun.execute(try ReportRun.resolve(o), standardInput: { Data() })
}

/// The built executable `name`, next to the test bundle.
func builtBinary(_ name: String) throws -> URL {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent(), dir.deletingLastPathComponent().deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent(name)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue { return url }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(name) next to \(CommandLine.arguments[0])"])
}

/// A running `chargeback` process with its output collected in files.
struct CLIProcess {
    let process: Process
    let stdout: URL
    let stderr: URL

    /// Starts `chargeback args` in `dir` with exactly `environment` added to PATH/HOME.
    static func start(_ args: [String], in dir: TempDir, environment: [String: String]) throws -> CLIProcess {
        let p = Process()
        p.executableURL = try builtBinary("chargeback")
        p.arguments = args
        p.currentDirectoryURL = dir.url
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = dir.url.appendingPathComponent("stdout-\(UUID().uuidString).txt")
        let err = dir.url.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return CLIProcess(process: p, stdout: out, stderr: err)
    }

    /// The command line the kernel shows for the running process (`/proc/<pid>/cmdline`),
    /// once `exec` has replaced the forked test process (at most 2 s).
    func kernelCommandLine() async throws -> String {
        var text = ""
        for _ in 0..<100 where process.isRunning {
            let data = FileManager.default.contents(atPath: "/proc/\(process.processIdentifier)/cmdline") ?? Data()
            text = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            if text.contains(" fetch ") { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return text
    }

    /// Waits (without blocking the cooperative pool) for the exit, at most `limit` seconds.
    func wait(limit: Double = 60) async throws -> (status: Int32, stdout: String, stderr: String) {
        let start = Date()
        while process.isRunning {
            if Date().timeIntervalSince(start) > limit {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("chargeback did not finish within \(limit) s")
                break
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        process.waitUntilExit()
        return (
            process.terminationStatus, (try? String(contentsOf: stdout, encoding: .utf8)) ?? "",
            (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        )
    }
}

/// A value shared between tasks, under a lock.
final class Recorded<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T

    init(_ value: T) { stored = value }

    var value: T { lock.withLock { stored } }

    func update(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
