import Foundation
import Testing

@testable import ChargebackKit

@Suite("Documents: shapes, aliases, types and every reject reason")
struct DocumentDecoderTests {
    @Test("shape A is read field by field")
    func shapeA() throws {
        let d = try decodeOne(docA()).get()
        #expect(d.content.state == .succeeded)
        #expect(d.content.startTime == t("2026-10-04T10:00:00Z"))
        #expect(d.content.endTime == t("2026-10-04T10:05:00Z"))
        #expect(d.content.orgId == "kuJVH54wm6gfhVj4QEdboY")
        #expect(d.content.startedBy == "coder@examplecompany.com")
        #expect(d.content.runtimeEnvId == "01000025000000000003")
        #expect(d.content.codeTaskId == 2)
        #expect(d.content.codeTaskName == "Demo")
        #expect(d.content.runId == 2)
        #expect(d.content.errorMessage == nil)
        #expect(d.content.consumedCU == Decimal(string: "1.25"))
        #expect(d.content.assignedCU == 4)
        #expect(d.jobId == "8zcuMdImeshidZ4XVExs20")
        #expect(d.keys == [.run(org: "kuJVH54wm6gfhVj4QEdboY", task: 2, run: 2), .jobId("8zcuMdImeshidZ4XVExs20")])
    }

    @Test("shape B maps executionState, agentGroupId, codeTaskName and firstErrorMessage")
    func shapeB() throws {
        let text = jsonObject([
            "executionState": "FAILED", "codeTaskName": "Demo", "codeTaskId": 477,
            "agentGroupId": "01000025000000000003", "firstErrorMessage": "boom",
            "sessionLogUrl": "logservice/api/v1//jobs/6pqqt9KTgi3l9jyVnAajei/logs",
            "assignedServerlessComputeUnits": 8, "consumedServerlessComputeUnits": Raw("0.5"),
        ])
        let d = try decodeOne(text).get()
        #expect(d.content.state == .failed)
        #expect(d.content.codeTaskName == "Demo")
        #expect(d.content.runtimeEnvId == "01000025000000000003")
        #expect(d.content.errorMessage == "boom")
        #expect(d.jobId == "6pqqt9KTgi3l9jyVnAajei")
        #expect(d.runKey == nil)
        #expect(d.content.startTime == nil)
    }

    @Test("shape A and shape B of the same values have equal content")
    func shapesAgree() throws {
        let a = try decodeOne(
            jsonObject(["status": "RUNNING", "codeTaskId": 5, "assetName": "x", "runtimeEnvId": "e", "errorMessage": "m", "sessionLogUrl": "a/jobs/J/logs"])
        ).get()
        let b = try decodeOne(
            jsonObject([
                "executionState": "running", "codeTaskId": "5", "codeTaskName": "x", "agentGroupId": "e", "firstErrorMessage": "m",
                "sessionLogUrl": "a/jobs/J/logs",
            ])
        ).get()
        #expect(a.content == b.content)
    }

    @Test(
        "every state spelling, case-insensitively",
        arguments: [
            ("QUEUED", JobState.queued), ("starting", .queued), ("Running", .running), ("SUCCEEDED", .succeeded),
            ("success", .succeeded), ("COMPLETED", .succeeded), ("failed", .failed), ("CANCELLED", .cancelled),
            ("canceled", .cancelled), ("STOPPED", .cancelled),
        ])
    func states(spelling: String, state: JobState) throws {
        #expect(try decodeOne(docA(["status": spelling])).get().content.state == state)
    }

    @Test("numbers as strings, exponents, and 477.0 as the integer 477")
    func numericStrings() throws {
        let d = try decodeOne(
            docA(["runId": "12", "codeTaskId": Raw("477.0"), "consumedServerlessComputeUnits": "2e-3", "assignedServerlessComputeUnits": "1.50"])
        ).get()
        #expect(d.content.runId == 12)
        #expect(d.content.codeTaskId == 477)
        #expect(d.content.consumedCU == Decimal(string: "0.002"))
        #expect(ExactDecimal.plain(d.content.assignedCU!) == "1.5")
    }

    @Test("null means absent for every field")
    func nullIsAbsent() throws {
        let d = try decodeOne(docA(["orgId": Raw("null"), "consumedServerlessComputeUnits": Raw("null"), "endTime": Raw("null")])).get()
        #expect(d.content.orgId == nil)
        #expect(d.content.consumedCU == nil)
        #expect(d.content.endTime == nil)
    }

    @Test("a fetch envelope: the response is the document, org and job ID from the envelope")
    func envelope() throws {
        let response = docA(["orgId": nil, "sessionLogUrl": nil])
        let text =
            "{\"jobId\":\"J0000000000000000000001\",\"orgId\":\"ORG\",\"fetchedAt\":\"2026-10-05T00:00:00Z\",\"httpStatus\":200,\"response\": \(response) }"
        let d = try decodeOne(text).get()
        #expect(d.jobId == "J0000000000000000000001")
        #expect(d.orgId == "ORG")
        #expect(d.content.orgId == nil)
        #expect(d.fetchedAt == t("2026-10-05T00:00:00Z"))
        #expect(d.text == response)
    }

    @Test(
        "each reject reason, with its detail",
        arguments: [
            ("{\"status\":", "malformed_json"),
            ("42", "not_an_object"),
            ("\"text\"", "not_an_object"),
            (docA(["orgId": 42]), "bad_type:orgId"),
            (docA(["errorMessage": ["a": 1] as [String: Any?]]), "bad_type:errorMessage"),
            (docA(["consumedServerlessComputeUnits": "lots"]), "bad_type:consumedServerlessComputeUnits"),
            (docA(["runId": Raw("2.5")]), "bad_type:runId"),
            (docA(["startTime": 1_700_000_000]), "bad_type:startTime"),
            (docA(["startTime": "yesterday"]), "bad_timestamp:startTime"),
            (docA(["status": "PAUSED"]), "unknown_status"),
            (docA(["status": nil]), "unknown_status"),
            (docA(["consumedServerlessComputeUnits": Raw("-0.5")]), "negative_cu"),
            (docA(["assignedServerlessComputeUnits": "-1"]), "negative_cu"),
            (docA(["sessionLogUrl": nil, "runId": nil]), "no_identity"),
            (docA(["endTime": "2026-10-04T09:59:59.999"]), "end_before_start"),
        ])
    func rejectReasons(text: String, code: String) {
        guard case .failure(let r) = decodeOne(text) else {
            Issue.record("expected a reject for \(text)")
            return
        }
        #expect(r.reason.code == code)
        #expect(!r.detail.isEmpty)
        #expect(r.excerpt == String(text.trimmingCharacters(in: .whitespaces).prefix(200)))
    }

    @Test("several defects: the earliest step wins, then field names byte-wise")
    func defectOrder() {
        // types before timestamps before state before negative CU before identity
        let many = docA(["status": "PAUSED", "startTime": "bad", "runId": true, "codeTaskId": "x", "consumedServerlessComputeUnits": -1, "sessionLogUrl": nil])
        #expect(decodeOne(many).rejectCode == "bad_type:codeTaskId")
        #expect(decodeOne(docA(["status": "PAUSED", "startTime": "bad", "endTime": "worse"])).rejectCode == "bad_timestamp:endTime")
        #expect(decodeOne(docA(["status": "PAUSED", "consumedServerlessComputeUnits": -1])).rejectCode == "unknown_status")
        #expect(decodeOne(docA(["consumedServerlessComputeUnits": -1, "sessionLogUrl": nil, "runId": nil])).rejectCode == "negative_cu")
        #expect(decodeOne(docA(["sessionLogUrl": nil, "runId": nil, "endTime": "2026-10-01T00:00:00"])).rejectCode == "no_identity")
        // Upper-case letters sort before lower-case ones, byte-wise.
        #expect(decodeOne(docA(["Zeta": 1, "orgId": 1, "assetName": 2])).rejectCode == "bad_type:assetName")
    }

    @Test("an envelope whose response is not an object")
    func envelopeWithoutObject() {
        #expect(decodeOne("{\"jobId\":\"J\",\"fetchedAt\":\"2026-10-05T00:00:00Z\",\"response\":\"oops\"}").rejectCode == "not_an_object")
    }

    @Test("job IDs from session log URLs")
    func jobIds() {
        #expect(jobId(fromSessionLogUrl: "logservice/api/v1/jobs/8zcuMdImeshidZ4XVExs20/logs") == "8zcuMdImeshidZ4XVExs20")
        #expect(jobId(fromSessionLogUrl: "logservice/api/v1//jobs/6pqqt9KTgi3l9jyVnAajei/logs") == "6pqqt9KTgi3l9jyVnAajei")
        #expect(jobId(fromSessionLogUrl: "https://h/logservice/api/v1/jobs/ABC/logs?x=1") == "ABC")
        #expect(jobId(fromSessionLogUrl: "logservice/api/v1/jobs/ABC") == nil)
        // The edges of the byte-level fast path.
        #expect(jobId(fromSessionLogUrl: "jobs/ABC/logs") == "ABC")
        #expect(jobId(fromSessionLogUrl: "/jobs/ABC/logs") == "ABC")
        #expect(jobId(fromSessionLogUrl: "x/jobs//logs") == nil)
        #expect(jobId(fromSessionLogUrl: "x/jobz/ABC/logs") == nil)
        #expect(jobId(fromSessionLogUrl: "/logs") == nil)
        #expect(jobId(fromSessionLogUrl: "a/jobs/Jos\u{00E9}/logs") == "Jos\u{00E9}")
        #expect(jobId(fromSessionLogUrl: "a/jobs/ABC/logs/") == "ABC")
    }
}

extension Result where Success == JobDocument, Failure == Reject {
    var rejectCode: String? {
        if case .failure(let r) = self { return r.reason.code }
        return nil
    }
}
