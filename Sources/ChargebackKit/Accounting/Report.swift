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

    /// Builds the report from what the reader produced.
    public init(read: ReadResult, rules: AccountingRules, inputZone: Zone, groupBy: [GroupDimension], unpriced: Bool) {
        let ledger = JobLedger(documents: read.documents)
        let (items, outside) = rules.account(ledger.jobs)
        parameters = ReportParameters(
            period: rules.period, zone: rules.zone, inputZone: inputZone, attributeBy: rules.attributeBy, groupBy: groupBy, currency: rules.rates.currency,
            unpriced: unpriced)
        lineItems = items
        summary = Summary(items: items, dimensions: groupBy)
        var t = Tally()
        for item in items { t.add(item) }
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
