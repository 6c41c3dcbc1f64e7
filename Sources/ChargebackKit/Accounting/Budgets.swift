import Foundation

/// Monthly budgets per cost center, prorated to any time window (SPEC 3.1 `budget`).
public struct BudgetPlan: Sendable {
    /// Budget per month by cost center, in the report currency.
    public var monthly: [String: Decimal]
    public var currency: Currency
    public var zone: Zone

    /// Creates a plan.
    public init(monthly: [String: Decimal], currency: Currency, zone: Zone) {
        self.monthly = monthly
        self.currency = currency
        self.zone = zone
    }

    /// The budget of `costCenter` for `[from, to)`: each calendar month (in the report zone)
    /// contributes its monthly budget times the share of the month inside the window, and the
    /// sum is rounded half-to-even to the currency's minor unit. nil without a budget.
    public func budget(for costCenter: String, from: Instant, to: Instant) -> Decimal? {
        guard let perMonth = monthly[costCenter], to > from else { return nil }
        var total: Decimal = 0
        let first = zone.civil(from)
        var year = first.year, month = first.month
        while true {
            let start = zone.instant(CivilDateTime(year: year, month: month, day: 1))
            if start >= to { break }
            let (ny, nm) = month == 12 ? (year + 1, 1) : (year, month + 1)
            let end = zone.instant(CivilDateTime(year: ny, month: nm, day: 1))
            let overlap = min(end, to) - max(start, from)
            if overlap > 0 {
                total += perMonth * Decimal(overlap) / Decimal(end - start)
            }
            year = ny
            month = nm
        }
        return currency.round(total)
    }

    /// The window a report covers: its period, or for an unbounded one the whole months
    /// from the first to the last attribution time of the reported jobs.
    public func window(period: Period, items: [LineItem]) -> (from: Instant, to: Instant)? {
        let times = items.map(\.attributionTime)
        guard let lo = period.from ?? times.min().map(monthStart), let hi = period.to ?? times.max().map(nextMonthStart) else { return nil }
        return (lo, hi)
    }

    func monthStart(_ t: Instant) -> Instant {
        let c = zone.civil(t)
        return zone.instant(CivilDateTime(year: c.year, month: c.month, day: 1))
    }

    func nextMonthStart(_ t: Instant) -> Instant {
        let c = zone.civil(t)
        return zone.instant(c.month == 12 ? CivilDateTime(year: c.year + 1, month: 1, day: 1) : CivilDateTime(year: c.year, month: c.month + 1, day: 1))
    }

    func dayWindow(_ t: Instant) -> (Instant, Instant) {
        let c = zone.civil(t)
        let start = zone.instant(CivilDateTime(year: c.year, month: c.month, day: c.day))
        let next = CivilDateTime(millisecondsAsUTC: CivilDateTime(year: c.year, month: c.month, day: c.day).millisecondsAsUTC + 86_400_000)
        return (start, zone.instant(next))
    }
}

/// A cost center's spending against its budget over the report window.
public struct BudgetUse: Sendable, Equatable {
    public var costCenter: String
    public var budget: Decimal
    public var cost: Decimal

    /// `cost / budget × 100`, rounded half-to-even to one decimal; nil for a zero budget.
    public var usedPercent: Decimal? { budgetPercent(cost: cost, budget: budget) }

    /// Whether the cost exceeds the budget.
    public var isOver: Bool { cost > budget }
}

/// `cost / budget × 100` to one decimal, half-to-even; nil when the budget is zero.
public func budgetPercent(cost: Decimal, budget: Decimal) -> Decimal? {
    guard budget > 0 else { return nil }
    return ExactDecimal.roundHalfEven(cost * 100 / budget, scale: 1)
}
