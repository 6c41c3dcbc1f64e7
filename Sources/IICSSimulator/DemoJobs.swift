import Foundation

/// Deterministic jobs for rehearsals and tests: each is queued, then running, then ends
/// (mostly succeeded, some failed), one poll per state.
public enum DemoJobs {
    /// A 22-character job ID derived from `n` and `seed`.
    public static func jobId(_ n: Int, seed: UInt64 = 1) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var x = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(n) &* 0xBF58_476D_1CE4_E5B9
        var id = ""
        for _ in 0..<22 {
            x ^= x >> 31
            x &*= 0x94D0_49BB_1331_11EB
            x ^= x >> 29
            id.append(alphabet[Int(x % 62)])
        }
        return id
    }

    /// `count` jobs of `orgId`; each needs `pollsToFinish` polls to reach its end state
    /// (1: already ended at the first poll).
    public static func make(count: Int, orgId: String = "kuJVH54wm6gfhVj4QEdboY", pollsToFinish: Int = 3, seed: UInt64 = 1) -> [SimulatorJob] {
        (0..<count).map { n in
            let id = jobId(n, seed: seed)
            let stages = max(1, pollsToFinish)
            let documents = (0..<stages).map { stage in
                document(n: n, id: id, orgId: orgId, stage: stages - 1 - stage == 0 ? .ended : (stage == 0 ? .queued : .running))
            }
            return SimulatorJob(id: id, documents: documents)
        }
    }

    enum Stage {
        case queued, running, ended
    }

    static let users = ["alice@example.com", "bob@analytics.example.com", "carol@example.com", "dave@ops.example.com"]
    static let tasks = [(101, "orders_load"), (102, "customer_sync"), (103, "ledger_close"), (104, "product_catalog_publish")]

    /// A shape-A JobStatus answer, as IICS writes it (pretty-printed, one field per line).
    static func document(n: Int, id: String, orgId: String, stage: Stage) -> String {
        let (taskId, taskName) = tasks[n % tasks.count]
        let start = 1_790_000_000 + n * 600  // 2026-09-21…, ten minutes apart
        let minutes = 5 + (n * 7) % 50
        let failed = n % 11 == 5
        let status: String
        let update: Int
        var end = "null"
        var consumed = "null"
        switch stage {
        case .queued:
            status = "QUEUED"
            update = start
        case .running:
            status = "RUNNING"
            update = start + minutes * 30
            consumed = decimal(n, minutes / 2)
        case .ended:
            status = failed ? "FAILED" : "SUCCEEDED"
            update = start + minutes * 60
            end = "\"\(timestamp(update))\""
            consumed = decimal(n, minutes)
        }
        let error = failed && stage == .ended ? "Step 3 failed: connection reset by source" : ""
        return """
            {
              "status": "\(status)",
              "startTime": "\(timestamp(start))",
              "updateTime": "\(timestamp(update))",
              "endTime": \(end),
              "instanceName": "\(taskName)-\(n + 1)",
              "assetName": "\(taskName)",
              "runId": \(n + 1),
              "orgId": "\(orgId)",
              "startedBy": "\(users[n % users.count])",
              "runtimeEnvId": "0100002500000000000\(n % 3 + 1)",
              "codeTaskId": \(taskId),
              "errorMessage": "\(error)",
              "sessionLogUrl": "logservice/api/v1/jobs/\(id)/logs",
              "agentJobLogUrl": null,
              "advancedLogLocation": null,
              "advancedLogDownloadUrl": null,
              "assignedServerlessComputeUnits": 4,
              "consumedServerlessComputeUnits": \(consumed)
            }
            """
    }

    /// CU consumed after `minutes` minutes at 4 CU/hour, with a per-job wobble: exact text.
    static func decimal(_ n: Int, _ minutes: Int) -> String {
        let thousandths = minutes * 4000 / 60 + n % 7
        return "\(thousandths / 1000).\(String(format: "%03d", thousandths % 1000))"
    }

    static func timestamp(_ epoch: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS"
        return f.string(from: Date(timeIntervalSince1970: Double(epoch)))
    }
}
