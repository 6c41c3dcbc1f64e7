import ArgumentParser
import ChargebackKit
import Foundation

/// `chargeback report`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Read job-status documents and write the chargeback reports.",
        discussion: """
            INPUT is a file, a directory (walked recursively), or - for standard input. Files: \
            .json (object or array), .ndjson/.jsonl, .gz of either, fetch archives.
            Exit status: 0 success, 1 usage error, 2 an output could not be written, \
            3 --strict and at least one reject.
            """
    )

    @Argument(help: "Files or directories of job-status documents, or - for standard input.")
    var inputs: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Directory for the reports (created if missing), or - for standard output with a single-file --format.", valueName: "dir"))
    var output = "reports"

    @Option(help: ArgumentHelp("Report period: a month (2026-10), quarter (2026-Q4) or year (2026), in --timezone.", valueName: "period"))
    var period: String?

    @Option(help: ArgumentHelp("Period start, inclusive: a date or ISO 8601 timestamp.", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("Period end, exclusive: a date or ISO 8601 timestamp.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Time zone of periods and day/month buckets (IANA name).", valueName: "zone"))
    var timezone = "UTC"

    @Option(name: .customLong("input-timezone"), help: ArgumentHelp("Time zone of timestamps written without one.", valueName: "zone"))
    var inputTimezone = "UTC"

    @Option(name: .customLong("attribute-by"), help: ArgumentHelp("Place jobs in periods and days by their start or end time.", valueName: "start|end"))
    var attributeBy = "start"

    @Option(help: ArgumentHelp("Configuration: currency, rates, cost centers, budgets (YAML). Without it every job costs 0 USD.", valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("group-by"),
        help: ArgumentHelp(
            "summary.csv groups: org, user, cost_center, runtime_env, task, status, day, month (default cost_center,org,user).", valueName: "list"))
    var groupBy: String?

    @Option(
        help: ArgumentHelp(
            "Reports to write: csv (summary + line items), summary, line-items, focus, xml (audit.xml), html (report.html). rejects.csv and manifest.json are always written.",
            valueName: "list"))
    var format: String?

    @Option(
        help: ArgumentHelp(
            "Templates of report.html (default: the Templates/ directory found above the executable or the current directory).", valueName: "dir"))
    var templates: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The report's as-of time (default: SOURCE_DATE_EPOCH, else now).", valueName: "time"))
    var asOf: String?

    @Option(help: ArgumentHelp("Reading threads (default: all cores). Output does not depend on it.", valueName: "n"))
    var threads: Int?

    @Flag(help: "Exit with status 3 when any document is rejected (after writing every report).")
    var strict = false

    @Flag(help: "Start CSV files with a UTF-8 byte order mark, for Excel.")
    var excel = false

    @Flag(name: .shortAndLong, help: "No progress and no summary on standard error.")
    var quiet = false

    func validate() throws {
        if inputs.isEmpty {
            throw ValidationError("name at least one input: a file, a directory, or - for standard input (try: chargeback report samples/)")
        }
    }

    func run() throws {
        var o = ReportOptions(inputs: inputs)
        o.output = output
        o.period = period
        o.from = from
        o.to = to
        o.timezone = timezone
        o.inputTimezone = inputTimezone
        o.attributeBy = attributeBy
        o.groupBy = groupBy
        o.format = format
        o.templates = templates
        o.asOf = asOf
        o.config = config
        o.threads = threads
        o.strict = strict
        o.excel = excel
        o.sourceDateEpoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"]
        let settings = try ReportRun.resolve(o)
        let progress = quiet || isatty(STDERR_FILENO) == 0 ? nil : ProgressLine()
        var callback: (@Sendable (ReadProgress) -> Void)?
        if let progress { callback = { progress.update($0) } }
        let outcome = try ReportRun.execute(settings, standardOutputDescriptor: STDOUT_FILENO, progress: callback)
        finishedRun = outcome
        progress?.finish()
        if let bytes = outcome.standardOutput {
            // Not FileHandle.write, which traps on a full disk or a closed pipe: a failed
            // write is exit 2 like any other output.
            try bytes.withUnsafeBytes { raw in
                Result { () throws(OutputError) in try AtomicFile.writeAll(STDOUT_FILENO, raw, path: "standard output") }
            }.get()
        }
        if !quiet {
            Diagnostics.write(RunSummary.text(outcome, outputDirectory: settings.outputDirectory.map { _ in output }))
        }
        guard outcome.report.reconciliation.holds else {
            Diagnostics.write(
                "chargeback: internal error: the reconciliation does not hold (\(outcome.report.reconciliation.equation)); please report this with the manifest\n"
            )
            throw ExitCode(ExitStatus.usage)
        }
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }
}

/// The finished run, kept until the process exits: freeing a million jobs one object at a
/// time takes most of a second, and the operating system takes the memory back at once.
nonisolated(unsafe) private var finishedRun: ReportOutcome?
