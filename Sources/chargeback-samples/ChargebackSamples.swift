import ArgumentParser
import Foundation

/// The file layouts the command can write.
enum SampleLayout: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A month of mixed inputs: NDJSON, a JSON array, a gzip tail and a fetch archive.
    case samples
    /// One large NDJSON file for benchmarks.
    case ndjson
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
            (about 0.1 % bad) to one file for benchmarks.
            """)

    @Argument(help: "Directory to write into (created when missing; files are overwritten).")
    var outputDirectory: String

    @Option(help: "Seed of the pseudo-random generator.")
    var seed: UInt64 = 2026

    @Option(help: "Month to model, as YYYY-MM.")
    var month: String = "2026-10"

    @Option(help: "Number of code-task jobs.")
    var jobs: Int = 1500

    @Option(help: "Output layout (\(SampleLayout.allCases.map(\.rawValue).joined(separator: ", "))).")
    var layout: SampleLayout = .samples

    @Option(help: "File name for --layout ndjson, relative to the output directory (default: jobs.ndjson).")
    var file: String?

    func validate() throws {
        guard YearMonth(month) != nil else {
            throw ValidationError("--month must be YYYY-MM (e.g. 2026-10), got \"\(month)\".")
        }
        guard (1...50_000_000).contains(jobs) else {
            throw ValidationError("--jobs must be between 1 and 50000000, got \(jobs).")
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

        let stats: GenerationStats
        let files: [WrittenFile]
        switch layout {
        case .samples:
            let counts: [BadKind: Int] = [
                .truncatedJSON: 3, .arrayOnLine: 2, .unknownStatus: 3, .numericOrgId: 2,
                .unparsableStartTime: 2, .negativeConsumedCU: 2, .noIdentity: 2, .endBeforeStart: 2,
            ]
            let config = GeneratorConfig(
                seed: seed, month: yearMonth, jobs: jobs, badDocuments: .fixed(counts), collectArchiveCandidates: true)
            (stats, files) = try Layouts.writeSamples(config: config, directory: directory)
        case .ndjson:
            // 25 basis points per job is about 0.1 % of documents at ~2.6 polls per job.
            let config = GeneratorConfig(
                seed: seed, month: yearMonth, jobs: jobs, badDocuments: .perJob(basisPoints: 25),
                collectArchiveCandidates: false)
            (stats, files) = try Layouts.writeNDJSON(
                config: config, directory: directory, fileName: file ?? "jobs.ndjson")
        }

        let total = files.reduce(0) { $0 + $1.documents }
        let bad = BadKind.allCases.filter { stats.bad[$0.rawValue] > 0 }
            .map { "\($0.label) \(stats.bad[$0.rawValue])" }.joined(separator: ", ")
        let fileList = files.map { "\($0.name) (\($0.documents))" }.joined(separator: ", ")
        let line =
            "chargeback-samples: wrote \(files.count) file(s) to \(outputDirectory): \(fileList); "
            + "\(total) documents, \(stats.jobs) jobs (\(stats.succeeded) succeeded, \(stats.failed) failed, "
            + "\(stats.cancelled) cancelled, \(stats.open) open, \(stats.serverless) serverless), "
            + "\(stats.shapeB) shape-B, \(stats.duplicates) repeated polls, "
            + "\(stats.bad.reduce(0, +)) bad [\(bad)]; seed \(seed), month \(yearMonth.text)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
