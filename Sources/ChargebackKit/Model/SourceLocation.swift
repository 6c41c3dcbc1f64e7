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
    public var path: String {
        get { pathText.string ?? "" }
        set { pathText = PooledText(newValue) }
    }
    public var position: Position {
        get {
            let n = Int(place >> 2)
            switch place & 3 {
            case 1: return .line(n)
            case 2: return .index(n)
            default: return .whole
            }
        }
        set {
            switch newValue {
            case .whole: place = 0
            case .line(let n): place = Int64(n) << 2 | 1
            case .index(let n): place = Int64(n) << 2 | 2
            }
        }
    }
    /// The file's rank in the run's sorted file list, so locations sort in reading order.
    public var fileOrder: Int {
        get { Int(order) }
        set { order = Int32(newValue) }
    }

    // Sixteen bytes, as every document and job holds one: the pooled path, the file's rank,
    // and the position as a number shifted left by two with its kind in the low bits.
    private var pathText: PooledText
    private var order: Int32
    private var place: Int64 = 0

    /// Creates a location.
    public init(path: String, position: Position, fileOrder: Int) {
        self.init(pathText: PooledText(path), position: position, fileOrder: fileOrder)
    }

    /// Creates a location in the file whose path is already pooled.
    init(pathText: PooledText, position: Position, fileOrder: Int) {
        self.pathText = pathText
        self.order = Int32(fileOrder)
        self.position = position
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
        pathText.append(to: &bytes)
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

    private var ordinal: Int64 { place & 3 == 0 ? -1 : place >> 2 }

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
