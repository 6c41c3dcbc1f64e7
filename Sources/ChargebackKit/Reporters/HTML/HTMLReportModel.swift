import Foundation

/// Everything `report.html` shows, already formatted: the templates only place these strings.
/// The page summarises (totals, groups, the ten largest of each kind), so its size does not
/// grow with the number of jobs.
///
/// Templates print every value escaped, except tool-built SVG: only `SVGMarkup` values have
/// names ending in `SVG`, and `HTMLTemplates` refuses unescaped output of any other name.
struct HTMLReportModel: Sendable {
    /// One row of the parameter table.
    struct Parameter: Sendable {
        var name: String
        var value: String
    }

    /// A headline figure; `id` gives the element an id (`headline-jobs`).
    struct Figure: Sendable {
        var id: String
        var label: String
        var value: String
        var note: String
    }

    /// The use of a cost center's budget.
    struct BudgetUse: Sendable {
        var budget: String
        var used: String
        /// `230.00 USD left` or `over by 12.00 USD`.
        var remaining: String
        var over: Bool
        var budgetSVG: SVGMarkup
    }

    /// One cost center with its share of CU and cost, and its budget when one is configured.
    struct CostCenterRow: Sendable {
        var name: String
        var jobs: String
        var cu: String
        var cuShare: String
        var shareSVG: SVGMarkup
        /// Without the currency code (the column header names it).
        var cost: String
        var costShare: String
        var budget: BudgetUse?
    }

    /// One row of a top-10 table.
    struct TopRow: Sendable {
        var rank: String
        var name: String
        var detail: String?
        var jobs: String
        var failed: String
        var cu: String
        var cuShare: String
        var cost: String
    }

    /// The ten largest orgs, users, runtime environments or tasks by cost, then CU.
    struct TopTable: Sendable {
        var id: String
        var title: String
        var column: String
        var rows: [TopRow]
        /// The sums of everything below the top ten, when there is more.
        var rest: TopRow?
        /// `26 users in total`.
        var distinct: String
    }

    /// One bucket of the CU chart, as a table row (the chart's text alternative).
    struct ChartRow: Sendable {
        var label: String
        var jobs: String
        var cu: String
        var succeededCU: String
        var otherCU: String
    }

    /// CU per day (per month or year on long periods).
    struct CUChart: Sendable {
        var title: String
        var bucketName: String
        var summary: String
        /// nil when no job was reported.
        var chartSVG: SVGMarkup?
        var rows: [ChartRow]
    }

    /// One state of the status breakdown.
    struct StatusRow: Sendable {
        var status: String
        var jobs: String
        var share: String
        var cu: String
        var cost: String
        var hours: String
    }

    /// Failed jobs that share a first error message.
    struct FailureGroup: Sendable {
        var rank: String
        var message: String
        /// The whole message, when `message` is shortened.
        var fullMessage: String?
        var jobs: String
        var cu: String
        var cost: String
        var exampleJob: String
        var exampleUser: String
        var exampleStart: String
    }

    /// The failures section.
    struct Failures: Sendable {
        /// `110 failed jobs`.
        var failedJobs: String
        /// `70 distinct first error messages`.
        var distinctMessages: String
        var groups: [FailureGroup]
        var anyGroups: Bool
        /// `58 other messages: 71 jobs, 120.5 CU, 0.00 USD`.
        var rest: String?
    }

    /// One term of the reconciliation identity.
    struct Term: Sendable {
        var id: String
        var name: String
        var value: String
        /// `=` before the first right-hand term, `+` before the others.
        var op: String
        /// What the term counts, in a sentence.
        var meaning: String
    }

    /// `documents_read = jobs_reported + out_of_period + superseded + duplicates + rejected`.
    struct ReconciliationView: Sendable {
        var holds: Bool
        var verdict: String
        var left: Term
        var right: [Term]
    }

    /// Reject counts by reason.
    struct RejectRow: Sendable {
        var reason: String
        var count: String
    }

    var title: String
    var period: String
    var periodRange: String
    var timezone: String
    var inputTimezone: String
    var asOf: String
    var toolVersion: String
    var pricingNote: String?
    var parameters: [Parameter]
    var headline: [Figure]
    var currency: String
    var costCenters: [CostCenterRow]
    var hasBudgets: Bool
    var tops: [TopTable]
    var chart: CUChart
    var statuses: [StatusRow]
    var failures: Failures
    var reconciliation: ReconciliationView
    var rejects: [RejectRow]
    var anyRejects: Bool
    var rejectTotal: String
}
