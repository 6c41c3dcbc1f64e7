/// Appends `formatInstant(t)`, `2026-10-03T04:05:06.000Z`, to `bytes` without building a
/// `String`.
func appendInstant(_ t: Instant, to bytes: inout [UInt8]) {
    var formatter = InstantFormatter()
    formatter.append(t, to: &bytes)
}

/// `appendInstant` for instants that mostly share their UTC day, as the start and end times
/// of line items in start-time order do: the date part is worked out and formatted once per
/// day, and only the time of day for each instant.
struct InstantFormatter {
    private var day: Int64 = .min
    /// `YYYY-MM-DDT` of `day` in the first 11 bytes; unused when the year has not four digits.
    private var date: (UInt64, UInt64) = (0, 0)
    private var fourDigitYear = false

    /// Appends `formatInstant(t)`: four bytes of year digits, then fixed-width fields, 24
    /// bytes in all.
    mutating func append(_ t: Instant, to bytes: inout [UInt8]) {
        let d = t >= 0 ? t / 86_400_000 : (t - 86_399_999) / 86_400_000
        if d != day {
            day = d
            let c = CivilDateTime(millisecondsAsUTC: d * 86_400_000)
            fourDigitYear = (0...9999).contains(c.year)
            withUnsafeMutableBytes(of: &date) { raw in
                Self.put(c.year, width: 4, at: 0, in: raw)
                raw[4] = UInt8(ascii: "-")
                Self.put(c.month, width: 2, at: 5, in: raw)
                raw[7] = UInt8(ascii: "-")
                Self.put(c.day, width: 2, at: 8, in: raw)
                raw[10] = UInt8(ascii: "T")
            }
        }
        guard fourDigitYear else { return bytes.append(contentsOf: formatInstant(t).utf8) }
        let rest = Int(t - d * 86_400_000)
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &storage) { raw in
            withUnsafeBytes(of: date) { raw.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 11) }
            Self.put(rest / 3_600_000, width: 2, at: 11, in: raw)
            raw[13] = UInt8(ascii: ":")
            Self.put(rest / 60_000 % 60, width: 2, at: 14, in: raw)
            raw[16] = UInt8(ascii: ":")
            Self.put(rest / 1000 % 60, width: 2, at: 17, in: raw)
            raw[19] = UInt8(ascii: ".")
            Self.put(rest % 1000, width: 3, at: 20, in: raw)
            raw[23] = UInt8(ascii: "Z")
        }
        withUnsafeBytes(of: &storage) { raw in bytes.append(contentsOf: raw[..<24]) }
    }

    /// Writes `v` in decimal, left-padded with zeros to `width` digits, at `i`.
    @inline(__always) private static func put(_ v: Int, width: Int, at i: Int, in raw: UnsafeMutableRawBufferPointer) {
        var v = v
        var k = i + width
        while k > i {
            k -= 1
            raw[k] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
        }
    }
}
