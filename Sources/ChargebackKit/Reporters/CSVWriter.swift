/// Builds RFC 4180 CSV: CRLF line ends, quoting only where needed, and neutralised
/// spreadsheet formulas in text cells (SPEC 3.3). The only place CSV is escaped.
public struct CSVWriter: Sendable {
    /// One cell: text is neutralised and quoted as needed; numbers are written untouched.
    public enum Cell: Sendable {
        case text(String)
        case number(String)
    }

    /// The document built so far, UTF-8.
    public private(set) var bytes: [UInt8] = []

    /// Starts a document, with a UTF-8 byte order mark when `bom` (Excel).
    public init(bom: Bool = false) {
        if bom { bytes = [0xEF, 0xBB, 0xBF] }
    }

    /// Writes the rows built so far into `sink` and starts over, so that a large file never
    /// sits whole in memory.
    public mutating func flush(to sink: OutputSink) throws(OutputError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(OutputError) in try sink.write(raw) } }
        try result.get()
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends the header row.
    public mutating func header(_ names: [String]) {
        row(names.map { .text($0) })
    }

    /// Appends one row.
    public mutating func row(_ cells: [Cell]) {
        for (i, cell) in cells.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            switch cell {
            case .number(let s): append(escaped: s, neutralise: false)
            case .text(let s): append(escaped: s, neutralise: true)
            }
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    private mutating func append(escaped s: String, neutralise: Bool) {
        var utf8 = Array(s.utf8)
        if neutralise, let first = utf8.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D, 0x0A].contains(first) {
            utf8.insert(UInt8(ascii: "'"), at: 0)
        }
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }
        guard needsQuotes else {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for b in utf8 {
            if b == UInt8(ascii: "\"") { bytes.append(b) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
