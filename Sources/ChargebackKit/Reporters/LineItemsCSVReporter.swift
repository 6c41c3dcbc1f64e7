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
        for item in report.lineItems {
            let j = item.job
            csv.row([
                .text(j.orgId), .text(j.user), .text(item.costCenter), .text(j.runtimeEnvId),
                .number(j.codeTaskId.map(String.init) ?? ""), .text(j.codeTaskName ?? ""), .text(j.instanceName ?? ""),
                .number(j.runId.map(String.init) ?? ""), .text(j.jobId ?? ""), .text(j.state.rawValue),
                .text(formatInstant(j.startTime)), .text(j.endTime.map(formatInstant) ?? ""),
                .number(j.durationMilliseconds.map { formatSeconds(milliseconds: $0) } ?? ""),
                .number(j.assignedCU.map(ExactDecimal.plain) ?? ""),
                .number(ExactDecimal.plain(item.consumedCU)), .number(ExactDecimal.plain(item.rate)),
                .number(item.currency.format(item.cost)), .text(item.currency.code),
                .text(j.errorMessage ?? ""), .text(j.sessionLogUrl ?? ""),
                .text(item.flags.joined(separator: ";")), .text(j.source.description),
            ])
            if csv.bytes.count >= 1 << 20 { try csv.flush(to: sink) }
        }
        try csv.flush(to: sink)
    }
}
