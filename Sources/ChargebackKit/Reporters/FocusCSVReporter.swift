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
        try csv.flush(to: sink)
        let items = report.lineItems
        let zone = report.parameters.zone
        let asOf = context.asOf
        try CSVWriter.writeRows(count: items.count, to: sink) { range, csv in
            var cache = RowCache(zone: zone)
            items.withUnsafeBufferPointer { buffer in
                for i in range { Self.row(buffer[i], asOf: asOf, cache: &cache, into: &csv) }
            }
        }
    }

    /// Appends the FOCUS row of `item`.
    static func row(_ item: LineItem, asOf: Instant, cache: inout RowCache, into csv: inout CSVWriter) {
        let j = item.job
        let code = item.currency.code
        let rate = ExactDecimal.plain(item.rate)
        let month = cache.billingMonth(item.attributionTime)
        let (chargeStart, chargeEnd) = Self.chargePeriod(j, billingEnd: month.end, asOf: asOf)
        let sku = j.consumedCU == nil ? "IDMC-CODE-TASK-SECURE-AGENT" : "IDMC-CODE-TASK-SERVERLESS-CU"
        // The closures capture these rather than `item`, which would copy the line item.
        let cost = item.cost, minorUnit = item.currency.minorUnit
        let money = { (b: inout [UInt8]) in ExactDecimal.appendFixed(cost, digits: minorUnit, to: &b) }
        let cu = { (b: inout [UInt8]) in ExactDecimal.appendPlain(j.consumedCU ?? 0, to: &b) }
        let taskId = { (b: inout [UInt8]) in if let id = j.codeTaskId { appendInteger(id, to: &b) } }
        csv.number(money)
        csv.text(Self.billingAccountId)
        csv.text(Self.billingAccountName)
        csv.text(code)
        csv.text { appendInstant(month.end, to: &$0) }
        csv.text { appendInstant(month.start, to: &$0) }
        csv.text("Usage")
        csv.text("")
        if let name = j.codeTaskName, name.utf8.contains(where: { $0 >= 0x80 }) {
            csv.text(Self.ascii("Code task \(name) run \(j.runId.map(String.init) ?? "?")"))
        } else {
            csv.text { b in
                b.append(contentsOf: "Code task ".utf8)
                if let name = j.codeTaskName { b.append(contentsOf: name.utf8) } else { taskId(&b) }
                b.append(contentsOf: " run ".utf8)
                if let run = j.runId { appendInteger(run, to: &b) } else { b.append(UInt8(ascii: "?")) }
            }
        }
        csv.text("Usage-Based")
        csv.text { appendInstant(chargeEnd, to: &$0) }
        csv.text { appendInstant(chargeStart, to: &$0) }
        csv.text("")
        csv.number(cu)
        csv.text(Self.unit)
        csv.number(money)
        csv.number(rate)
        csv.number(money)
        csv.text(month.invoiceId)
        csv.text(Self.provider)
        csv.number(money)
        csv.number(rate)
        csv.text("Standard")
        csv.number(cu)
        csv.text(Self.unit)
        csv.text(Self.provider)
        csv.text(Self.provider)
        csv.text { b in
            b.append(contentsOf: j.orgId.utf8)
            b.append(contentsOf: "/codetask/".utf8)
            taskId(&b)
        }
        if let name = j.codeTaskName {
            csv.text(Self.ascii(name))
        } else {
            csv.text(taskId)
        }
        csv.text("Code Task")
        csv.text("Integration")
        csv.text("Data Integration")
        csv.text("Other (Integration)")
        csv.text(sku)
        csv.text("Serverless compute units")
        csv.text(cache.priceDetails(rate: rate, currency: code))
        csv.text { b in
            b.append(contentsOf: sku.utf8)
            b.append(UInt8(ascii: ":"))
            b.append(contentsOf: rate.utf8)
            b.append(UInt8(ascii: ":"))
            b.append(contentsOf: code.utf8)
        }
        csv.text(j.orgId)
        csv.text(j.orgId)
        csv.text(cache.tags(costCenter: item.costCenter, runtimeEnvId: j.runtimeEnvId))
        csv.text(j.codeTaskName ?? "")
        csv.text { j.appendJobId(to: &$0) }
        csv.number { b in if let run = j.runId { appendInteger(run, to: &b) } }
        csv.text { j.appendInstanceName(to: &$0) }
        csv.text(j.user)
        csv.text(item.costCenter)
        csv.text(j.runtimeEnvId)
        csv.number(taskId)
        csv.text(j.state.rawValue)
        csv.number { b in if let ms = j.durationMilliseconds { appendSeconds(milliseconds: ms, to: &b) } }
        csv.text { LineItem.appendFlags(of: j, to: &$0) }
        csv.text { j.source.appendDescription(to: &$0) }
        csv.endRow()
    }

    /// What neighbouring rows share, computed once per chunk of rows: the billing month of
    /// the last attribution time, and the JSON cells of each rate and each cost center and
    /// runtime environment.
    struct RowCache {
        let zone: Zone
        private var month: (start: Instant, end: Instant, invoiceId: String)?
        private var details: [PriceKey: String] = [:]
        private var tagTexts: [TagKey: String] = [:]

        private struct PriceKey: Hashable {
            var rate: String
            var currency: String
        }

        private struct TagKey: Hashable {
            var costCenter: String
            var runtimeEnvId: String
        }

        init(zone: Zone) { self.zone = zone }

        /// The billing period containing `t` (`billingPeriod`) and its `invoiceId`.
        mutating func billingMonth(_ t: Instant) -> (start: Instant, end: Instant, invoiceId: String) {
            if let m = month, t >= m.start, t < m.end { return (m.start, m.end, m.invoiceId) }
            let (start, end) = FocusCSVReporter.billingPeriod(t, zone: zone)
            let invoice = FocusCSVReporter.invoiceId(start, zone: zone)
            month = (start, end, invoice)
            return (start, end, invoice)
        }

        /// `SkuPriceDetails`.
        mutating func priceDetails(rate: String, currency: String) -> String {
            let key = PriceKey(rate: rate, currency: currency)
            if let text = details[key] { return text }
            let text = JSONText.object([("x_RatePerComputeUnit", .string(rate)), ("x_Currency", .string(currency))]).compact
            details[key] = text
            return text
        }

        /// `Tags`.
        mutating func tags(costCenter: String, runtimeEnvId: String) -> String {
            let key = TagKey(costCenter: costCenter, runtimeEnvId: runtimeEnvId)
            if let text = tagTexts[key] { return text }
            let text = JSONText.object([("chargeback/cost_center", .string(costCenter)), ("chargeback/runtime_env_id", .string(runtimeEnvId))]).compact
            tagTexts[key] = text
            return text
        }
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
