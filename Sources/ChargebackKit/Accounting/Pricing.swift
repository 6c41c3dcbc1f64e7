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

/// One rate override: it applies to jobs of `orgId` and/or `runtimeEnvId` from
/// `effectiveFrom` (a date in the report time zone) on.
public struct RateRule: Sendable, Equatable {
    public var orgId: String?
    public var runtimeEnvId: String?
    public var rate: Decimal
    public var effectiveFrom: CivilDateTime?
    /// Where the rule is written, for messages.
    public var line: Int

    /// Creates a rule.
    public init(orgId: String? = nil, runtimeEnvId: String? = nil, rate: Decimal, effectiveFrom: CivilDateTime? = nil, line: Int = 0) {
        self.orgId = orgId
        self.runtimeEnvId = runtimeEnvId
        self.rate = rate
        self.effectiveFrom = effectiveFrom
        self.line = line
    }

    /// 3 for org + runtime environment, 2 for runtime environment, 1 for org (SPEC 2.3).
    var specificity: Int {
        switch (orgId != nil, runtimeEnvId != nil) {
        case (true, true): 3
        case (false, true): 2
        case (true, false): 1
        case (false, false): 0
        }
    }
}

/// Prices consumed compute units (SPEC 2.3). Without a configuration every job costs 0 USD.
public struct RateCard: Sendable {
    public var currency: Currency
    public var defaultRate: Decimal
    public var overrides: [RateRule]

    /// Creates a rate card.
    public init(currency: Currency, defaultRate: Decimal, overrides: [RateRule] = []) {
        self.currency = currency
        self.defaultRate = defaultRate
        self.overrides = overrides
    }

    /// No configuration: rate 0, USD.
    public static let unconfigured = RateCard(currency: .usd, defaultRate: 0)

    /// The rate for `job` attributed at `time`: the most specific matching rule that is in
    /// effect (org + runtime env, then runtime env, then org), among equally specific ones the
    /// latest `effective_from` on or before `time`; else the default.
    public func rate(for job: JobRecord, at time: Instant, zone: Zone) -> Decimal {
        Self.rate(at: time, among: rules(for: job, zone: zone), otherwise: defaultRate)
    }

    /// The overrides whose org and runtime environment match `job`, in order, with
    /// `effective_from` as an instant in `zone` (they depend on the job's org and environment
    /// alone, so a caller may keep them for other jobs of the same two).
    func rules(for job: JobRecord, zone: Zone) -> [MatchingRate] {
        overrides.compactMap { rule in
            if let org = rule.orgId, org != job.orgId { return nil }
            if let env = rule.runtimeEnvId, env != job.runtimeEnvId { return nil }
            return MatchingRate(specificity: rule.specificity, from: rule.effectiveFrom.map(zone.instant) ?? .min, rate: rule.rate)
        }
    }

    /// The rate at `time` among a job's matching `rules`; `defaultRate` when none applies.
    static func rate(at time: Instant, among rules: [MatchingRate], otherwise defaultRate: @autoclosure () -> Decimal) -> Decimal {
        var best: MatchingRate?
        for rule in rules where rule.from <= time {
            if let b = best, (b.specificity, b.from) >= (rule.specificity, rule.from) { continue }
            best = rule
        }
        return best?.rate ?? defaultRate()
    }

    /// An override that matches a job's org and runtime environment.
    struct MatchingRate: Sendable {
        var specificity: Int
        var from: Instant
        var rate: Decimal
    }
}

/// One cost-center rule: every key it names must match (SPEC 2.4).
public struct CostCenterRule: Sendable, Equatable {
    public var user: String?
    public var orgId: String?
    public var runtimeEnvId: String?
    public var codeTaskName: String?
    public var costCenter: String
    /// Where the rule is written, for messages.
    public var line: Int

    /// Creates a rule.
    public init(user: String? = nil, orgId: String? = nil, runtimeEnvId: String? = nil, codeTaskName: String? = nil, costCenter: String, line: Int = 0) {
        self.user = user
        self.orgId = orgId
        self.runtimeEnvId = runtimeEnvId
        self.codeTaskName = codeTaskName
        self.costCenter = costCenter
        self.line = line
    }

    /// Whether the rule matches `job`: `*` matches any run of characters, case-insensitively.
    public func matches(_ job: JobRecord) -> Bool {
        func ok(_ pattern: String?, _ value: String) -> Bool {
            guard let pattern else { return true }
            return globMatch(pattern.lowercased(), value.lowercased())
        }
        return ok(user, job.user) && ok(orgId, job.orgId) && ok(runtimeEnvId, job.runtimeEnvId) && ok(codeTaskName, job.codeTaskName ?? "")
    }
}

/// Assigns jobs to cost centers: the first matching rule wins, else `UNALLOCATED`.
public struct CostCenterRules: Sendable {
    /// The cost center of a job no rule matches; always shown in the reports.
    public static let unallocated = "UNALLOCATED"

    public var rules: [CostCenterRule]

    /// Creates rules; with none, every job is `UNALLOCATED`.
    public init(_ rules: [CostCenterRule] = []) { self.rules = rules }

    /// The cost center of `job`.
    public func costCenter(for job: JobRecord) -> String {
        rules.first { $0.matches(job) }?.costCenter ?? Self.unallocated
    }
}

/// Matches `text` against `pattern`, where `*` matches any run of characters (also none).
func globMatch(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
    var pi = 0, ti = 0, star = -1, mark = 0
    while ti < t.count {
        if pi < p.count, p[pi] != "*", p[pi] == t[ti] {
            pi += 1
            ti += 1
        } else if pi < p.count, p[pi] == "*" {
            star = pi
            mark = ti
            pi += 1
        } else if star >= 0 {
            pi = star + 1
            mark += 1
            ti = mark
        } else {
            return false
        }
    }
    while pi < p.count, p[pi] == "*" { pi += 1 }
    return pi == p.count
}
