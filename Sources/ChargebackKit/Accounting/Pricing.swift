import Foundation

/// An ISO 4217 currency and its minor unit (digits after the decimal mark).
public struct Currency: Sendable, Hashable {
    public var code: String
    public var minorUnit: Int

    /// US dollars, the currency when no configuration names one.
    public static let usd = Currency(code: "USD", minorUnit: 2)

    /// Creates a currency.
    public init(code: String, minorUnit: Int) {
        self.code = code
        self.minorUnit = minorUnit
    }

    /// `amount` rounded half-to-even to the minor unit.
    public func round(_ amount: Decimal) -> Decimal {
        ExactDecimal.roundHalfEven(amount, scale: minorUnit)
    }

    /// `amount` with exactly the minor unit's digits.
    public func format(_ amount: Decimal) -> String {
        ExactDecimal.fixed(amount, digits: minorUnit)
    }
}

/// Prices consumed compute units. Without a configuration every job costs 0 USD.
public struct RateCard: Sendable {
    public var currency: Currency
    public var defaultRate: Decimal

    /// Creates a rate card with one rate for every job.
    public init(currency: Currency, defaultRate: Decimal) {
        self.currency = currency
        self.defaultRate = defaultRate
    }

    /// No configuration: rate 0, USD.
    public static let unconfigured = RateCard(currency: .usd, defaultRate: 0)

    /// The rate that applies to `job` attributed at `time`.
    public func rate(for job: JobRecord, at time: Instant) -> Decimal {
        defaultRate
    }
}

/// Assigns jobs to cost centers. Without rules every job is `UNALLOCATED`.
public struct CostCenterRules: Sendable {
    /// The cost center of a job no rule matches; always shown in the reports.
    public static let unallocated = "UNALLOCATED"

    /// Creates rules that allocate nothing.
    public init() {}

    /// The cost center of `job`.
    public func costCenter(for job: JobRecord) -> String {
        Self.unallocated
    }
}
