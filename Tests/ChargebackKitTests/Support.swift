import Foundation
import Testing

@testable import ChargebackKit

/// A temporary directory removed when the value is released.
final class TempDir: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("chargeback-test-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        try write(name, Data(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> URL {
        let f = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: f)
        return f
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    }
}

/// A shape-A document with overridable fields; `nil` values drop the field.
func docA(_ overrides: [String: Any?] = [:]) -> String {
    var fields: [String: Any?] = [
        "status": "SUCCEEDED",
        "startTime": "2026-10-04T10:00:00.000",
        "updateTime": "2026-10-04T10:05:00.000",
        "endTime": "2026-10-04T10:05:00.000",
        "instanceName": "Demo-2",
        "assetName": "Demo",
        "runId": 2,
        "orgId": "kuJVH54wm6gfhVj4QEdboY",
        "startedBy": "coder@examplecompany.com",
        "runtimeEnvId": "01000025000000000003",
        "codeTaskId": 2,
        "errorMessage": "",
        "sessionLogUrl": "logservice/api/v1/jobs/8zcuMdImeshidZ4XVExs20/logs",
        "assignedServerlessComputeUnits": 4,
        "consumedServerlessComputeUnits": 1.25,
    ]
    for (k, v) in overrides { fields[k] = v }
    return jsonObject(fields)
}

/// Serialises a dictionary with sorted keys; numbers given as `Raw` are written verbatim.
func jsonObject(_ fields: [String: Any?]) -> String {
    let parts = fields.keys.sorted().compactMap { k -> String? in
        guard let v = fields[k] else { return nil }
        return "\"\(k)\":" + jsonValue(v)
    }
    return "{" + parts.joined(separator: ",") + "}"
}

/// A JSON number or literal written exactly as given.
struct Raw { var text: String; init(_ t: String) { text = t } }

func jsonValue(_ v: Any?) -> String {
    switch v {
    case nil: return "null"
    case let r as Raw: return r.text
    case let s as String:
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let arr = String(decoding: data, as: UTF8.self)
        return String(arr.dropFirst().dropLast())
    case let i as Int: return String(i)
    case let d as Double: return String(d)
    case let b as Bool: return b ? "true" : "false"
    case let d as [String: Any?]: return jsonObject(d)
    case let a as [Any?]: return "[" + a.map(jsonValue).joined(separator: ",") + "]"
    default: return "null"
    }
}

/// Runs the report pipeline in-process over files in `dir`.
func runReport(_ dir: TempDir, inputs: [String] = ["in"], configure: (inout ReportOptions) -> Void = { _ in }) throws -> ReportOutcome {
    var o = ReportOptions(inputs: inputs, workingDirectory: dir.url)
    o.output = "out"
    o.asOf = "2026-11-01T00:00:00Z"
    configure(&o)
    let settings = try ReportRun.resolve(o)
    return try ReportRun.execute(settings, standardInput: { Data() })
}

/// Decodes one document text with the real reader.
func decodeOne(_ text: String, zone: Zone = .utc) -> Result<JobDocument, Reject> {
    let reader = InputReader(decoder: DocumentDecoder(inputZone: zone), threads: 1, standardInput: { Data(text.utf8) })
    let plan = try! InputPlan(paths: ["-"], workingDirectory: URL(fileURLWithPath: "/"))
    let r = reader.read(plan)
    if let d = r.documents.first { return .success(d) }
    return .failure(r.rejects[0])
}

/// Parses a timestamp that the test knows is valid.
func t(_ s: String) -> Instant { try! parseTimestamp(s, zone: .utc) }

/// Parses CSV with Python's csv module (an independent RFC 4180 reader).
func parseCSVWithPython(_ bytes: [UInt8]) throws -> [[String]] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [
        "python3", "-c",
        "import csv,sys,json; import io; r=list(csv.reader(io.StringIO(sys.stdin.buffer.read().decode('utf-8'), newline=''))); print(json.dumps(r))",
    ]
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    try p.run()
    inPipe.fileHandleForWriting.write(Data(bytes))
    try inPipe.fileHandleForWriting.close()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return try JSONDecoder().decode([[String]].self, from: out)
}
