import Foundation
import Testing

@testable import ChargebackKit

/// Faults the tests can inject on this machine (they run as root: permissions do not stop it).
enum Faults {
    /// Runs a tool; true when it exits 0.
    @discardableResult
    static func run(_ tool: String, _ args: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// Whether a tmpfs can be mounted (root with CAP_SYS_ADMIN, as on the development VM).
    static let canMount: Bool = {
        guard let dir = try? TempDir() else { return false }
        defer { run("/bin/umount", [dir.url.path]) }
        return run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.url.path])
    }()

    /// Whether `chattr +i` works here (ext4 and root; not on tmpfs or overlay file systems).
    static let canMakeImmutable: Bool = {
        guard let dir = try? TempDir() else { return false }
        defer { run("/usr/bin/chattr", ["-i", dir.url.path]) }
        return run("/usr/bin/chattr", ["+i", dir.url.path])
    }()
}

/// The sample run's files in writing order, as written by an earlier run (no configuration,
/// so every file differs from the current run's) and by the current run.
struct SampleReports {
    static let order = OutputFile.allCases.map(\.rawValue)
    let old: [String: Data]
    let new: [String: Data]

    init() throws {
        let a = try TempDir(), b = try TempDir()
        _ = try runSamples(config: nil, into: a.url) { $0.asOf = "2026-10-31T00:00:00Z" }
        _ = try runSamples(into: b.url)
        old = try outputs(a.url, Self.order)
        new = try outputs(b.url, Self.order)
        // rejects.csv depends on neither the configuration nor the as-of time.
        for name in Self.order where name != "rejects.csv" {
            precondition(old[name] != new[name], "\(name) is the same in both runs: the test could not tell them apart")
        }
    }

    /// Puts the earlier run's files into `dir`.
    func seed(_ dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, data) in old { try data.write(to: dir.appendingPathComponent(name)) }
    }

    /// Checks a run that failed writing `failed`: the files before it are the new complete
    /// ones, it and the files after it are the earlier run's, and no temporary file is left.
    func expectStopped(at failed: String, in dir: URL, _ comment: Comment) throws {
        let index = try #require(Self.order.firstIndex(of: failed))
        for (i, name) in Self.order.enumerated() {
            let got = try Data(contentsOf: dir.appendingPathComponent(name))
            #expect(got == (i < index ? new[name] : old[name]), "\(name): \(i < index ? "not the new complete file" : "not left as it was") (\(comment))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == Self.order.sorted(), "a temporary file was left (\(comment))")
    }
}

/// Runs the real `chargeback report` over the samples, optionally under a shell prelude such
/// as `ulimit -f 1024`, with stdout sent to `stdout`.
func runSampleCLI(output: String, prelude: String = "", stdout: String = "/dev/null") throws -> (status: Int32, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = [
        "-c", "\(prelude)\nexec \"$@\" >\(stdout)", "bash", try chargebackBinary().path, "report", "samples", "--config", "samples/chargeback.yaml",
        "--output", output, "--as-of", "2026-11-01T06:00:00Z", "--quiet",
    ]
    p.currentDirectoryURL = packageRoot
    let err = Pipe()
    p.standardError = err
    try p.run()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: e, as: UTF8.self))
}

@Suite("Fault injection: unwritable outputs, full disks, killed runs (SPEC 3, 3.8)", .serialized)
struct FaultInjectionTests {
    @Test("an output directory that cannot be created: exit 2, a message naming it, nothing written")
    func uncreatableDirectory() throws {
        let r = try runSampleCLI(output: "/proc/chargeback-cannot-exist/out")
        #expect(r.status == 2)
        #expect(
            r.stderr.hasPrefix("chargeback: error: cannot write /proc/chargeback-cannot-exist/out: cannot create the directory: "), "stderr was: \(r.stderr)")
        #expect(r.stderr.hasSuffix("(choose another --output directory, or fix its permissions)\n"))
    }

    @Test("an immutable output directory (chattr +i): exit 2 before anything is written; the earlier reports stay", .enabled(if: Faults.canMakeImmutable))
    func immutableDirectory() throws {
        let reports = try SampleReports()
        let dir = try TempDir()
        let out = dir.url.appendingPathComponent("out")
        try reports.seed(out)
        #expect(Faults.run("/usr/bin/chattr", ["+i", out.path]))
        defer { Faults.run("/usr/bin/chattr", ["-i", out.path]) }
        let r = try runSampleCLI(output: out.path)
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write \(out.path): the directory is not writable"), "stderr was: \(r.stderr)")
        try reports.expectStopped(at: SampleReports.order[0], in: out, "immutable directory")
    }

    @Test(
        "an immutable report (chattr +i focus.csv): exit 2 at that file; the files before it are new and complete, the rest as they were",
        .enabled(if: Faults.canMakeImmutable))
    func immutableFile() throws {
        let reports = try SampleReports()
        let dir = try TempDir()
        let out = dir.url.appendingPathComponent("out")
        try reports.seed(out)
        let focus = out.appendingPathComponent("focus.csv")
        #expect(Faults.run("/usr/bin/chattr", ["+i", focus.path]))
        defer { Faults.run("/usr/bin/chattr", ["-i", focus.path]) }
        let r = try runSampleCLI(output: out.path)
        #expect(r.status == 2)
        #expect(
            r.stderr == "chargeback: error: cannot write \(focus.path): Operation not permitted (choose another --output directory, or fix its permissions)\n")
        try reports.expectStopped(at: "focus.csv", in: out, "immutable focus.csv")
    }

    @Test("a file size limit (ulimit -f): exit 2 with 'File too large', not death by SIGXFSZ; no truncated report")
    func fileSizeLimit() throws {
        let reports = try SampleReports()
        let dir = try TempDir()
        let out = dir.url.appendingPathComponent("out")
        try reports.seed(out)
        // 1024 KiB: summary.csv and line-items.csv fit, focus.csv does not.
        #expect(reports.new["line-items.csv"]!.count < 1 << 20 && reports.new["focus.csv"]!.count > 1 << 20)
        let r = try runSampleCLI(output: out.path, prelude: "ulimit -f 1024")
        #expect(r.status == 2)
        #expect(
            r.stderr == "chargeback: error: cannot write \(out.path)/focus.csv: File too large (choose another --output directory, or fix its permissions)\n")
        try reports.expectStopped(at: "focus.csv", in: out, "ulimit -f")
    }

    @Test("a full disk (a small tmpfs): exit 2 with 'No space left on device'; no truncated report, no temporary file", .enabled(if: Faults.canMount))
    func diskFull() throws {
        let reports = try SampleReports()
        let dir = try TempDir()
        let mount = dir.url.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        // Room for the earlier reports and the new summary and line items beside them (each new
        // file exists next to the old one until its rename), not for focus.csv.
        func pages(_ n: Int) -> Int { (n + 4095) / 4096 * 4096 }
        let size = reports.old.values.reduce(0) { $0 + pages($1.count) } + pages(reports.new["line-items.csv"]!.count) + (256 << 10)
        #expect(Faults.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", mount.path]))
        defer { Faults.run("/bin/umount", [mount.path]) }
        let out = mount.appendingPathComponent("out")
        try reports.seed(out)
        let r = try runSampleCLI(output: out.path)
        #expect(r.status == 2)
        #expect(
            r.stderr
                == "chargeback: error: cannot write \(out.path)/focus.csv: No space left on device (choose another --output directory, or fix its permissions)\n"
        )
        try reports.expectStopped(at: "focus.csv", in: out, "tmpfs of \(size) bytes")
    }

    @Test("a read-only file system (a tmpfs remounted ro): exit 2, the earlier reports stay", .enabled(if: Faults.canMount))
    func readOnlyFileSystem() throws {
        let reports = try SampleReports()
        let dir = try TempDir()
        let mount = dir.url.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        #expect(Faults.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mount.path]))
        defer { Faults.run("/bin/umount", [mount.path]) }
        let out = mount.appendingPathComponent("out")
        try reports.seed(out)
        #expect(Faults.run("/bin/mount", ["-o", "remount,ro", mount.path]))
        let r = try runSampleCLI(output: out.path)
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write \(out.path)"), "stderr was: \(r.stderr)")
        try reports.expectStopped(at: SampleReports.order[0], in: out, "read-only file system")
    }

    @Test("standard output on a full device (--output - > /dev/full): exit 2 and a message, not a crash")
    func fullStandardOutput() throws {
        var results: [(Int32, String)] = []
        for format in ["summary", "xml"] {
            let err = Pipe()
            let q = Process()
            q.executableURL = URL(fileURLWithPath: "/bin/bash")
            q.arguments = [
                "-c", "exec \"$@\" >/dev/full", "bash", try chargebackBinary().path, "report", "samples", "--output", "-", "--format", format, "--quiet",
            ]
            q.currentDirectoryURL = packageRoot
            q.standardError = err
            try q.run()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            q.waitUntilExit()
            results.append((q.terminationStatus, String(decoding: e, as: UTF8.self)))
        }
        for (status, stderr) in results {
            #expect(status == 2)
            #expect(stderr == "chargeback: error: cannot write standard output: No space left on device\n")
        }
    }
}
