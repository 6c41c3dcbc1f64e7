/// A JSON value for writing, with object members in the order given (deterministic output).
public indirect enum JSONText: Sendable {
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
        var out = ""
        writeCompact(into: &out)
        return out
    }

    private func writeCompact(into out: inout String) {
        switch self {
        case .null, .bool, .int: write(into: &out, indent: 0)
        case .string(let s): Self.quote(s, into: &out, asciiOnly: true)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeCompact(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out += "," }
                Self.quote(k, into: &out, asciiOnly: true)
                out += ":"
                v.writeCompact(into: &out)
            }
            out += "}"
        }
    }

    /// Pretty-printed with two-space indentation and a final newline.
    public var rendered: String {
        var out = ""
        write(into: &out, indent: 0)
        out += "\n"
        return out
    }

    private func write(into out: inout String, indent: Int) {
        // Only containers indent; scalars build no padding.
        var pad: String { String(repeating: "  ", count: indent + 1) }
        var closePad: String { String(repeating: "  ", count: indent) }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            let pad = pad
            for (i, item) in items.enumerated() {
                out += pad
                item.write(into: &out, indent: indent + 1)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            let pad = pad
            for (i, (k, v)) in members.enumerated() {
                out += pad
                Self.quote(k, into: &out)
                out += ": "
                v.write(into: &out, indent: indent + 1)
                out += i == members.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        }
    }

    private static func quote(_ s: String, into out: inout String, asciiOnly: Bool = false) {
        out += "\""
        // The usual text needs no escape and is copied whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || (asciiOnly && $0 > 0x7E) }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            case _ where asciiOnly && u.value > 0x7E:
                for unit in String(u).utf16 {
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
