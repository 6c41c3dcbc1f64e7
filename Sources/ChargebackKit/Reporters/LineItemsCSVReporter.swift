/// `line-items.csv`: one row per reported job (SPEC 3.2).
public struct LineItemsCSVReporter: StreamingReporter {
    /// The columns, in order.
    public static let columns = [
        "org_id", "user", "cost_center", "runtime_env_id", "code_task_id", "code_task_name", "instance_name",
        "run_id", "job_id", "status", "start_time", "end_time", "duration_seconds", "assigned_cu_per_hour",
        "consumed_cu", "rate", "cost", "currency", "error_message", "session_log_url", "flags", "source",
    ]

    /// Creates the reporter.
    public init() {}

    public func write(_ report: Report, context: ReportContext, to sink: OutputSink) throws(OutputError) {
        var csv = CSVWriter(bom: context.excel)
        csv.header(Self.columns)
        try csv.flush(to: sink)
        let items = report.lineItems
        try CSVWriter.writeRows(count: items.count, to: sink) { range, csv in
            // Rows read the line items in place rather than copying each out of the array.
            items.withUnsafeBufferPointer { buffer in
                for batch in stride(from: range.lowerBound, to: range.upperBound, by: 16) {
                    let rows = batch..<min(batch + 16, range.upperBound)
                    LineItem.warmJobs(buffer.baseAddress!, rows)
                    for i in rows { Self.row(buffer.baseAddress! + i, into: &csv) }
                }
            }
        }
    }

    /// Appends the row of `item`; pooled texts, numbers, instants, decimals and the derived
    /// job fields go straight into the buffer, so a row builds no `String`.
    static func row(_ item: LineItem, into csv: inout CSVWriter) {
        withUnsafePointer(to: item) { row($0, into: &csv) }
    }

    /// `row` of the line item at `item`, read in place: copying a line item out of the array
    /// would count a reference for each of its fields.
    static func row(_ item: UnsafePointer<LineItem>, into csv: inout CSVWriter) {
        // The line item holds its job for as long as the row is written, so the job is read
        // without counting a reference to it.
        Unmanaged.passUnretained(item.pointee.job)._withUnsafeGuaranteedRef { j in row(item, job: j, into: &csv) }
    }

    private static func row(_ item: UnsafePointer<LineItem>, job j: JobRecord, into csv: inout CSVWriter) {
        // Cells that need the job are handed it: a closure that captured it would count a
        // reference to it each time.
        let (rate, cost) = LineItem.rateAndCost(of: item)
        let minorUnit = item.pointee.minorUnit
        csv.text(j.orgText, absent: unknownValue)
        csv.text(j.userText, absent: unknownValue)
        csv.text(item.pointee.costCenterText)
        csv.text(j.environmentText, absent: unknownValue)
        csv.number(j.codeTaskId) { id, b in if let id { appendInteger(id, to: &b) } }
        csv.text(j.codeTaskNameText)
        csv.text(j) { j, b in j.appendInstanceName(to: &b) }
        csv.number(j.runId) { id, b in if let id { appendInteger(id, to: &b) } }
        csv.text(j) { j, b in j.appendJobId(to: &b) }
        csv.text(j.state.rawValue)
        csv.instant(j.startTime)
        csv.instant(j.endTime)
        csv.number(j.durationMilliseconds) { ms, b in if let ms { appendSeconds(milliseconds: ms, to: &b) } }
        csv.number(j) { j, b in if let cu = j.assignedCU { ExactDecimal.appendPlain(cu, to: &b) } }
        csv.number(j) { j, b in ExactDecimal.appendPlain(j.consumedCU ?? 0, to: &b) }
        csv.number(rate) { rate, b in ExactDecimal.appendPlain(rate, to: &b) }
        csv.number((cost, minorUnit)) { c, b in ExactDecimal.appendFixed(c.0, digits: c.1, to: &b) }
        csv.text(item.pointee.currencyCode)
        csv.text(j.errorText)
        csv.text(j) { j, b in j.appendSessionLogUrl(to: &b) }
        csv.text(j) { j, b in LineItem.appendFlags(of: j, to: &b) }
        csv.text(j) { j, b in j.source.appendDescription(to: &b) }
        csv.endRow()
    }
}
