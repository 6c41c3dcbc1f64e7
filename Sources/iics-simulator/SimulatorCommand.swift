import ArgumentParser
import Foundation
import IICSSimulator

/// `iics-simulator`: a local IICS REST API to rehearse `chargeback fetch` against.
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iics-simulator",
        abstract: "A local stand-in for the IICS login and CodeTask JobStatus APIs, with injected faults.",
        discussion: """
            Log in with IICS_USERNAME=demo@example.com IICS_PASSWORD=demo-password and \
            --login-url/--server-url http://127.0.0.1:PORT. Jobs are queued, then running, then \
            ended, one poll per state. Stop it with Ctrl-C.
            """
    )

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port = 8089

    @Option(help: "Number of simulated jobs.")
    var jobs = 20

    @Option(name: .customLong("job-ids-file"), help: ArgumentHelp("Write the job IDs to this file (plus one unknown ID), for --job-ids.", valueName: "file"))
    var jobIDsFile: String?

    @Option(name: .customLong("polls-to-finish"), help: "Polls a job needs to reach its end state (1: ended at once).")
    var pollsToFinish = 3

    @Flag(help: "Inject faults: 429 with Retry-After, 503, 500, a dropped connection, a hanging answer, session expiry.")
    var faults = false

    @Option(name: .customLong("response-delay"), help: "Seconds before each JobStatus answer.")
    var responseDelay = 0.05

    func run() async throws {
        var configuration = SimulatorConfiguration()
        configuration.responseDelay = responseDelay
        var list = DemoJobs.make(count: jobs, orgId: configuration.orgId, pollsToFinish: pollsToFinish)
        if faults {
            let injected: [[SimulatorFault]] = [
                [.status(429, retryAfter: .seconds(2))], [.status(503)], [.status(500), .status(502)], [.drop], [.hang], [.expireSessions],
                [.status(429, retryAfter: .httpDate(secondsFromNow: 3))],
            ]
            for (i, f) in injected.enumerated() where i < list.count { list[i].faults = f }
        }
        let sim = try await IICSSimulator.start(configuration, jobs: list, port: port)
        if let path = jobIDsFile {
            let text =
                "# \(list.count) simulated jobs, and one that does not exist (404)\n" + list.map(\.id).joined(separator: "\n") + "\nNoSuchJob0000000000000\n"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        var banner = "iics-simulator: listening on \(sim.baseURL) with \(list.count) jobs\(faults ? " and injected faults" : "")\n"
        banner += "  login:  POST \(sim.baseURL)/saas/public/core/v3/login  (user \(configuration.username), password \(configuration.password))\n"
        banner += "  status: GET  \(sim.baseURL)/disnext/api/v1/CodeTask/JobStatus/<job ID>\n"
        if let path = jobIDsFile { banner += "  job IDs written to \(path)\n" }
        // Written at once, not through print's buffer, so that a log file shows it immediately.
        FileHandle.standardOutput.write(Data(banner.utf8))
        try await sim.waitUntilClosed()
    }
}
