import Foundation
import Testing

@testable import ChargebackKit

@Suite("Accounting and the CSV reports")
struct ReportTests {
    func job(
        _ id: String, start: String, end: String? = nil, status: String = "SUCCEEDED", cu: Any? = Raw("1"), org: String = "O1", user: String = "u@x",
        task: Int = 1, name: String = "t", env: String = "E1", run: Int = 1
    ) -> String {
        docA([
            "sessionLogUrl": "l/jobs/\(id)/logs", "startTime": start, "updateTime": end ?? start, "endTime": end,
            "status": status, "consumedServerlessComputeUnits": cu, "orgId": org, "startedBy": user,
            "codeTaskId": task, "assetName": name, "runtimeEnvId": env, "runId": run,
        ])
    }

    @Test("period boundaries in a non-UTC zone, by start or by end, with out-of-period counted")
    func periodAttribution() throws {
        let dir = try TempDir()
        try dir.write(
            "in/a.ndjson",
            [
                job("J1", start: "2026-09-30T21:59:59.999Z", end: "2026-09-30T22:30:00Z", run: 1),  // Sept in Berlin by start, Oct by end
                job("J2", start: "2026-09-30T22:00:00Z", end: "2026-09-30T22:10:00Z", run: 2),  // Oct 1 00:00 Berlin
                job("J3", start: "2026-10-31T22:59:59Z", end: "2026-10-31T23:00:01Z", run: 3),  // Oct by start, Nov by end
                job("J4", start: "2026-10-31T23:00:00Z", end: "2026-10-31T23:10:00Z", run: 4),  // Nov 1 00:00 Berlin
                job("J5", start: "2026-10-15T10:00:00Z", status: "RUNNING", run: 5),  // no end: by start either way
            ].joined(separator: "\n"))
        let byStart = try runReport(dir) {
            $0.period = "2026-10"; $0.timezone = "Europe/Berlin"
        }
        #expect(byStart.report.lineItems.compactMap(\.job.jobId) == ["J2", "J5", "J3"])
        #expect(byStart.report.reconciliation.outOfPeriod == 2)
        #expect(byStart.report.lineItems.map(\.day) == ["2026-10-01", "2026-10-15", "2026-10-31"])
        let byEnd = try runReport(dir) {
            $0.period = "2026-10"; $0.timezone = "Europe/Berlin"; $0.attributeBy = "end"
        }
        #expect(byEnd.report.lineItems.compactMap(\.job.jobId) == ["J1", "J2", "J5"])
        #expect(byEnd.report.reconciliation.outOfPeriod == 2)
    }

    @Test("durations to the millisecond; open jobs have none but keep their CU")
    func durations() throws {
        let dir = try TempDir()
        try dir.write(
            "in/a.ndjson",
            [
                job("J1", start: "2026-10-01T00:00:00.250Z", end: "2026-10-01T01:00:01.125Z", cu: Raw("2.5"), run: 1),
                job("J2", start: "2026-10-01T02:00:00Z", status: "RUNNING", cu: Raw("0.75"), run: 2),
                job("J3", start: "2026-10-01T03:00:00Z", status: "FAILED", cu: nil, run: 3),
            ].joined(separator: "\n"))
        let out = try runReport(dir)
        let items = out.report.lineItems
        #expect(items.map { $0.job.durationMilliseconds } == [3_600_875, nil, nil])
        #expect(out.report.totals.durationMilliseconds == 3_600_875)
        #expect(out.report.totals.open == 1)
        #expect(out.report.totals.consumedCU == Decimal(string: "3.25"))
        #expect(items[2].flags == ["non_serverless", "no_end_time"])
        let lines = try dir.read("out/line-items.csv").components(separatedBy: "\r\n")
        #expect(lines[1].contains(",2026-10-01T00:00:00.250Z,2026-10-01T01:00:01.125Z,3600.875,4,2.5,0,0.00,USD,"))
        #expect(lines[2].contains(",running,2026-10-01T02:00:00.000Z,,,4,0.75,0,0.00,USD,"))
    }

    @Test("CU sums are exact decimals: 0.1 + 0.2 = 0.3, no exponent, zeros trimmed")
    func exactSums() throws {
        let dir = try TempDir()
        try dir.write(
            "in/a.ndjson",
            [
                job("J1", start: "2026-10-01T00:00:00Z", end: "2026-10-01T00:01:00Z", cu: Raw("0.1"), run: 1),
                job("J2", start: "2026-10-01T00:00:00Z", end: "2026-10-01T00:01:00Z", cu: "0.2", run: 2),
                job("J3", start: "2026-10-01T00:00:00Z", end: "2026-10-01T00:01:00Z", cu: Raw("1e-7"), run: 3),
                job("J4", start: "2026-10-01T00:00:00Z", end: "2026-10-01T00:01:00Z", cu: Raw("12.2000000"), run: 4),
            ].joined(separator: "\n"))
        _ = try runReport(dir)
        let summary = try dir.read("out/summary.csv")
        #expect(
            summary
                == "cost_center,org_id,user,jobs,succeeded,failed,cancelled,open,duration_seconds,consumed_cu,cost,currency\r\nUNALLOCATED,O1,u@x,4,4,0,0,0,240.000,12.5000001,0.00,USD\r\n"
        )
    }

    @Test("every group-by dimension, sorted numerically and byte-wise, task names from the latest job")
    func grouping() throws {
        let dir = try TempDir()
        try dir.write(
            "in/a.ndjson",
            [
                job("J1", start: "2026-10-02T00:00:00Z", end: "2026-10-02T00:00:10Z", cu: Raw("1"), task: 10, name: "old-name", run: 1),
                job("J2", start: "2026-10-03T00:00:00Z", end: "2026-10-03T00:00:10Z", cu: Raw("2"), task: 10, name: "new-name", run: 2),
                job("J3", start: "2026-10-03T00:00:00Z", end: "2026-10-03T00:00:10Z", status: "FAILED", cu: Raw("4"), task: 9, name: "nine", run: 3),
                job(
                    "J4", start: "2026-11-01T00:00:00Z", status: "RUNNING", cu: Raw("8"), org: "O0", user: "b@x", task: 10, name: "other-org", env: "E0", run: 1
                ),
            ].joined(separator: "\n"))
        let out = try runReport(dir) {
            $0.groupBy = "task,status,day,month,runtime_env,user,org,cost_center"; $0.format = "csv"
        }
        let rows = try dir.read("out/summary.csv").components(separatedBy: "\r\n")
        #expect(
            rows[0]
                == "code_task_id,code_task_name,status,day,month,runtime_env_id,user,org_id,cost_center,jobs,succeeded,failed,cancelled,open,duration_seconds,consumed_cu,cost,currency"
        )
        #expect(rows[1] == "9,nine,failed,2026-10-03,2026-10,E1,u@x,O1,UNALLOCATED,1,0,1,0,0,10.000,4,0.00,USD")
        #expect(rows[2] == "10,other-org,running,2026-11-01,2026-11,E0,b@x,O0,UNALLOCATED,1,0,0,0,1,0.000,8,0.00,USD")
        #expect(rows[3] == "10,new-name,succeeded,2026-10-02,2026-10,E1,u@x,O1,UNALLOCATED,1,1,0,0,0,10.000,1,0.00,USD")
        #expect(out.report.summary.rows.count == 4)
        // task without org adds org_id before code_task_id; the name is per org and task.
        _ = try runReport(dir) { $0.groupBy = "task" }
        let byTask = try dir.read("out/summary.csv").components(separatedBy: "\r\n")
        #expect(byTask[0] == "org_id,code_task_id,code_task_name,jobs,succeeded,failed,cancelled,open,duration_seconds,consumed_cu,cost,currency")
        #expect(byTask[1] == "O0,10,other-org,1,0,0,0,1,0.000,8,0.00,USD")
        #expect(byTask[2] == "O1,9,nine,1,0,1,0,0,10.000,4,0.00,USD")
        #expect(byTask[3] == "O1,10,new-name,2,2,0,0,0,20.000,3,0.00,USD")
    }

    @Test("CSV quoting and formula neutralising survive a round trip through Python's csv reader")
    func csvSafety() throws {
        let nasty = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "\nLF", "a,b", "say \"hi\"", "multi\nline", "plain", "ünïcødé 💸"]
        var w = CSVWriter()
        w.header(["text", "number"])
        for s in nasty { w.row([.text(s), .number("-1.5")]) }
        let parsed = try parseCSVWithPython(w.bytes)
        #expect(parsed.count == nasty.count + 1)
        for (i, s) in nasty.enumerated() {
            let expected = ["=", "+", "-", "@", "\t", "\r", "\n"].contains(where: s.hasPrefix) ? "'" + s : s
            #expect(parsed[i + 1] == [expected, "-1.5"])
        }
    }

    @Test("a user and error message with formulas and quotes in the line items")
    func lineItemSafety() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA(["startedBy": "=cmd|' /C calc'!A0", "errorMessage": "failed, \"quoted\"\nsecond line", "status": "FAILED"]))
        _ = try runReport(dir)
        let bytes = Array(try Data(contentsOf: dir.url.appendingPathComponent("out/line-items.csv")))
        let rows = try parseCSVWithPython(bytes)
        #expect(rows[1][1] == "'=cmd|' /C calc'!A0")
        #expect(rows[1][18] == "failed, \"quoted\"\nsecond line")
        #expect(rows[1].count == LineItemsCSVReporter.columns.count)
    }

    @Test("--excel adds a UTF-8 BOM; without it there is none")
    func excelBOM() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        _ = try runReport(dir) { $0.excel = true }
        #expect(Array(try Data(contentsOf: dir.url.appendingPathComponent("out/summary.csv")).prefix(3)) == [0xEF, 0xBB, 0xBF])
        _ = try runReport(dir)
        #expect(Array(try Data(contentsOf: dir.url.appendingPathComponent("out/summary.csv")).prefix(3)) == Array("cos".utf8))
    }

    @Test("the reconciliation identity and manifest keys")
    func manifest() throws {
        let dir = try TempDir()
        try dir.write(
            "in/a.ndjson",
            [
                job("J1", start: "2026-10-01T00:00:00Z", end: "2026-10-01T00:00:01Z", run: 1),
                job("J1", start: "2026-10-01T00:00:00Z", end: "2026-10-01T00:00:01Z", run: 1),
                job("J1", start: "2026-10-01T00:00:00Z", status: "RUNNING", run: 1),
                job("J2", start: "2026-09-01T00:00:00Z", end: "2026-09-01T00:00:01Z", run: 2),
                "{oops",
            ].joined(separator: "\n"))
        try dir.write("in/readme.md", "x")
        let out = try runReport(dir) { $0.period = "2026-10" }
        let r = out.report.reconciliation
        #expect(r == Reconciliation(documentsRead: 5, jobsReported: 1, outOfPeriod: 1, superseded: 1, duplicates: 1, rejected: 1))
        #expect(r.holds)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.url.appendingPathComponent("out/manifest.json"))) as! [String: Any]
        let rec = json["reconciliation"] as! [String: Any]
        #expect(rec["documents_read"] as? Int == 5)
        #expect(rec["jobs_reported"] as? Int == 1)
        #expect(rec["out_of_period"] as? Int == 1)
        #expect(rec["superseded"] as? Int == 1)
        #expect(rec["duplicates"] as? Int == 1)
        #expect(rec["rejected"] as? Int == 1)
        let totals = json["totals"] as! [String: Any]
        #expect(totals["consumed_cu"] as? String == "1")
        #expect(totals["cost"] as? String == "0.00")
        #expect(totals["currency"] as? String == "USD")
        #expect(totals["jobs"] as? Int == 1)
        #expect(json["skipped_files"] as? Int == 1)
        #expect(json["as_of"] as? String == "2026-11-01T00:00:00.000Z")
        let outputs = json["outputs"] as! [[String: Any]]
        #expect(outputs.map { $0["path"] as! String } == ["summary.csv", "line-items.csv", "focus.csv", "audit.xml", "report.html", "rejects.csv"])
        let summaryBytes = try Data(contentsOf: dir.url.appendingPathComponent("out/summary.csv"))
        #expect(outputs[0]["bytes"] as? Int == summaryBytes.count)
        let inputs = json["inputs"] as! [[String: Any]]
        #expect(inputs.count == 1)
        #expect((inputs[0]["sha256"] as! String).count == 64)
        #expect(inputs[0]["documents"] as? Int == 5)
    }

    @Test("rejects.csv lists each reject in reading order with source, reason, detail and excerpt")
    func rejectsFile() throws {
        let dir = try TempDir()
        try dir.write("in/b.ndjson", "\n" + docA(["status": "PAUSED"]) + "\n")
        try dir.write("in/a.json", "[" + docA(["orgId": 5]) + "]")
        _ = try runReport(dir)
        let rows = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("out/rejects.csv"))))
        #expect(rows.map { Array($0.prefix(2)) } == [["source", "reason"], ["in/a.json#0", "bad_type:orgId"], ["in/b.ndjson:2", "unknown_status"]])
        #expect(rows[1][2] == "orgId must be a string, got a number")
        #expect(rows[2][3] == String(docA(["status": "PAUSED"]).prefix(200)))
    }

    @Test("--strict: every report is written, then exit status 3")
    func strict() throws {
        let dir = try TempDir()
        try dir.write("in/a.ndjson", docA() + "\nnot json\n")
        let out = try runReport(dir) { $0.strict = true }
        #expect(out.exitStatus == 3)
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out/manifest.json").path))
        #expect(try runReport(dir).exitStatus == 0)
    }

    @Test("usage errors are thrown before anything is written")
    func usageErrors() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let cases: [(inout ReportOptions) -> Void] = [
            { $0.period = "2026-13" }, { $0.timezone = "Mars/Olympus" }, { $0.inputTimezone = "" },
            { $0.attributeBy = "middle" }, { $0.groupBy = "org,planet" }, { $0.groupBy = "org,org" },
            { $0.format = "pdf" },
            {
                $0.period = "2026-10"; $0.from = "2026-10-01"
            }, { $0.asOf = "tomorrow" },
            { $0.output = "-" }, { $0.inputs = ["in", "missing.json"] },
        ]
        for configure in cases {
            #expect(throws: (any Error).self) { try runReport(dir, configure: configure) }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out").path))
    }

    @Test("an output path that is a file is an output error")
    func outputNotADirectory() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        try dir.write("out", "I am a file")
        #expect(throws: OutputError.self) { try runReport(dir) }
    }

    @Test("--output - with one single-file format")
    func standardOutput() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let out = try runReport(dir) {
            $0.output = "-"; $0.format = "summary"
        }
        #expect(String(decoding: out.standardOutput!, as: UTF8.self).hasPrefix("cost_center,org_id,user,jobs"))
        #expect(out.written.isEmpty)
    }

    @Test("SOURCE_DATE_EPOCH sets as_of when --as-of is absent")
    func sourceDateEpoch() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        _ = try runReport(dir) {
            $0.asOf = nil; $0.sourceDateEpoch = "1790000000"
        }
        #expect(try dir.read("out/manifest.json").contains("\"as_of\": \"2026-09-21T14:13:20.000Z\""))
    }
}

@Suite("Input time zone and estimated start times in the reports")
struct ZoneReportTests {
    @Test("zone-less timestamps read in --input-timezone, written in UTC, bucketed in --timezone")
    func inputTimezone() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA(["startTime": "2026-10-31T23:30:00", "updateTime": "2026-10-31T23:40:00", "endTime": "2026-10-31T23:40:00.5"]))
        let out = try runReport(dir) {
            $0.inputTimezone = "America/New_York"
            $0.timezone = "Asia/Tokyo"
            $0.groupBy = "day"
        }
        let item = try #require(out.report.lineItems.first)
        #expect(formatInstant(item.job.startTime) == "2026-11-01T03:30:00.000Z")
        #expect(item.day == "2026-11-01")
        #expect(try dir.read("out/summary.csv").contains("\r\n2026-11-01,1,1,0,0,0,600.500,1.25,0.00,USD\r\n"))
    }

    @Test("an archive job without start time is reported at its fetchedAt, flagged estimated_time")
    func estimated() throws {
        let dir = try TempDir()
        try dir.write(
            "in/fetch-x.ndjson",
            "{\"jobId\":\"J1\",\"orgId\":\"O\",\"fetchedAt\":\"2026-10-05T06:00:00Z\",\"httpStatus\":200,\"response\":{\"executionState\":\"SUCCEEDED\",\"codeTaskId\":3,\"consumedServerlessComputeUnits\":2}}\n"
        )
        _ = try runReport(dir)
        let rows = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("out/line-items.csv"))))
        let header = rows[0]
        let row = Dictionary(uniqueKeysWithValues: zip(header, rows[1]))
        #expect(row["start_time"] == "2026-10-05T06:00:00.000Z")
        #expect(row["flags"] == "estimated_time;no_end_time")
        #expect(row["duration_seconds"] == "")
        #expect(row["org_id"] == "O")
        #expect(row["consumed_cu"] == "2")
        #expect(row["source"] == "in/fetch-x.ndjson:1")
    }
}
