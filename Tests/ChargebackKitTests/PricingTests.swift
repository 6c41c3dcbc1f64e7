import Foundation
import Testing

@testable import ChargebackKit

@Suite("Pricing, cost centers, budgets and the configuration file")
struct PricingTests {
    func job(org: String = "O1", env: String = "E1", user: String = "u@x", task: String? = "t", cu: Decimal? = 1) -> JobRecord {
        JobRecord(
            jobId: "J", orgId: org, user: user, runtimeEnvId: env, codeTaskId: 1, codeTaskName: task, instanceName: nil, runId: 1,
            state: .succeeded, startTime: 0, startEstimated: false, endTime: nil, errorMessage: nil, sessionLogUrl: nil,
            assignedCU: nil, consumedCU: cu, source: SourceLocation(path: "x", position: .whole, fileOrder: 0))
    }

    let berlin = Zone(identifier: "Europe/Berlin")!

    @Test("line items take the rate and cost center that the rules give each job (remembered per combination of texts)")
    func accountedPricesEqualRules() {
        let card = RateCard(
            currency: .usd, defaultRate: Decimal(string: "0.50")!,
            overrides: [
                RateRule(orgId: "O1", rate: 2),
                RateRule(orgId: "O1", rate: 3, effectiveFrom: CivilDateTime(year: 2026, month: 10, day: 15)),
                RateRule(runtimeEnvId: "E1", rate: Decimal(string: "0.35")!),
                RateRule(orgId: "O1", runtimeEnvId: "E1", rate: 9, effectiveFrom: CivilDateTime(year: 2026, month: 10, day: 20)),
                RateRule(orgId: "Caf\u{E9}", rate: 7),
            ])
        let centers = CostCenterRules([
            CostCenterRule(user: "*@finance.example.com", costCenter: "FIN"),
            CostCenterRule(codeTaskName: "gl_*", costCenter: "GL"),
            CostCenterRule(orgId: "o2", costCenter: "OPS"),
        ])
        let rules = AccountingRules(zone: berlin, rates: card, costCenters: centers)
        var rng = seededRNG(21, 3)
        func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
        let start = t("2026-10-10T00:00:00Z")
        let jobs = (0..<20_000).map { i in
            JobRecord(
                jobId: "J\(i)", orgId: pick(["O1", "O2", "Caf\u{E9}", "Cafe\u{301}"]), user: pick(["a@finance.example.com", "b@x", "C@FINANCE.example.com"]),
                runtimeEnvId: pick(["E1", "E2"]), codeTaskId: 1, codeTaskName: pick([nil, "gl_post", "GL_X", "other"]), instanceName: nil, runId: Int64(i),
                state: .succeeded, startTime: start + Instant(rng.next() % (20 * 86_400_000)), startEstimated: false, endTime: nil, errorMessage: nil,
                sessionLogUrl: nil, assignedCU: nil, consumedCU: Decimal(i % 13), source: SourceLocation(path: "x", position: .line(i + 1), fileOrder: 0))
        }
        let (items, _) = rules.account(jobs)
        #expect(items.count == jobs.count)
        var differing = 0
        for item in items {
            let rate = card.rate(for: item.job, at: item.attributionTime, zone: berlin)
            if item.rate != rate || item.costCenter != centers.costCenter(for: item.job) { differing += 1 }
        }
        #expect(differing == 0)
        #expect(Set(items.map(\.costCenter)) == ["FIN", "GL", "OPS", "UNALLOCATED"])
        #expect(Set(items.map(\.rate)).count == 6)
    }

    @Test("specificity: org + env, then env, then org, then the default")
    func specificity() {
        let card = RateCard(
            currency: .usd, defaultRate: Decimal(string: "0.50")!,
            overrides: [
                RateRule(orgId: "O1", rate: Decimal(string: "0.45")!),
                RateRule(runtimeEnvId: "E1", rate: Decimal(string: "0.35")!),
                RateRule(orgId: "O1", runtimeEnvId: "E1", rate: Decimal(string: "0.30")!),
            ])
        let t = t("2026-10-10T00:00:00Z")
        #expect(card.rate(for: job(org: "O1", env: "E1"), at: t, zone: .utc) == Decimal(string: "0.30"))
        #expect(card.rate(for: job(org: "O2", env: "E1"), at: t, zone: .utc) == Decimal(string: "0.35"))
        #expect(card.rate(for: job(org: "O1", env: "E2"), at: t, zone: .utc) == Decimal(string: "0.45"))
        #expect(card.rate(for: job(org: "O2", env: "E2"), at: t, zone: .utc) == Decimal(string: "0.50"))
    }

    @Test("effective_from: a date in the report zone, exact at the boundary instant; not yet effective falls through")
    func effectiveDating() {
        let card = RateCard(
            currency: .usd, defaultRate: 1,
            overrides: [
                RateRule(orgId: "O1", rate: 2),
                RateRule(orgId: "O1", rate: 3, effectiveFrom: CivilDateTime(year: 2026, month: 10, day: 15)),
                RateRule(orgId: "O1", runtimeEnvId: "E1", rate: 9, effectiveFrom: CivilDateTime(year: 2026, month: 11, day: 1)),
            ])
        // Midnight of 2026-10-15 in Berlin is 2026-10-14T22:00:00Z.
        #expect(card.rate(for: job(), at: t("2026-10-14T21:59:59.999Z"), zone: berlin) == 2)
        #expect(card.rate(for: job(), at: t("2026-10-14T22:00:00.000Z"), zone: berlin) == 3)
        #expect(card.rate(for: job(), at: t("2026-10-14T22:00:00.000Z"), zone: .utc) == 2)
        #expect(card.rate(for: job(), at: t("2026-10-15T00:00:00.000Z"), zone: .utc) == 3)
        // The org+env rule is not yet effective in October: the org rules apply.
        #expect(card.rate(for: job(), at: t("2026-10-31T22:59:59.999Z"), zone: berlin) == 3)
        #expect(card.rate(for: job(), at: t("2026-10-31T23:00:00.000Z"), zone: berlin) == 9)
    }

    @Test(
        "per-job rounding half-to-even to the currency's minor unit",
        arguments: [
            ("USD", "2.345", "2.34"), ("USD", "2.355", "2.36"), ("USD", "2.3450001", "2.35"), ("EUR", "0.005", "0.00"),
            ("EUR", "0.015", "0.02"), ("JPY", "2.5", "2"), ("JPY", "3.5", "4"), ("JPY", "1234.4999", "1234"), ("KWD", "1.0005", "1.000"),
            ("KWD", "1.0015", "1.002"),
        ])
    func rounding(code: String, amount: String, expected: String) throws {
        let c = try #require(Currency(iso: code))
        #expect(c.format(c.round(Decimal(string: amount)!)) == expected)
    }

    @Test("unknown currency codes are not currencies")
    func unknownCurrency() {
        #expect(Currency(iso: "XYZ") == nil)
        #expect(Currency(iso: "usd") == nil)
        #expect(Currency(iso: "JPY")?.minorUnit == 0)
        #expect(Currency(iso: "KWD")?.minorUnit == 3)
    }

    @Test("cost-center patterns: every named key, * runs, case-insensitive, first match wins, else UNALLOCATED")
    func costCenters() {
        let rules = CostCenterRules([
            CostCenterRule(user: "alice@example.com", costCenter: "FIN-001"),
            CostCenterRule(user: "*@Analytics.example.com", runtimeEnvId: "E*", costCenter: "ANA-100"),
            CostCenterRule(codeTaskName: "gl_*_close", costCenter: "FIN-002"),
            CostCenterRule(orgId: "O9", costCenter: "OPS-200"),
            CostCenterRule(user: "*", costCenter: "never-first"),
        ])
        #expect(rules.costCenter(for: job(user: "ALICE@example.com")) == "FIN-001")
        #expect(rules.costCenter(for: job(env: "E7", user: "bob@analytics.EXAMPLE.com")) == "ANA-100")
        #expect(rules.costCenter(for: job(env: "X7", user: "bob@analytics.example.com")) == "never-first")
        #expect(rules.costCenter(for: job(task: "GL_month_end_close")) == "FIN-002")
        #expect(rules.costCenter(for: job(task: "gl_month_end_close_v2")) == "never-first")
        #expect(CostCenterRules(Array(rules.rules.dropLast())).costCenter(for: job(org: "O8", user: "z@z")) == "UNALLOCATED")
        #expect(CostCenterRules(Array(rules.rules.dropLast())).costCenter(for: job(org: "O9", user: "z@z")) == "OPS-200")
        #expect(globMatch("a*b*c", "axxbyyc"))
        #expect(globMatch("*", ""))
        #expect(!globMatch("a*b", "acb c"))
        #expect(globMatch("**a", "a"))
    }

    @Test("budgets prorate by the share of each month inside the window")
    func prorating() {
        let plan = BudgetPlan(monthly: ["FIN": 310], currency: .usd, zone: .utc)
        #expect(plan.budget(for: "FIN", from: t("2026-10-01T00:00:00Z"), to: t("2026-11-01T00:00:00Z")) == 310)
        #expect(plan.budget(for: "FIN", from: t("2026-10-01T00:00:00Z"), to: t("2026-10-11T00:00:00Z")) == 100)
        // Half of October (15.5 of 31 days) plus a third of November (10 of 30 days).
        #expect(plan.budget(for: "FIN", from: t("2026-10-16T12:00:00Z"), to: t("2026-11-11T00:00:00Z")) == Decimal(string: "258.33"))
        #expect(plan.budget(for: "FIN", from: t("2026-10-01T00:00:00Z"), to: t("2027-01-01T00:00:00Z")) == 930)
        #expect(plan.budget(for: "OTHER", from: 0, to: 1) == nil)
        #expect(budgetPercent(cost: Decimal(string: "729.72")!, budget: 600) == Decimal(string: "121.6"))
    }

    func config(_ yaml: String) throws(ConfigError) -> ChargebackConfig {
        try ChargebackConfig.parse(yaml, path: "chargeback.yaml")
    }

    @Test("the sample configuration parses into rates, rules and budgets")
    func sampleConfig() throws {
        let c = try ChargebackConfig.load(path: "samples/chargeback.yaml", workingDirectory: packageRoot)
        #expect(c.currency == .usd)
        #expect(c.defaultRate == Decimal(string: "0.5"))
        #expect(c.overrides.count == 3)
        #expect(c.overrides[1].effectiveFrom == CivilDateTime(year: 2026, month: 10, day: 15))
        #expect(c.costCenters.first?.costCenter == "FIN-001")
        #expect(c.budgets.map(\.costCenter) == ["FIN-001", "FIN-100", "ANA-100", "OPS-200"])
        #expect(c.sha256.count == 64)
    }

    @Test(
        "each configuration error names the file, the line and what was expected",
        arguments: [
            ("currency: USD\nrates:\n  default: abc\n", "chargeback.yaml:3: rate must be a decimal number, got \"abc\""),
            ("currency: XYZ\n", "chargeback.yaml:1: currency must be an ISO 4217 code such as USD, EUR or JPY, got \"XYZ\""),
            (
                "currency: USD\nrate:\n  default: 1\n",
                "chargeback.yaml:2: unknown key \"rate\" in the configuration; expected one of: currency, rates, cost_centers, budgets"
            ),
            (
                "rates:\n  default: 1\n  overrides:\n    - org_id: A\n      rate: 1\n      efective_from: 2026-10-01\n",
                "chargeback.yaml:6: unknown key \"efective_from\" in a rate override; expected one of: org_id, runtime_env_id, rate, effective_from"
            ),
            (
                "rates:\n  overrides:\n    - org_id: A\n      rate: 1\n      effective_from: 2026-02-30\n",
                "chargeback.yaml:5: effective_from must be a date written YYYY-MM-DD, got \"2026-02-30\""
            ),
            ("rates:\n  overrides:\n    - org_id: A\n", "chargeback.yaml:3: a rate override needs a rate"),
            (
                "rates:\n  overrides:\n    - rate: 1\n",
                "chargeback.yaml:3: a rate override must name org_id, runtime_env_id or both (the default rate is rates.default)"
            ),
            (
                "rates:\n  overrides:\n    - org_id: A\n      rate: 1\n    - org_id: A\n      rate: 2\n",
                "chargeback.yaml:5: this rate override repeats the one on line 3 (same org_id, runtime_env_id and effective_from): keep one"
            ),
            ("rates:\n  default: -1\n", "chargeback.yaml:2: rate must not be negative, got -1"),
            ("cost_centers:\n  - user: a\n", "chargeback.yaml:2: a cost-center rule needs a cost_center"),
            ("cost_centers:\n  user: a\n", "chargeback.yaml:2: cost_centers must be a list (lines starting with \"- \")"),
            (
                "cost_centers:\n  - user: a\n    team: x\n    cost_center: C\n",
                "chargeback.yaml:3: unknown key \"team\" in a cost-center rule; expected one of: user, org_id, runtime_env_id, code_task_name, cost_center"
            ),
            ("budgets:\n  FIN: 10\n  OPS: lots\n", "chargeback.yaml:3: budget must be a decimal number, got \"lots\""),
            ("currency: [USD]\n", "chargeback.yaml:1: currency must be a single value, not a list or mapping"),
            ("rates:\n  default: 1\n   bad: indent\n", "chargeback.yaml:3: not valid YAML"),
        ])
    func configErrors(yaml: String, message: String) {
        do {
            _ = try config(yaml)
            Issue.record("expected an error for \(yaml)")
        } catch {
            #expect(error.errorDescription?.hasPrefix(message) == true, "got: \(error.errorDescription ?? "")")
        }
    }

    @Test("an empty file is a valid configuration with no prices")
    func emptyConfig() throws {
        let c = try config("# nothing yet\n")
        #expect(c.defaultRate == 0)
        #expect(c.currency == .usd)
    }
}

@Suite("Priced reports: line items, summary, FOCUS and the manifest agree to the cent")
struct PricedReportTests {
    @Test("the sample run: line items sum exactly to every summary row and to the totals; FOCUS too")
    func sums() throws {
        let dir = try TempDir()
        for groupBy in ["cost_center,org,user", "task,day", "runtime_env,status,month"] {
            let outcome = try runSamples(into: dir.url) { $0.groupBy = groupBy }
            let items = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("line-items.csv"))))
            let summary = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("summary.csv"))))
            let focus = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("focus.csv"))))
            func column(_ rows: [[String]], _ name: String) -> [Decimal] {
                let i = rows[0].firstIndex(of: name)!
                return rows.dropFirst().map { Decimal(string: $0[i])! }
            }
            let lineCost = column(items, "cost").reduce(0, +)
            let lineCU = column(items, "consumed_cu").reduce(0, +)
            #expect(lineCost == column(summary, "cost").reduce(0, +))
            #expect(lineCU == column(summary, "consumed_cu").reduce(0, +))
            #expect(lineCost == outcome.report.totals.cost)
            #expect(ExactDecimal.fixed(lineCost, digits: 2) == "2067.57")
            for name in ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"] {
                #expect(column(focus, name).reduce(0, +) == lineCost, "\(name)")
            }
            #expect(column(focus, "ConsumedQuantity").reduce(0, +) == lineCU)
            #expect(focus.count == items.count)
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.url.appendingPathComponent("manifest.json"))) as! [String: Any]
            #expect((manifest["totals"] as! [String: Any])["cost"] as? String == "2067.57")
            // Each row: the sum of its line items (re-grouped here from the line items).
            #expect(outcome.report.summary.rows.map(\.tally.cost).reduce(0, +) == lineCost)
            for row in outcome.report.summary.rows where row.tally.jobs > 0 {
                #expect(row.tally.cost >= 0)
            }
        }
    }

    @Test("every line item's cost is its CU × rate rounded half-to-even, with the rule the config selects")
    func lineItemCosts() throws {
        let dir = try TempDir()
        _ = try runSamples(into: dir.url)
        let rows = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("line-items.csv"))))
        let h = rows[0]
        func v(_ r: [String], _ name: String) -> String { r[h.firstIndex(of: name)!] }
        var seen: Set<String> = []
        for r in rows.dropFirst() {
            let org = v(r, "org_id"), env = v(r, "runtime_env_id"), start = v(r, "start_time")
            // The sample config, restated: org+env 0.30; env 0.35; ops org 0.45 from 2026-10-15; else 0.50.
            let expected: String
            if org == "kuJVH54wm6gfhVj4QEdboY" && env == "01000025000000000003" {
                expected = "0.3"
            } else if env == "01000025000000000003" {
                expected = "0.35"
            } else if org == "kuJVH54wm6gfhVj4QEdboY" && start >= "2026-10-15" {
                expected = "0.45"
            } else {
                expected = "0.5"
            }
            #expect(v(r, "rate") == expected, "\(org) \(env) \(start)")
            seen.insert(expected)
            let cost = Currency.usd.round(Decimal(string: v(r, "consumed_cu"))! * Decimal(string: expected)!)
            #expect(v(r, "cost") == Currency.usd.format(cost))
        }
        #expect(seen == ["0.3", "0.35", "0.45", "0.5"])
    }

    @Test("budgets: summary by cost center gains budget and budget_used_pct; UNALLOCATED always shown")
    func budgetColumns() throws {
        let dir = try TempDir()
        let outcome = try runSamples(into: dir.url) { o in
            o.groupBy = "cost_center"
            o.period = "2026-10"
        }
        let text = try String(contentsOf: dir.url.appendingPathComponent("summary.csv"), encoding: .utf8)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "cost_center,jobs,succeeded,failed,cancelled,open,duration_seconds,consumed_cu,cost,currency,budget,budget_used_pct")
        #expect(lines[1].hasPrefix("ANA-100,429,"))
        #expect(lines[1].hasSuffix(",729.72,USD,600.00,121.6"))
        #expect(lines.contains("UNALLOCATED,0,0,0,0,0,0.000,0,0.00,USD,,"))
        #expect(outcome.report.budgetUse.filter(\.isOver).map(\.costCenter) == ["ANA-100", "FIN-100"])
        // Half a month: the budget is prorated.
        let half = try runSamples(into: dir.url) { o in
            o.groupBy = "cost_center"
            o.from = "2026-10-01"
            o.to = "2026-10-16T12:00:00Z"
        }
        #expect(half.report.budgetUse.first { $0.costCenter == "ANA-100" }?.budget == 300)
    }

    @Test("a JPY configuration prices without decimals")
    func yen() throws {
        let dir = try TempDir()
        try dir.write(
            "in/a.ndjson",
            docA(["consumedServerlessComputeUnits": Raw("2.5")]) + "\n"
                + docA(["consumedServerlessComputeUnits": Raw("3.5"), "runId": 3, "sessionLogUrl": "x/jobs/B/logs"]))
        try dir.write("c.yaml", "currency: JPY\nrates:\n  default: 1\n")
        let out = try runReport(dir) { $0.config = "c.yaml" }
        #expect(out.report.lineItems.map { $0.currency.format($0.cost) } == ["2", "4"])
        #expect(try dir.read("out/summary.csv").contains(",6,6,JPY\r\n"))
    }

    @Test("a configuration error stops the run before anything is written (exit 1)")
    func configErrorCLI() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        try dir.write("bad.yaml", "currency: USD\nrates:\n  default: 0.5\n  overrides:\n    - org_id: A\n      rate: abc\n")
        let r = try runCLI(["report", "in", "--config", "bad.yaml", "--output", "out"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad.yaml:6: rate must be a decimal number, got \"abc\""))
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out").path))
    }
}
