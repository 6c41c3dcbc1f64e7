import ArgumentParser
import Foundation

/// The file layouts the command can write.
enum SampleLayout: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A month of mixed inputs: NDJSON, a JSON array, a gzip tail and a fetch archive.
    case samples
    /// One large NDJSON file for benchmarks.
    case ndjson
    /// One pretty-printed document per `.json` file in a directory tree, for benchmarks of
    /// many small files.
    case files
}

/// `chargeback-samples`: deterministic synthetic IDMC code-task job-status documents.
struct ChargebackSamples: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargeback-samples",
        abstract: "Write deterministic sample IDMC code-task job-status documents.",
        discussion: """
            The same seed and options always give byte-identical files: a SplitMix64 \
            generator drives every choice and the current date is never read.

            --layout samples writes jobs-YYYY-MM.ndjson, agent-polls.json, \
            late-polls.ndjson.gz and archive/fetch-<next month>01T060000Z.ndjson, with \
            about 18 bad documents mixed in. --layout ndjson streams every document \
            (about 0.1 % bad) to one file for benchmarks; --layout files writes each \
            document, pretty-printed, to its own file under documents/NNN/NN/.

            By default a job leaves about 2.66 documents (earlier polls, repeats, shape-A \
            twins of shape-B polls). --earlier-polls SHARE makes about SHARE of all \
            documents polls that are not their job's latest, so the rest are distinct jobs; \
            --documents N sizes the run to exactly N documents (the month's last few are \
            cut) instead of --jobs.
            """)

    @Argument(help: "Directory to write into (created when missing; files are overwritten).")
    var outputDirectory: String

    @Option(help: "Seed of the pseudo-random generator.")
    var seed: UInt64 = 2026

    @Option(help: "Month to model, as YYYY-MM.")
    var month: String = "2026-10"

    @Option(help: "Number of code-task jobs (default: 1500).")
    var jobs: Int?

    @Option(help: "Write exactly this many documents instead of choosing --jobs (--layout ndjson or files).")
    var documents: Int?

    @Option(
        help: ArgumentHelp(
            "Share of documents that are not their job's latest poll, 0 to 0.9 (e.g. 0.05).",
            discussion: "Without it, the vendor-like mix of about 2.66 documents per job."))
    var earlierPolls: Double?

    @Option(help: "Output layout (\(SampleLayout.allCases.map(\.rawValue).joined(separator: ", "))).")
    var layout: SampleLayout = .samples

    @Option(help: "File name for --layout ndjson, relative to the output directory (default: jobs.ndjson).")
    var file: String?

    func validate() throws {
        guard YearMonth(month) != nil else {
            throw ValidationError("--month must be YYYY-MM (e.g. 2026-10), got \"\(month)\".")
        }
        if let jobs, !(1...50_000_000).contains(jobs) {
            throw ValidationError("--jobs must be between 1 and 50000000, got \(jobs).")
        }
        if let documents {
            guard jobs == nil else {
                throw ValidationError("--documents and --jobs exclude each other: give one of them.")
            }
            guard layout != .samples else {
                throw ValidationError("--documents applies to --layout ndjson and files only.")
            }
            guard (1...100_000_000).contains(documents) else {
                throw ValidationError("--documents must be between 1 and 100000000, got \(documents).")
            }
        }
        if let earlierPolls, !(0...0.9).contains(earlierPolls) {
            throw ValidationError("--earlier-polls must be a share between 0 and 0.9 (e.g. 0.05), got \(earlierPolls).")
        }
        if let file {
            guard layout == .ndjson else {
                throw ValidationError("--file applies to --layout ndjson only.")
            }
            guard !file.isEmpty, !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                throw ValidationError("--file must be a relative path inside the output directory, got \"\(file)\".")
            }
        }
    }

    func run() throws {
        guard let yearMonth = YearMonth(month) else { throw ValidationError("bad --month") }
        let directory = URL(fileURLWithPath: outputDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        // The share is turned into integer millionths once, so no floating point reaches a draw.
        let polls: PollPlan = earlierPolls.map { .share(millionths: Int(($0 * 1_000_000).rounded())) } ?? .vendorMix
        let jobs = self.jobs ?? documents.map { Self.jobs(toWrite: $0, polls: polls) } ?? 1500

        let stats: GenerationStats
        let files: [WrittenFile]
        switch layout {
        case .samples:
            let counts: [BadKind: Int] = [
                .truncatedJSON: 3, .arrayOnLine: 2, .unknownStatus: 3, .numericOrgId: 2,
                .unparsableStartTime: 2, .negativeConsumedCU: 2, .noIdentity: 2, .endBeforeStart: 2,
            ]
            let config = GeneratorConfig(
                seed: seed, month: yearMonth, jobs: jobs, badDocuments: .fixed(counts), collectArchiveCandidates: true,
                polls: polls)
            (stats, files) = try Layouts.writeSamples(config: config, directory: directory)
        case .ndjson:
            // 25 basis points per job is about 0.1 % of documents at ~2.66 documents per job
            // (0.24 % with --earlier-polls 0.05).
            let config = GeneratorConfig(
                seed: seed, month: yearMonth, jobs: jobs, badDocuments: .perJob(basisPoints: 25),
                collectArchiveCandidates: false, polls: polls, documentLimit: documents)
            (stats, files) = try Layouts.writeNDJSON(
                config: config, directory: directory, fileName: file ?? "jobs.ndjson")
        case .files:
            let config = GeneratorConfig(
                seed: seed, month: yearMonth, jobs: jobs, badDocuments: .perJob(basisPoints: 25),
                collectArchiveCandidates: false, polls: polls, documentLimit: documents)
            (stats, files) = try Layouts.writeFiles(config: config, directory: directory)
        }

        let total = files.reduce(0) { $0 + $1.documents }
        let bad = BadKind.allCases.filter { stats.bad[$0.rawValue] > 0 }
            .map { "\($0.label) \(stats.bad[$0.rawValue])" }.joined(separator: ", ")
        let fileList =
            files.count > 8
            ? "\(files[0].name) … \(files[files.count - 1].name)"
            : files.map { "\($0.name) (\($0.documents))" }.joined(separator: ", ")
        let line =
            "chargeback-samples: wrote \(files.count) file(s) to \(outputDirectory): \(fileList); "
            + "\(total) documents, \(stats.jobs) jobs (\(stats.succeeded) succeeded, \(stats.failed) failed, "
            + "\(stats.cancelled) cancelled, \(stats.open) open, \(stats.serverless) serverless), "
            + "\(stats.shapeB) shape-B, \(stats.earlierPolls) earlier polls, \(stats.duplicates) repeated polls, "
            + "\(stats.bad.reduce(0, +)) bad [\(bad)]; seed \(seed), month \(yearMonth.text)\n"
        FileHandle.standardError.write(Data(line.utf8))
        if let documents, total < documents {
            let warning = "chargeback-samples: only \(total) of the \(documents) documents asked for were generated\n"
            FileHandle.standardError.write(Data(warning.utf8))
        }
    }

    /// Jobs that give at least `documents` documents under `polls`: the expectation plus
    /// √documents jobs of headroom, about four standard deviations of the document count,
    /// so random variation does not leave the run short; the generator stops at the count,
    /// dropping the month's last few polls. (IEEE square roots are correctly rounded, so
    /// the count is the same on every platform.)
    static func jobs(toWrite documents: Int, polls: PollPlan) -> Int {
        documents * 1_000_000 / polls.documentsPerJobMillionths + Int(Double(documents).squareRoot()) + 10
    }
}
