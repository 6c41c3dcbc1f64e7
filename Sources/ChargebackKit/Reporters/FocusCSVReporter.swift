import Foundation

/// `focus.csv`: one FinOps FOCUS 1.2 cost-and-usage row per reported job (SPEC 3.4). How
/// each column is derived is documented in the README ("FOCUS columns").
public struct FocusCSVReporter: StreamingReporter {
    /// The FOCUS columns, then the tool's own `x_` columns.
    public static let columns = [
        "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
        "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
        "CommitmentDiscountStatus", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId",
        "InvoiceIssuerName",
        "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
        "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId",
        "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
        "x_CodeTaskName", "x_JobId", "x_RunId", "x_InstanceName", "x_StartedBy", "x_CostCenter", "x_RuntimeEnvId", "x_CodeTaskId",
        "x_Status", "x_DurationSeconds", "x_Flags", "x_Source",
    ]

    /// The provider, publisher and invoice issuer of every row.
    public static let provider = "Informatica"
    /// The unit of consumed and pricing quantities.
    public static let unit = "Compute Units"

    /// Creates the reporter.
    public init() {}

    public func write(_ report: Report, context: ReportContext, to sink: OutputSink) throws(OutputError) {
        var csv = CSVWriter(bom: context.excel)
        csv.header(Self.columns)
        let zone = report.parameters.zone
        for item in report.lineItems {
            let j = item.job
            let money = item.currency.format(item.cost)
            let rate = ExactDecimal.plain(item.rate)
            let cu = ExactDecimal.plain(item.consumedCU)
            let (billingStart, billingEnd) = Self.billingPeriod(item.attributionTime, zone: zone)
            let (chargeStart, chargeEnd) = Self.chargePeriod(j, billingEnd: billingEnd, asOf: context.asOf)
            let taskId = j.codeTaskId.map(String.init) ?? ""
            let sku = j.consumedCU == nil ? "IDMC-CODE-TASK-SECURE-AGENT" : "IDMC-CODE-TASK-SERVERLESS-CU"
            let name = j.codeTaskName ?? taskId
            let priceDetails = JSONText.object([("x_RatePerComputeUnit", .string(rate)), ("x_Currency", .string(item.currency.code))])
            let tags = JSONText.object([("chargeback/cost_center", .string(item.costCenter)), ("chargeback/runtime_env_id", .string(j.runtimeEnvId))])
            csv.row([
                .number(money), .text(Self.billingAccountId), .text(Self.billingAccountName), .text(item.currency.code),
                .text(formatInstant(billingEnd)), .text(formatInstant(billingStart)),
                .text("Usage"), .text(""), .text(Self.ascii("Code task \(name) run \(j.runId.map(String.init) ?? "?")")),
                .text("Usage-Based"), .text(formatInstant(chargeEnd)), .text(formatInstant(chargeStart)), .text(""),
                .number(cu), .text(Self.unit), .number(money), .number(rate), .number(money),
                .text(Self.invoiceId(billingStart, zone: zone)), .text(Self.provider),
                .number(money), .number(rate), .text("Standard"), .number(cu), .text(Self.unit), .text(Self.provider), .text(Self.provider),
                .text("\(j.orgId)/codetask/\(taskId)"), .text(Self.ascii(name)), .text("Code Task"),
                .text("Integration"), .text("Data Integration"), .text("Other (Integration)"), .text(sku),
                .text("Serverless compute units"), .text(priceDetails.compact), .text("\(sku):\(rate):\(item.currency.code)"),
                .text(j.orgId), .text(j.orgId), .text(tags.compact),
                .text(j.codeTaskName ?? ""), .text(j.jobId ?? ""), .number(j.runId.map(String.init) ?? ""), .text(j.instanceName ?? ""), .text(j.user),
                .text(item.costCenter), .text(j.runtimeEnvId), .number(taskId), .text(j.state.rawValue),
                .number(j.durationMilliseconds.map { formatSeconds(milliseconds: $0) } ?? ""),
                .text(item.flags.joined(separator: ";")), .text(j.source.description),
            ])
            if csv.bytes.count >= 1 << 20 { try csv.flush(to: sink) }
        }
        try csv.flush(to: sink)
    }

    /// The account every row is billed to: the IDMC subscription as a whole.
    public static let billingAccountId = "idmc"
    /// Its display name.
    public static let billingAccountName = "Informatica IDMC"

    /// The chargeback statement a row belongs to: `chargeback-<billing month>`.
    static func invoiceId(_ billingStart: Instant, zone: Zone) -> String {
        "chargeback-" + zone.civil(billingStart).monthString
    }

    /// FOCUS text columns must be ASCII (the validator enforces it): accents are folded
    /// (`Übersicht` → `Ubersicht`) and any other non-ASCII character becomes `?`. The exact
    /// text stays in the `x_` columns.
    static func ascii(_ s: String) -> String {
        guard !s.utf8.contains(where: { $0 >= 0x80 }) else {
            let folded = s.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            return String(String.UnicodeScalarView(folded.unicodeScalars.map { $0.isASCII ? $0 : "?" }))
        }
        return s
    }

    /// The calendar month (in the report zone) that contains `t`, as UTC instants.
    static func billingPeriod(_ t: Instant, zone: Zone) -> (Instant, Instant) {
        let c = zone.civil(t)
        let start = zone.instant(CivilDateTime(year: c.year, month: c.month, day: 1))
        let end = zone.instant(c.month == 12 ? CivilDateTime(year: c.year + 1, month: 1, day: 1) : CivilDateTime(year: c.year, month: c.month + 1, day: 1))
        return (start, end)
    }

    /// The job's start and end; an open job (or one without an end) ends at the report's
    /// as-of time, never before its start.
    static func chargePeriod(_ j: JobRecord, billingEnd: Instant, asOf: Instant) -> (Instant, Instant) {
        let end = j.endTime ?? max(asOf, j.startTime + 1)
        return (j.startTime, max(end, j.startTime + 1))
    }
}
