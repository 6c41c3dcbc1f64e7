import Foundation
import Testing

@testable import ChargebackKit

@Suite("Line items: order, attribution and day buckets")
struct AccountantTests {
    /// Jobs with many equal start times and keys (absent ones too), around the 2026 DST
    /// changes of New York, so that ties, reading order and day boundaries all matter.
    static func jobs(count: Int) -> [JobRecord] {
        var rng = seededRNG(11, 0)
        let base = t("2026-10-31T20:00:00Z")
        var jobs: [JobRecord] = []
        for i in 0..<count {
            func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
            let start = base + Instant(rng.next() % 60) * 3_600_000 + pick([0, 0, 999])
            let end: Instant? = pick([nil, start + Instant(rng.next() % 10_000_000)])
            jobs.append(
                JobRecord(
                    jobId: pick([nil, "a", "b", "B"]), orgId: pick(["org1", "org2", "Org1"]), user: "u\(i % 5)", runtimeEnvId: "env",
                    codeTaskId: pick([nil, 1, 2, 10]), codeTaskName: nil, instanceName: "job \(i)", runId: pick([nil, 1, 2]),
                    state: pick([.succeeded, .failed, .running]), startTime: start, startEstimated: false, endTime: end, errorMessage: nil,
                    sessionLogUrl: nil, assignedCU: nil, consumedCU: Decimal(i % 7) / 10,
                    source: SourceLocation(path: "in", position: .line(i + 1), fileOrder: 0)))
        }
        return jobs
    }

    @Test("day and month come from the stored report-zone day: before 1970, at midnight, across offsets; the line item stays small")
    func dayFromLocalDay() throws {
        let tokyo = try #require(Zone(identifier: "Asia/Tokyo"))
        let job = Self.jobs(count: 1)[0]
        let cases: [(String, Zone, String, String)] = [
            ("1969-12-31T23:59:59.999Z", .utc, "1969-12-31", "1969-12"),
            ("1970-01-01T00:00:00.000Z", .utc, "1970-01-01", "1970-01"),
            ("1969-12-31T15:00:00.000Z", tokyo, "1970-01-01", "1970-01"),
            ("1969-12-31T14:59:59.999Z", tokyo, "1969-12-31", "1969-12"),
            ("1900-02-28T23:59:59.999Z", .utc, "1900-02-28", "1900-02"),
            ("2024-02-29T12:00:00.000Z", .utc, "2024-02-29", "2024-02"),
            ("2026-12-31T15:00:00.000Z", tokyo, "2027-01-01", "2027-01"),
        ]
        for (time, zone, day, month) in cases {
            let item = LineItem(job: job, costCenter: "c", rate: 0, cost: 0, currency: .usd, attributionTime: t(time), zone: zone)
            #expect(item.day == day, "\(time)")
            #expect(item.month == month, "\(time)")
        }
        #expect(MemoryLayout<LineItem>.stride <= 64)
    }

    @Test("rate and cost read back as set, packed or boxed, and print as they were written")
    func packedRateAndCost() throws {
        let job = Self.jobs(count: 1)[0]
        let values = ["0", "0.00", "0.35", "-12.5", "1E+3", "72057594037927935", "72057594037927936", "123456789012345678901234567890.12"]
        for r in values {
            for c in values {
                let rate = try #require(ExactDecimal.parse(r)), cost = try #require(ExactDecimal.parse(c))
                var item = LineItem(job: job, costCenter: "c", rate: rate, cost: cost, currency: .usd, attributionTime: 0, zone: .utc)
                #expect(ExactDecimal.plain(item.rate) == ExactDecimal.plain(rate) && ExactDecimal.plain(item.cost) == ExactDecimal.plain(cost), "\(r) \(c)")
                item.cost = rate
                item.rate = cost
                #expect(item.rate == cost && item.cost == rate, "\(r) \(c)")
            }
        }
    }

    @Test("cost center and currency read back as set, byte for byte, though a line item holds them pooled")
    func pooledCostCenterAndCurrency() {
        let job = Self.jobs(count: 1)[0]
        let jpy = Currency(code: "JPY", minorUnit: 0), odd = Currency(code: "X\u{301}Y", minorUnit: 17)
        var item = LineItem(job: job, costCenter: "Caf\u{E9}", rate: 1, cost: 2, currency: jpy, attributionTime: 0, zone: .utc)
        #expect(Array(item.costCenter.utf8) == Array("Caf\u{E9}".utf8) && item.currency == jpy)
        item.costCenter = "Cafe\u{301}"
        item.currency = odd
        #expect(Array(item.costCenter.utf8) == Array("Cafe\u{301}".utf8))
        #expect(Array(item.currency.code.utf8) == Array(odd.code.utf8) && item.currency.minorUnit == 17)
        item.costCenter = ""
        #expect(item.costCenter == "" && item.rate == 1 && item.cost == 2 && item.job === job)
    }

    @Test(
        "line items follow start, org, task, run, job, then reading order; day and month are the report zone's",
        arguments: [20_000, 140_000])
    func order(count: Int) throws {
        let zone = try #require(Zone(identifier: "America/New_York"))
        // 140,000 jobs are enough for the sort by start to split in halves on two cores.
        let jobs = Self.jobs(count: count)
        for basis in AttributionBasis.allCases {
            let rules = AccountingRules(period: try Period.parse("2026-11", zone: zone), zone: zone, attributeBy: basis)
            let (items, outside) = rules.account(jobs)
            let expected = jobs.indices.filter { rules.period.contains(rules.attributionTime(jobs[$0])) }
                .sorted { a, b in
                    let x = jobs[a], y = jobs[b]
                    if x.startTime != y.startTime { return x.startTime < y.startTime }
                    if x.orgId != y.orgId { return x.orgId.utf8.lexicographicallyPrecedes(y.orgId.utf8) }
                    if x.codeTaskId != y.codeTaskId { return absentFirst(x.codeTaskId, y.codeTaskId) }
                    if x.runId != y.runId { return absentFirst(x.runId, y.runId) }
                    if (x.jobId ?? "") != (y.jobId ?? "") { return (x.jobId ?? "").utf8.lexicographicallyPrecedes((y.jobId ?? "").utf8) }
                    return a < b
                }
            #expect(outside > 1000)
            // More line items than one chunk of the parallel build.
            #expect(items.count > 2 * 8192)
            #expect(items.count == expected.count)
            #expect(items.count + outside == jobs.count)
            for (item, i) in zip(items, expected) {
                #expect(item.job === jobs[i])
                let local = zone.civil(item.attributionTime)
                #expect(item.attributionTime == rules.attributionTime(jobs[i]))
                #expect(item.day == local.dateString)
                #expect(item.month == local.monthString)
            }
        }
    }

    @Test("summary groups: texts equal as Swift strings are one group whatever their bytes; days of one month are one month")
    func summaryGroupsByText() throws {
        func job(_ org: String, _ start: String, _ i: Int) -> JobRecord {
            JobRecord(
                jobId: "J\(i)", orgId: org, user: "u", runtimeEnvId: "env", codeTaskId: 1, codeTaskName: nil, instanceName: nil, runId: Int64(i),
                state: .succeeded, startTime: t(start), startEstimated: false, endTime: nil, errorMessage: nil, sessionLogUrl: nil, assignedCU: nil,
                consumedCU: Decimal(i), source: SourceLocation(path: "in", position: .line(i), fileOrder: 0))
        }
        let nfc = "Caf\u{E9}", nfd = "Cafe\u{301}"
        let jobs = [
            job(nfc, "2026-10-01T10:00:00Z", 1), job(nfd, "2026-10-02T10:00:00Z", 2), job("Cafe", "2026-10-03T10:00:00Z", 3),
            job(nfc, "2026-11-01T10:00:00Z", 4),
        ]
        let (items, _) = AccountingRules().account(jobs)
        let summary = Summary(items: items, dimensions: [.org, .month, .status, .runtimeEnv, .costCenter])
        let rows = summary.rows.map { row in (row.key.map { v -> String in if case .text(let s) = v { s } else { "" } }, row.tally.jobs, row.tally.consumedCU) }
        #expect(rows.count == 3)
        let october = try #require(rows.first { $0.0[0] == nfc && $0.0[1] == "2026-10" })
        #expect(october.1 == 2 && october.2 == 3)
        // The row's text is its first line item's, byte for byte.
        #expect(Array(october.0[0].utf8) == Array(nfc.utf8))
        #expect(rows.contains { $0.0[0] == "Cafe" && $0.1 == 1 } && rows.contains { $0.0[1] == "2026-11" && $0.1 == 1 })
    }
}
