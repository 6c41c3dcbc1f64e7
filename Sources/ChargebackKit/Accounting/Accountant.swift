import Foundation

/// A reported job with its attribution, price and cost center: one row of `line-items.csv`.
public struct LineItem: Sendable {
    public var job: JobRecord
    public var costCenter: String
    public var rate: Decimal
    /// Consumed CU × rate, rounded half-to-even to the currency's minor unit.
    public var cost: Decimal
    public var currency: Currency
    /// The start (or, with `--attribute-by end`, the end) time that places the job.
    public var attributionTime: Instant
    /// `YYYY-MM-DD` of the attribution time in the report zone.
    public var day: String
    /// `YYYY-MM` of the attribution time in the report zone.
    public var month: String

    /// Consumed CU, 0 for a Secure Agent job.
    public var consumedCU: Decimal { job.consumedCU ?? 0 }

    /// `;`-separated markers (`estimated_time`, `non_serverless`, `no_end_time`).
    public var flags: [String] {
        Self.flagNames.indices.filter { hasFlag($0) }.map { String(describing: Self.flagNames[$0]) }
    }

    /// Appends `flags` joined by `;` to `bytes`.
    func appendFlags(to bytes: inout [UInt8]) {
        var first = true
        for i in Self.flagNames.indices where hasFlag(i) {
            if !first { bytes.append(UInt8(ascii: ";")) }
            first = false
            Self.flagNames[i].withUTF8Buffer { bytes.append(contentsOf: $0) }
        }
    }

    /// The markers in `flags` order.
    private static let flagNames: [StaticString] = ["estimated_time", "non_serverless", "no_end_time"]

    @inline(__always) private func hasFlag(_ i: Int) -> Bool {
        switch i {
        case 0: job.startEstimated
        case 1: job.consumedCU == nil
        default: job.state.isTerminal && job.endTime == nil
        }
    }
}

/// The accounting settings of a run.
public struct AccountingRules: Sendable {
    public var period: Period
    public var zone: Zone
    public var attributeBy: AttributionBasis
    public var rates: RateCard
    public var costCenters: CostCenterRules
    /// Monthly budgets per cost center; nil when none are configured.
    public var budgets: BudgetPlan?

    /// Creates the rules.
    public init(
        period: Period = .all, zone: Zone = .utc, attributeBy: AttributionBasis = .start, rates: RateCard = .unconfigured,
        costCenters: CostCenterRules = CostCenterRules(), budgets: BudgetPlan? = nil
    ) {
        self.period = period
        self.zone = zone
        self.attributeBy = attributeBy
        self.rates = rates
        self.costCenters = costCenters
        self.budgets = budgets
    }

    /// Attributes, filters, prices and allocates jobs. Returns the reported line items in
    /// `line-items.csv` order and the number of valid jobs outside the period.
    public func account(_ jobs: [JobRecord]) -> (items: [LineItem], outOfPeriod: Int) {
        var items: [LineItem] = []
        var outside = 0
        for job in jobs {
            let t = attributeBy == .end ? (job.endTime ?? job.startTime) : job.startTime
            guard period.contains(t) else {
                outside += 1
                continue
            }
            let local = zone.civil(t)
            let rate = rates.rate(for: job, at: t, zone: zone)
            let cost = rates.currency.round((job.consumedCU ?? 0) * rate)
            items.append(
                LineItem(
                    job: job, costCenter: costCenters.costCenter(for: job), rate: rate, cost: cost,
                    currency: rates.currency, attributionTime: t, day: local.dateString, month: local.monthString))
        }
        items.sort(by: Self.lineItemOrder)
        return (items, outside)
    }

    /// `start_time, org_id, code_task_id, run_id, job_id`; absent values first.
    static func lineItemOrder(_ a: LineItem, _ b: LineItem) -> Bool {
        let x = a.job, y = b.job
        if x.startTime != y.startTime { return x.startTime < y.startTime }
        if x.orgId != y.orgId { return x.orgId.utf8.lexicographicallyPrecedes(y.orgId.utf8) }
        if x.codeTaskId != y.codeTaskId { return absentFirst(x.codeTaskId, y.codeTaskId) }
        if x.runId != y.runId { return absentFirst(x.runId, y.runId) }
        return (x.jobId ?? "").utf8.lexicographicallyPrecedes((y.jobId ?? "").utf8)
    }
}

/// Orders optional numbers with absent values first.
func absentFirst(_ a: Int64?, _ b: Int64?) -> Bool {
    switch (a, b) {
    case (nil, nil): false
    case (nil, _): true
    case (_, nil): false
    case let (x?, y?): x < y
    }
}
