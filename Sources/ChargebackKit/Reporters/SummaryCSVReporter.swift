/// `summary.csv`: one row per group (SPEC 3.1).
public struct SummaryCSVReporter: Reporter {
    /// Creates the reporter.
    public init() {}

    public func render(_ report: Report, context: ReportContext) -> [UInt8] {
        let summary = report.summary
        let currency = report.parameters.currency
        var csv = CSVWriter(bom: context.excel)
        var header = summary.keyColumns
        if let i = header.firstIndex(of: "code_task_id") { header.insert("code_task_name", at: i + 1) }
        header += ["jobs", "succeeded", "failed", "cancelled", "open", "duration_seconds", "consumed_cu", "cost", "currency"]
        if summary.hasBudgets { header += ["budget", "budget_used_pct"] }
        csv.header(header)
        let taskColumn = summary.keyColumns.firstIndex(of: "code_task_id")
        for row in summary.rows {
            var cells: [CSVWriter.Cell] = []
            for (i, v) in row.key.enumerated() {
                switch v {
                case .text(let s): cells.append(.text(s))
                case .number(let n): cells.append(.number(n.map(String.init) ?? ""))
                }
                if i == taskColumn { cells.append(.text(row.codeTaskName ?? "")) }
            }
            let t = row.tally
            cells += [
                .number(String(t.jobs)), .number(String(t.succeeded)), .number(String(t.failed)),
                .number(String(t.cancelled)), .number(String(t.open)),
                .number(formatSeconds(milliseconds: t.durationMilliseconds)),
                .number(ExactDecimal.plain(t.consumedCU)), .number(currency.format(t.cost)), .text(currency.code),
            ]
            if summary.hasBudgets {
                cells.append(.number(row.budget.map(currency.format) ?? ""))
                let pct = row.budget.flatMap { budgetPercent(cost: t.cost, budget: $0) }
                cells.append(.number(pct.map { ExactDecimal.fixed($0, digits: 1) } ?? ""))
            }
            csv.row(cells)
        }
        return csv.bytes
    }
}
