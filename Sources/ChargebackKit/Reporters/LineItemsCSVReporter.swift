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

    private static func row(_ item: UnsafePointer<LineItem>, job: JobRecord, into csv: inout CSVWriter) {
        // Nor do the cells' closures count one.
        unowned(unsafe) let j = job
        let (rate, cost) = LineItem.rateAndCost(of: item)
        let minorUnit = item.pointee.minorUnit
        csv.text(j.orgText, absent: unknownValue)
        csv.text(j.userText, absent: unknownValue)
        csv.text(item.pointee.costCenterText)
        csv.text(j.environmentText, absent: unknownValue)
        csv.number { b in if let id = j.codeTaskId { appendInteger(id, to: &b) } }
        csv.text(j.codeTaskNameText)
        csv.text { b in j.appendInstanceName(to: &b) }
        csv.number { b in if let id = j.runId { appendInteger(id, to: &b) } }
        csv.text { b in j.appendJobId(to: &b) }
        csv.text(j.state.rawValue)
        csv.text { b in appendInstant(j.startTime, to: &b) }
        csv.text { b in if let end = j.endTime { appendInstant(end, to: &b) } }
        csv.number { b in if let ms = j.durationMilliseconds { appendSeconds(milliseconds: ms, to: &b) } }
        csv.number { b in if let cu = j.assignedCU { ExactDecimal.appendPlain(cu, to: &b) } }
        csv.number { b in ExactDecimal.appendPlain(j.consumedCU ?? 0, to: &b) }
        csv.number { b in ExactDecimal.appendPlain(rate, to: &b) }
        csv.number { b in ExactDecimal.appendFixed(cost, digits: minorUnit, to: &b) }
        csv.text(item.pointee.currencyCode)
        csv.text(j.errorText)
        csv.text { b in j.appendSessionLogUrl(to: &b) }
        csv.text { b in LineItem.appendFlags(of: j, to: &b) }
        csv.text { b in j.source.appendDescription(to: &b) }
        csv.endRow()
    }
}
