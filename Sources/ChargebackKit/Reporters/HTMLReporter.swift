import Foundation

/// `report.html`: the one-page management summary (SPEC 3.5), rendered from the Mustache
/// templates carried by the context. The view model is built in `HTMLReportModel`; the
/// templates only place its (already formatted) values, escaped by the template engine.
public struct HTMLReporter: Reporter {
    /// Budget per cost center for the reported period, in the report's currency, overriding
    /// the configured budgets the report carries (prorated to its window). Cost centers
    /// without a budget show no budget bar.
    public var budgets: [String: Decimal]?

    /// Creates the reporter; without `budgets`, those of the report's configuration are used.
    public init(budgets: [String: Decimal]? = nil) {
        self.budgets = budgets
    }

    public func render(_ report: Report, context: ReportContext) throws -> [UInt8] {
        guard let templates = context.templates else { throw TemplateError.notLoaded }
        let configured = Dictionary(report.budgetUse.map { ($0.costCenter, $0.budget) }, uniquingKeysWith: { a, _ in a })
        let model = HTMLReportModel(report: report, context: context, budgets: budgets ?? configured)
        return Array(templates.render(model).utf8)
    }
}
