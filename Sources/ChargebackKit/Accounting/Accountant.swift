import Foundation

/// A reported job with its attribution, price and cost center: one row of `line-items.csv`.
public struct LineItem: Sendable {
    public var job: JobRecord
    public var costCenter: String {
        get { costCenterText.string ?? "" }
        set { costCenterText = PooledText(newValue) }
    }
    public var rate: Decimal {
        get { rateWord.value ?? longValues!.rate }
        set { (rateWord, costWord, longValues) = Self.pack(newValue, cost) }
    }
    /// Consumed CU × rate, rounded half-to-even to the currency's minor unit.
    public var cost: Decimal {
        get { costWord.value ?? longValues!.cost }
        set { (rateWord, costWord, longValues) = Self.pack(rate, newValue) }
    }
    // A million line items are held at once: rate and cost are packed into a word each, and
    // kept in a box only when one of them does not fit.
    private var rateWord: PackedDecimal
    private var costWord: PackedDecimal
    private var longValues: LongValues?
    /// The run's currency, held as its pooled code and minor unit.
    public var currency: Currency {
        get { Currency(code: currencyCode.string ?? "", minorUnit: minorUnit) }
        set {
            currencyCode = PooledText(newValue.code)
            minorUnit = newValue.minorUnit
        }
    }
    private(set) var minorUnit: Int
    /// The start (or, with `--attribute-by end`, the end) time that places the job.
    public var attributionTime: Instant
    /// The day of the attribution time in the report zone, in days since 1970-01-01: `day`
    /// and `month` are built from it when read, so a million line items hold no strings for
    /// them.
    var localDay: Int32
    /// The cost center and the currency code, pooled: a million line items name a few of
    /// each. (The four-byte fields come last, so that they share words.)
    private(set) var costCenterText: PooledText
    private(set) var currencyCode: PooledText

    /// `YYYY-MM-DD` of the attribution time in the report zone.
    public var day: String { CivilDateTime(day: localDay).dateString }
    /// `YYYY-MM` of the attribution time in the report zone.
    public var month: String { CivilDateTime(day: localDay).monthString }

    /// Creates a line item whose day and month are those of `attributionTime` in `zone`.
    init(job: JobRecord, costCenter: String, rate: Decimal, cost: Decimal, currency: Currency, attributionTime: Instant, zone: Zone) {
        self.init(
            job: job, costCenter: costCenter, rate: rate, cost: cost, currency: currency, attributionTime: attributionTime,
            localDay: Self.localDay(attributionTime, zone: zone))
    }

    /// Creates a line item on the report-zone day `localDay` (days since 1970-01-01).
    init(job: JobRecord, costCenter: String, rate: Decimal, cost: Decimal, currency: Currency, attributionTime: Instant, localDay: Int32) {
        self.init(
            job: job, costCenter: PooledText(costCenter), rate: rate, cost: cost, currencyCode: PooledText(currency.code),
            minorUnit: currency.minorUnit, attributionTime: attributionTime, localDay: localDay)
    }

    /// Creates a line item from the pooled texts of its cost center and currency code.
    init(
        job: JobRecord, costCenter: PooledText, rate: Decimal, cost: Decimal, currencyCode: PooledText, minorUnit: Int, attributionTime: Instant,
        localDay: Int32
    ) {
        self.job = job
        self.costCenterText = costCenter
        (rateWord, costWord, longValues) = Self.pack(rate, cost)
        self.currencyCode = currencyCode
        self.minorUnit = minorUnit
        self.attributionTime = attributionTime
        self.localDay = localDay
    }

    /// Reads the start time of the jobs of `items[range]` in one short loop, so that their
    /// cache misses overlap: line items are in start-time order, their jobs are not in memory
    /// order, and a pass that reads each job in turn would otherwise wait for every one.
    static func warmJobs(_ items: UnsafePointer<LineItem>, _ range: Range<Int>) {
        var touched: UInt64 = 0
        for i in range { touched &+= UInt64(bitPattern: items[i].job.startTime) }
        keepReads(touched)
    }

    /// Adds the cost of the line item at `item` to `sum`, reading it in place (calling a
    /// method of `item.pointee` would copy the line item, and count its references).
    static func addCost(of item: UnsafePointer<LineItem>, to sum: inout DecimalSum) {
        sum.add(item.pointee.costWord, boxed: item.pointee.longValues!.cost)
    }

    /// The rate and cost of the line item at `item`, read in place.
    static func rateAndCost(of item: UnsafePointer<LineItem>) -> (rate: Decimal, cost: Decimal) {
        guard let rate = item.pointee.rateWord.value, let cost = item.pointee.costWord.value else {
            return (item.pointee.longValues!.rate, item.pointee.longValues!.cost)
        }
        return (rate, cost)
    }

    /// The words of `rate` and `cost`, and the box holding both when either does not fit.
    private static func pack(_ rate: Decimal, _ cost: Decimal) -> (PackedDecimal, PackedDecimal, LongValues?) {
        if let r = PackedDecimal(rate), let c = PackedDecimal(cost) { return (r, c, nil) }
        return (.boxed, .boxed, LongValues(rate: rate, cost: cost))
    }

    /// Rate and cost of a line item when one does not fit in a word.
    private final class LongValues: Sendable {
        let rate: Decimal
        let cost: Decimal

        init(rate: Decimal, cost: Decimal) {
            self.rate = rate
            self.cost = cost
        }
    }

    /// The report-zone day of `t`, in days since 1970-01-01 (clamped to what `Int32` holds,
    /// some five million years either way).
    static func localDay(_ t: Instant, zone: Zone) -> Int32 {
        let wall = t + zone.offsetMilliseconds(at: t)
        let days = wall >= 0 ? wall / 86_400_000 : (wall - 86_399_999) / 86_400_000
        return Int32(clamping: days)
    }

    /// Consumed CU, 0 for a Secure Agent job.
    public var consumedCU: Decimal { job.consumedCU ?? 0 }

    /// `;`-separated markers (`estimated_time`, `non_serverless`, `no_end_time`).
    public var flags: [String] {
        Self.flagNames.indices.filter { Self.hasFlag($0, job) }.map { String(describing: Self.flagNames[$0]) }
    }

    /// Appends `flags` joined by `;` to `bytes`.
    func appendFlags(to bytes: inout [UInt8]) { Self.appendFlags(of: job, to: &bytes) }

    /// Appends the `flags` of a line item of `job` (they depend on the job alone).
    static func appendFlags(of job: JobRecord, to bytes: inout [UInt8]) {
        var first = true
        for i in Self.flagNames.indices where hasFlag(i, job) {
            if !first { bytes.append(UInt8(ascii: ";")) }
            first = false
            Self.flagNames[i].withUTF8Buffer { bytes.append(contentsOf: $0) }
        }
    }

    /// The markers in `flags` order.
    private static let flagNames: [StaticString] = ["estimated_time", "non_serverless", "no_end_time"]

    @inline(__always) private static func hasFlag(_ i: Int, _ job: JobRecord) -> Bool {
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
        // Sort small keys rather than line items (a line item is several references, each
        // retained and released on every move), then build each line item once, in place.
        var keys: [OrderKey] = []
        keys.reserveCapacity(jobs.count)
        // Jobs are read in place (an enumerated copy of each would count its references).
        jobs.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where period.contains(attributionTime(buffer[i])) {
                keys.append(OrderKey(start: buffer[i].startTime, index: i))
            }
        }
        let outside = jobs.count - keys.count
        // By start time and reading order first, numbers only and on both cores; then each run
        // of jobs that start at the same instant is put in `jobOrder`, reading order breaking
        // ties as a stable sort of the jobs would. Only those runs look at the jobs themselves.
        Self.sortByStart(&keys)
        keys.withUnsafeMutableBufferPointer { buffer in
            var runStart = 0
            var i = 1
            while i <= buffer.count {
                if i == buffer.count || buffer[i].start != buffer[runStart].start {
                    if i - runStart > 1 {
                        buffer[runStart..<i].sort { a, b in
                            let x = jobs[a.index], y = jobs[b.index]
                            if Self.jobOrder(x, y) { return true }
                            if Self.jobOrder(y, x) { return false }
                            return a.index < b.index
                        }
                    }
                    runStart = i
                }
                i += 1
            }
        }
        let order = keys
        let items = [LineItem](unsafeUninitializedCapacity: order.count) { buffer, initialized in
            let target = LineItemSlots(base: buffer.baseAddress)
            let chunk = 8192
            let chunks = (order.count + chunk - 1) / chunk
            let build: @Sendable (Int) -> Void = { c in
                var days = DayCache()
                var prices = PriceCache()
                let range = (c * chunk)..<min(order.count, (c + 1) * chunk)
                for batch in stride(from: range.lowerBound, to: range.upperBound, by: 16) {
                    let upper = min(batch + 16, range.upperBound)
                    // The jobs are read in start-time order, not in memory order: a short loop
                    // reads each one's start first, so that their cache misses overlap.
                    var touched: UInt64 = 0
                    for k in batch..<upper { touched &+= UInt64(bitPattern: jobs[order[k].index].startTime) }
                    keepReads(touched)
                    for k in batch..<upper {
                        (target.base! + k).initialize(to: lineItem(jobs[order[k].index], days: &days, prices: &prices))
                    }
                }
            }
            if chunks > 1 && ProcessInfo.processInfo.activeProcessorCount > 1 {
                DispatchQueue.concurrentPerform(iterations: chunks, execute: build)
            } else {
                for c in 0..<chunks { build(c) }
            }
            initialized = order.count
        }
        return (items, outside)
    }

    /// Sorts `keys` by start time, then index. With two cores or more, each half is sorted on
    /// its own and the halves are merged.
    private static func sortByStart(_ keys: inout [OrderKey]) {
        guard keys.count >= 65_536, ProcessInfo.processInfo.activeProcessorCount > 1 else {
            keys.sort { a, b in a.start != b.start ? a.start < b.start : a.index < b.index }
            return
        }
        let mid = keys.count / 2
        keys.withUnsafeMutableBufferPointer { buffer in
            let halves = [
                KeyHalf(buffer: UnsafeMutableBufferPointer(rebasing: buffer[..<mid])),
                KeyHalf(buffer: UnsafeMutableBufferPointer(rebasing: buffer[mid...])),
            ]
            DispatchQueue.concurrentPerform(iterations: 2) { h in
                var half = halves[h].buffer
                half.sort { a, b in a.start != b.start ? a.start < b.start : a.index < b.index }
            }
        }
        keys = keys.withUnsafeBufferPointer { sorted in
            [OrderKey](unsafeUninitializedCapacity: sorted.count) { merged, count in
                var i = 0, j = mid, k = 0
                while i < mid && j < sorted.count {
                    let a = sorted[i], b = sorted[j]
                    let takeRight = b.start != a.start ? b.start < a.start : b.index < a.index
                    merged[k] = takeRight ? b : a
                    if takeRight { j += 1 } else { i += 1 }
                    k += 1
                }
                for x in i..<mid {
                    merged[k] = sorted[x]
                    k += 1
                }
                for x in j..<sorted.count {
                    merged[k] = sorted[x]
                    k += 1
                }
                count = k
            }
        }
    }

    /// The start (or, with `--attribute-by end`, the end) time that places `job`.
    @inline(__always) func attributionTime(_ job: JobRecord) -> Instant {
        attributeBy == .end ? (job.endTime ?? job.startTime) : job.startTime
    }

    /// Prices and allocates one reported job.
    private func lineItem(_ job: JobRecord, days: inout DayCache, prices: inout PriceCache) -> LineItem {
        let t = attributionTime(job)
        let day = days.localDay(for: t, zone: zone)
        let rate = prices.rate(for: job, at: t, rules: self)
        let cost = rates.currency.round((job.consumedCU ?? 0) * rate)
        return LineItem(
            job: job, costCenter: prices.costCenter(for: job, rules: costCenters), rate: rate, cost: cost,
            currencyCode: prices.currencyCode(rates.currency), minorUnit: rates.currency.minorUnit, attributionTime: t, localDay: day)
    }

    /// `org_id, code_task_id, run_id, job_id` (absent values first): the order of two jobs
    /// that start at the same instant.
    private static func jobOrder(_ x: JobRecord, _ y: JobRecord) -> Bool {
        if x.orgText != y.orgText {
            // Different pooled texts have different bytes (an unset org reads as `unknownValue`).
            let order = compareOrgs(x.orgText, y.orgText)
            if order != 0 { return order < 0 }
        }
        if x.codeTaskId != y.codeTaskId { return absentFirst(x.codeTaskId, y.codeTaskId) }
        if x.runId != y.runId { return absentFirst(x.runId, y.runId) }
        return (x.jobId ?? "").utf8.lexicographicallyPrecedes((y.jobId ?? "").utf8)
    }
}

/// Byte-wise three-way order of two orgs given as pooled texts (`none` reads as
/// `unknownValue`), without building their strings.
private func compareOrgs(_ a: PooledText, _ b: PooledText) -> Int {
    var unknown = unknownValue
    return unknown.withUTF8 { u in ByteScan.compare(a == .none ? u : a.utf8, b == .none ? u : b.utf8) }
}

/// Cost centers and rate rules as found for the jobs priced so far, by the pooled texts they
/// depend on: a run has a few hundred combinations of org, user, environment and task, and
/// may have a million jobs, each of which would otherwise match every rule (with `*` patterns
/// compared in lower case) and convert every rule's `effective_from` again.
private struct PriceCache {
    private struct CenterKey: Hashable {
        var user: PooledText, org: PooledText, environment: PooledText, task: PooledText
    }
    private struct RateKey: Hashable {
        var org: PooledText, environment: PooledText
    }
    private var centers: [CenterKey: PooledText] = [:]
    /// The pooled code of the run's currency, once looked up.
    private var code: PooledText?
    /// `RateCard.rules(for:zone:)` by org and environment.
    private var rateRules: [RateKey: [RateCard.MatchingRate]] = [:]

    /// `CostCenterRules.costCenter(for:)`, which depends on the job's user, org, environment
    /// and task name alone.
    mutating func costCenter(for job: JobRecord, rules: CostCenterRules) -> PooledText {
        let key = CenterKey(user: job.userText, org: job.orgText, environment: job.environmentText, task: job.codeTaskNameText)
        if let known = centers[key] { return known }
        let center = PooledText(rules.costCenter(for: job))
        centers[key] = center
        return center
    }

    /// The pooled code of `currency` (the same for every job of a run).
    mutating func currencyCode(_ currency: Currency) -> PooledText {
        if let code { return code }
        let pooled = PooledText(currency.code)
        code = pooled
        return pooled
    }

    /// `RateCard.rate(for:at:zone:)`, from the rules matching the job's org and environment.
    mutating func rate(for job: JobRecord, at time: Instant, rules: AccountingRules) -> Decimal {
        let key = RateKey(org: job.orgText, environment: job.environmentText)
        let matching: [RateCard.MatchingRate]
        if let known = rateRules[key] {
            matching = known
        } else {
            matching = rules.rates.rules(for: job, zone: rules.zone)
            rateRules[key] = matching
        }
        return RateCard.rate(at: time, among: matching, otherwise: rules.rates.defaultRate)
    }
}

/// A reported job's place in `line-items.csv`: its start time, then its index among the jobs
/// for the remaining columns.
private struct OrderKey {
    var start: Instant
    var index: Int
}

/// One half of the keys, sorted by one thread while the other sorts the other half.
private struct KeyHalf: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<OrderKey>
}

/// The uninitialised storage of the line items, filled by worker threads at disjoint indices.
private struct LineItemSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<LineItem>?
}

/// The report-zone day of the last day seen: line items are built in start-time order, so
/// most follow a job of the same day.
private struct DayCache {
    private var first: Instant = 1
    private var end: Instant = 0
    private var day: Int32 = 0

    mutating func localDay(for t: Instant, zone: Zone) -> Int32 {
        // The cached span is a day of local wall time: the zone's offset is applied first.
        let wall = t + zone.offsetMilliseconds(at: t)
        if wall < first || wall >= end {
            let days = wall >= 0 ? wall / 86_400_000 : (wall - 86_399_999) / 86_400_000
            first = days * 86_400_000
            end = first + 86_400_000
            day = Int32(clamping: days)
        }
        return day
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
