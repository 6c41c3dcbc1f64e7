/// `rejects.csv`: every document that could not be used, in reading order (SPEC 3.7).
public struct RejectsCSVReporter: Reporter {
    /// Creates the reporter.
    public init() {}

    public func render(_ report: Report, context: ReportContext) -> [UInt8] {
        var csv = CSVWriter(bom: context.excel)
        csv.header(["source", "reason", "detail", "excerpt"])
        for r in report.rejects {
            csv.row([.text(r.source.description), .text(r.reason.code), .text(r.detail), .text(r.excerpt)])
        }
        return csv.bytes
    }
}
