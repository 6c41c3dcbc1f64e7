import ArgumentParser
import ChargebackFetch
import ChargebackKit
import Foundation

/// `chargeback fetch`.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Collect job-status documents from the IICS REST API into an archive that `report` reads.",
        discussion: """
            Authentication: IICS_SESSION_ID, or --session-id-file (mode 0600), or IICS_USERNAME and \
            IICS_PASSWORD with --login-url (a v3 login). Secrets are read from the environment or a \
            file only, never from the command line.
            Each run appends a new DIR/fetch-<UTC timestamp>.ndjson (one line per response) and, when \
            some job failed, DIR/fetch-<UTC timestamp>.failures.csv.
            Exit status: 0 every job fetched, 1 usage or authentication error, 2 the archive could not \
            be written, 4 some jobs could not be fetched (each is listed).
            """
    )

    @Option(name: .customLong("server-url"), help: ArgumentHelp("The IICS pod, e.g. https://usw3.dm-us.informaticacloud.com.", valueName: "url"))
    var serverURL: String

    @Option(name: .customLong("job-ids"), help: ArgumentHelp("File of job IDs, one per line (# comments), or - for standard input.", valueName: "file"))
    var jobIDs: String

    @Option(help: ArgumentHelp("Directory of the fetch archive (created if missing).", valueName: "dir"))
    var archive: String

    @Option(
        name: .customLong("login-url"),
        help: ArgumentHelp("Login host for IICS_USERNAME/IICS_PASSWORD, e.g. https://dm-us.informaticacloud.com.", valueName: "url"))
    var loginURL: String?

    @Option(
        name: .customLong("session-id-file"),
        help: ArgumentHelp("File holding a session ID; must not be readable by group or others (chmod 600).", valueName: "file"))
    var sessionIDFile: String?

    @Option(help: ArgumentHelp("Requests in flight at most.", valueName: "n"))
    var concurrency = 8

    @Option(help: ArgumentHelp("Seconds per request before it is abandoned and retried.", valueName: "seconds"))
    var timeout = 60.0

    @Flag(name: .customLong("until-terminal"), help: "Poll queued and running jobs until they end or --deadline passes.")
    var untilTerminal = false

    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Seconds between polls of an open job (default 30).", valueName: "seconds"))
    var pollInterval: Double?

    @Option(help: ArgumentHelp("Seconds after which no new poll starts (default 3600).", valueName: "seconds"))
    var deadline: Double?

    @Flag(name: .shortAndLong, help: "No progress and no summary on standard error (failures are still listed).")
    var quiet = false

    func run() async throws {
        var o = FetchOptions(
            serverURL: serverURL, jobIDs: jobIDs, archive: archive, workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            environment: ProcessInfo.processInfo.environment)
        o.loginURL = loginURL
        o.sessionIDFile = sessionIDFile
        o.concurrency = concurrency
        o.timeout = timeout
        o.untilTerminal = untilTerminal
        o.pollInterval = pollInterval
        o.deadline = deadline
        let settings = try FetchRun.resolve(o)
        let line = quiet || isatty(STDERR_FILENO) == 0 ? nil : FetchProgressLine()
        var callback: (@Sendable (FetchProgress) -> Void)?
        if let line { callback = { line.update($0) } }
        let outcome = try await FetchRun.execute(settings, progress: callback)
        line?.finish()
        Diagnostics.write(FetchSummary.text(outcome, quiet: quiet))
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }
}
