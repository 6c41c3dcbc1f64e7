import ChargebackFetch
import ChargebackKit
import Foundation

/// A self-overwriting fetch progress line on a terminal's standard error.
final class FetchProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var lastDraw = Date.distantPast

    func update(_ p: FetchProgress) {
        lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 || p.done == p.total else { return }
            lastDraw = now
            let rate = Double(p.requests) / max(p.elapsed, 0.001)
            Diagnostics.write(
                "\r\u{1B}[Kfetching: \(p.done)/\(p.total) jobs done, \(p.failed) failed, \(p.responses) responses, \(p.retries) retries, \(String(format: "%.1f", rate)) requests/s"
            )
        }
    }

    func finish() {
        lock.withLock { Diagnostics.write("\r\u{1B}[K") }
    }
}

/// The summary printed at the end of a fetch: outcomes, then every failed job.
enum FetchSummary {
    static func text(_ o: FetchOutcome, quiet: Bool) -> String {
        var lines: [String] = []
        if !quiet {
            lines.append(
                "chargeback \(chargebackVersion) fetch — \(o.jobs) jobs" + (o.duplicatesInList > 0 ? " (\(o.duplicatesInList) duplicate IDs ignored)" : ""))
            var states = "terminal \(o.terminal), still open \(o.open)"
            if o.unrecognisedState > 0 { states += ", state not recognised \(o.unrecognisedState)" }
            lines.append("  fetched      \(o.fetched)  (\(states))" + (o.deadlineReached ? "  --deadline reached" : ""))
            let byReason = Dictionary(grouping: o.failures, by: \.reason).map { "\($0.key) \($0.value.count)" }.sorted()
            lines.append("  failed       \(o.failures.count)" + (byReason.isEmpty ? "" : "  (" + byReason.joined(separator: ", ") + ")"))
            let retries = o.retries.values.reduce(0, +)
            let byCause = o.retries.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("  retries      \(retries)" + (byCause.isEmpty ? "" : "  (" + byCause.joined(separator: ", ") + ")"))
            if o.relogins > 0 { lines.append("  re-logins    \(o.relogins)") }
            lines.append(
                "  requests     \(o.requests) in \(String(format: "%.1f", o.elapsed)) s (\(String(format: "%.1f", Double(o.requests) / max(o.elapsed, 0.001))) requests/s)"
            )
            lines.append("  archived     \(o.responses) responses in \(o.archiveFile.path)")
            if let f = o.failuresFile { lines.append("  failures in  \(f.path)") }
        }
        if !o.failures.isEmpty {
            lines.append("chargeback: \(o.failures.count) of \(o.jobs) jobs could not be fetched:")
            for f in o.failures {
                lines.append("  \(f.jobId): \(f.message)" + (f.attempts > 1 ? " (\(f.attempts) attempts)" : ""))
            }
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
