/// A JSON value for writing, with object members in the order given (deterministic output).
/// Not `indirect`: arrays already hold their elements out of line, and a box per value made
/// a manifest of a hundred thousand inputs half a million allocations.
public enum JSONText: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONText])
    case object([(String, JSONText)])

    /// A string, or null when absent.
    public static func optional(_ s: String?) -> JSONText { s.map { .string($0) } ?? .null }

    /// On one line, without spaces (non-ASCII characters escaped as `\\u`, so the text is ASCII).
    public var compact: String {
        var out: [UInt8] = []
        writeCompact(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func writeCompact(into out: inout [UInt8]) {
        switch self {
        case .null, .bool, .int: write(into: &out, indent: 0)
        case .string(let s): Self.quote(s, into: &out, asciiOnly: true)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.writeCompact(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(k, into: &out, asciiOnly: true)
                out.append(UInt8(ascii: ":"))
                v.writeCompact(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Pretty-printed with two-space indentation and a final newline.
    public var rendered: String { String(decoding: renderedBytes, as: UTF8.self) }

    /// `rendered` as UTF-8, built as bytes (a manifest lists every input file).
    public var renderedBytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out, indent: 0)
        out.append(0x0A)
        return out
    }

    // A manifest lists every input file (a hundred thousand of them is a usual directory):
    // numbers and plain strings are written without building a `String`.
    private func write(into out: inout [UInt8], indent: Int) {
        func pad(_ n: Int) { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * n)) }
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): appendInteger(Int64(i), to: &out)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]".utf8; return }
            out += "[\n".utf8
            for i in items.indices {
                pad(indent + 1)
                items[i].write(into: &out, indent: indent + 1)
                out += (i == items.count - 1 ? "\n" : ",\n").utf8
            }
            pad(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out += "{}".utf8; return }
            out += "{\n".utf8
            for i in members.indices {
                pad(indent + 1)
                Self.quote(members[i].0, into: &out)
                out += ": ".utf8
                members[i].1.write(into: &out, indent: indent + 1)
                out += (i == members.count - 1 ? "\n" : ",\n").utf8
            }
            pad(indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func quote(_ s: String, into out: inout [UInt8], asciiOnly: Bool = false) {
        out.append(UInt8(ascii: "\""))
        // The usual text (ASCII, nothing to escape; no DEL where only printable ASCII may
        // stand) is copied whole.
        var text = s
        let plain = text.withUTF8 { b in
            guard let base = b.baseAddress else { return true }
            guard ByteScan.firstStringSpecial(base, from: 0, to: b.count) == b.count, !(asciiOnly && b.contains(0x7F)) else { return false }
            out.append(contentsOf: b)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        func hex4(_ v: UInt32) {
            let hex = String(v, radix: 16)
            out += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\"".utf8
            case "\\": out += "\\\\".utf8
            case "\n": out += "\\n".utf8
            case "\r": out += "\\r".utf8
            case "\t": out += "\\t".utf8
            case _ where u.value < 0x20: hex4(u.value)
            case _ where asciiOnly && u.value > 0x7E:
                for unit in String(u).utf16 { hex4(UInt32(unit)) }
            default: out += String(u).utf8
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
