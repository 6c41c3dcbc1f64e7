import Foundation
import Testing

@testable import ChargebackKit

@Suite("Identity and latest-wins (SPEC 1.3)")
struct JobLedgerTests {
    /// Decodes documents as if read in this order from one NDJSON file.
    func docs(_ texts: [String]) -> [JobDocument] {
        texts.enumerated().map { i, text in
            try! decodeOne(text).get().withSource(SourceLocation(path: "f.ndjson", position: .line(i + 1), fileOrder: 0))
        }
    }

    func ledger(_ texts: [String]) -> JobLedger { JobLedger(documents: docs(texts)) }

    @Test("12,000 jobs assembled on one thread or in parallel ranges: the same jobs in the same order, rejects and counts")
    func parallelFinish() throws {
        var texts: [String] = []
        for i in 0..<12_000 {
            let id = "l/jobs/P\(i)/logs"
            texts.append(docA(["sessionLogUrl": id, "runId": i, "status": "RUNNING", "endTime": nil, "updateTime": "2026-10-04T10:01:00"]))
            if i % 3 == 0 { texts.append(docA(["sessionLogUrl": id, "runId": i])) }  // superseding
            if i % 5 == 0 { texts.append(docA(["sessionLogUrl": id, "runId": i])) }  // a duplicate when i % 15 == 0
            if i % 1000 == 7 { texts.append(docA(["sessionLogUrl": "l/jobs/NOSTART\(i)/logs", "runId": 100_000 + i, "startTime": nil])) }
        }
        let documents = docs(texts)
        var one = LedgerBuilder()
        one.add(documents)
        var four = LedgerBuilder()
        four.add(documents)
        let a = one.finish(threads: 1), b = four.finish(threads: 4)
        #expect(a.jobs.count == 12_000)
        #expect(b.jobs.map(\.jobId) == a.jobs.map(\.jobId))
        #expect(b.jobs.map(\.state) == a.jobs.map(\.state))
        #expect(b.rejects == a.rejects)
        #expect(a.rejects.count == 12)
        #expect(a.superseded == 4000 + 2400 - 800 && b.superseded == a.superseded)
        #expect(a.duplicates == 800 && b.duplicates == 800)
    }

    @Test("the key table: equal hashes of different keys all reach the caller's check, also after it grows")
    func keyTable() {
        var table = KeyTable()
        // 5,000 groups whose keys share one hash, and 5,000 with hashes of their own.
        for g in 0..<5000 { table.insert(hash: 42, group: g) }
        for g in 5000..<10_000 { table.insert(hash: g << 20 | 7, group: g) }
        var seen: [Int] = []
        table.probe(hash: 42) { g in
            seen.append(g)
            return false
        }
        #expect(seen.sorted() == Array(0..<5000))
        // Only the low 32 bits are kept: 5903 << 20 and 9999 << 20 share them, and the
        // caller's check tells the groups apart.
        var candidates: [Int] = []
        table.probe(hash: 9999 << 20 | 7) { g in
            candidates.append(g)
            return g == 9999
        }
        #expect(candidates.last == 9999)
        #expect(candidates.allSatisfy { ($0 - 9999) % 4096 == 0 })
        var none = 0
        table.probe(hash: 43) { _ in
            none += 1
            return false
        }
        #expect(none == 0)
    }

    @Test("a job's ID: from its session log URL, or from an envelope when the URL names none or another")
    func recordJobId() throws {
        func record(_ jobId: String?, _ url: String?) -> JobRecord {
            JobRecord(
                jobId: jobId, orgId: "o", user: "u", runtimeEnvId: "e", codeTaskId: nil, codeTaskName: nil, instanceName: nil, runId: nil,
                state: .succeeded, startTime: 0, startEstimated: false, endTime: nil, errorMessage: nil, sessionLogUrl: url, assignedCU: nil,
                consumedCU: nil, source: SourceLocation(path: "f", position: .whole, fileOrder: 0))
        }
        #expect(record("ABC", "logservice/api/v1/jobs/ABC/logs").jobId == "ABC")
        #expect(record("FROM_ENVELOPE", nil).jobId == "FROM_ENVELOPE")
        #expect(record("FROM_ENVELOPE", "logservice/api/v1/jobs/ABC/logs").jobId == "FROM_ENVELOPE")
        #expect(record(nil, "no job here").jobId == nil)
        #expect(record(nil, nil).jobId == nil)
    }

    @Test("polls without and with sessionLogUrl, and a shape-B poll, are one job")
    func linking() throws {
        let early = docA(["status": "QUEUED", "sessionLogUrl": nil, "endTime": nil, "updateTime": "2026-10-04T10:00:01"])
        let later = docA(["status": "RUNNING", "endTime": nil, "updateTime": "2026-10-04T10:01:00"])
        let shapeB = jsonObject([
            "executionState": "SUCCEEDED", "codeTaskId": 2, "codeTaskName": "Demo", "sessionLogUrl": "logservice/api/v1/jobs/8zcuMdImeshidZ4XVExs20/logs",
            "consumedServerlessComputeUnits": Raw("3.5"),
        ])
        let l = ledger([early, later, shapeB])
        #expect(l.jobs.count == 1)
        let job = try #require(l.jobs.first)
        #expect(job.state == .succeeded)
        // The shape-B winner lacks times, org, user and run: filled from the next documents.
        #expect(job.orgId == "kuJVH54wm6gfhVj4QEdboY")
        #expect(job.user == "coder@examplecompany.com")
        #expect(job.runId == 2)
        #expect(job.startTime == t("2026-10-04T10:00:00Z"))
        #expect(job.endTime == nil)
        #expect(job.consumedCU == Decimal(string: "3.5"))
        #expect(job.source.description == "f.ndjson:3")
        #expect(l.superseded == 2)
        #expect(l.duplicates == 0)
    }

    @Test("a terminal state beats a later non-terminal update")
    func terminalWins() {
        let done = docA(["status": "FAILED", "updateTime": "2026-10-04T10:05:00"])
        let stale = docA(["status": "RUNNING", "endTime": nil, "updateTime": "2026-10-04T11:00:00"])
        #expect(ledger([done, stale]).jobs[0].state == .failed)
        #expect(ledger([stale, done]).jobs[0].state == .failed)
    }

    @Test("then the greatest updateTime, endTime, startTime, fetchedAt, in that order")
    func orderOfRules() {
        func pick(_ a: String, _ b: String) -> String? {
            let l1 = ledger([a, b]), l2 = ledger([b, a])
            #expect(l1.jobs[0].instanceName == l2.jobs[0].instanceName, "input order changed the winner")
            return l1.jobs[0].instanceName
        }
        // updateTime
        #expect(
            pick(docA(["instanceName": "old", "updateTime": "2026-10-04T10:05:00"]), docA(["instanceName": "new", "updateTime": "2026-10-04T10:06:00"]))
                == "new")
        // a missing updateTime sorts before any present one
        #expect(pick(docA(["instanceName": "none", "updateTime": nil]), docA(["instanceName": "some", "updateTime": "2000-01-01T00:00:00"])) == "some")
        // equal updateTime: endTime decides
        #expect(pick(docA(["instanceName": "e1", "endTime": "2026-10-04T10:05:00"]), docA(["instanceName": "e2", "endTime": "2026-10-04T10:07:00"])) == "e2")
        // equal update and end: startTime decides
        #expect(
            pick(docA(["instanceName": "s1", "startTime": "2026-10-04T09:00:00"]), docA(["instanceName": "s2", "startTime": "2026-10-04T09:30:00"])) == "s2")
        // everything equal: the envelope's fetchedAt decides
        let env = { (name: String, at: String) in
            "{\"jobId\":\"8zcuMdImeshidZ4XVExs20\",\"fetchedAt\":\"\(at)\",\"httpStatus\":200,\"response\":\(docA(["instanceName": name]))}"
        }
        #expect(pick(env("f2", "2026-10-05T00:00:00Z"), env("f1", "2026-10-04T00:00:00Z")) == "f2")
        // a full tie: the byte-wise last text
        #expect(pick(docA(["instanceName": "Zed"]), docA(["instanceName": "abc"])) == "abc")
    }

    @Test("documents streamed from a file break full ties on their text read back from the file")
    func tiesFromFile() throws {
        let dir = try TempDir()
        let env = { (name: String) in "{\"jobId\":\"8zcuMdImeshidZ4XVExs20\",\"httpStatus\":200,\"response\": \(docA(["instanceName": name])) }" }
        try dir.write("in/a.ndjson", [docA(["instanceName": "abc"]), docA(["instanceName": "Zed"]), env("abd"), ""].joined(separator: "\n"))
        let out = try runReport(dir)
        let item = try #require(out.report.lineItems.first)
        // "abd" > "abc" > "Zed" byte-wise; the envelope's response text is what counts.
        #expect(item.job.instanceName == "abd")
        #expect(item.job.source.description == "in/a.ndjson:3")
        #expect(out.report.reconciliation.superseded == 2)
        let bare = jsonObject(["executionState": "RUNNING", "sessionLogUrl": "x/jobs/K/logs"])
        try dir.write("in/b.ndjson", "\n" + bare + "\n")
        let again = try runReport(dir)
        let reject = try #require(again.report.rejects.first { $0.reason == .missingStartTime })
        #expect(reject.source.description == "in/b.ndjson:2")
        #expect(reject.excerpt == bare)
    }

    @Test("duplicates are equal contents; superseded are the other distinct contents")
    func counts() {
        let running = docA(["status": "RUNNING", "endTime": nil, "updateTime": "2026-10-04T10:01:00"])
        let done = docA([:])
        // Same content written differently: key order, spacing, a number as a string, shape B.
        let doneAgain = " " + docA(["runId": "2", "consumedServerlessComputeUnits": Raw("1.250")]) + " "
        let l = ledger([running, done, running, doneAgain, done])
        #expect(l.jobs.count == 1)
        #expect(l.duplicates == 3)  // 5 documents, 2 distinct contents
        #expect(l.superseded == 1)
    }

    @Test("different jobs stay apart; a document with both keys joins them")
    func joins() {
        let a = docA(["sessionLogUrl": "x/jobs/A/logs", "runId": 1])
        let b = docA(["sessionLogUrl": "x/jobs/B/logs", "runId": 2])
        #expect(ledger([a, b]).jobs.count == 2)
        let onlyJobId = docA(["sessionLogUrl": "x/jobs/C/logs", "runId": nil, "status": "RUNNING", "endTime": nil, "updateTime": "2026-10-04T10:01:00"])
        let onlyRunKey = docA(["sessionLogUrl": nil, "runId": 7])
        #expect(ledger([onlyJobId, onlyRunKey]).jobs.count == 2)
        let bridge = docA(["sessionLogUrl": "x/jobs/C/logs", "runId": 7, "status": "RUNNING", "endTime": nil, "updateTime": "2026-10-04T10:02:00"])
        let l = ledger([onlyJobId, onlyRunKey, bridge])
        #expect(l.jobs.count == 1)
        #expect(l.jobs[0].jobId == "C")
        #expect(l.jobs[0].state == .succeeded)
        #expect(l.superseded == 2)
    }

    @Test("no start time: estimated from fetchedAt, else missing_start_time")
    func missingStart() {
        let env =
            "{\"jobId\":\"J1\",\"orgId\":\"O\",\"fetchedAt\":\"2026-10-05T06:00:00Z\",\"httpStatus\":200,\"response\":{\"status\":\"RUNNING\",\"codeTaskId\":1}}"
        let l = ledger([env])
        #expect(l.jobs.count == 1)
        #expect(l.jobs[0].startEstimated)
        #expect(l.jobs[0].startTime == t("2026-10-05T06:00:00Z"))
        #expect(l.jobs[0].durationMilliseconds == nil)
        let bare = jsonObject(["executionState": "SUCCEEDED", "sessionLogUrl": "x/jobs/K/logs"])
        let bare2 = jsonObject(["executionState": "RUNNING", "sessionLogUrl": "x/jobs/K/logs"])
        let m = ledger([bare2, bare])
        #expect(m.jobs.isEmpty)
        #expect(m.rejects.map(\.reason.code) == ["missing_start_time"])
        #expect(m.rejects[0].source.description == "f.ndjson:2")
        #expect(m.superseded == 1)
    }

    @Test("a one-document job is the record the general assembly builds from that document")
    func singleDocumentAssembly() throws {
        func fields(_ r: JobRecord) -> [String] {
            [
                r.jobId ?? "-", r.orgId, r.user, r.runtimeEnvId, r.codeTaskId.map { "\($0)" } ?? "-", r.codeTaskName ?? "-",
                r.instanceName ?? "-", r.runId.map { "\($0)" } ?? "-", r.state.rawValue, "\(r.startTime)", "\(r.startEstimated)",
                r.endTime.map { "\($0)" } ?? "-", r.errorMessage ?? "-", r.sessionLogUrl ?? "-", r.assignedCU.map { "\($0)" } ?? "-",
                r.consumedCU.map { "\($0)" } ?? "-", r.source.description,
            ]
        }
        let envelope = { (inner: String) in
            "{\"jobId\":\"ENV1\",\"orgId\":\"EO\",\"fetchedAt\":\"2026-10-05T06:00:00Z\",\"httpStatus\":200,\"response\":\(inner)}"
        }
        let texts = [
            docA(),
            docA(["instanceName": "custom name", "errorMessage": "boom", "status": "FAILED"]),
            docA(["orgId": nil, "startedBy": nil, "runtimeEnvId": nil]),
            docA(["sessionLogUrl": "https://x/logs?job=7", "consumedServerlessComputeUnits": nil, "assignedServerlessComputeUnits": nil]),
            docA(["runId": nil, "codeTaskName": nil]),
            envelope(jsonObject(["status": "RUNNING", "codeTaskId": 1])),
            envelope(jsonObject(["status": "RUNNING", "codeTaskId": 1, "sessionLogUrl": "x/jobs/OWN/logs"])),
            envelope(jsonObject(["status": "SUCCEEDED", "codeTaskId": 1, "startTime": "2026-10-05T05:00:00Z", "orgId": "OWNORG"])),
            jsonObject(["executionState": "SUCCEEDED", "sessionLogUrl": "x/jobs/K/logs"]),
        ]
        var compared = 0
        for doc in docs(texts) {
            switch (JobLedger.assemble(single: doc), JobLedger.assemble([doc])) {
            case let (.success(a), .success(b)):
                #expect(fields(a) == fields(b))
                compared += 1
            case let (.failure(a), .failure(b)):
                #expect(a == b)
            default:
                Issue.record("one path assembled \(doc.text) and the other rejected it")
            }
        }
        #expect(compared == texts.count - 1)
        // The envelope's job ID stands when the document's URL names none.
        let jobs = ledger(Array(texts[5...6])).jobs.map(\.jobId)
        #expect(Set(jobs) == ["ENV1", "OWN"])
    }

    @Test("a job of several documents takes each text from the first document (latest first) that has it; an org from a document or else its envelope")
    func severalDocumentAssembly() throws {
        let enveloped =
            "{\"jobId\":\"ENV1\",\"orgId\":\"EO\",\"fetchedAt\":\"2026-10-05T06:00:00Z\",\"httpStatus\":200,\"response\":"
            + jsonObject(["status": "SUCCEEDED", "codeTaskId": 1, "runId": 2, "startTime": "2026-10-04T09:00:00Z"]) + "}"
        let own = docA(["orgId": "OWN", "startedBy": "second@example.com", "errorMessage": "from the second"])
        let bare = docA(["orgId": nil, "startedBy": nil, "runtimeEnvId": nil, "assetName": nil, "errorMessage": nil])
        let d = docs([enveloped, own, bare])
        func assembled(_ order: [Int]) throws -> JobRecord { try JobLedger.assemble(order.map { d[$0] }).get() }
        // The envelope's org comes first when its document does; a document's own org first
        // when it does.
        #expect(try assembled([0, 1]).orgId == "EO")
        #expect(try assembled([1, 0]).orgId == "OWN")
        let firstBare = try assembled([2, 1])
        #expect(firstBare.orgId == "OWN" && firstBare.user == "second@example.com" && firstBare.errorMessage == "from the second")
        #expect(firstBare.runtimeEnvId == "01000025000000000003" && firstBare.codeTaskName == "Demo")
        // No document names them: the placeholder.
        let alone = try assembled([2, 2])
        #expect(alone.orgId == unknownValue && alone.user == unknownValue && alone.runtimeEnvId == unknownValue)
        #expect(alone.codeTaskName == nil && alone.errorMessage == nil)
    }

    @Test("one job ID read from a usual URL, an unusual URL or an envelope links documents, also when longer than 23 bytes")
    func jobIdForms() {
        for id in ["8zcuMdImeshidZ4XVExs20", "a-job-id-of-thirty-two-bytes-XYZ"] {
            let usual = docA(["sessionLogUrl": "logservice/api/v1/jobs/\(id)/logs", "runId": 1, "status": "RUNNING", "endTime": nil])
            let unusual = docA(["sessionLogUrl": "https://h/jobs/\(id)/logs?x=1", "runId": 2, "updateTime": "2026-10-04T10:06:00"])
            let envelope =
                "{\"jobId\":\"\(id)\",\"fetchedAt\":\"2026-10-05T06:00:00Z\",\"response\":"
                + jsonObject(["status": "RUNNING", "codeTaskId": 9, "runId": 3, "startTime": "2026-10-04T10:00:00Z"]) + "}"
            let l = ledger([usual, unusual, envelope])
            #expect(l.jobs.count == 1, "\(id)")
            #expect(l.jobs.first?.jobId == id && l.jobs.first?.state == .succeeded)
            #expect(l.superseded == 2)
        }
    }

    @Test("org and user default to (unknown)")
    func unknowns() {
        let l = ledger([jsonObject(["status": "SUCCEEDED", "startTime": "2026-10-01T00:00:00Z", "sessionLogUrl": "x/jobs/K/logs"])])
        #expect(l.jobs[0].orgId == "(unknown)")
        #expect(l.jobs[0].user == "(unknown)")
    }

    @Test("folding while reading gives the same jobs and counts as grouping afterwards, in any order")
    func foldedEqualsGrouped() throws {
        let plan = try InputPlan(paths: ["samples"], workingDirectory: packageRoot)
        let reader = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 2)
        let plain = reader.read(plan)
        let folded = reader.read(plan, fold: true)
        #expect(folded.documents.isEmpty)
        #expect(folded.documentCount == plain.documents.count)
        let grouped = JobLedger(documents: plain.documents)
        let reversed = JobLedger(documents: plain.documents.reversed())
        let ledger = try #require(folded.ledger)
        func summary(_ l: JobLedger) -> [String] {
            l.jobs.map { "\($0.jobId ?? "-") \($0.state) \($0.consumedCU.map(ExactDecimal.plain) ?? "-") \($0.source)" }.sorted()
        }
        #expect(summary(ledger) == summary(grouped))
        #expect(summary(reversed) == summary(grouped))
        #expect(ledger.jobs.count == 1502)
        #expect((ledger.duplicates, ledger.superseded) == (grouped.duplicates, grouped.superseded))
        #expect((reversed.duplicates, reversed.superseded) == (151, 2395))
    }

    @Test("the outcome does not depend on document order")
    func orderIndependent() {
        var texts: [String] = []
        for i in 0..<30 {
            texts.append(
                docA(["sessionLogUrl": "x/jobs/J\(i % 7)/logs", "runId": i % 7, "updateTime": "2026-10-04T10:0\(i % 10):00", "instanceName": "i\(i)"]))
        }
        let a = ledger(texts), b = ledger(texts.reversed())
        #expect(a.jobs.count == 7)
        #expect(Set(a.jobs.map(\.instanceName)) == Set(b.jobs.map(\.instanceName)))
        #expect(a.duplicates == b.duplicates)
        #expect(a.superseded == b.superseded)
    }

    @Test("document texts compare byte-wise, three ways, whether held in memory or read back from places in files")
    func documentTextOrder() throws {
        let dir = try TempDir()
        let samples = ["", "{}", "{\"a\":1}", "{\"a\":1}", "{\"a\":10}", "{\"a\":2}", "{\"b\"", "Caf\u{E9}", "Cafe\u{301}", "{\"a\":1} "]
        // All texts end to end in one file, and again in a second file.
        var file: [UInt8] = []
        var places: [(offset: Int64, length: UInt32)] = []
        for t in samples {
            places.append((Int64(file.count), UInt32(t.utf8.count)))
            file += Array(t.utf8) + [0x0A]
        }
        let one = try dir.write("one.ndjson", Data(file)).path
        let two = try dir.write("two.ndjson", Data(file)).path
        var texts: [(DocumentText, [UInt8])] = []
        for (i, t) in samples.enumerated() {
            texts.append((.inline(t), Array(t.utf8)))
            texts.append((.file(path: PooledText(one), offset: places[i].offset, length: places[i].length), Array(t.utf8)))
            texts.append((.file(path: PooledText(two), offset: places[i].offset, length: places[i].length), Array(t.utf8)))
        }
        for (a, x) in texts {
            for (b, y) in texts {
                let expected = x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
                #expect(DocumentText.compare(a, b) == expected, "\(a) vs \(b)")
                #expect(a.precedes(b) == (expected < 0))
            }
        }
        // A place past the end of the file reads as the bytes that are there.
        let short = DocumentText.file(path: PooledText(one), offset: Int64(file.count - 2), length: 10)
        #expect(short.bytes == Array(" \n".utf8) && DocumentText.compare(short, .inline(" \n")) == 0)
    }
}
