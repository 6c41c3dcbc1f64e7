import Foundation
import PropertyBased
import Testing

@testable import ChargebackKit

@Suite("Exact sums: DecimalSum and Tally against Decimal addition")
struct DecimalSumTests {
    /// The kinds of values summed: each keeps the exact sum within Decimal's 38 digits, so
    /// that plain `Decimal` addition is an exact reference.
    enum Regime: CaseIterable {
        /// Up to 18 fractional digits, below 10^12: the 128-bit count, above 2^64 units.
        case fixed
        /// 10 to 24 fractional digits: some beyond the count's scale.
        case fine
        /// Up to 1.8 × 10^31: most beyond the count's limit, mixed with small integers.
        case huge
        /// Mantissas longer than 64 bits mixed with short ones.
        case long
    }

    static func value(_ regime: Regime, _ rng: inout Xoshiro) -> Decimal {
        let negative = rng.next() % 3 == 0
        let sign: FloatingPointSign = negative ? .minus : .plus
        switch regime {
        case .fixed:
            return Decimal(sign: sign, exponent: -Int(rng.next() % 19), significand: Decimal(rng.next() % 1_000_000_000_000))
        case .fine:
            return Decimal(sign: sign, exponent: -10 - Int(rng.next() % 15), significand: Decimal(rng.next() % 1_000_000_000))
        case .huge:
            if rng.next() % 2 == 0 { return Decimal(sign: sign, exponent: 0, significand: Decimal(rng.next() % 1000)) }
            return Decimal(sign: sign, exponent: Int(rng.next() % 13), significand: Decimal(rng.next()))
        case .long:
            if rng.next() % 2 == 0 {
                return Decimal(sign: sign, exponent: -Int(rng.next() % 7), significand: Decimal(rng.next() % 1_000_000))
            }
            let digits = (0..<27).map { _ in String(rng.next() % 10) }.joined()
            return Decimal(sign: sign, exponent: 0, significand: Decimal(string: "1" + digits)!)
        }
    }

    @Test("random values of every kind: the sum equals Decimal addition, value and text", arguments: Regime.allCases)
    func matchesDecimalAddition(_ regime: Regime) {
        for seed in 0..<40 {
            var rng = seededRNG(UInt64(seed), 7)
            let count = Int(rng.next() % 2000)
            let values = (0..<count).map { _ in Self.value(regime, &rng) }
            var reference = Decimal(0)
            var sum = DecimalSum()
            for v in values {
                reference += v
                sum.add(v)
            }
            #expect(sum.value == reference, "\(regime) seed \(seed)")
            #expect(ExactDecimal.plain(sum.value) == ExactDecimal.plain(reference), "\(regime) seed \(seed)")

            // Split into parts summed separately and merged in a shuffled order.
            var parts = Array(repeating: DecimalSum(), count: 1 + Int(rng.next() % 5))
            for v in values { parts[Int(rng.next() % UInt64(parts.count))].add(v) }
            parts.shuffle(using: &rng)
            var merged = DecimalSum()
            for p in parts { merged.add(p) }
            #expect(merged.value == reference, "\(regime) seed \(seed) merged")
            #expect(ExactDecimal.plain(merged.value) == ExactDecimal.plain(reference), "\(regime) seed \(seed) merged")
        }
    }

    @Test("the edges of the count: 2^125 units, 2^64 units, 18 and 19 fractional digits, cancellation")
    func edges() throws {
        func sum(_ texts: [String]) throws -> (Decimal, Decimal) {
            var s = DecimalSum()
            var reference = Decimal(0)
            for t in texts {
                let v = try #require(Decimal(string: t))
                s.add(v)
                reference += v
            }
            return (s.value, reference)
        }
        let cases: [[String]] = [
            // 4 × 10^19 is 4 × 10^37 units, just below 2^125; twice that is not.
            ["40000000000000000000", "40000000000000000000", "0.000000000000000001"],
            ["-40000000000000000000", "-40000000000000000000", "-0.5"],
            ["42535295865117307932.921825928971026431", "1"],
            // 2^64 units and one more.
            ["18.446744073709551615", "0.000000000000000001"],
            ["-18.446744073709551616", "18.446744073709551616"],
            ["0.000000000000000001", "0.0000000000000000001"],
            ["12345678901234567890123456789012345678", "-12345678901234567890123456789012345678", "0.25"],
            ["18446744073709551615", "18446744073709551615", "18446744073709551615"],
            ["1e30", "-1e30", "3.5"],
            ["0.1", "0.2", "-0.3"],
            [],
        ]
        for texts in cases {
            let (value, reference) = try sum(texts)
            #expect(value == reference, "\(texts)")
            #expect(ExactDecimal.plain(value) == ExactDecimal.plain(reference), "\(texts)")
        }
        #expect(ExactDecimal.plain(try sum(["18.446744073709551615", "0.000000000000000001"]).0) == "18.446744073709551616")
        let beyond = try sum(["40000000000000000000", "40000000000000000000", "0.000000000000000001"]).0
        #expect(ExactDecimal.plain(beyond) == "80000000000000000000.000000000000000001")
        #expect(ExactDecimal.plain(try sum(["0.1", "0.2", "-0.3"]).0) == "0")
        #expect(ExactDecimal.plain(try sum(["-2.50", "1.25"]).0) == "-1.25")
    }

    @Test("Tally: sums read back as Decimals, can be set, and compare by value")
    func tally() {
        var a = Tally()
        a.consumedCU = Decimal(string: "1.5")!
        a.cost = Decimal(string: "1e30")!
        var b = Tally()
        b.consumedCU = Decimal(string: "0.5")!
        b.consumedCU += 1
        b.cost = Decimal(string: "4e29")!
        b.cost += Decimal(string: "6e29")!
        #expect(a == b)
        #expect(b.consumedCU == Decimal(string: "1.5"))
        #expect(ExactDecimal.plain(b.cost) == "1000000000000000000000000000000")
        b.cost += Decimal(string: "0.01")!
        #expect(a != b)
        a.merge(b)
        #expect(a.consumedCU == 3)
        #expect(ExactDecimal.plain(a.cost) == "2000000000000000000000000000000.01")
        #expect(a.jobs == 0)
    }

    @Test("summary groups built in parallel chunks equal sequential Decimal sums per group; totals equal all line items")
    func parallelGroups() throws {
        var rng = seededRNG(3, 5)
        let jobs = AccountantTests.jobs(count: 150_000).map { job in
            // Prices with awkward digits, so that groups hold long exact sums.
            JobRecord(
                jobId: job.jobId, orgId: job.orgId, user: job.user + String(rng.next() % 40), runtimeEnvId: job.runtimeEnvId,
                codeTaskId: job.codeTaskId, codeTaskName: job.codeTaskName, instanceName: job.instanceName, runId: job.runId,
                state: job.state, startTime: job.startTime, startEstimated: job.startEstimated, endTime: job.endTime,
                errorMessage: nil, sessionLogUrl: nil, assignedCU: nil,
                // One in fifty has a mantissa too long to pack into a word, so sums also take boxed
                // values (small enough that the reference Decimal sums stay exact).
                consumedCU: rng.next() % 9 == 0
                    ? nil
                    : rng.next() % 50 == 0
                        ? Decimal(sign: .plus, exponent: -5, significand: Decimal(100_000_000_000_000_000 + rng.next() % 1000))
                        : Decimal(sign: .plus, exponent: -Int(rng.next() % 21), significand: Decimal(rng.next() % 10_000_000)),
                source: job.source)
        }
        let rules = AccountingRules(rates: RateCard(currency: Currency(code: "JPY", minorUnit: 0), defaultRate: Decimal(string: "0.37")!))
        let (items, _) = rules.account(jobs)
        for dimensions: [GroupDimension] in [[.org, .user], [.status], [.task, .day]] {
            let summary = Summary(items: items, dimensions: dimensions)
            var expected: [String: (jobs: Int, cu: Decimal, cost: Decimal, duration: Int64)] = [:]
            var firstKeys: [String] = []
            for item in items {
                let key = dimensions.map { d -> String in
                    switch d {
                    case .org: item.job.orgId
                    case .user: item.job.user
                    case .status: item.job.state.rawValue
                    case .task: "\(item.job.orgId)/\(item.job.codeTaskId.map(String.init) ?? "-")"
                    case .day: item.day
                    default: ""
                    }
                }.joined(separator: "|")
                if expected[key] == nil { firstKeys.append(key) }
                expected[key, default: (0, 0, 0, 0)].jobs += 1
                expected[key]!.cu += item.consumedCU
                expected[key]!.cost += item.cost
                expected[key]!.duration += item.job.durationMilliseconds ?? 0
            }
            #expect(summary.rows.count == expected.count)
            for row in summary.rows {
                let key = row.key.map { v -> String in
                    switch v {
                    case .text(let s): s
                    case .number(let n): n.map(String.init) ?? "-"
                    }
                }
                let joined = dimensions.contains(.task) ? key[0] + "/" + key[1...].joined(separator: "|") : key.joined(separator: "|")
                let e = try #require(expected[joined], "\(joined)")
                #expect(row.tally.jobs == e.jobs && row.tally.consumedCU == e.cu && row.tally.cost == e.cost && row.tally.durationMilliseconds == e.duration)
            }
        }
        var total = Tally()
        var reference = (cu: Decimal(0), cost: Decimal(0))
        for item in items {
            total.add(item)
            reference.cu += item.consumedCU
            reference.cost += item.cost
        }
        var merged = Tally()
        for row in Summary(items: items, dimensions: GroupDimension.defaults).rows { merged.merge(row.tally) }
        #expect(merged == total)
        #expect(merged.consumedCU == reference.cu && merged.cost == reference.cost)
        #expect(merged.jobs == items.count && items.count > 140_000)
    }
}
