/// Where a document came from: `path:line` (NDJSON), `path#index` (arrays) or `path`.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// How the document is located inside its file.
    public enum Position: Sendable, Hashable {
        case whole
        /// 1-based line number of an NDJSON line.
        case line(Int)
        /// 0-based index of a JSON array element.
        case index(Int)
    }

    /// The path as the user named it (or as found under a named directory).
    public var path: String
    public var position: Position
    /// The file's rank in the run's sorted file list, so locations sort in reading order.
    public var fileOrder: Int

    /// Creates a location.
    public init(path: String, position: Position, fileOrder: Int) {
        self.path = path; self.position = position; self.fileOrder = fileOrder
    }

    public var description: String {
        switch position {
        case .whole: path
        case .line(let n): "\(path):\(n)"
        case .index(let n): "\(path)#\(n)"
        }
    }

    /// Appends `description` to `bytes`.
    func appendDescription(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: path.utf8)
        switch position {
        case .whole:
            break
        case .line(let n):
            bytes.append(UInt8(ascii: ":"))
            appendInteger(Int64(n), to: &bytes)
        case .index(let n):
            bytes.append(UInt8(ascii: "#"))
            appendInteger(Int64(n), to: &bytes)
        }
    }

    private var ordinal: Int {
        switch position {
        case .whole: -1
        case .line(let n), .index(let n): n
        }
    }

    public static func < (a: Self, b: Self) -> Bool {
        if a.fileOrder != b.fileOrder { return a.fileOrder < b.fileOrder }
        return a.ordinal < b.ordinal
    }
}

/// Why a document was not used. The raw values are the stable codes of `rejects.csv`.
public enum RejectReason: Sendable, Hashable, Comparable, CustomStringConvertible {
    case malformedJSON
    case notAnObject
    case noIdentity
    case missingStartTime
    case badType(field: String)
    case badTimestamp(field: String)
    case unknownStatus
    case endBeforeStart
    case negativeCU
    case unreadableFile

    /// The stable code, e.g. `bad_type:orgId`.
    public var code: String {
        switch self {
        case .malformedJSON: "malformed_json"
        case .notAnObject: "not_an_object"
        case .noIdentity: "no_identity"
        case .missingStartTime: "missing_start_time"
        case .badType(let f): "bad_type:\(f)"
        case .badTimestamp(let f): "bad_timestamp:\(f)"
        case .unknownStatus: "unknown_status"
        case .endBeforeStart: "end_before_start"
        case .negativeCU: "negative_cu"
        case .unreadableFile: "unreadable_file"
        }
    }

    public var description: String { code }

    public static func < (a: Self, b: Self) -> Bool { a.code.utf8.lexicographicallyPrecedes(b.code.utf8) }
}

/// A document that could not be used, with where it came from and why.
public struct Reject: Error, Sendable, Hashable {
    public var source: SourceLocation
    public var reason: RejectReason
    /// A sentence for people: what is wrong, with the offending value.
    public var detail: String
    /// The first 200 characters of the document.
    public var excerpt: String

    /// Creates a reject; `text` is cut to its first 200 characters.
    public init(source: SourceLocation, reason: RejectReason, detail: String, text: String) {
        self.source = source
        self.reason = reason
        self.detail = detail
        self.excerpt = String(text.prefix(200))
    }
}
