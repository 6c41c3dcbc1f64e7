import Foundation
import Testing

@testable import ChargebackKit

@Suite("Session log URLs as documents and jobs hold them")
struct SessionLogLinkTests {
    static let urls = [
        "logservice/api/v1/jobs/8zcuMdImeshidZ4XVExs20/logs",
        "logservice/api/v1//jobs/6pqqt9KTgi3l9jyVnAajei/logs",
        "https://h/logservice/api/v1/jobs/ABC/logs?x=1",
        "a/jobs/" + String(repeating: "X", count: 23) + "/logs",
        "a/jobs/" + String(repeating: "Y", count: 24) + "/logs",
        "a/jobs/Jos\u{00E9}/logs",
        "jobs/ABC/logs", "/jobs/ABC/logs", "x/jobs//logs", "x/jobz/ABC/logs", "/logs", "", "no job here", "a/jobs/ABC/logs/",
    ]

    @Test("every URL reads back exactly, with the job ID jobId(fromSessionLogUrl:) gives, from a string or from bytes")
    func roundTrip() {
        var interner = ByteInterner()
        for url in Self.urls {
            let link = SessionLogLink(url)
            #expect(link.url == url)
            #expect(link.jobId == jobId(fromSessionLogUrl: url), "\(url)")
            var copy = url
            let fromBytes = copy.withUTF8 { SessionLogLink(bytes: $0, interner: &interner) }
            #expect(fromBytes == link, "\(url)")
            #expect(fromBytes.hashValue == link.hashValue, "\(url)")
        }
        // The usual ones keep only a shared prefix and an inline ID.
        let usual = Self.urls.filter { if case .usual = SessionLogLink($0) { true } else { false } }
        #expect(usual == [Self.urls[0], Self.urls[1], Self.urls[3], Self.urls[5], "/jobs/ABC/logs"])
    }

    @Test("the byte forms of a job's job ID, instance name and session log URL equal its String forms")
    func appendedFieldsEqualStrings() {
        func bytes(_ f: (inout [UInt8]) -> Void) -> String {
            var b: [UInt8] = [0x21]
            f(&b)
            return String(decoding: b.dropFirst(), as: UTF8.self)
        }
        var checked = 0
        for url in Self.urls + [nil] {
            for jobId in [nil, "8zcuMdImeshidZ4XVExs20", "ABC", "", "other-ID"] {
                for (task, run, instance) in [
                    ("t", 5, "t-5"), ("t", -7, "t--7"), ("Täsk", 12, "Täsk-12"), (nil, 5, "x-5"), ("t", nil, nil), (nil, nil, "name"), ("t", 5, "t-6"),
                ] as [(String?, Int64?, String?)] {
                    let job = JobRecord(
                        jobId: jobId, orgId: "o", user: "u", runtimeEnvId: "e", codeTaskId: 1, codeTaskName: task, instanceName: instance,
                        runId: run, state: .succeeded, startTime: 0, startEstimated: false, endTime: nil, errorMessage: nil, sessionLogUrl: url,
                        assignedCU: nil, consumedCU: nil, source: SourceLocation(path: "x", position: .whole, fileOrder: 0))
                    #expect(bytes { job.appendJobId(to: &$0) } == job.jobId ?? "", "\(url ?? "-") \(jobId ?? "-")")
                    #expect(bytes { job.appendInstanceName(to: &$0) } == job.instanceName ?? "", "\(task ?? "-") \(instance ?? "-")")
                    #expect(bytes { job.appendSessionLogUrl(to: &$0) } == job.sessionLogUrl ?? "")
                    #expect(job.sessionLogUrl == url && job.instanceName == instance)
                    checked += 1
                }
            }
        }
        #expect(checked == 15 * 5 * 7)
    }

    @Test("different URLs are different links; the same URL is the same link however it was read")
    func equality() {
        let links = Self.urls.map(SessionLogLink.init)
        for (i, a) in links.enumerated() {
            for (j, b) in links.enumerated() { #expect((a == b) == (i == j), "\(Self.urls[i]) vs \(Self.urls[j])") }
        }
        var content = DocumentContent(state: .succeeded)
        content.sessionLogUrl = Self.urls[0]
        #expect(content.sessionLogUrl == Self.urls[0])
        content.sessionLogUrl = nil
        #expect(content.sessionLogUrl == nil && content == DocumentContent(state: .succeeded))
    }

    @Test("an instance name kept as the usual <task>-<run> mark reads back the same, in any order of setting, and survives later changes")
    func usualInstanceName() {
        var a = DocumentContent(state: .succeeded)
        a.codeTaskName = "Demo"
        a.runId = 2
        a.instanceName = "Demo-2"
        var b = DocumentContent(state: .succeeded)
        b.instanceName = "Demo-2"
        b.runId = 2
        b.codeTaskName = "Demo"
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a.instanceName == "Demo-2" && b.instanceName == "Demo-2")
        // A later change of the task or the run does not change the instance name.
        a.runId = 3
        #expect(a.instanceName == "Demo-2")
        a.codeTaskName = nil
        #expect(a.instanceName == "Demo-2")
        a.codeTaskName = "Demo"
        a.runId = 2
        #expect(a == b)
        var c = b
        c.instanceName = "Demo-02"
        #expect(c != b && c.instanceName == "Demo-02")
        c.instanceName = nil
        #expect(c.instanceName == nil)
    }
}
