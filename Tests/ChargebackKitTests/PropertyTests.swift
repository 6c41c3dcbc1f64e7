import Foundation
import FuzzChecks
import PropertyBased
import Testing

@testable import ChargebackKit

/// A generator seeded from two numbers, its state spread by SplitMix64 (xoshiro256** needs
/// well-mixed state: small seed words give small first outputs).
func seededRNG(_ a: UInt64, _ b: UInt64) -> Xoshiro {
    var x = a &* 0x9E37_79B9_7F4A_7C15 ^ b
    func next() -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    return Xoshiro(seed: (next(), next(), next(), next()))
}

/// Runs `body` on `count` values of `generator`, each drawn from its own fixed seed: every run
/// checks the same cases, and a failure names the case to replay (`seed`, `index`).
func forEachCase<T, S>(_ generator: Generator<T, S>, seed: UInt64, count: Int, _ body: (T, Comment) throws -> Void) rethrows {
    for index in 0..<count {
        var rng = seededRNG(seed, UInt64(index))
        try body(generator.run(using: &rng), "case \(index) of seed \(seed)")
    }
}

/// A random corpus of job-status documents with what the report must make of it.
struct Corpus: Sendable {
    /// One job as generated: the state and CU of its last poll.
    struct Job: Sendable {
        var state: JobState
        var consumedCU: Decimal?
        var user: String
        var start: Instant
    }

    /// Every document's JSON text, repeats included, in generation order.
    var documents: [String]
    var jobs: [Job]
    /// The counts the run must report, known from how the corpus was made.
    var expected: Reconciliation

    /// A corpus of up to `maxJobs` jobs polled one to four times, each poll written one to three
    /// times (exact copies or the same content written differently: key order, white space,
    /// numbers as strings, state spelling, wrapped in a fetch envelope), plus unusable documents.
    static func generator(maxJobs: Int = 20) -> Generator<Corpus, Shrink.None<Corpus>> {
        Generator { rng in
            let users = ["alice@example.com", "bob@analytics.example.com", "carol@example.com", "Dörte, \"DQ\" <dq@example.com>", "=cmd|' /C calc'!A0"]
            var documents: [String] = []
            var jobs: [Job] = []
            var repeats = 0
            var superseded = 0
            for j in 0..<Gen.int(in: 1...maxJobs).run(using: &rng) {
                let org = Gen.element(of: ["orgA", "orgB", "kuJVH54wm6gfhVj4QEdboY"]).run(using: &rng)!
                let user = Gen.element(of: users).run(using: &rng)!
                let env = Gen.element(of: ["01000025000000000003", "env-2"]).run(using: &rng)!
                let task = Gen.int(in: 1...4).run(using: &rng)
                let start = 1_790_000_000_000 + Int64(Gen.int(in: 0...2_500_000).run(using: &rng)) * 1000 + Int64(Gen.int(in: 0...999).run(using: &rng))
                let serverless = Gen.bool(0.85).run(using: &rng)
                let polls = Gen.int(in: 1...4).run(using: &rng)
                let final = Gen.element(of: [JobState.succeeded, .succeeded, .failed, .cancelled, .running]).run(using: &rng)!
                var cuMillis = 0
                var lastCU: Decimal?
                for k in 0..<polls {
                    let state: JobState = k == polls - 1 ? final : (k == 0 ? .queued : .running)
                    cuMillis += Gen.int(in: 0...20_000).run(using: &rng)
                    let cu = "\(cuMillis / 1000).\(String(cuMillis % 1000 + 1000).dropFirst())"
                    var fields: [(String, String, String?)] = [  // name, JSON text, alternative JSON text with the same meaning
                        ("status", jsonValue(state.vendorName), jsonValue(state.vendorName.lowercased())),
                        ("startTime", jsonValue(formatInstant(start)), jsonValue(formatInstant(start).replacingOccurrences(of: "Z", with: "+00:00"))),
                        ("updateTime", jsonValue(formatInstant(start + Int64(k) * 60_000)), nil),
                        ("orgId", jsonValue(org), nil), ("startedBy", jsonValue(user), nil), ("runtimeEnvId", jsonValue(env), nil),
                        ("codeTaskId", String(task), jsonValue(String(task))), ("assetName", jsonValue("Task \(task) ✓"), nil),
                        ("runId", String(j + 1), "\(j + 1).0"), ("sessionLogUrl", jsonValue("logservice/api/v1/jobs/JOB\(j)/logs"), nil),
                        ("assignedServerlessComputeUnits", "4", "\"4\""),
                    ]
                    if state.isTerminal { fields.append(("endTime", jsonValue(formatInstant(start + 1 + Int64(k) * 60_000)), nil)) }
                    if state == .failed { fields.append(("errorMessage", jsonValue("Step \(k) failed: \"quoted\", comma\nnew line"), nil)) }
                    if serverless {
                        fields.append(("consumedServerlessComputeUnits", cu, jsonValue(cu)))
                        lastCU = ExactDecimal.parse(cu)
                    }
                    let copies = Gen.int(in: 1...3).run(using: &rng)
                    for c in 0..<copies {
                        let written = Gen.bool(0.5).run(using: &rng)
                        var members = fields.map { ($0.0, written ? ($0.2 ?? $0.1) : $0.1) }
                        if c > 0 { members = Gen.shuffled(members).run(using: &rng) }
                        let space = c > 0 && Gen.bool(0.3).run(using: &rng) ? " " : ""
                        var text = "{" + members.map { "\"\($0.0)\":\(space)\($0.1)" }.joined(separator: "," + space) + "}"
                        if Gen.bool(0.25).run(using: &rng) {
                            let fetched = formatInstant(start + Int64(k) * 60_000 + Int64(c) * 1000 + 500)
                            text = "{\"jobId\":\"JOB\(j)\",\"fetchedAt\":\"\(fetched)\",\"httpStatus\":200,\"response\":\(text)}"
                        }
                        documents.append(text)
                    }
                    repeats += copies - 1
                }
                superseded += polls - 1
                jobs.append(Job(state: final, consumedCU: lastCU, user: user, start: start))
            }
            let junk = [
                "7", "[1,2]", "\"text\"", "{\"status\":\"BOGUS\",\"sessionLogUrl\":\"x/jobs/JUNK1/logs\"}", "{\"status\":\"RUNNING\"}",
                "{\"status\":\"RUNNING\",\"sessionLogUrl\":\"x/jobs/JUNK2/logs\",\"consumedServerlessComputeUnits\":-1}",
                "{\"status\":\"RUNNING\",\"orgId\":5,\"sessionLogUrl\":\"x/jobs/JUNK3/logs\"}",
                "{\"status\":\"RUNNING\",\"sessionLogUrl\":\"x/jobs/JUNK4/logs\"}",
            ]
            // Each unusable document at most once: two copies of the last one would be one job
            // (a missing_start_time reject) and a duplicate.
            let junkCount = Gen.int(in: 0...4).run(using: &rng)
            documents += Gen.shuffled(junk).run(using: &rng).prefix(junkCount)
            let expected = Reconciliation(
                documentsRead: documents.count, jobsReported: jobs.count, outOfPeriod: 0, superseded: superseded, duplicates: repeats, rejected: junkCount)
            return Corpus(documents: documents, jobs: jobs, expected: expected)
        }
    }

    /// The documents shuffled and split over one to five files of every layout, written under
    /// `dir/in`; returns their paths relative to `dir`.
    func write(to dir: TempDir, using rng: inout Xoshiro) throws -> [String] {
        let docs = Gen.shuffled(documents).run(using: &rng)
        let fileCount = min(Gen.int(in: 1...5).run(using: &rng), docs.count)
        var cuts = Set([0, docs.count])
        while cuts.count < fileCount + 1 { cuts.insert(Gen.int(in: 1...max(docs.count - 1, 1)).run(using: &rng)) }
        let bounds = cuts.sorted()
        var paths: [String] = []
        for f in 0..<fileCount {
            let part = Array(docs[bounds[f]..<bounds[f + 1]])
            let layout = Gen.int(in: 0...4).run(using: &rng)
            let folder = "in/" + (f % 2 == 0 ? "" : "nested/")
            let lines = part.joined(separator: Gen.element(of: ["\n", "\r\n", "\n\n"]).run(using: &rng)!) + "\n"
            let (name, data): (String, Data) =
                switch layout {
                case 0: ("part\(f).ndjson", Data(lines.utf8))
                case 1: ("part\(f).jsonl", Data(([0xEF, 0xBB, 0xBF] + Array(lines.utf8))))
                case 2: ("fetch-\(f).ndjson.gz", Data(GzipWriter.compress(Array(lines.utf8))))
                case 3 where part.count == 1 && !part[0].hasPrefix("["): ("part\(f).json", Data(("\n  " + part[0] + "\n").utf8))
                default: ("part\(f).JSON", Data(("[\n" + part.joined(separator: ",\n") + "\n]").utf8))
                }
            try dir.write(folder + name, data)
            paths.append(folder + name)
        }
        return paths
    }
}

extension JobState {
    /// The vendor's spelling.
    var vendorName: String {
        switch self {
        case .queued: "QUEUED"
        case .running: "RUNNING"
        case .succeeded: "SUCCEEDED"
        case .failed: "FAILED"
        case .cancelled: "CANCELLED"
        }
    }
}

/// The bytes of each output file of a run.
func outputs(_ dir: URL, _ names: [String] = ["summary.csv", "line-items.csv", "focus.csv", "rejects.csv", "audit.xml", "manifest.json"]) throws
    -> [String: Data]
{
    var out: [String: Data] = [:]
    for name in names { out[name] = try Data(contentsOf: dir.appendingPathComponent(name)) }
    return out
}

/// `csv`'s records with the column `name` removed.
func dropColumn(_ name: String, _ csv: Data) throws -> [[String]] {
    let table = try #require(RFC4180.parse(Array(csv)))
    let i = try #require(table.first?.firstIndex(of: name))
    return table.map { row in row.enumerated().filter { $0.offset != i }.map(\.element) }
}

@Suite("Properties over random corpora, with fixed seeds")
struct PropertyTests {
    @Test("random repeats, shuffles and splits: the reconciliation identity holds with the counts the corpus was made with")
    func reconciliation() throws {
        try forEachCase(Corpus.generator(), seed: 2026, count: 30) { corpus, label in
            var rng = seededRNG(7013, UInt64(corpus.documents.count))
            let dir = try TempDir()
            _ = try corpus.write(to: dir, using: &rng)
            let report = try runReport(dir) { $0.format = "csv" }.report
            #expect(report.reconciliation == corpus.expected, label)
            #expect(report.reconciliation.holds, label)
            #expect(report.totals.consumedCU == corpus.jobs.reduce(Decimal(0)) { $0 + ($1.consumedCU ?? 0) }, label)
            #expect(report.totals.succeeded == corpus.jobs.filter { $0.state == .succeeded }.count, label)
            #expect(report.totals.failed == corpus.jobs.filter { $0.state == .failed }.count, label)
            #expect(report.totals.cancelled == corpus.jobs.filter { $0.state == .cancelled }.count, label)
            #expect(report.totals.open == corpus.jobs.filter { !$0.state.isTerminal }.count, label)
            #expect(report.lineItems.filter { !$0.flags.contains("non_serverless") }.count == corpus.jobs.filter { $0.consumedCU != nil }.count, label)

            // The jobs started before October are out of period.
            let october = try runReport(dir) {
                $0.format = "csv"
                $0.output = "october"
                $0.period = "2026-10"
            }.report
            let before = corpus.jobs.filter { $0.start < 1_790_812_800_000 }.count
            var expected = corpus.expected
            expected.jobsReported -= before
            expected.outOfPeriod = before
            #expect(october.reconciliation == expected, label)
        }
    }

    @Test("the same files in any argument order and with any number of threads give byte-identical outputs")
    func determinism() throws {
        try forEachCase(Corpus.generator(maxJobs: 30), seed: 4181, count: 10) { corpus, label in
            var rng = seededRNG(17_023, UInt64(corpus.documents.count))
            let dir = try TempDir()
            let files = try corpus.write(to: dir, using: &rng)
            let shuffled = Gen.shuffled(files).run(using: &rng)
            func run(_ inputs: [String], threads: Int, into out: String) throws -> [String: Data] {
                _ = try runReport(dir, inputs: inputs) {
                    $0.output = out
                    $0.threads = threads
                    $0.format = "csv,focus,xml"
                }
                return try outputs(dir.url.appendingPathComponent(out))
            }
            let a = try run(files, threads: 1, into: "a")
            let b = try run(shuffled, threads: Gen.int(in: 2...4).run(using: &rng), into: "b")
            let c = try run(["in"], threads: 3, into: "c")
            for name in a.keys.sorted() {
                #expect(a[name] == b[name], "\(name) depends on argument order or threads (\(label))")
                if name != "manifest.json" { #expect(a[name] == c[name], "\(name) depends on naming a directory or its files (\(label))") }
            }
        }
    }

    @Test("the same documents split differently: summary.csv is byte-identical, the line items differ only in source")
    func splits() throws {
        try forEachCase(Corpus.generator(), seed: 1729, count: 15) { corpus, label in
            var results: [(Reconciliation, [String: Data])] = []
            for split in 0..<3 {
                var rng = seededRNG(29_031 &+ UInt64(split), UInt64(corpus.documents.count))
                let dir = try TempDir()
                _ = try corpus.write(to: dir, using: &rng)
                let outcome = try runReport(dir) { $0.format = "csv,focus" }
                results.append(
                    (outcome.report.reconciliation, try outputs(dir.url.appendingPathComponent("out"), ["summary.csv", "line-items.csv", "focus.csv"])))
            }
            for (rec, files) in results.dropFirst() {
                #expect(rec == results[0].0, label)
                #expect(files["summary.csv"] == results[0].1["summary.csv"], label)
                #expect(try dropColumn("source", files["line-items.csv"]!) == (try dropColumn("source", results[0].1["line-items.csv"]!)), label)
                #expect(try dropColumn("x_Source", files["focus.csv"]!) == (try dropColumn("x_Source", results[0].1["focus.csv"]!)), label)
            }
        }
    }

    /// Arbitrary text: any Unicode scalar (surrogates excepted), with CSV's and spreadsheets'
    /// special characters over-represented.
    static let text: Generator<String, Shrink.None<String>> = Generator { rng in
        let special: [Unicode.Scalar] = [",", "\"", "\r", "\n", "=", "+", "-", "@", "\t", " ", "'", "\u{0}", "\u{FEFF}", "\u{2028}", "\u{1F600}", "é"]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Gen.int(in: 0...24).run(using: &rng) {
            if Gen.bool(0.4).run(using: &rng) {
                scalars.append(Gen.element(of: special).run(using: &rng)!)
            } else if let s = Unicode.Scalar(UInt32(Gen.int(in: 0...0x10FFFF).run(using: &rng))) {
                scalars.append(s)
            }
        }
        return String(scalars)
    }

    @Test("the CSV writer round-trips arbitrary Unicode through Python's csv module; text cells are neutralised, numbers untouched")
    func csvRoundTrip() throws {
        // At least two cells a row, like every report: a lone empty cell is an empty line, which
        // CSV cannot tell from no record (Python reads it as []).
        let rows = PropertyTests.text.array(of: 2...6).array(of: 1...40)
        try forEachCase(rows, seed: 8128, count: 25) { table, label in
            var writer = CSVWriter()
            for row in table { writer.row(row.enumerated().map { $0.offset == 0 ? .number($0.element) : .text($0.element) }) }
            let parsed = try parseCSVWithPython(writer.bytes)
            let expected = table.map { row in
                row.enumerated().map { i, cell in
                    i > 0 && ["=", "+", "-", "@", "\t", "\r", "\n"].contains(cell.unicodeScalars.first.map(Character.init)) ? "'" + cell : cell
                }
            }
            #expect(parsed == expected, label)
            #expect(RFC4180.parse(writer.bytes) == expected, label)
        }
    }

    @Test("hostile names survive line-items.csv and focus.csv exactly as the writer promises")
    func reportCells() throws {
        try forEachCase(zip(PropertyTests.text, PropertyTests.text, PropertyTests.text), seed: 65537, count: 12) { names, label in
            let (user, task, error) = names
            let dir = try TempDir()
            try dir.write(
                "in/a.json",
                docA([
                    "status": "FAILED", "startedBy": user.isEmpty ? "u" : user, "assetName": task.isEmpty ? "t" : task,
                    "errorMessage": error.isEmpty ? "e" : error,
                ]))
            let outcome = try runReport(dir) { $0.format = "csv,focus" }
            #expect(outcome.report.rejects.isEmpty, label)
            let items = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("out/line-items.csv"))))
            func shown(_ s: String) -> String { ["=", "+", "-", "@", "\t", "\r", "\n"].contains(s.first.map(String.init)) ? "'" + s : s }
            let header = items[0]
            #expect(items[1][header.firstIndex(of: "user")!] == shown(user.isEmpty ? "u" : user), label)
            #expect(items[1][header.firstIndex(of: "code_task_name")!] == shown(task.isEmpty ? "t" : task), label)
            #expect(items[1][header.firstIndex(of: "error_message")!] == shown(error.isEmpty ? "e" : error), label)
            let focus = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("out/focus.csv"))))
            #expect(focus[1][focus[0].firstIndex(of: "x_StartedBy")!] == shown(user.isEmpty ? "u" : user), label)
            #expect(focus.allSatisfy { $0.count == focus[0].count }, label)
        }
    }

    @Test("rounding per job: line items, summary, focus.csv and the manifest add up to the same total, to the minor unit")
    func rounding() throws {
        let priced = zip(
            Corpus.generator(maxJobs: 25), Gen.element(of: [("USD", 2), ("JPY", 0), ("KWD", 3), ("EUR", 2)]), Gen.int(in: 1...99_999), Gen.int(in: 0...4),
            Gen.element(of: ["cost_center,org,user", "org", "user,day", "task", "status,month", "runtime_env,cost_center"]))
        try forEachCase(priced, seed: 31337, count: 25) { value, label in
            let (corpus, currency, rateUnits, rateScale, groupBy) = value
            var rng = seededRNG(37_043, UInt64(corpus.documents.count))
            let dir = try TempDir()
            _ = try corpus.write(to: dir, using: &rng)
            let rate = Decimal(rateUnits) / pow(Decimal(10), rateScale + 2)
            try dir.write(
                "c.yaml",
                "currency: \(currency!.0)\nrates:\n  default: \(ExactDecimal.plain(rate))\n  overrides:\n    - org_id: orgB\n      rate: 0.0125\n"
                    + "cost_centers:\n  - user: \"*@analytics.example.com\"\n    cost_center: ANA\n")
            let outcome = try runReport(dir) {
                $0.config = "c.yaml"
                $0.format = "csv,focus"
                $0.groupBy = groupBy
            }
            let digits = currency!.1
            let out = dir.url.appendingPathComponent("out")
            func column(_ file: String, _ name: String) throws -> [Decimal] {
                let table = try #require(RFC4180.parse(Array(try Data(contentsOf: out.appendingPathComponent(file)))))
                let i = try #require(table[0].firstIndex(of: name))
                return try table.dropFirst().map { try #require(Decimal(string: $0[i], locale: Locale(identifier: "en_US_POSIX"))) }
            }
            let items = try column("line-items.csv", "cost")
            let cus = try column("line-items.csv", "consumed_cu")
            let rates = try column("line-items.csv", "rate")
            // Each job's cost is its CU times its rate, rounded half to even to the minor unit …
            for (k, cost) in items.enumerated() {
                #expect(cost == ExactDecimal.roundHalfEven(cus[k] * rates[k], scale: digits), "\(label): job \(k)")
            }
            // … and every total is the exact sum of the rounded costs.
            let total = items.reduce(0, +)
            #expect(try column("summary.csv", "cost").reduce(0, +) == total, label)
            #expect(try column("focus.csv", "BilledCost").reduce(0, +) == total, label)
            #expect(try column("summary.csv", "consumed_cu").reduce(0, +) == cus.reduce(0, +), label)
            #expect(outcome.report.totals.cost == total, label)
            let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
            let totals = try #require(manifest["totals"] as? [String: Any])
            #expect(totals["cost"] as? String == Currency(code: currency!.0, minorUnit: digits).format(total), label)
            #expect(Set(try column("summary.csv", "cost").map { ExactDecimal.roundHalfEven($0, scale: digits) == $0 }) == [true], label)
        }
    }
}
