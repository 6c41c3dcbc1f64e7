/// `manifest.json`: what was read, what was written, and the reconciliation (SPEC 3.7, 2.5).
public struct ManifestReporter: Reporter {
    /// Creates the reporter.
    public init() {}

    public func render(_ report: Report, context: ReportContext) -> [UInt8] {
        let r = report.reconciliation
        let currency = report.parameters.currency
        let doc = JSONText.object([
            ("tool", .string("chargeback")),
            ("version", .string(context.toolVersion)),
            ("as_of", .string(formatInstant(context.asOf))),
            ("arguments", .object(context.arguments)),
            (
                "inputs",
                .array(
                    report.inputs.map { f in
                        .object([("path", .string(f.path)), ("bytes", .int(Int(f.bytes))), ("sha256", .optional(f.sha256)), ("documents", .int(f.documents))])
                    })
            ),
            (
                "outputs",
                .array(
                    context.outputs.map { o in
                        .object([("path", .string(o.path)), ("bytes", .int(Int(o.bytes))), ("sha256", .string(o.sha256))])
                    })
            ),
            ("skipped_files", .int(report.skippedFiles.count)),
            (
                "reconciliation",
                .object([
                    ("documents_read", .int(r.documentsRead)),
                    ("jobs_reported", .int(r.jobsReported)),
                    ("out_of_period", .int(r.outOfPeriod)),
                    ("superseded", .int(r.superseded)),
                    ("duplicates", .int(r.duplicates)),
                    ("rejected", .int(r.rejected)),
                    ("holds", .bool(r.holds)),
                ])
            ),
            (
                "totals",
                .object([
                    ("jobs", .int(report.totals.jobs)),
                    ("consumed_cu", .string(ExactDecimal.plain(report.totals.consumedCU))),
                    ("cost", .string(currency.format(report.totals.cost))),
                    ("currency", .string(currency.code)),
                ])
            ),
            ("rejects_by_reason", .object(report.rejectCounts.map { ($0.reason, .int($0.count)) })),
            ("skipped", .array(report.skippedFiles.map { .string($0) })),
        ])
        return doc.renderedBytes
    }
}
