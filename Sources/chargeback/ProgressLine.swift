import ChargebackKit
import Foundation

/// A single self-overwriting progress line on a terminal's standard error.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let started = Date()
    private var lastDraw = Date.distantPast

    func update(_ p: ReadProgress) {
        lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 || p.filesDone == p.filesTotal else { return }
            lastDraw = now
            let elapsed = max(now.timeIntervalSince(started), 0.001)
            let rate = Int(Double(p.documents) / elapsed)
            Diagnostics.write("\r\u{1B}[Kreading: \(p.filesDone)/\(p.filesTotal) files, \(p.documents) documents, \(rate) documents/s")
        }
    }

    func finish() {
        lock.withLock { Diagnostics.write("\r\u{1B}[K") }
    }
}

/// The one-screen summary printed at the end of a run.
enum RunSummary {
    static func text(_ outcome: ReportOutcome, outputDirectory: String?) -> String {
        let r = outcome.report
        let rec = r.reconciliation
        let currency = r.parameters.currency
        var lines: [String] = []
        lines.append("chargeback \(chargebackVersion) — period \(r.parameters.period.label), time zone \(r.parameters.zone.identifier)")
        lines.append("  inputs          \(r.inputs.count) files (\(r.skippedFiles.count) other files skipped)")
        lines.append("  documents read  \(rec.documentsRead)")
        lines.append(
            "  jobs reported   \(rec.jobsReported)  (succeeded \(r.totals.succeeded), failed \(r.totals.failed), cancelled \(r.totals.cancelled), open \(r.totals.open))"
        )
        lines.append("  out of period   \(rec.outOfPeriod)")
        lines.append("  superseded      \(rec.superseded)")
        lines.append("  duplicates      \(rec.duplicates)")
        lines.append(
            "  rejected        \(rec.rejected)"
                + (r.rejectCounts.isEmpty ? "" : "  (" + r.rejectCounts.map { "\($0.reason) \($0.count)" }.joined(separator: ", ") + ")"))
        lines.append("  consumed CU     \(ExactDecimal.plain(r.totals.consumedCU))")
        lines.append("  cost            \(currency.format(r.totals.cost)) \(currency.code)" + (r.parameters.unpriced ? "  (no --config: rate 0)" : ""))
        lines.append("  reconciliation  \(rec.holds ? "holds" : "DOES NOT HOLD"): \(rec.equation)")
        for use in r.budgetUse where use.isOver {
            let pct = use.usedPercent.map { ExactDecimal.fixed($0, digits: 1) + "%" } ?? "no budget"
            lines.append("  over budget     \(use.costCenter): \(currency.format(use.cost)) of \(currency.format(use.budget)) \(currency.code) (\(pct))")
        }
        if let dir = outputDirectory {
            lines.append("  wrote           " + outcome.written.map { "\(dir)/\($0.path)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
