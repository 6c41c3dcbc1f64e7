/// A JSON scalar as the generator writes it; documents are flat objects, so nothing nests.
enum JSONValue: Sendable, Equatable {
    /// A string, escaped on output.
    case string(String)
    /// An integer.
    case int(Int)
    /// Number text that is already valid JSON, so exact decimals never pass through `Double`.
    case number(String)
    /// `null`.
    case null
}

/// One member of a document. Members stay in insertion order because the vendor's
/// examples list their fields in a fixed order and real responses keep it.
struct JSONField: Sendable {
    /// The member name.
    var key: String
    /// The member value.
    var value: JSONValue
}

/// How an object's text is laid out.
enum JSONLayout: Sendable {
    /// `{"a":1,"b":2}`: one NDJSON line.
    case compact
    /// `{ "a": 1, "b": 2 }`: the vendor page's spacing, as a response body may arrive.
    case spaced
    /// One member per line, indented by `indent` spaces for the braces and two more for
    /// the members: an element of a pretty-printed array.
    case pretty(indent: Int)
}

/// The ways a bad document is bad. Each trips exactly one reject reason of SPEC 1.4.
enum BadKind: Int, Sendable, CaseIterable {
    /// A line cut off mid-object (`malformed_json`).
    case truncatedJSON
    /// A JSON array on an NDJSON line (`not_an_object`).
    case arrayOnLine
    /// `"status": "PAUSED"` (`unknown_status`).
    case unknownStatus
    /// `"orgId"` holding a number (`bad_type:orgId`).
    case numericOrgId
    /// `"startTime": "yesterday"` (`bad_timestamp:startTime`).
    case unparsableStartTime
    /// A negative `consumedServerlessComputeUnits` (`negative_cu`).
    case negativeConsumedCU
    /// Neither `sessionLogUrl` nor `runId` (`no_identity`).
    case noIdentity
    /// `endTime` before `startTime` (`end_before_start`).
    case endBeforeStart

    /// A short label for summaries.
    var label: String {
        switch self {
        case .truncatedJSON: "truncated_json"
        case .arrayOnLine: "array_on_line"
        case .unknownStatus: "unknown_status"
        case .numericOrgId: "numeric_orgId"
        case .unparsableStartTime: "bad_startTime"
        case .negativeConsumedCU: "negative_cu"
        case .noIdentity: "no_identity"
        case .endBeforeStart: "end_before_start"
        }
    }
}

/// One generated job-status document and how it is to be written.
struct Document: Sendable {
    /// The two response shapes of SPEC 1.2.
    enum Shape: Sendable {
        /// The vendor's response example (`status`, times, org, user, run).
        case a
        /// The vendor's field table (`executionState`, `codeTaskName`, `agentGroupId`).
        case b
    }

    /// How the object's text is damaged, if at all.
    enum Form: Sendable {
        /// A well-formed object.
        case object
        /// The compact text cut after this many thousandths of its length.
        case truncated(permille: Int)
        /// The compact text wrapped in `[` `]`.
        case wrappedInArray
    }

    /// Which shape the members follow.
    var shape: Shape
    /// The members, in output order.
    var fields: [JSONField]
    /// How the text is damaged.
    var form: Form = .object
    /// Set when the document was made bad on purpose.
    var badKind: BadKind?

    /// The value of `key`, if present.
    subscript(key: String) -> JSONValue? {
        fields.first { $0.key == key }?.value
    }

    /// Replaces the value of `key` in place, or appends the member when it is missing.
    mutating func set(_ key: String, _ value: JSONValue) {
        if let index = fields.firstIndex(where: { $0.key == key }) {
            fields[index].value = value
        } else {
            fields.append(JSONField(key: key, value: value))
        }
    }

    /// Drops the member `key`.
    mutating func remove(_ key: String) {
        fields.removeAll { $0.key == key }
    }

    /// Appends the document's text (without a line break) to `out`.
    func render(_ layout: JSONLayout, into out: inout [UInt8]) {
        switch form {
        case .object:
            JSONText.appendObject(fields, layout: layout, to: &out)
        case .truncated(let permille):
            var whole = [UInt8]()
            JSONText.appendObject(fields, layout: .compact, to: &whole)
            // Cut on a UTF-8 boundary so the line is broken JSON, not broken text.
            var cut = max(1, whole.count * permille / 1000)
            while cut > 1, whole[cut] & 0xC0 == 0x80 { cut -= 1 }
            out.append(contentsOf: whole[..<cut])
        case .wrappedInArray:
            out.append(0x5B)
            JSONText.appendObject(fields, layout: .compact, to: &out)
            out.append(0x5D)
        }
    }
}

/// JSON text output for flat objects, written straight into byte buffers because the
/// benchmark layout renders millions of documents.
enum JSONText {
    /// Appends an object with the given members.
    static func appendObject(_ fields: [JSONField], layout: JSONLayout, to out: inout [UInt8]) {
        switch layout {
        case .compact:
            out.append(0x7B)
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(0x2C) }
                appendString(field.key, to: &out)
                out.append(0x3A)
                appendValue(field.value, to: &out)
            }
            out.append(0x7D)
        case .spaced:
            out.append(0x7B)
            for (index, field) in fields.enumerated() {
                out.append(contentsOf: index > 0 ? [0x2C, 0x20] : [0x20])
                appendString(field.key, to: &out)
                out.append(contentsOf: [0x3A, 0x20])
                appendValue(field.value, to: &out)
            }
            out.append(contentsOf: [0x20, 0x7D])
        case .pretty(let indent):
            out.append(contentsOf: [UInt8](repeating: 0x20, count: indent))
            out.append(0x7B)
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(0x2C) }
                out.append(0x0A)
                out.append(contentsOf: [UInt8](repeating: 0x20, count: indent + 2))
                appendString(field.key, to: &out)
                out.append(contentsOf: [0x3A, 0x20])
                appendValue(field.value, to: &out)
            }
            out.append(0x0A)
            out.append(contentsOf: [UInt8](repeating: 0x20, count: indent))
            out.append(0x7D)
        }
    }

    /// Appends one scalar.
    static func appendValue(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .string(let text):
            appendString(text, to: &out)
        case .int(let number):
            out.append(contentsOf: String(number).utf8)
        case .number(let text):
            out.append(contentsOf: text.utf8)
        case .null:
            out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        }
    }

    /// Appends a quoted, escaped string. Non-ASCII stays raw UTF-8, as real APIs send it.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    /// An exact decimal with four implied fractional digits (`123456` → `12.3456`),
    /// trailing zeros dropped; never formatted through `Double`.
    static func decimal(tenThousandths value: Int64) -> String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let whole = magnitude / 10_000
        var fraction = magnitude % 10_000
        guard fraction != 0 else { return sign + String(whole) }
        var digits = 4
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var fractionText = String(fraction)
        while fractionText.count < digits { fractionText = "0" + fractionText }
        return sign + String(whole) + "." + fractionText
    }
}
