import Foundation
import Testing

@testable import ChargebackKit

/// Text that must show as text on the page, never as markup.
let hostileUser = "<script>alert(1)</script>"
let hostileError = "\"><img src=x onerror=alert(1)>"
let hostileTask = "<b onmouseover=alert(2)>{{{chartSVG}}}</b>"

/// Failed jobs whose user, error message and task name are HTML: enough of them, with enough
/// CU, that the user tops the user table and the message tops the failures.
func hostileDocuments(count: Int = 40) -> String {
    (0..<count).map { i in
        let id = "HOSTILEjob" + String(format: "%012d", i)
        return docA([
            "status": "FAILED", "startedBy": hostileUser, "errorMessage": hostileError, "assetName": hostileTask,
            "codeTaskId": 9_999, "runId": 70_000 + i, "startTime": "2026-10-15T08:00:00.000Z", "updateTime": "2026-10-15T08:10:00.000Z",
            "endTime": "2026-10-15T08:10:00.000Z", "sessionLogUrl": "logservice/api/v1/jobs/\(id)/logs", "consumedServerlessComputeUnits": Raw("30.5"),
        ])
    }.joined(separator: "\n") + "\n"
}

/// Renders the sample run plus the hostile jobs into `dir/out`.
func runHostileSamples(_ dir: TempDir) throws -> ReportOutcome {
    let extra = try dir.write("hostile.ndjson", hostileDocuments())
    var o = ReportOptions(inputs: ["samples", extra.path], workingDirectory: packageRoot)
    o.output = dir.url.appendingPathComponent("out").path
    o.asOf = "2026-11-01T06:00:00Z"
    return try ReportRun.execute(try ReportRun.resolve(o), standardInput: { Data() })
}

@Suite("report.html: the management summary")
struct HTMLReportTests {
    @Test("the sample report in headless Chromium: no console errors, no requests, headline equals summary.csv, data shows as text")
    func browser() throws {
        let chromium = try #require(
            HeadlessChromium.executable(),
            "chromium is not installed, so report.html cannot be checked in a browser: apt-get install -y chromium (.ci/run does this)")
        let dir = try TempDir()
        let outcome = try runHostileSamples(dir)
        let browser = try HeadlessChromium(executable: chromium)

        // A control page proves the harness sees what it must: a request and a console error.
        let control = try dir.write("control.html", "<!DOCTYPE html><img src=\"http://127.0.0.1:9/x.png\"><script>console.error('control')</script>")
        let seen = try browser.load(control)
        #expect(seen.requests.contains { $0.hasPrefix("http://127.0.0.1:9/") }, "the harness did not see the control page's request")
        #expect(seen.console.contains("error: control"), "the harness did not see the control page's console error")

        let page = try browser.load(dir.url.appendingPathComponent("out/report.html"))
        #expect(page.requests.isEmpty, "report.html made requests: \(page.requests)")
        #expect(page.console.isEmpty, "console messages: \(page.console)")
        #expect(page.exceptions.isEmpty, "exceptions: \(page.exceptions)")
        #expect(page.logProblems.isEmpty, "browser log: \(page.logProblems)")
        #expect(page.dialogs.isEmpty, "the page opened dialogs: \(page.dialogs)")

        // Headline figures as the browser shows them, against the sums of summary.csv.
        let shown = try #require(
            try browser.evaluate(
                "JSON.stringify(Object.fromEntries(['jobs','success-rate','hours','cu','cost','open'].map(k => [k, document.getElementById('headline-' + k).textContent])))",
                in: page) as? String)
        let headline = try #require(try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: String])
        let csv = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("out/summary.csv"))))
        let header = csv[0]
        func column(_ name: String) -> [String] {
            let i = header.firstIndex(of: name)!
            return csv.dropFirst().map { $0[i] }
        }
        func sum(_ name: String) -> Decimal { column(name).reduce(Decimal(0)) { $0 + Decimal(string: $1)! } }
        func number(_ s: String?) -> Decimal? {
            s.flatMap { Decimal(string: $0.replacingOccurrences(of: ",", with: "").split(separator: " ")[0].trimmingCharacters(in: .init(charactersIn: "%"))) }
        }
        #expect(number(headline["jobs"]) == sum("jobs"))
        #expect(number(headline["cu"]) == sum("consumed_cu"))
        #expect(number(headline["cost"]) == sum("cost"))
        #expect(headline["cost"]?.hasSuffix(" " + column("currency")[0]) == true)
        #expect(number(headline["open"]) == sum("open"))
        let hours = ExactDecimal.roundHalfEven(sum("duration_seconds") / 3600, scale: 1)
        #expect(number(headline["hours"]) == hours)
        let finished = sum("succeeded") + sum("failed") + sum("cancelled")
        #expect(number(headline["success-rate"]) == ExactDecimal.roundHalfEven(sum("succeeded") * 100 / finished, scale: 1))
        #expect(sum("jobs") == Decimal(outcome.report.totals.jobs) && outcome.report.totals.jobs == 1542)

        // The reconciliation as shown.
        let rec = try #require(
            try browser.evaluate(
                "JSON.stringify(['documents_read','jobs_reported','out_of_period','superseded','duplicates','rejected'].map(k => document.querySelector('#rec-' + k + ' .value').textContent))",
                in: page) as? String)
        let r = outcome.report.reconciliation
        #expect(rec == "[\"4,106\",\"1,542\",\"0\",\"2,395\",\"151\",\"18\"]")
        #expect(r.documentsRead == 4106 && r.holds)

        // Hostile data is text: no element came from it, and the text is there as written.
        let dom = try #require(
            try browser.evaluate(
                """
                JSON.stringify({scripts: document.querySelectorAll('script').length, images: document.querySelectorAll('img').length,
                  handlers: document.querySelectorAll('[onerror],[onload],[onmouseover]').length, bold: document.querySelectorAll('b').length,
                  users: [...document.querySelectorAll('#top-users th.name')].map(e => e.textContent),
                  messages: [...document.querySelectorAll('#failures td.message')].map(e => e.textContent),
                  tasks: [...document.querySelectorAll('#top-tasks th.name')].map(e => e.firstChild.textContent),
                  html: document.documentElement.outerHTML})
                """, in: page) as? String)
        let d = try #require(try JSONSerialization.jsonObject(with: Data(dom.utf8)) as? [String: Any])
        #expect(d["scripts"] as? Int == 0)
        #expect(d["images"] as? Int == 0)
        #expect(d["handlers"] as? Int == 0)
        #expect(d["bold"] as? Int == 0)
        #expect((d["users"] as? [String])?.first == hostileUser)
        #expect((d["messages"] as? [String])?.first == hostileError)
        #expect((d["tasks"] as? [String])?.first == hostileTask)
        let html = d["html"] as? String ?? ""
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("\"&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("&lt;b onmouseover=alert(2)&gt;{{{chartSVG}}}&lt;/b&gt;"))
    }

    @Test("every data value is escaped by the engine; only tool-built SVG is injected raw")
    func escaping() throws {
        let dir = try TempDir()
        _ = try runHostileSamples(dir)
        let html = try dir.read("out/report.html")
        #expect(!html.contains(hostileUser))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b "))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        // The page is one file: no script, no external reference, and the CSP allows nothing else.
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
        #expect(!html.contains("https://"))
        #expect(
            html.contains(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
            ))
        #expect(html.contains("@page { size: A4;"))
    }

    @Test("the view model: only SVGMarkup values have names ending in SVG, and every one does")
    func svgNames() throws {
        let dir = try TempDir()
        let outcome = try runHostileSamples(dir)
        let model = HTMLReportModel(report: outcome.report, context: ReportContext(asOf: 0), budgets: ["UNALLOCATED": 10, "FIN-001": 1200])
        var svgs = 0
        func walk(_ value: Any, _ path: String) {
            for child in Mirror(reflecting: value).children {
                let label = child.label ?? ""
                let isSVG = child.value is SVGMarkup || (child.value as? SVGMarkup?)??.markup != nil
                if label.hasSuffix("SVG") || isSVG {
                    #expect(label.hasSuffix("SVG") && isSVG, "\(path).\(label) breaks the SVG naming rule")
                    svgs += 1
                    continue
                }
                walk(child.value, path + "." + label)
            }
        }
        walk(model, "model")
        #expect(svgs >= 3)
    }

    @Test("budget bars appear only for cost centers with a budget; over budget is marked")
    func budgets() throws {
        let dir = try TempDir()
        try dir.write("in/a.ndjson", docA(["consumedServerlessComputeUnits": 40]) + "\n")
        let outcome = try runReport(dir)
        var report = outcome.report
        report.lineItems[0].cost = 20
        report.totals.cost = 20
        let model = HTMLReportModel(report: report, context: ReportContext(asOf: 0), budgets: ["UNALLOCATED": 16, "FIN-001": 1200])
        #expect(model.hasBudgets)
        #expect(model.costCenters.map(\.name) == ["UNALLOCATED", "FIN-001"])
        let over = try #require(model.costCenters[0].budget)
        #expect(over.used == "125.0%" && over.over && over.remaining == "over by 4.00 USD")
        #expect(over.budgetSVG.markup.contains("aria-label=\"UNALLOCATED: 125.0% of the budget of 16.00 USD used, over by 4.00 USD\""))
        let unused = try #require(model.costCenters[1].budget)
        #expect(unused.used == "0.0%" && !unused.over && unused.remaining == "1,200.00 USD left")
        let plain = HTMLReportModel(report: report, context: ReportContext(asOf: 0))
        #expect(!plain.hasBudgets && plain.costCenters.count == 1 && plain.costCenters[0].budget == nil)
        let templates = try HTMLTemplates.load(directory: packageRoot.appendingPathComponent("Templates"))
        #expect(templates.render(model).contains("Budget use"))
        #expect(!templates.render(plain).contains("Budget use"))
    }

    @Test("CU per day: one bar per day of a month period, months for long ranges")
    func chartBuckets() throws {
        let dir = try TempDir()
        let month = try runSamples(config: nil, into: dir.url) { $0.period = "2026-10" }
        let chart = HTMLReportModel(report: month.report, context: ReportContext(asOf: 0)).chart
        #expect(chart.title == "CU per day")
        #expect(chart.rows.count == 31 && chart.rows.first?.label == "2026-10-01" && chart.rows.last?.label == "2026-10-31")
        let shownCU = chart.rows.reduce(Decimal(0)) { $0 + Decimal(string: $1.cu.replacingOccurrences(of: ",", with: ""))! }
        #expect(shownCU == month.report.totals.consumedCU)
        let svg = try #require(chart.chartSVG).markup
        #expect(svg.contains("<title id=\"cu-chart-title\">CU per day</title>"))
        #expect(svg.contains(">Day of October 2026 (UTC)</text>") && svg.contains(">Compute units (CU)</text>"))
        // All time: the vendor's 2022 examples stretch the range, so the chart goes by month.
        let allDir = try TempDir()
        let all = try runSamples(into: allDir.url)
        let long = HTMLReportModel(report: all.report, context: ReportContext(asOf: 0)).chart
        #expect(long.title == "CU per month" && long.rows.first?.label == "2022-03" && long.rows.count == 56)
    }

    @Test("the SVG builder escapes text and attribute values")
    func svgBuilder() {
        var b = SVGBuilder([("aria-label", "a \"quoted\" <label> & 'more'")])
        b.element("title", text: "</svg><script>alert(1)</script>")
        let markup = b.finish().markup
        #expect(
            markup
                == "<svg xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"a &quot;quoted&quot; &lt;label&gt; &amp; &#39;more&#39;\"><title>&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title></svg>"
        )
        #expect(SVGBuilder.number(12.34) == "12.3" && SVGBuilder.number(7) == "7" && SVGBuilder.number(-0.25) == "-0.3")
        #expect(DisplayFormat.decimal(Decimal(string: "1234567.0501")!) == "1,234,567.0501")
        #expect(DisplayFormat.integer(-1000) == "-1,000" && DisplayFormat.integer(999) == "999")
        #expect(DisplayFormat.percent(1, of: 3) == "33.3%" && DisplayFormat.percent(1, of: 0) == "–")
        #expect(Charts.niceTicks(846.1).step == 200 && Charts.niceTicks(846.1).count == 5)
        #expect(Charts.niceTicks(0.37).step == 0.1 && Charts.niceTicks(0.37).decimals == 1)
    }

    @Test("default templates are found above the executable or the working directory")
    func lookup() throws {
        let nested = packageRoot.appendingPathComponent("Sources/ChargebackKit/Reporters")
        let found = HTMLTemplates.locate(executableDirectory: nil, workingDirectory: nested)
        #expect(found?.standardizedFileURL.path == packageRoot.appendingPathComponent("Templates").standardizedFileURL.path)
        let elsewhere = try TempDir()
        #expect(HTMLTemplates.locate(executableDirectory: nil, workingDirectory: elsewhere.url) == nil)
        #expect(HTMLTemplates.locate(executableDirectory: nested, workingDirectory: elsewhere.url) != nil)
        let installed = try TempDir()
        try installed.write("share/chargeback/Templates/report.html.mustache", "x")
        try FileManager.default.createDirectory(at: installed.url.appendingPathComponent("bin"), withIntermediateDirectories: true)
        #expect(
            HTMLTemplates.locate(executableDirectory: installed.url.appendingPathComponent("bin"), workingDirectory: elsewhere.url)?.path
                == installed.url.appendingPathComponent("share/chargeback/Templates").path)
        #expect(throws: TemplateError.self) {
            try HTMLTemplates.resolve(option: nil, workingDirectory: elsewhere.url, executableDirectory: nil)
        }
    }

    @Test("a copy of the templates can change the page through --templates")
    func customTemplates() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let copy = dir.url.appendingPathComponent("mine")
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Templates"), to: copy)
        let header = copy.appendingPathComponent("report/header.mustache")
        try (try String(contentsOf: header, encoding: .utf8)).replacingOccurrences(of: "<h1>{{title}}</h1>", with: "<h1>Our own title for {{period}}</h1>")
            .write(to: header, atomically: true, encoding: .utf8)
        _ = try runReport(dir) { $0.templates = "mine" }
        #expect(try dir.read("out/report.html").contains("<h1>Our own title for all time</h1>"))
    }

    @Test(
        "a missing, broken or unsafe template: exit 1, a message naming the file and line, nothing written",
        arguments: [
            ("report.html.mustache", nil, "mine/report.html.mustache is missing"),
            (
                "report/headline.mustache", "<p>\n{{#headline}}\n{{label}}\n",
                "template mine/report/headline.mustache line 4, column 1: a section is never closed"
            ),
            (
                "report/status.mustache", "<p>{{#statuses}}{{/status}}</p>",
                "template mine/report/status.mustache line 1, column 20: this closing tag does not match the section it closes"
            ),
            (
                "report/footer.mustache", "<p>\n{{> report/nowhere}}</p>",
                "template mine/report/footer.mustache line 2: partial \"report/nowhere\" not found (expected mine/report/nowhere.mustache)"
            ),
            ("report/header.mustache", "<h1>\n\n{{{title}}}</h1>", "template mine/report/header.mustache line 3: unescaped output of \"title\" is not allowed"),
            ("report/header.mustache", "<h1>{{&title}}</h1>", "template mine/report/header.mustache line 1: unescaped output of \"title\" is not allowed"),
            ("report/header.mustache", "{{%CONTENT_TYPE: TEXT}}<h1>{{title}}</h1>", "template mine/report/header.mustache line 1: pragmas"),
            ("report/header.mustache", "{{=<% %>=}}<h1><%title%></h1>", "template mine/report/header.mustache line 1: changing the delimiters"),
        ] as [(String, String?, String)])
    func brokenTemplates(file: String, content: String?, message: String) throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Templates"), to: dir.url.appendingPathComponent("mine"))
        let target = dir.url.appendingPathComponent("mine").appendingPathComponent(file)
        if let content { try content.write(to: target, atomically: true, encoding: .utf8) } else { try FileManager.default.removeItem(at: target) }
        let r = try runCLI(["report", "in", "--output", "out", "--templates", "mine"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out").path))
    }

    @Test("--format html writes report.html alone; --output - sends it to stdout")
    func formats() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let r = try runCLI(["report", "in", "--output", "-", "--format", "html", "--quiet", "--as-of", "2026-11-01T00:00:00Z"], in: dir.url)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(r.stdout.contains("<dd class=\"value\" id=\"headline-cu\">1.25</dd>"))
        let only = try runCLI(["report", "in", "--output", "out", "--format", "html", "--quiet"], in: dir.url)
        #expect(only.status == 0)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("out").path).sorted() == [
                "manifest.json", "rejects.csv", "report.html",
            ])
    }
}

@Suite("report.html with the sample configuration")
struct HTMLBudgetTests {
    @Test("budget bars come from the configuration, prorated to the report window")
    func configuredBudgets() throws {
        let dir = try TempDir()
        let outcome = try runSamples(into: dir.url) { o in
            o.format = "html"
            o.from = "2026-10-01"
            o.to = "2026-10-16T12:00:00Z"
        }
        let configured = Dictionary(outcome.report.budgetUse.map { ($0.costCenter, $0.budget) }, uniquingKeysWith: { a, _ in a })
        // Half of October: half of each monthly budget.
        #expect(configured == ["ANA-100": 300, "FIN-001": 20, "FIN-100": 400, "OPS-200": 125])
        let model = HTMLReportModel(report: outcome.report, context: ReportContext(asOf: 0), budgets: configured)
        let rows = Dictionary(uniqueKeysWithValues: model.costCenters.map { ($0.name, $0) })
        #expect(rows["ANA-100"]?.budget?.budget == "300.00 USD")
        #expect(rows["PLATFORM"]?.budget == nil)
        #expect(rows["UNALLOCATED"] != nil)
        let html = try dir.read("report.html")
        #expect(html.contains("300.00"))
    }
}
