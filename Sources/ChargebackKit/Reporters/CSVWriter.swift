/// Builds RFC 4180 CSV: CRLF line ends, quoting only where needed, and neutralised
/// spreadsheet formulas in text cells (SPEC 3.3). The only place CSV is escaped.
///
/// Rows are built either from `[Cell]` arrays (`row(_:)`) or cell by cell (`text`, `number`,
/// then `endRow()`); a cell can also be written straight into the buffer by a formatter,
/// and is escaped afterwards in the rare case it needs it.
public struct CSVWriter: Sendable {
    /// One cell: text is neutralised and quoted as needed; numbers are written untouched.
    public enum Cell: Sendable {
        case text(String)
        case number(String)
    }

    /// The document built so far, UTF-8.
    public private(set) var bytes: [UInt8] = []
    /// Whether the current row has a cell yet (the next one needs a separator).
    private var rowHasCells = false
    /// The date part of the instants written, kept from one to the next of the same day.
    private var instants = InstantFormatter()

    /// Starts a document, with a UTF-8 byte order mark when `bom` (Excel).
    public init(bom: Bool = false) {
        if bom { bytes = [0xEF, 0xBB, 0xBF] }
    }

    /// Starts a document that will hold about `capacity` bytes.
    init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
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
        for name in names { text(name) }
        endRow()
    }

    /// Appends one row.
    public mutating func row(_ cells: [Cell]) {
        for cell in cells {
            switch cell {
            case .number(let s): number(s)
            case .text(let s): text(s)
            }
        }
        endRow()
    }

    /// Appends a text cell to the current row.
    public mutating func text(_ s: String) {
        let start = beginCell()
        append(s)
        endCell(from: start, neutralise: true)
    }

    /// Appends a numeric cell (never neutralised) to the current row.
    public mutating func number(_ s: String) {
        let start = beginCell()
        append(s)
        endCell(from: start, neutralise: false)
    }

    /// Appends a pooled text cell, `absent` for `none`. The pool knows whether the text needs
    /// escaping, so a clean one is copied without a look at its bytes.
    mutating func text(_ t: PooledText, absent: String = "") {
        guard t != .none else { return text(absent) }
        let entry = TextPool.shared.entry(t.number)
        _ = beginCell()
        if entry.csvClean {
            bytes.append(contentsOf: entry.bytes)
        } else {
            append(escaped: entry.bytes, neutralise: true)
        }
    }

    /// Appends the UTF-8 of `s` from its storage in one copy.
    @inline(__always) private mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends a text cell whose UTF-8 `write` appends to the buffer.
    public mutating func text(_ write: (inout [UInt8]) -> Void) {
        let start = beginCell()
        write(&bytes)
        endCell(from: start, neutralise: true)
    }

    /// Appends a text cell whose UTF-8 `write` appends for `value`. A `write` that uses only
    /// its arguments captures nothing, so a class instance handed in this way is not counted
    /// again for every cell (as a captured one is).
    mutating func text<T>(_ value: T, _ write: (T, inout [UInt8]) -> Void) {
        let start = beginCell()
        write(value, &bytes)
        endCell(from: start, neutralise: true)
    }

    /// Appends a numeric cell whose UTF-8 `write` appends for `value` (see `text(_:_:)`).
    mutating func number<T>(_ value: T, _ write: (T, inout [UInt8]) -> Void) {
        let start = beginCell()
        write(value, &bytes)
        endCell(from: start, neutralise: false)
    }

    /// Appends an instant cell (`formatInstant(t)`; empty for nil).
    mutating func instant(_ t: Instant?) {
        let start = beginCell()
        if let t { instants.append(t, to: &bytes) }
        endCell(from: start, neutralise: true)
    }

    /// Appends a numeric cell whose UTF-8 `write` appends to the buffer.
    public mutating func number(_ write: (inout [UInt8]) -> Void) {
        let start = beginCell()
        write(&bytes)
        endCell(from: start, neutralise: false)
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(0x0D)
        bytes.append(0x0A)
        rowHasCells = false
    }

    @inline(__always) private mutating func beginCell() -> Int {
        if rowHasCells { bytes.append(UInt8(ascii: ",")) }
        rowHasCells = true
        return bytes.count
    }

    /// Escapes the cell written from `start` on, if it needs it.
    @inline(__always) private mutating func endCell(from start: Int, neutralise: Bool) {
        let clean = bytes.withUnsafeBufferPointer { b in
            Self.isClean(UnsafeBufferPointer(rebasing: b[start...]), neutralise: neutralise)
        }
        guard !clean else { return }
        let cell = Array(bytes[start...])
        bytes.removeSubrange(start...)
        cell.withUnsafeBufferPointer { append(escaped: $0, neutralise: neutralise) }
    }

    /// Whether `cell` can be written as it is: it needs no quotes and, when `neutralise`, does
    /// not start like a formula.
    @inline(__always) static func isClean(_ cell: UnsafeBufferPointer<UInt8>, neutralise: Bool) -> Bool {
        guard let base = cell.baseAddress, !cell.isEmpty else { return true }
        if neutralise && startsFormula(base[0]) { return false }
        var i = 0
        while i + 8 <= cell.count {
            if ByteScan.hasCSVSpecial(ByteScan.word(base, i)) { return false }
            i += 8
        }
        while i < cell.count {
            if needsQuotes(base[i]) { return false }
            i += 1
        }
        return true
    }

    @inline(__always) private static func startsFormula(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "=") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: "@") || b == 0x09 || b == 0x0D || b == 0x0A
    }

    @inline(__always) private static func needsQuotes(_ b: UInt8) -> Bool {
        // Every byte that needs quotes lies below `-`, so most bytes take one comparison.
        b < UInt8(ascii: "-") && (b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 0x0D || b == 0x0A)
    }

    /// Appends `cell` escaped: a formula neutralised with a leading `'`, and the whole in
    /// quotes with its quotes doubled when it needs them. The runs between quotes are copied
    /// whole (an error message is hundreds of bytes).
    private mutating func append(escaped cell: UnsafeBufferPointer<UInt8>, neutralise: Bool) {
        let formula = neutralise && !cell.isEmpty && Self.startsFormula(cell[0])
        guard cell.contains(where: Self.needsQuotes) else {
            if formula { bytes.append(UInt8(ascii: "'")) }
            bytes.append(contentsOf: cell)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        if formula { bytes.append(UInt8(ascii: "'")) }
        var run = 0
        for i in cell.indices where cell[i] == UInt8(ascii: "\"") {
            // The run up to and with this quote, then the quote again.
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: cell[run...i]))
            bytes.append(UInt8(ascii: "\""))
            run = i + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: cell[run...]))
        bytes.append(UInt8(ascii: "\""))
    }
}
