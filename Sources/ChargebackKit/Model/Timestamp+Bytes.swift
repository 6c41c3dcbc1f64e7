/// Appends `formatInstant(t)`, `2026-10-03T04:05:06.000Z`, to `bytes` without building a
/// `String`.
func appendInstant(_ t: Instant, to bytes: inout [UInt8]) {
    let c = CivilDateTime(millisecondsAsUTC: t)
    guard (0...9999).contains(c.year) else {
        bytes.append(contentsOf: formatInstant(t).utf8)
        return
    }
    // Four bytes of year digits, then fixed-width fields: 24 bytes in all.
    var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
    withUnsafeMutableBytes(of: &storage) { raw in
        @inline(__always) func put(_ v: Int, width: Int, at i: Int) {
            var v = v
            var k = i + width
            while k > i {
                k -= 1
                raw[k] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                v /= 10
            }
        }
        put(c.year, width: 4, at: 0)
        raw[4] = UInt8(ascii: "-")
        put(c.month, width: 2, at: 5)
        raw[7] = UInt8(ascii: "-")
        put(c.day, width: 2, at: 8)
        raw[10] = UInt8(ascii: "T")
        put(c.hour, width: 2, at: 11)
        raw[13] = UInt8(ascii: ":")
        put(c.minute, width: 2, at: 14)
        raw[16] = UInt8(ascii: ":")
        put(c.second, width: 2, at: 17)
        raw[19] = UInt8(ascii: ".")
        put(c.millisecond, width: 3, at: 20)
        raw[23] = UInt8(ascii: "Z")
    }
    withUnsafeBytes(of: &storage) { raw in bytes.append(contentsOf: raw[..<24]) }
}
