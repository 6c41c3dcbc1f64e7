import Foundation

extension HTMLReportModel {
    /// How many rows the top tables and the failure list show.
    static let topCount = 10

    /// Builds the page's content from the computed report. `budgets` maps a cost center to its
    /// budget for the reported period, in the report's currency; cost centers without one show
    /// no budget bar.
    init(report: Report, context: ReportContext, budgets: [String: Decimal] = [:]) {
        let p = report.parameters
        let t = report.totals
        let currency = p.currency
        let zone = p.zone
        let range = Self.periodRange(p.period, zone: zone)

        title = "Compute-unit chargeback: " + (p.period == .all ? "all time" : p.period.label)
        period = p.period == .all ? "all time" : p.period.label
        periodRange = range
        timezone = zone.identifier
        inputTimezone = p.inputZone.identifier
        asOf = formatInstant(context.asOf)
        toolVersion = context.toolVersion
        pricingNote =
            p.unpriced
            ? "No configuration was given (--config): every job is priced at 0 \(currency.code) and allocated to \(CostCenterRules.unallocated). Compute units are exact."
            : nil
        let documents = report.inputs.reduce(0) { $0 + $1.documents }
        // The period, the zones and the as-of time head the page; these are the rest.
        parameters = [
            Parameter(name: "Jobs attributed by", value: p.attributeBy == .start ? "start time" : "end time (start time when a job has none)"),
            Parameter(name: "Currency", value: currency.code + (p.unpriced ? " (no --config: rate 0)" : "")),
            Parameter(name: "summary.csv grouped by", value: p.groupBy.map(\.rawValue).joined(separator: ", ")),
            Parameter(
                name: "Inputs",
                value: DisplayFormat.count(report.inputs.count, "file", "files") + ", " + DisplayFormat.count(documents, "document", "documents")
                    + (report.skippedFiles.isEmpty ? "" : ", " + DisplayFormat.count(report.skippedFiles.count, "other file", "other files") + " skipped")),
            Parameter(name: "Tool", value: "chargeback " + context.toolVersion),
        ]

        let finished = t.succeeded + t.failed + t.cancelled
        headline = [
            Figure(id: "jobs", label: "Jobs", value: DisplayFormat.integer(t.jobs), note: "reported in the period"),
            Figure(
                id: "success-rate", label: "Success rate", value: DisplayFormat.percent(Decimal(t.succeeded), of: Decimal(finished)),
                note: "\(DisplayFormat.integer(t.succeeded)) of \(DisplayFormat.integer(finished)) finished jobs succeeded"),
            Figure(id: "hours", label: "Compute hours", value: DisplayFormat.hours(milliseconds: t.durationMilliseconds), note: "run time of finished jobs"),
            Figure(id: "cu", label: "Compute units", value: DisplayFormat.decimal(t.consumedCU), note: "CU consumed (exact)"),
            Figure(id: "cost", label: "Cost", value: DisplayFormat.money(t.cost, currency), note: p.unpriced ? "no rates configured" : "rounded per job"),
            Figure(id: "open", label: "Open jobs", value: DisplayFormat.integer(t.open), note: "queued or running, priced on CU so far"),
        ]
        self.currency = currency.code

        let groups = Groups(report.lineItems)
        costCenters = Self.costCenterRows(report, groups, budgets: budgets)
        hasBudgets = costCenters.contains { $0.budget != nil }
        tops = Self.topTables(report, groups)
        chart = Self.cuChart(report, groups)
        statuses = Self.statusRows(report, groups)
        failures = Self.failureSection(report, groups)

        let r = report.reconciliation
        func term(_ id: String, _ value: Int, _ op: String, _ meaning: String) -> Term {
            Term(id: id, name: id, value: DisplayFormat.integer(value), op: op, meaning: meaning)
        }
        reconciliation = ReconciliationView(
            holds: r.holds,
            verdict: r.holds
                ? "The identity holds: every document read is a reported job, out of the period, an older state of a job, a duplicate, or a reject."
                : "The identity does NOT hold. The figures on this page cannot be trusted; please report this with manifest.json.",
            left: term("documents_read", r.documentsRead, "", "job-status documents read from the inputs"),
            right: [
                term("jobs_reported", r.jobsReported, "=", "jobs on this page, each counted once from its latest document"),
                term("out_of_period", r.outOfPeriod, "+", "valid jobs attributed outside the period"),
                term("superseded", r.superseded, "+", "earlier states of a reported job (polls before its latest)"),
                term("duplicates", r.duplicates, "+", "documents repeating another document's content"),
                term("rejected", r.rejected, "+", "unusable documents, listed in rejects.csv"),
            ])
        rejects = report.rejectCounts.map { RejectRow(reason: $0.reason, count: DisplayFormat.integer($0.count)) }
        anyRejects = !rejects.isEmpty
        rejectTotal = DisplayFormat.integer(report.rejects.count)
    }

    // MARK: - Period

    /// `2026-10-01 to 2026-10-31` for whole days, else the UTC instants (`to` exclusive).
    static func periodRange(_ period: Period, zone: Zone) -> String {
        func midnight(_ c: CivilDateTime) -> Bool { c.hour == 0 && c.minute == 0 && c.second == 0 && c.millisecond == 0 }
        switch (period.from, period.to) {
        case (nil, nil):
            return "every job read"
        case let (f?, t?):
            let cf = zone.civil(f), ct = zone.civil(t)
            if midnight(cf) && midnight(ct) { return cf.dateString + " to " + zone.civil(t - 1).dateString + ", " + zone.identifier }
            return formatInstant(f) + " to " + formatInstant(t) + " (exclusive)"
        case let (f?, nil):
            return "from " + formatInstant(f)
        case let (nil, t?):
            return "before " + formatInstant(t)
        }
    }

    // MARK: - Cost centers

    static func costCenterRows(_ report: Report, _ groups: Groups, budgets: [String: Decimal]) -> [CostCenterRow] {
        let currency = report.parameters.currency
        var tallies = groups.costCenters
        for name in budgets.keys where tallies[name] == nil { tallies[name] = Tally() }
        if tallies[CostCenterRules.unallocated] == nil { tallies[CostCenterRules.unallocated] = Tally() }
        let total = report.totals
        let sorted = tallies.sorted { a, b in
            if a.value.cost != b.value.cost { return a.value.cost > b.value.cost }
            if a.value.consumedCU != b.value.consumedCU { return a.value.consumedCU > b.value.consumedCU }
            return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        return sorted.enumerated().map { index, entry in
            let (name, t) = entry
            let share = DisplayFormat.percent(t.consumedCU, of: total.consumedCU)
            let ratio = total.consumedCU.isZero ? 0 : Charts.double(t.consumedCU / total.consumedCU)
            var budgetUse: BudgetUse?
            if let budget = budgets[name] {
                let used = budget.isZero ? (t.cost.isZero ? 0 : Double.infinity) : Charts.double(t.cost / budget)
                let usedText = DisplayFormat.percent(t.cost, of: budget)
                let over = t.cost > budget
                let remaining =
                    over ? "over by " + DisplayFormat.money(t.cost - budget, currency) : DisplayFormat.money(budget - t.cost, currency) + " left"
                budgetUse = BudgetUse(
                    budget: DisplayFormat.money(budget, currency), used: usedText, remaining: remaining, over: over,
                    budgetSVG: Charts.ratioBar(
                        used, id: "budget-\(index)", label: "\(name): \(usedText) of the budget of \(DisplayFormat.money(budget, currency)) used, \(remaining)",
                        budget: true))
            }
            return CostCenterRow(
                name: name, jobs: DisplayFormat.integer(t.jobs), cu: DisplayFormat.decimal(t.consumedCU), cuShare: share,
                shareSVG: Charts.ratioBar(ratio, id: "share-\(index)", label: "\(name): \(share) of all CU", budget: false),
                cost: DisplayFormat.amount(t.cost, currency), costShare: DisplayFormat.percent(t.cost, of: total.cost), budget: budgetUse)
        }
    }

    // MARK: - Top tables

    /// Ranks groups by cost, CU, jobs and then name, and keeps the top ten plus a row for the
    /// rest.
    static func topTable<Key: Hashable>(
        _ report: Report, id: String, title: String, column: String, noun: (String, String), tallies: [Key: Tally],
        name: (Key) -> String, detail: (Key) -> String? = { _ in nil }
    ) -> TopTable {
        let currency = report.parameters.currency
        let total = report.totals.consumedCU
        let ranked = tallies.map { (key: $0.key, name: name($0.key), tally: $0.value) }.sorted { a, b in
            if a.tally.cost != b.tally.cost { return a.tally.cost > b.tally.cost }
            if a.tally.consumedCU != b.tally.consumedCU { return a.tally.consumedCU > b.tally.consumedCU }
            if a.tally.jobs != b.tally.jobs { return a.tally.jobs > b.tally.jobs }
            if a.name != b.name { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
            return (detail(a.key) ?? "").utf8.lexicographicallyPrecedes((detail(b.key) ?? "").utf8)
        }
        func row(_ rank: String, _ name: String, _ detail: String?, _ t: Tally) -> TopRow {
            TopRow(
                rank: rank, name: name, detail: detail, jobs: DisplayFormat.integer(t.jobs), failed: DisplayFormat.integer(t.failed),
                cu: DisplayFormat.decimal(t.consumedCU), cuShare: DisplayFormat.percent(t.consumedCU, of: total), cost: DisplayFormat.amount(t.cost, currency))
        }
        let rows = ranked.prefix(topCount).enumerated().map { i, g in row(String(i + 1), g.name, detail(g.key), g.tally) }
        var rest: TopRow?
        if ranked.count > topCount {
            var t = Tally()
            for g in ranked.dropFirst(topCount) { t.merge(g.tally) }
            rest = row("", DisplayFormat.count(ranked.count - topCount, "more " + noun.0, "more " + noun.1), nil, t)
        }
        return TopTable(
            id: id, title: title, column: column, rows: rows, rest: rest, distinct: DisplayFormat.count(ranked.count, noun.0, noun.1) + " in total")
    }

    static func topTables(_ report: Report, _ groups: Groups) -> [TopTable] {
        return [
            topTable(report, id: "top-orgs", title: "Top orgs", column: "Org", noun: ("org", "orgs"), tallies: groups.orgs, name: { $0 }),
            topTable(report, id: "top-users", title: "Top users", column: "User", noun: ("user", "users"), tallies: groups.users, name: { $0 }),
            topTable(
                report, id: "top-runtime-envs", title: "Top runtime environments", column: "Runtime environment",
                noun: ("runtime environment", "runtime environments"),
                tallies: groups.runtimeEnvs, name: { $0 }),
            topTable(
                report, id: "top-tasks", title: "Top code tasks", column: "Code task", noun: ("code task", "code tasks"),
                tallies: groups.tasks,
                name: { k in
                    let n = groups.taskNames[k]?.name ?? ""
                    return n.isEmpty ? "(unnamed)" : n
                },
                detail: { k in "task \(k.task.map(String.init) ?? "(none)") in org \(k.org)" }),
        ]
    }

    // MARK: - CU chart

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    /// Buckets CU by day, or by month when the range is longer than 92 days, or by year when
    /// it is longer than 120 months; the range is the period, or the data's when unbounded.
    static func cuChart(_ report: Report, _ groups: Groups) -> CUChart {
        let zone = report.parameters.zone
        func days(_ s: String) -> Int {
            let u = Array(s.utf8)
            func num(_ r: Range<Int>) -> Int { u[r].reduce(0) { $0 * 10 + Int($1 - 48) } }
            return CivilDateTime.daysFromCivil(year: num(0..<4), month: num(5..<7), day: num(8..<10))
        }
        let byDay = groups.days
        let dataDays = byDay.keys.map(days)
        let period = report.parameters.period
        guard let first = period.from.map({ days(zone.civil($0).dateString) }) ?? dataDays.min(),
            let last = period.to.map({ days(zone.civil($0 - 1).dateString) }) ?? dataDays.max(), first <= last
        else {
            return CUChart(title: "CU per day", bucketName: "Day", summary: "No jobs were reported, so there is nothing to chart.", chartSVG: nil, rows: [])
        }
        func civil(_ d: Int) -> (y: Int, m: Int, d: Int) {
            let (y, m, dd) = CivilDateTime.civilFromDays(d)
            return (y, m, dd)
        }
        let (fy, fm, _) = civil(first), (ly, lm, _) = civil(last)
        let monthsSpan = (ly * 12 + lm) - (fy * 12 + fm) + 1
        var buckets: [ChartBucket] = []
        let unit: String
        let xTitle: String
        if last - first + 1 <= 92 {
            unit = "day"
            for d in first...last {
                let c = civil(d)
                let label = pad(c.y, 4) + "-" + pad(c.m, 2) + "-" + pad(c.d, 2)
                var b = byDay[label] ?? ChartBucket(label: label, tick: "")
                b.tick = monthsSpan == 1 ? String(c.d) : (fy == ly ? pad(c.m, 2) + "-" + pad(c.d, 2) : label)
                buckets.append(b)
            }
            xTitle = monthsSpan == 1 ? "Day of \(monthNames[fm - 1]) \(fy) (\(zone.identifier))" : "Day (\(zone.identifier))"
        } else {
            let byYear = monthsSpan > 120
            unit = byYear ? "year" : "month"
            var index: [String: Int] = [:]
            if byYear {
                for y in fy...ly {
                    index[pad(y, 4)] = buckets.count
                    buckets.append(ChartBucket(label: pad(y, 4), tick: pad(y, 4)))
                }
            } else {
                for k in (fy * 12 + fm - 1)...(ly * 12 + lm - 1) {
                    let label = pad(k / 12, 4) + "-" + pad(k % 12 + 1, 2)
                    index[label] = buckets.count
                    buckets.append(ChartBucket(label: label, tick: label))
                }
            }
            for (day, b) in byDay {
                let key = String(day.prefix(byYear ? 4 : 7))
                guard let i = index[key] else { continue }
                buckets[i].succeededCU += b.succeededCU
                buckets[i].otherCU += b.otherCU
                buckets[i].jobs += b.jobs
            }
            xTitle = (byYear ? "Year" : "Month") + " (\(zone.identifier))"
        }
        let total = buckets.reduce(Decimal(0)) { $0 + $1.succeededCU + $1.otherCU }
        let peak = buckets.enumerated().max { a, b in
            let x = a.element.succeededCU + a.element.otherCU, y = b.element.succeededCU + b.element.otherCU
            return x != y ? x < y : a.offset > b.offset
        }!.element
        let title = "CU per \(unit)"
        let summary =
            "\(DisplayFormat.decimal(total)) CU over \(DisplayFormat.count(buckets.count, unit, unit + "s")) from \(buckets.first!.label) to \(buckets.last!.label); the highest \(unit) is \(peak.label) with \(DisplayFormat.decimal(peak.succeededCU + peak.otherCU)) CU."
        let svg = Charts.cuChart(buckets, id: "cu-chart", title: title, description: summary, xAxisTitle: xTitle)
        let rows = buckets.map {
            ChartRow(
                label: $0.label, jobs: DisplayFormat.integer($0.jobs), cu: DisplayFormat.decimal($0.succeededCU + $0.otherCU),
                succeededCU: DisplayFormat.decimal($0.succeededCU), otherCU: DisplayFormat.decimal($0.otherCU))
        }
        return CUChart(title: title, bucketName: unit.prefix(1).uppercased() + unit.dropFirst(), summary: summary, chartSVG: svg, rows: rows)
    }

    // MARK: - Statuses and failures

    static func statusRows(_ report: Report, _ groups: Groups) -> [StatusRow] {
        let currency = report.parameters.currency
        let tallies = groups.states
        let order: [JobState] = [.succeeded, .failed, .cancelled, .running, .queued]
        return order.map { s in
            let t = tallies[s] ?? Tally()
            return StatusRow(
                status: s.rawValue, jobs: DisplayFormat.integer(t.jobs), share: DisplayFormat.percent(Decimal(t.jobs), of: Decimal(report.totals.jobs)),
                cu: DisplayFormat.decimal(t.consumedCU), cost: DisplayFormat.amount(t.cost, currency),
                hours: DisplayFormat.hours(milliseconds: t.durationMilliseconds))
        }
    }

    /// The longest message shown in full; longer ones are cut (the whole text stays in a tooltip).
    static let messageLimit = 240

    static func failureSection(_ report: Report, _ groups: Groups) -> Failures {
        let currency = report.parameters.currency
        // Most frequent first, then the most compute lost.
        let ranked = groups.failures.sorted { a, b in
            if a.value.tally.jobs != b.value.tally.jobs { return a.value.tally.jobs > b.value.tally.jobs }
            if a.value.tally.consumedCU != b.value.tally.consumedCU { return a.value.tally.consumedCU > b.value.tally.consumedCU }
            if a.value.tally.cost != b.value.tally.cost { return a.value.tally.cost > b.value.tally.cost }
            return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        let shown = ranked.prefix(topCount).enumerated().map { i, entry in
            let (message, g) = entry
            let job = report.lineItems[g.example].job
            let text = message.isEmpty ? "(no error message)" : message
            let short = text.count > messageLimit ? String(text.prefix(messageLimit)) + "…" : text
            let runKey = "org \(job.orgId), task \(job.codeTaskId.map(String.init) ?? "(none)"), run \(job.runId.map(String.init) ?? "(none)")"
            return FailureGroup(
                rank: String(i + 1), message: short, fullMessage: short == text ? nil : text, jobs: DisplayFormat.integer(g.tally.jobs),
                cu: DisplayFormat.decimal(g.tally.consumedCU), cost: DisplayFormat.amount(g.tally.cost, currency),
                exampleJob: job.jobId ?? runKey, exampleUser: job.user, exampleStart: formatInstant(job.startTime))
        }
        var rest: String?
        if ranked.count > topCount {
            var t = Tally()
            for g in ranked.dropFirst(topCount) { t.merge(g.value.tally) }
            rest =
                DisplayFormat.count(ranked.count - topCount, "other message", "other messages") + ": "
                + "\(DisplayFormat.count(t.jobs, "job", "jobs")), \(DisplayFormat.decimal(t.consumedCU)) CU, \(DisplayFormat.money(t.cost, currency))"
        }
        let failed = ranked.reduce(0) { $0 + $1.value.tally.jobs }
        return Failures(
            failedJobs: DisplayFormat.count(failed, "failed job", "failed jobs"),
            distinctMessages: DisplayFormat.count(ranked.count, "distinct first error message", "distinct first error messages"), groups: Array(shown),
            anyGroups: !shown.isEmpty,
            rest: rest)
    }
}
