import Crypto
import Foundation

/// The options of `chargeback report`, as the user gave them (strings are validated here so
/// that the library, not the argument parser, owns every rule).
public struct ReportOptions: Sendable {
    public var inputs: [String]
    /// A directory, or `-` for standard output (one single-file format only).
    public var output: String = "reports"
    public var period: String?
    public var from: String?
    public var to: String?
    public var timezone: String = "UTC"
    public var inputTimezone: String = "UTC"
    public var attributeBy: String = "start"
    public var groupBy: String?
    public var format: String?
    /// `--templates DIR`: the HTML templates to use instead of the default `Templates/`.
    public var templates: String?
    public var asOf: String?
    /// `--config chargeback.yaml`: rates, cost centers, budgets.
    public var config: String?
    public var strict = false
    public var excel = false
    /// Worker threads for reading; nil uses every core.
    public var threads: Int?
    /// Relative paths are resolved against this directory.
    public var workingDirectory: URL
    /// `SOURCE_DATE_EPOCH` from the environment, used when `asOf` is nil.
    public var sourceDateEpoch: String?
    /// Where the running executable lies: the default templates are searched from here
    /// upwards, then from `workingDirectory` upwards.
    public var executableDirectory: URL? = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()

    /// Creates options with the defaults of the command line.
    public init(inputs: [String], workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.inputs = inputs
        self.workingDirectory = workingDirectory
    }
}

/// Settings after validation: everything a run needs, nothing left to parse.
public struct ResolvedReportSettings: Sendable {
    public var plan: InputPlan
    public var rules: AccountingRules
    public var inputZone: Zone
    public var groupBy: [GroupDimension]
    public var files: [OutputFile]
    public var formats: [OutputFormat]
    /// nil for standard output.
    public var outputDirectory: URL?
    public var context: ReportContext
    public var threads: Int
    /// `--strict`: any reject makes the exit status 3.
    public var strict: Bool
    /// The configuration file as named and its SHA-256, when one was given.
    public var config: (path: String, sha256: String)?
}

/// What a finished run produced.
public struct ReportOutcome: Sendable {
    public var report: Report
    /// Files written, in writing order (the manifest last).
    public var written: [OutputDigest]
    /// The bytes of the single file sent to standard output with `--output -`.
    public var standardOutput: [UInt8]?
    /// The exit status the run asks for: 0, or 3 for `--strict` with rejects.
    public var exitStatus: Int32
}

/// `chargeback report`: validate, read, account, write.
public enum ReportRun {
    /// Checks every option before anything is read or written (a usage error writes nothing).
    public static func resolve(_ o: ReportOptions) throws -> ResolvedReportSettings {
        guard let zone = Zone(identifier: o.timezone) else {
            throw UsageError.invalidValue(
                option: "--timezone", value: o.timezone, expected: "an IANA time zone name such as UTC, Europe/Berlin or America/New_York")
        }
        guard let inputZone = Zone(identifier: o.inputTimezone) else {
            throw UsageError.invalidValue(
                option: "--input-timezone", value: o.inputTimezone, expected: "an IANA time zone name such as UTC, Europe/Berlin or America/New_York")
        }
        guard let basis = AttributionBasis(rawValue: o.attributeBy) else {
            throw UsageError.invalidValue(option: "--attribute-by", value: o.attributeBy, expected: "start or end")
        }
        let period: Period
        if let p = o.period {
            guard o.from == nil, o.to == nil else {
                throw UsageError.conflict("--period cannot be combined with --from/--to: use one or the other")
            }
            period = try Period.parse(p, zone: zone)
        } else if o.from != nil || o.to != nil {
            period = try Period.range(from: o.from, to: o.to, zone: zone)
        } else {
            period = .all
        }
        let groupBy = try o.groupBy.map { (s) throws(UsageError) in try GroupDimension.parseList(s) } ?? GroupDimension.defaults
        let formats = try o.format.map { (s) throws(UsageError) in try OutputFormat.parseList(s) } ?? OutputFormat.defaults
        var files = OutputFile.allCases.filter { f in formats.contains { $0.files.contains(f) } }
        var outputDirectory: URL?
        if o.output == "-" {
            guard files.count == 1 else {
                throw UsageError.conflict(
                    "--output - writes one file to standard output, but --format \(o.format ?? "(all)") selects \(files.count): choose one of \(OutputFormat.allCases.filter { $0.files.count == 1 }.map(\.rawValue).joined(separator: ", "))"
                )
            }
        } else {
            guard !o.output.isEmpty else {
                throw UsageError.invalidValue(option: "--output", value: o.output, expected: "a directory path, or - for standard output")
            }
            outputDirectory = o.output.hasPrefix("/") ? URL(fileURLWithPath: o.output) : o.workingDirectory.appendingPathComponent(o.output)
            files += [.rejects, .manifest]
        }
        let asOf = try resolveAsOf(o)
        if let t = o.threads, t < 1 {
            throw UsageError.invalidValue(option: "--threads", value: String(t), expected: "a number of threads of at least 1")
        }
        let config = try o.config.map { (path) throws(ConfigError) in try ChargebackConfig.load(path: path, workingDirectory: o.workingDirectory) }
        let plan = try InputPlan(paths: o.inputs, workingDirectory: o.workingDirectory)
        // Templates are loaded and checked now, so that a missing or broken one stops the run
        // before anything is written.
        var templates: HTMLTemplates?
        if files.contains(.html) || o.templates != nil {
            templates = try HTMLTemplates.resolve(option: o.templates, workingDirectory: o.workingDirectory, executableDirectory: o.executableDirectory)
        }
        var rules = AccountingRules(period: period, zone: zone, attributeBy: basis)
        if let config {
            rules.rates = config.rateCard
            rules.costCenters = CostCenterRules(config.costCenters)
            if !config.budgets.isEmpty {
                rules.budgets = BudgetPlan(monthly: Dictionary(config.budgets, uniquingKeysWith: { a, _ in a }), currency: config.currency, zone: zone)
            }
        }
        var args: [(String, JSONText)] = [
            ("inputs", .array(o.inputs.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { .string($0) })),
            ("period", .string(period.label)),
            ("from", .optional(period.from.map(formatInstant))),
            ("to", .optional(period.to.map(formatInstant))),
            ("timezone", .string(zone.identifier)),
            ("input_timezone", .string(inputZone.identifier)),
            ("attribute_by", .string(basis.rawValue)),
            ("group_by", .array(groupBy.map { .string($0.rawValue) })),
            ("format", .array(formats.map { .string($0.rawValue) })),
            ("templates", .optional(o.templates)),
            ("config", config.map { .object([("path", .string($0.path)), ("sha256", .string($0.sha256))]) } ?? .null),
        ]
        args.append(("strict", .bool(o.strict)))
        args.append(("excel", .bool(o.excel)))
        return ResolvedReportSettings(
            plan: plan, rules: rules, inputZone: inputZone, groupBy: groupBy, files: files, formats: formats,
            outputDirectory: outputDirectory,
            context: ReportContext(asOf: asOf, excel: o.excel, arguments: args, templates: templates),
            threads: o.threads ?? ProcessInfo.processInfo.activeProcessorCount,
            strict: o.strict,
            config: config.map { ($0.path, $0.sha256) })
    }

    static func resolveAsOf(_ o: ReportOptions) throws(UsageError) -> Instant {
        if let text = o.asOf {
            let candidate = text.count == 10 ? text + "T00:00:00Z" : text
            do {
                return try parseTimestamp(candidate, zone: .utc)
            } catch {
                throw UsageError.invalidValue(
                    option: "--as-of", value: text, expected: "an ISO 8601 timestamp such as 2026-11-01T00:00:00Z (zone-less means UTC)")
            }
        }
        if let epoch = o.sourceDateEpoch, !epoch.isEmpty {
            guard let seconds = Int64(epoch), seconds >= 0 else {
                throw UsageError.invalidValue(option: "SOURCE_DATE_EPOCH", value: epoch, expected: "whole seconds since 1970-01-01T00:00:00Z")
            }
            return seconds * 1000
        }
        return Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Reads, accounts and writes. `progress` is called from reading threads. With
    /// `--output -`, a streaming report (audit.xml) goes straight to `standardOutputDescriptor`
    /// when one is given (the command line passes standard output's); other reports, and
    /// streaming ones without a descriptor, come back in `ReportOutcome.standardOutput`.
    public static func execute(
        _ s: ResolvedReportSettings, standardInput: @escaping @Sendable () -> Data = { FileHandle.standardInput.readDataToEndOfFile() },
        standardOutputDescriptor: Int32? = nil, progress: (@Sendable (ReadProgress) -> Void)? = nil
    ) throws -> ReportOutcome {
        if let dir = s.outputDirectory { try prepare(dir) }
        let reader = InputReader(decoder: DocumentDecoder(inputZone: s.inputZone), threads: s.threads, standardInput: standardInput)
        let read = reader.read(s.plan, fold: true, progress: progress)
        let report = Report(read: read, rules: s.rules, inputZone: s.inputZone, groupBy: s.groupBy, config: s.config)
        var context = s.context
        var written: [OutputDigest] = []
        var stdout: [UInt8]?
        for file in s.files {
            context.outputs = written
            let reporter = file.reporter
            if let streaming = reporter as? any StreamingReporter {
                // Streamed straight into the temporary file (or standard output): memory does
                // not grow with the number of jobs. The sink hashes what it writes.
                if let dir = s.outputDirectory {
                    let url = dir.appendingPathComponent(file.rawValue)
                    var digest: OutputDigest?
                    try AtomicFile.write(to: url) { (fd: Int32) throws(OutputError) in
                        let sink = OutputSink(descriptor: fd, path: url.path)
                        try streaming.write(report, context: context, to: sink)
                        digest = OutputDigest(path: file.rawValue, bytes: sink.count, sha256: sink.sha256)
                    }
                    if let digest { written.append(digest) }
                    continue
                }
                if let fd = standardOutputDescriptor {
                    try streaming.write(report, context: context, to: OutputSink(descriptor: fd, path: "standard output"))
                    continue
                }
            }
            let bytes = try reporter.render(report, context: context)
            guard let dir = s.outputDirectory else {
                stdout = bytes
                continue
            }
            try AtomicFile.write(bytes, to: dir.appendingPathComponent(file.rawValue))
            written.append(
                OutputDigest(path: file.rawValue, bytes: Int64(bytes.count), sha256: hexString(SHA256.hash(data: bytes))))
        }
        let status: Int32 = s.strict && !report.rejects.isEmpty ? 3 : 0
        return ReportOutcome(report: report, written: written, standardOutput: stdout, exitStatus: status)
    }

    private static func prepare(_ dir: URL) throws(OutputError) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw OutputError(path: dir.path, reason: "it exists and is not a directory") }
        } else {
            do {
                try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            } catch {
                throw OutputError(path: dir.path, reason: "cannot create the directory: \(describe(error))")
            }
        }
        guard access(dir.path, W_OK | X_OK) == 0 else {
            throw OutputError(path: dir.path, reason: "the directory is not writable")
        }
    }
}
