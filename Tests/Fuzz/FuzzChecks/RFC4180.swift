/// A strict RFC 4180 reader, independent of the tool's writer: CRLF after every record,
/// quoted fields with doubled quotes, nothing else.
public enum RFC4180 {
    /// The records of `bytes`, or nil when it is not strict RFC 4180 CSV (a bare CR or LF, a
    /// quote inside an unquoted field, text after a closing quote, a last record without CRLF).
    /// A byte order mark is data like any other character.
    public static func parse(_ bytes: [UInt8]) -> [[String]]? {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var i = 0
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        while i < bytes.count {
            if bytes[i] == quote {
                i += 1
                while true {
                    guard i < bytes.count else { return nil }
                    if bytes[i] == quote {
                        if i + 1 < bytes.count, bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    field.append(bytes[i])
                    i += 1
                }
            } else {
                while i < bytes.count, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                    if bytes[i] == quote { return nil }
                    field.append(bytes[i])
                    i += 1
                }
            }
            guard i < bytes.count else { return nil }
            record.append(String(decoding: field, as: UTF8.self))
            field = []
            if bytes[i] == comma {
                i += 1
                continue
            }
            guard bytes[i] == cr, i + 1 < bytes.count, bytes[i + 1] == lf else { return nil }
            i += 2
            records.append(record)
            record = []
        }
        // Text after the last CRLF (`a,` at the very end) is an unterminated record.
        guard record.isEmpty else { return nil }
        return records
    }
}
