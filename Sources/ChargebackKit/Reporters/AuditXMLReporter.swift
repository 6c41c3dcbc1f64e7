/// `audit.xml`: everything an auditor needs in one schema-valid file (SPEC 3.6): parameters,
/// tool version and as-of time, every input with its digest, skipped files, the
/// reconciliation, totals, the summary groups, every job with all line-item fields, and every
/// reject. Valid against `Templates/audit.xsd`. Written through libxml2's streaming writer, job
/// by job, so memory does not grow with the number of jobs. Element names are the column names
/// of the CSV reports; values are formatted exactly as there.
public struct AuditXMLReporter: StreamingReporter {
    /// The schema's target namespace.
    public static let namespace = "urn:chargeback:audit:1"
    /// The schema version, the root's `version` attribute.
    public static let schemaVersion = "1"
    /// Where the document says its schema is (relative: `audit.xsd` beside the file).
    public static let schemaLocation = "audit.xsd"

    /// Creates the reporter.
    public init() {}

    public func write(_ report: Report, context: ReportContext, to sink: OutputSink) throws(OutputError) {
        do {
            let xml = try XMLStreamWriter(output: { try sink.write($0) })
            try emit(report, context: context, into: xml)
            try xml.finish()
        } catch let error as OutputError {
            throw error
        } catch {
            throw OutputError(path: sink.path, reason: describe(error))
        }
    }

    private func emit(_ report: Report, context: ReportContext, into xml: XMLStreamWriter) throws {
        let p = report.parameters
        try xml.startDocument()
        try xml.startElement("audit")
        try xml.attribute("xmlns", Self.namespace)
        try xml.attribute("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
        try xml.attribute("xsi:schemaLocation", Self.namespace + " " + Self.schemaLocation)
        try xml.attribute("version", Self.schemaVersion)
        try xml.element("tool", "chargeback")
        try xml.element("tool_version", context.toolVersion)
        try xml.element("as_of", formatInstant(context.asOf))

        try xml.startElement("parameters")
        try xml.element("period", p.period.label)
        if let from = p.period.from { try xml.element("from", formatInstant(from)) }
        if let to = p.period.to { try xml.element("to", formatInstant(to)) }
        try xml.element("timezone", p.zone.identifier)
        try xml.element("input_timezone", p.inputZone.identifier)
        try xml.element("attribute_by", p.attributeBy.rawValue)
        try xml.startElement("group_by")
        for d in p.groupBy { try xml.element("dimension", d.rawValue) }
        try xml.endElement()
        try xml.element("currency", p.currency.code)
        // An empty <config/> says "none" (rate 0, USD).
        try xml.startElement("config")
        if let config = p.config {
            try xml.element("path", config.path)
            try xml.element("sha256", config.sha256)
        }
        try xml.endElement()
        try xml.endElement()

        try xml.startElement("inputs")
        for f in report.inputs {
            try xml.startElement("file")
            try xml.element("path", f.path)
            try xml.element("bytes", String(f.bytes))
            if let sha = f.sha256 { try xml.element("sha256", sha) }
            try xml.element("documents", String(f.documents))
            try xml.endElement()
        }
        try xml.endElement()

        try xml.startElement("skipped_files")
        for path in report.skippedFiles { try xml.element("path", path) }
        try xml.endElement()

        let r = report.reconciliation
        try xml.startElement("reconciliation")
        try xml.element("documents_read", String(r.documentsRead))
        try xml.element("jobs_reported", String(r.jobsReported))
        try xml.element("out_of_period", String(r.outOfPeriod))
        try xml.element("superseded", String(r.superseded))
        try xml.element("duplicates", String(r.duplicates))
        try xml.element("rejected", String(r.rejected))
        try xml.element("holds", r.holds ? "true" : "false")
        try xml.endElement()

        try xml.startElement("totals")
        try tally(report.totals, currency: p.currency, into: xml)
        try xml.endElement()

        try xml.startElement("summary")
        let columns = report.summary.keyColumns
        for row in report.summary.rows {
            try xml.startElement("group")
            for (column, value) in zip(columns, row.key) {
                try xml.startElement("key")
                try xml.attribute("name", column)
                switch value {
                case .text(let s): try xml.text(s)
                case .number(let n): try xml.text(n.map(String.init) ?? "")
                }
                try xml.endElement()
            }
            if let name = row.codeTaskName { try xml.element("code_task_name", name) }
            try tally(row.tally, currency: p.currency, into: xml)
            try xml.endElement()
        }
        try xml.endElement()

        try xml.startElement("jobs")
        for item in report.lineItems { try job(item, into: xml) }
        try xml.endElement()

        try xml.startElement("rejects")
        for reject in report.rejects {
            try xml.startElement("reject")
            try xml.element("source", reject.source.description)
            try xml.element("reason", reject.reason.code)
            try xml.element("detail", reject.detail)
            try xml.element("excerpt", reject.excerpt)
            try xml.endElement()
        }
        try xml.endElement()
        try xml.endElement()
    }

    /// The columns of `summary.csv` after the group key.
    private func tally(_ t: Tally, currency: Currency, into xml: XMLStreamWriter) throws {
        try xml.element("jobs", String(t.jobs))
        try xml.element("succeeded", String(t.succeeded))
        try xml.element("failed", String(t.failed))
        try xml.element("cancelled", String(t.cancelled))
        try xml.element("open", String(t.open))
        try xml.element("duration_seconds", formatSeconds(milliseconds: t.durationMilliseconds))
        try xml.element("consumed_cu", ExactDecimal.plain(t.consumedCU))
        try xml.element("cost", currency.format(t.cost))
        try xml.element("currency", currency.code)
    }

    /// One job: the fields of `line-items.csv`, in its column order; absent values are
    /// omitted elements (an empty CSV cell).
    private func job(_ item: LineItem, into xml: XMLStreamWriter) throws {
        let j = item.job
        try xml.startElement("job")
        try xml.element("org_id", j.orgId)
        try xml.element("user", j.user)
        try xml.element("cost_center", item.costCenter)
        try xml.element("runtime_env_id", j.runtimeEnvId)
        if let id = j.codeTaskId { try xml.element("code_task_id", String(id)) }
        if let name = j.codeTaskName { try xml.element("code_task_name", name) }
        if let name = j.instanceName { try xml.element("instance_name", name) }
        if let run = j.runId { try xml.element("run_id", String(run)) }
        if let id = j.jobId { try xml.element("job_id", id) }
        try xml.element("status", j.state.rawValue)
        try xml.element("start_time", formatInstant(j.startTime))
        if let end = j.endTime { try xml.element("end_time", formatInstant(end)) }
        if let ms = j.durationMilliseconds { try xml.element("duration_seconds", formatSeconds(milliseconds: ms)) }
        if let cu = j.assignedCU { try xml.element("assigned_cu_per_hour", ExactDecimal.plain(cu)) }
        try xml.element("consumed_cu", ExactDecimal.plain(item.consumedCU))
        try xml.element("rate", ExactDecimal.plain(item.rate))
        try xml.element("cost", item.currency.format(item.cost))
        try xml.element("currency", item.currency.code)
        if let message = j.errorMessage { try xml.element("error_message", message) }
        if let url = j.sessionLogUrl { try xml.element("session_log_url", url) }
        let flags = item.flags
        if !flags.isEmpty {
            try xml.startElement("flags")
            for flag in flags { try xml.element("flag", flag) }
            try xml.endElement()
        }
        try xml.element("source", j.source.description)
        try xml.endElement()
    }
}
