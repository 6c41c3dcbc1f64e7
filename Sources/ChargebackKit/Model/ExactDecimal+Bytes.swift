import Foundation

/// The report formats written straight into a byte buffer: the CSV reporters format millions
/// of cells, and building a `String` per cell costs more than the cell's bytes.
extension ExactDecimal {
    /// Appends `plain(value)` to `bytes`.
    public static func appendPlain(_ value: Decimal, to bytes: inout [UInt8]) {
        if let parts = SmallDecimal(value) {
            parts.appendPlain(to: &bytes)
        } else {
            bytes.append(contentsOf: plainByDescription(value).utf8)
        }
    }

    /// Appends `fixed(value, digits:)` to `bytes`.
    public static func appendFixed(_ value: Decimal, digits: Int, to bytes: inout [UInt8]) {
        let start = bytes.count
        appendPlain(value, to: &bytes)
        guard digits > 0 else { return }
        var dot: Int?
        for i in start..<bytes.count where bytes[i] == UInt8(ascii: ".") {
            dot = i
            break
        }
        if let dot {
            let have = bytes.count - dot - 1
            if have < digits { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits - have)) }
        } else {
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        }
    }
}

/// Appends the decimal digits of `value` (`-12`, `0`).
func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    appendDigits(value.magnitude, minimumWidth: 1, to: &bytes)
}

/// Appends `formatSeconds(milliseconds:)`: seconds with exactly three decimals.
func appendSeconds(milliseconds ms: Int64, to bytes: inout [UInt8]) {
    if ms < 0 { bytes.append(UInt8(ascii: "-")) }
    let m = ms.magnitude
    appendDigits(m / 1000, minimumWidth: 1, to: &bytes)
    bytes.append(UInt8(ascii: "."))
    appendDigits(m % 1000, minimumWidth: 3, to: &bytes)
}

/// Appends `value` in decimal, left-padded with zeros to `minimumWidth` digits (at most 20).
@inline(__always) func appendDigits(_ value: UInt64, minimumWidth: Int, to bytes: inout [UInt8]) {
    withDigits(of: value, minimumWidth: minimumWidth) { bytes.append(contentsOf: $0) }
}

/// Calls `body` with the decimal digits of `value`, left-padded with zeros to `minimumWidth`
/// digits (at most 20, the most a UInt64 needs).
@inline(__always) func withDigits<R>(of value: UInt64, minimumWidth: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
    return withUnsafeMutableBytes(of: &storage) { raw -> R in
        var v = value
        var i = raw.count
        repeat {
            i -= 1
            raw[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
        } while v != 0
        while raw.count - i < minimumWidth && i > 0 {
            i -= 1
            raw[i] = 0x30
        }
        return body(UnsafeRawBufferPointer(rebasing: raw[i...]))
    }
}

/// A `Decimal` whose mantissa fits in 64 bits, taken apart so it can be printed without
/// `Decimal.description`. Foundation keeps the parts internal, so they are read from the
/// value's storage: an 8-bit exponent, a byte holding the mantissa's length in 16-bit words
/// (high nibble) and the sign (bit 3), two reserved bytes, then eight little-endian 16-bit
/// mantissa words. `layoutHolds` checks that layout against the public API once; where it
/// does not hold, every value takes the `description` path.
struct SmallDecimal {
    var mantissa: UInt64
    var exponent: Int
    var negative: Bool

    /// The parts of a plain decimal number (`8`, `0.1221`, `-3.50`, `.5`, `+7`) with at most
    /// 18 significant digits, as `Decimal` keeps them: no trailing zeros (`3.50` is
    /// 35 × 10⁻¹, `100` is 1 × 10²) and every zero as a positive 0 × 10⁰. nil for any other
    /// spelling (an exponent, more digits, a second point or sign, no digit at all).
    static func parse(plain text: UnsafeBufferPointer<UInt8>) -> SmallDecimal? {
        var mantissa: UInt64 = 0
        var digits = 0, scale = 0
        var negative = false, afterDot = false, sawDigit = false
        for k in 0..<text.count {
            let c = text[k]
            switch c {
            case 0x30...0x39:
                sawDigit = true
                if afterDot { scale += 1 }
                if mantissa == 0 && c == 0x30 { continue }
                digits += 1
                guard digits <= 18 else { return nil }
                mantissa = mantissa * 10 + UInt64(c - 0x30)
            case UInt8(ascii: "."):
                guard !afterDot else { return nil }
                afterDot = true
            case UInt8(ascii: "-") where k == 0:
                negative = true
            case UInt8(ascii: "+") where k == 0:
                break
            default:
                return nil
            }
        }
        guard sawDigit else { return nil }
        guard mantissa != 0 else { return SmallDecimal(mantissa: 0, exponent: 0, negative: false) }
        var exponent = -scale
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        return SmallDecimal(mantissa: mantissa, exponent: exponent, negative: negative)
    }

    /// nil when `value` is NaN, has a mantissa longer than 64 bits, or the storage layout is
    /// not the expected one.
    @inline(__always) init?(_ value: Decimal) {
        guard Self.layoutHolds, let parts = Self.decode(value) else { return nil }
        self = parts
    }

    private static func decode(_ value: Decimal) -> SmallDecimal? {
        guard MemoryLayout<Decimal>.size == 20 else { return nil }
        return withUnsafeBytes(of: value) { raw -> SmallDecimal? in
            let flags = raw[1]
            let length = Int(flags >> 4)
            let negative = flags & 0x08 != 0
            guard length <= 4, length > 0 || !negative else { return nil }
            var m: UInt64 = 0
            for word in 0..<length {
                m |= UInt64(raw[4 + 2 * word]) << (16 * word) | UInt64(raw[5 + 2 * word]) << (16 * word + 8)
            }
            // A zero mantissa with a length is not a value Foundation builds; leave it to it.
            guard m != 0 || length == 0 else { return nil }
            return SmallDecimal(mantissa: m, exponent: Int(Int8(bitPattern: raw[0])), negative: negative)
        }
    }

    init(mantissa: UInt64, exponent: Int, negative: Bool) {
        self.mantissa = mantissa
        self.exponent = exponent
        self.negative = negative
    }

    /// Whether values built through the public API decode to the parts they were built from.
    static let layoutHolds: Bool = {
        let samples: [(UInt64, Int, Bool)] = [
            (0, 0, false), (1, 0, false), (5, -1, true), (122, -3, false), (65_535, 2, false), (65_537, -7, true),
            (4_294_967_297, -12, false), (18_446_744_073_709_551_615, 5, true), (281_474_976_710_657, -20, false),
        ]
        for (m, e, negative) in samples {
            let value = Decimal(sign: negative ? .minus : .plus, exponent: e, significand: Decimal(m))
            guard let parts = decode(value) else { return false }
            let expected = m == 0 ? (0, false) : (e, negative)
            guard parts.mantissa == m, parts.exponent == expected.0, parts.negative == expected.1 else { return false }
        }
        return true
    }()

    /// Appends what `ExactDecimal.plain` returns: `0` for zero, otherwise the digits of the
    /// mantissa (trailing zeros included) with the decimal point placed by the exponent,
    /// `0.` and leading zeros before a fraction, zeros after an integer with a positive
    /// exponent; no exponent notation.
    func appendPlain(to bytes: inout [UInt8]) {
        guard mantissa != 0 else {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        if negative { bytes.append(UInt8(ascii: "-")) }
        if exponent >= 0 {
            appendDigits(mantissa, minimumWidth: 1, to: &bytes)
            if exponent > 0 { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent)) }
            return
        }
        withDigits(of: mantissa, minimumWidth: 1) { digits in
            let fraction = -exponent
            if digits.count > fraction {
                bytes.append(contentsOf: digits[..<(digits.count - fraction)])
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: digits[(digits.count - fraction)...])
            } else {
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: fraction - digits.count))
                bytes.append(contentsOf: digits)
            }
        }
    }
}
