import Foundation

/// Turns one parsed JSON value into a `JobDocument`, or a `Reject` naming the first defect in
/// the order of SPEC 1.4: object → types → timestamps → state → negative CU → identity →
/// end before start (JSON syntax is checked by the reader before this).
public struct DocumentDecoder: Sendable {
    /// The zone in which zone-less timestamps are read (`--input-timezone`).
    public var inputZone: Zone

    /// Creates a decoder reading zone-less timestamps in `inputZone`.
    public init(inputZone: Zone) { self.inputZone = inputZone }

    private enum Kind { case string, timestamp, integer, decimal }

    /// Every recognised field of both shapes and its type.
    private static let documentFields: [String: Kind] = [
        "status": .string, "executionState": .string, "orgId": .string, "startedBy": .string,
        "runtimeEnvId": .string, "agentGroupId": .string, "assetName": .string, "codeTaskName": .string,
        "instanceName": .string, "errorMessage": .string, "firstErrorMessage": .string,
        "sessionLogUrl": .string, "agentJobLogUrl": .string, "advancedLogLocation": .string,
        "advancedLogDownloadUrl": .string,
        "startTime": .timestamp, "updateTime": .timestamp, "endTime": .timestamp,
        "codeTaskId": .integer, "runId": .integer,
        "assignedServerlessComputeUnits": .decimal, "consumedServerlessComputeUnits": .decimal,
    ]
    private static let envelopeFields: [String: Kind] = [
        "jobId": .string, "orgId": .string, "fetchedAt": .timestamp, "httpStatus": .integer,
    ]

    /// Whether a top-level object is a fetch-archive envelope (SPEC 5.3) rather than a document.
    public static func isEnvelope(_ members: [String: JSONValue]) -> Bool {
        members["response"] != nil
            && (members["fetchedAt"] != nil || members["jobId"] != nil || members["httpStatus"] != nil)
    }

    /// Decodes `value`, found at `source`, whose JSON text is `text` (for an envelope, the
    /// text of its `response` member is passed as `responseText`). `ownText`, when given, is
    /// what the document keeps of its own text instead of a copy.
    public func decode(
        _ value: JSONValue, source: SourceLocation, text: @autoclosure () -> String, responseText: @autoclosure () -> String? = nil,
        ownText: DocumentText? = nil, interner: Interner? = nil
    ) -> Result<JobDocument, Reject> {
        func reject(_ reason: RejectReason, _ detail: String) -> Result<JobDocument, Reject> {
            .failure(Reject(source: source, reason: reason, detail: detail, text: text()))
        }
        guard case .object(let top) = value else {
            return reject(.notAnObject, "expected a JSON object, got \(article(value.typeName))")
        }
        var envelope: [String: JSONValue] = [:]
        var fields = top
        var isEnvelope = false
        if Self.isEnvelope(top) {
            isEnvelope = true
            envelope = top
            guard case .object(let response) = top["response"]! else {
                return reject(.notAnObject, "the envelope's response must be a JSON object, got \(article(top["response"]!.typeName))")
            }
            fields = response
        }

        // Types, then timestamps: fields in byte-wise order of their names as written.
        var present: [(name: String, kind: Kind, value: JSONValue, key: String)] = []
        for (name, v) in fields where v != .null {
            if let k = Self.documentFields[name] { present.append((name, k, v, name)) }
        }
        for (name, v) in envelope where v != .null {
            if let k = Self.envelopeFields[name] { present.append((name, k, v, "envelope." + name)) }
        }
        present.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var strings: [String: String] = [:]
        var integers: [String: Int64] = [:]
        var decimals: [String: Decimal] = [:]
        var stamps: [(String, String)] = []
        for f in present {
            switch f.kind {
            case .string, .timestamp:
                guard case .string(let s) = f.value else {
                    return reject(.badType(field: f.name), "\(f.name) must be a string, got \(article(f.value.typeName))")
                }
                if f.kind == .timestamp {
                    stamps.append((f.name, s))
                } else if !s.isEmpty {
                    strings[f.key] = interner?.intern(s) ?? s
                }
            case .integer:
                if case .number(let text) = f.value, let i = Int64(text) {
                    integers[f.name] = i
                    continue
                }
                guard let d = numeric(f.value) else { return reject(.badType(field: f.name), notANumber(f.name, f.value)) }
                guard let i = ExactDecimal.int64(d) else {
                    return reject(.badType(field: f.name), "\(f.name) must be a whole number, got \(describe(f.value))")
                }
                integers[f.name] = i
            case .decimal:
                guard let d = numeric(f.value) else { return reject(.badType(field: f.name), notANumber(f.name, f.value)) }
                decimals[f.name] = d
            }
        }
        var instants: [String: Instant] = [:]
        for (name, s) in stamps {
            do {
                instants[name] = try parseTimestamp(s, zone: inputZone)
            } catch {
                return reject(.badTimestamp(field: name), "\(name) is not an ISO 8601 timestamp (\(error.message)): \"\(s.prefix(60))\"")
            }
        }

        // State.
        guard let spelling = strings["status"] ?? strings["executionState"] else {
            return reject(.unknownStatus, "the document has no status or executionState")
        }
        guard let state = JobState(vendorSpelling: spelling) else {
            return reject(
                .unknownStatus,
                "unknown status \"\(spelling.prefix(60))\"; expected QUEUED, STARTING, RUNNING, SUCCEEDED, SUCCESS, COMPLETED, FAILED, CANCELLED, CANCELED or STOPPED"
            )
        }

        // Negative CU.
        for name in ["assignedServerlessComputeUnits", "consumedServerlessComputeUnits"] {
            if let d = decimals[name], d < 0 {
                return reject(.negativeCU, "\(name) is negative: \(ExactDecimal.plain(d))")
            }
        }

        var c = DocumentContent(state: state)
        c.startTime = instants["startTime"]
        c.updateTime = instants["updateTime"]
        c.endTime = instants["endTime"]
        c.orgId = strings["orgId"]
        c.startedBy = strings["startedBy"]
        c.runtimeEnvId = strings["runtimeEnvId"] ?? strings["agentGroupId"]
        c.codeTaskId = integers["codeTaskId"]
        c.codeTaskName = strings["assetName"] ?? strings["codeTaskName"]
        c.runId = integers["runId"]
        c.instanceName = strings["instanceName"]
        c.errorMessage = strings["errorMessage"] ?? strings["firstErrorMessage"]
        c.sessionLogUrl = strings["sessionLogUrl"]
        c.agentJobLogUrl = strings["agentJobLogUrl"]
        c.advancedLogLocation = strings["advancedLogLocation"]
        c.advancedLogDownloadUrl = strings["advancedLogDownloadUrl"]
        c.assignedCU = decimals["assignedServerlessComputeUnits"]
        c.consumedCU = decimals["consumedServerlessComputeUnits"]

        let doc = JobDocument(
            content: c,
            envelopeOrgId: strings["envelope.orgId"],
            fetchedAt: instants["fetchedAt"],
            envelopeJobId: strings["envelope.jobId"],
            source: source,
            text: ownText ?? .inline(isEnvelope ? (responseText() ?? text()) : text())
        )

        // Identity.
        if doc.keys.isEmpty {
            return reject(
                .noIdentity, "no job ID (sessionLogUrl ending in /jobs/<id>/logs, or an envelope jobId) and no complete run key (orgId, codeTaskId, runId)")
        }
        // End before start, on the document's own times.
        if let s = c.startTime, let e = c.endTime, e < s {
            return reject(.endBeforeStart, "endTime \(formatInstant(e)) is before startTime \(formatInstant(s))")
        }
        return .success(doc)
    }

    private func numeric(_ v: JSONValue) -> Decimal? {
        switch v {
        case .number(let s), .string(let s): ExactDecimal.parse(s)
        default: nil
        }
    }

    /// Why `v` is not a usable number: not one at all, or one beyond what is held exactly.
    private func notANumber(_ name: String, _ v: JSONValue) -> String {
        let isNumber: Bool
        switch v {
        case .number: isNumber = true
        case .string(let s): isNumber = ExactDecimal.isNumber(s)
        default: isNumber = false
        }
        guard isNumber else { return "\(name) must be a number, got \(describe(v))" }
        return "\(name) is a number beyond what is kept exactly (at most 38 significant digits, exponents within ±127), got \(describe(v))"
    }

    private func describe(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): "\"\(s.prefix(60))\""
        case .number(let s): s
        default: article(v.typeName)
        }
    }
}

func article(_ typeName: String) -> String {
    (["a", "e", "i", "o", "u"].contains(typeName.prefix(1)) ? "an " : "a ") + typeName
}

/// Shares one copy of each repeated string (org, user, environment, task, error message)
/// among the documents read by one thread, so memory does not hold a copy per document.
public final class Interner {
    private var table: [String: String] = [:]

    /// An empty table.
    public init() {}

    /// The shared copy of `s`.
    public func intern(_ s: String) -> String {
        if let shared = table[s] { return shared }
        table[s] = s
        return s
    }
}
