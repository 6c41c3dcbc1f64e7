import Foundation
import Testing

@testable import ChargebackKit

@Suite("focus.csv rows written in place")
struct FocusRowTests {
    /// The row as FOCUS 1.2 columns, cell by cell from strings: the reference the in-place
    /// row is checked against.
    static func reference(_ item: LineItem, zone: Zone, asOf: Instant) -> [CSVWriter.Cell] {
        let j = item.job
        let money = item.currency.format(item.cost)
        let rate = ExactDecimal.plain(item.rate)
        let cu = ExactDecimal.plain(item.consumedCU)
        let (billingStart, billingEnd) = FocusCSVReporter.billingPeriod(item.attributionTime, zone: zone)
        let (chargeStart, chargeEnd) = FocusCSVReporter.chargePeriod(j, billingEnd: billingEnd, asOf: asOf)
        let taskId = j.codeTaskId.map(String.init) ?? ""
        let sku = j.consumedCU == nil ? "IDMC-CODE-TASK-SECURE-AGENT" : "IDMC-CODE-TASK-SERVERLESS-CU"
        let name = j.codeTaskName ?? taskId
        let priceDetails = JSONText.object([("x_RatePerComputeUnit", .string(rate)), ("x_Currency", .string(item.currency.code))])
        let tags = JSONText.object([("chargeback/cost_center", .string(item.costCenter)), ("chargeback/runtime_env_id", .string(j.runtimeEnvId))])
        let provider = FocusCSVReporter.provider, unit = FocusCSVReporter.unit
        return [
            .number(money), .text(FocusCSVReporter.billingAccountId), .text(FocusCSVReporter.billingAccountName), .text(item.currency.code),
            .text(formatInstant(billingEnd)), .text(formatInstant(billingStart)),
            .text("Usage"), .text(""), .text(FocusCSVReporter.ascii("Code task \(name) run \(j.runId.map(String.init) ?? "?")")),
            .text("Usage-Based"), .text(formatInstant(chargeEnd)), .text(formatInstant(chargeStart)), .text(""),
            .number(cu), .text(unit), .number(money), .number(rate), .number(money),
            .text(FocusCSVReporter.invoiceId(billingStart, zone: zone)), .text(provider),
            .number(money), .number(rate), .text("Standard"), .number(cu), .text(unit), .text(provider), .text(provider),
            .text("\(j.orgId)/codetask/\(taskId)"), .text(FocusCSVReporter.ascii(name)), .text("Code Task"),
            .text("Integration"), .text("Data Integration"), .text("Other (Integration)"), .text(sku),
            .text("Serverless compute units"), .text(priceDetails.compact), .text("\(sku):\(rate):\(item.currency.code)"),
            .text(j.orgId), .text(j.orgId), .text(tags.compact),
            .text(j.codeTaskName ?? ""), .text(j.jobId ?? ""), .number(j.runId.map(String.init) ?? ""), .text(j.instanceName ?? ""), .text(j.user),
            .text(item.costCenter), .text(j.runtimeEnvId), .number(taskId), .text(j.state.rawValue),
            .number(j.durationMilliseconds.map { formatSeconds(milliseconds: $0) } ?? ""),
            .text(item.flags.joined(separator: ";")), .text(j.source.description),
        ]
    }

    @Test("every row equals the reference: odd names, absent IDs, rates, JSON escapes, month and DST boundaries")
    func rows() throws {
        let zone = try #require(Zone(identifier: "America/New_York"))
        var rng = seededRNG(5, 0)
        func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
        let asOf = t("2026-11-20T00:00:00Z")
        var items: [LineItem] = []
        for i in 0..<3000 {
            let start = t("2026-10-25T00:00:00Z") + Instant(rng.next() % (20 * 86_400_000))
            let state = pick([JobState.succeeded, .failed, .running, .queued, .cancelled])
            let job = JobRecord(
                jobId: pick([nil, "J1", "=cmd"]), orgId: pick(["org", "o,rg", "-org"]), user: pick(["ann@x", "\"bob\""]),
                runtimeEnvId: pick(["env", "e\"nv", "env\\1"]), codeTaskId: pick([nil, 7, 1_234_567]),
                codeTaskName: pick([nil, "gl_close", "Übersicht", "名前 report", "=SUM(A1)", "a,b", ""]), instanceName: pick([nil, "run 1"]),
                runId: pick([nil, 1, 99]), state: state, startTime: start, startEstimated: pick([false, true]),
                endTime: pick([nil, start + Instant(rng.next() % 10_000_000)]), errorMessage: nil, sessionLogUrl: nil,
                assignedCU: nil, consumedCU: pick([nil, Decimal(i % 13) / 8, 0]),
                source: SourceLocation(path: "in.ndjson", position: .line(i + 1), fileOrder: 0))
            let rate = pick([Decimal(0), Decimal(35) / 100, Decimal(1), Decimal(125) / 1000])
            let currency = pick([Currency.usd, Currency(code: "JPY", minorUnit: 0)])
            items.append(
                LineItem(
                    job: job, costCenter: pick(["UNALLOCATED", "FIN-001", "R&D \"core\""]), rate: rate,
                    cost: currency.round((job.consumedCU ?? 0) * rate), currency: currency, attributionTime: pick([start, job.endTime ?? start]),
                    localDay: 0))
        }
        var cache = FocusCSVReporter.RowCache(zone: zone)
        var rows = 0
        for item in items {
            var expected = CSVWriter()
            expected.row(Self.reference(item, zone: zone, asOf: asOf))
            var actual = CSVWriter()
            FocusCSVReporter.row(item, asOf: asOf, cache: &cache, into: &actual)
            #expect(actual.bytes == expected.bytes, "\(String(decoding: expected.bytes, as: UTF8.self))")
            rows += 1
        }
        #expect(rows == 3000)
        var one = FocusCSVReporter.RowCache(zone: zone)
        var csv = CSVWriter()
        FocusCSVReporter.row(items.first { $0.job.codeTaskName == "Übersicht" }!, asOf: asOf, cache: &one, into: &csv)
        #expect(String(decoding: csv.bytes, as: UTF8.self).contains(",Ubersicht,Code Task,"))
    }
}
