/// A parsed JSON value. Numbers keep their source text so that exact decimals never pass
/// through binary floating point.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A JSON number, exactly as written in the document.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type name used in reject details ("string", "number", …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Why a JSON text could not be parsed; `offset` is a byte offset into the text.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Written for this tool rather than using `JSONSerialization` because the reader needs the
/// exact text of numbers and the byte spans of array elements and of top-level members.
public struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos: Int
    let end: Int
    private static let maxDepth = 256

    /// Byte spans (relative to the parser's buffer) of the members of the outermost object
    /// most recently parsed with `parseDocument()`.
    public private(set) var topLevelSpans: [String: Range<Int>] = [:]

    /// Parses `bytes[range]`.
    public init(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>? = nil) {
        self.bytes = bytes
        let r = range ?? 0..<bytes.count
        self.pos = r.lowerBound
        self.end = r.upperBound
    }

    /// Parses exactly one value surrounded by optional white space.
    public mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        topLevelSpans = [:]
        skipWhitespace()
        if pos >= end { throw JSONSyntaxError(message: "empty input", offset: pos) }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if pos < end { throw JSONSyntaxError(message: "unexpected text after the JSON value", offset: pos) }
        return value
    }

    /// Parses a top-level array, returning each element with its byte span; throws if the
    /// whole text is not one array.
    public mutating func parseArrayElements() throws(JSONSyntaxError) -> [(value: JSONValue, span: Range<Int>, memberSpans: [String: Range<Int>])] {
        skipWhitespace()
        guard pos < end, bytes[pos] == UInt8(ascii: "[") else {
            throw JSONSyntaxError(message: "expected an array", offset: pos)
        }
        pos += 1
        var out: [(JSONValue, Range<Int>, [String: Range<Int>])] = []
        skipWhitespace()
        if pos < end, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
        } else {
            while true {
                skipWhitespace()
                let start = pos
                topLevelSpans = [:]
                let v = try parseValue(depth: 1, spanDepth: 1)
                out.append((v, start..<pos, topLevelSpans))
                skipWhitespace()
                guard pos < end else { throw JSONSyntaxError(message: "unterminated array", offset: pos) }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; break }
                throw JSONSyntaxError(message: "expected ',' or ']' in array", offset: pos)
            }
        }
        skipWhitespace()
        if pos < end { throw JSONSyntaxError(message: "unexpected text after the JSON value", offset: pos) }
        return out
    }

    mutating func skipWhitespace() {
        while pos < end {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int, spanDepth: Int = 0) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw JSONSyntaxError(message: "nesting too deep", offset: pos) }
        guard pos < end else { throw JSONSyntaxError(message: "unexpected end of input", offset: pos) }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth, recordSpans: depth == spanDepth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw JSONSyntaxError(message: "unexpected character", offset: pos)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let n = literal.utf8CodeUnitCount
        guard end - pos >= n else { throw JSONSyntaxError(message: "invalid literal", offset: pos) }
        let p = literal.utf8Start
        for i in 0..<n where bytes[pos + i] != p[i] {
            throw JSONSyntaxError(message: "invalid literal", offset: pos)
        }
        pos += n
    }

    private mutating func parseObject(depth: Int, recordSpans: Bool) throws(JSONSyntaxError) -> JSONValue {
        pos += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if pos < end, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard pos < end, bytes[pos] == UInt8(ascii: "\"") else {
                throw JSONSyntaxError(message: "expected a member name", offset: pos)
            }
            let keyStart = pos
            let key = try parseString()
            skipWhitespace()
            guard pos < end, bytes[pos] == UInt8(ascii: ":") else {
                throw JSONSyntaxError(message: "expected ':'", offset: pos)
            }
            pos += 1
            skipWhitespace()
            let start = pos
            // A name given twice makes the object ambiguous (which status, which CU?): refused
            // rather than letting the first or the last silently win.
            guard members.updateValue(try parseValue(depth: depth + 1), forKey: key) == nil else {
                throw JSONSyntaxError(message: "duplicate member name \"\(key.prefix(60))\"", offset: keyStart)
            }
            if recordSpans { topLevelSpans[key] = start..<pos }
            skipWhitespace()
            guard pos < end else { throw JSONSyntaxError(message: "unterminated object", offset: pos) }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            throw JSONSyntaxError(message: "expected ',' or '}' in object", offset: pos)
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if pos < end, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard pos < end else { throw JSONSyntaxError(message: "unterminated array", offset: pos) }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw JSONSyntaxError(message: "expected ',' or ']' in array", offset: pos)
        }
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let r = try scanNumber()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }

    /// Checks the syntax of the number at `pos` and returns its bytes' range.
    mutating func scanNumber() throws(JSONSyntaxError) -> Range<Int> {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < end, isDigit(bytes[pos]) else { throw JSONSyntaxError(message: "invalid number", offset: start) }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < end, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < end, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < end, isDigit(bytes[pos]) else { throw JSONSyntaxError(message: "invalid number", offset: start) }
            while pos < end, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < end, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < end, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, isDigit(bytes[pos]) else { throw JSONSyntaxError(message: "invalid number", offset: start) }
            while pos < end, isDigit(bytes[pos]) { pos += 1 }
        }
        return start..<pos
    }

    @inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        let open = pos
        pos += 1
        // Fast path: no escapes, ASCII or valid UTF-8 copied once.
        var scan = pos
        var plain = true
        while scan < end {
            let b = bytes[scan]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") { plain = false; break }
            if b < 0x20 { throw JSONSyntaxError(message: "control character in string", offset: scan) }
            scan += 1
        }
        guard scan < end else { throw JSONSyntaxError(message: "unterminated string", offset: open) }
        if plain {
            let slice = UnsafeBufferPointer(rebasing: bytes[pos..<scan])
            guard let s = String(validating: slice, as: UTF8.self) else {
                throw JSONSyntaxError(message: "invalid UTF-8 in string", offset: pos)
            }
            pos = scan + 1
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(scan - pos + 16)
        pos = open
        _ = try decodeString {
            out.append($0)
            return true
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw JSONSyntaxError(message: "invalid UTF-8 in string", offset: open)
        }
        return s
    }

    /// Reads the string at `pos` (its opening quote) to past its closing quote, handing each
    /// byte of its text, escapes decoded, to `emit`; when `emit` returns false the read stops
    /// there and the result is false. The one decoding of escapes: `parseString` builds its
    /// strings with it, and the reader compares a string with a known text without building
    /// it. The text's UTF-8 is not checked here.
    @inline(__always)
    mutating func decodeString(_ emit: (UInt8) -> Bool) throws(JSONSyntaxError) -> Bool {
        let open = pos
        pos += 1
        while true {
            guard pos < end else { throw JSONSyntaxError(message: "unterminated string", offset: open) }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { pos += 1; return true }
            if b < 0x20 { throw JSONSyntaxError(message: "control character in string", offset: pos) }
            if b != UInt8(ascii: "\\") {
                guard emit(b) else { return false }
                pos += 1
                continue
            }
            pos += 1
            guard pos < end else { throw JSONSyntaxError(message: "unterminated escape", offset: pos) }
            let e = bytes[pos]
            pos += 1
            let byte: UInt8
            switch e {
            case UInt8(ascii: "\""): byte = 0x22
            case UInt8(ascii: "\\"): byte = 0x5C
            case UInt8(ascii: "/"): byte = 0x2F
            case UInt8(ascii: "b"): byte = 0x08
            case UInt8(ascii: "f"): byte = 0x0C
            case UInt8(ascii: "n"): byte = 0x0A
            case UInt8(ascii: "r"): byte = 0x0D
            case UInt8(ascii: "t"): byte = 0x09
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate; a lone one
                    // becomes U+FFFD rather than failing the whole document.
                    if end - pos >= 6, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                        let save = pos
                        pos += 2
                        let low = try parseHex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            pos = save
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    scalar = 0xFFFD
                }
                var stopped = false
                for unit in UTF8.encode(Unicode.Scalar(scalar)!)! where !stopped { stopped = !emit(unit) }
                if stopped { return false }
                continue
            default:
                throw JSONSyntaxError(message: "invalid escape", offset: pos - 1)
            }
            guard emit(byte) else { return false }
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard end - pos >= 4 else { throw JSONSyntaxError(message: "invalid \\u escape", offset: pos) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw JSONSyntaxError(message: "invalid \\u escape", offset: pos)
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }
}
