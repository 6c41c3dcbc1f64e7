import Foundation

/// The audit identity of SPEC 2.5:
/// `documents_read = jobs_reported + out_of_period + superseded + duplicates + rejected`.
public struct Reconciliation: Sendable, Equatable {
    public var documentsRead: Int
    public var jobsReported: Int
    public var outOfPeriod: Int
    public var superseded: Int
    public var duplicates: Int
    public var rejected: Int

    /// Whether the identity holds.
    public var holds: Bool {
        documentsRead == jobsReported + outOfPeriod + superseded + duplicates + rejected
    }

    /// `documents_read 12 = jobs_reported 8 + out_of_period 1 + …`.
    public var equation: String {
        "documents_read \(documentsRead) = jobs_reported \(jobsReported) + out_of_period \(outOfPeriod) + superseded \(superseded) + duplicates \(duplicates) + rejected \(rejected)"
    }
}

/// The parameters a report was computed with, echoed in every output.
public struct ReportParameters: Sendable {
    public var period: Period
    public var zone: Zone
    public var inputZone: Zone
    public var attributeBy: AttributionBasis
    public var groupBy: [GroupDimension]
    public var currency: Currency
    /// True when no configuration priced the jobs (rate 0, USD).
    public var unpriced: Bool
    /// The configuration file as named, and its SHA-256; nil without `--config`.
    public var config: (path: String, sha256: String)?
}

/// The computed report: everything every reporter renders, and nothing they compute.
public struct Report: Sendable {
    public var parameters: ReportParameters
    /// Reported jobs in `line-items.csv` order.
    public var lineItems: [LineItem]
    public var summary: Summary
    /// The sums over all reported jobs.
    public var totals: Tally
    public var reconciliation: Reconciliation
    /// Rejects sorted by source.
    public var rejects: [Reject]
    public var inputs: [InputFileInfo]
    public var skippedFiles: [String]
    /// Spending against budget per budgeted cost center over the report window, sorted by
    /// cost center; empty without budgets.
    public var budgetUse: [BudgetUse]

    /// Builds the report from what the reader produced.
    public init(read: ReadResult, rules: AccountingRules, inputZone: Zone, groupBy: [GroupDimension], config: (path: String, sha256: String)? = nil) {
        let ledger = read.ledger ?? JobLedger(documents: read.documents)
        let (items, outside) = rules.account(ledger.jobs)
        parameters = ReportParameters(
            period: rules.period, zone: rules.zone, inputZone: inputZone, attributeBy: rules.attributeBy, groupBy: groupBy,
            currency: rules.rates.currency, unpriced: config == nil, config: config)
        lineItems = items
        let window = rules.budgets?.window(period: rules.period, items: items)
        summary = Summary(items: items, dimensions: groupBy, budgets: rules.budgets, window: window)
        var use: [BudgetUse] = []
        if let plan = rules.budgets, let w = window {
            // Summed by pooled text first, then by name (two spellings of one name are one).
            var byText: [PooledText: DecimalSum] = [:]
            items.withUnsafeBufferPointer { buffer in
                for i in buffer.indices {
                    LineItem.addCost(of: buffer.baseAddress! + i, to: &byText[buffer[i].costCenterText, default: DecimalSum()])
                }
            }
            var costs: [String: DecimalSum] = [:]
            for (text, sum) in byText { costs[text.string ?? "", default: DecimalSum()].add(sum) }
            for name in plan.monthly.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                if let b = plan.budget(for: name, from: w.from, to: w.to) {
                    use.append(BudgetUse(costCenter: name, budget: b, cost: costs[name]?.value ?? 0))
                }
            }
        }
        budgetUse = use
        // Every line item lands in exactly one group, so the totals are the groups' sums.
        var t = Tally()
        for row in summary.rows { t.merge(row.tally) }
        totals = t
        rejects = (read.rejects + ledger.rejects).sorted { $0.source < $1.source }
        reconciliation = Reconciliation(
            documentsRead: read.documentsRead, jobsReported: items.count, outOfPeriod: outside,
            superseded: ledger.superseded, duplicates: ledger.duplicates, rejected: rejects.count)
        inputs = read.files
        skippedFiles = read.skippedFiles
    }

    /// Reject counts by reason code, sorted by code.
    public var rejectCounts: [(reason: String, count: Int)] {
        Dictionary(grouping: rejects, by: \.reason.code).map { ($0.key, $0.value.count) }
            .sorted { $0.reason.utf8.lexicographicallyPrecedes($1.reason.utf8) }
    }
}
