import Foundation

/// Exact decimal helpers: parsing from document text, formatting for the reports, and
/// rounding money. All money and compute units are `Decimal`, never `Double`.
public enum ExactDecimal {
    /// Parses a JSON-style decimal number (`12`, `-1.5`, `2e-3`, `477.0`); nil when `text`
    /// is not such a number. Leading zeros are tolerated in numeric strings.
    public static func parse(_ text: String) -> Decimal? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// `parse` over UTF-8 bytes, so the reader can turn document text into a decimal
    /// without making a string first.
    static func parse(bytes text: UnsafeBufferPointer<UInt8>) -> Decimal? {
        guard isNumber(text) else { return nil }
        // Decimal holds 38 significant digits and would round a longer number silently.
        guard significantDigits(text) <= 38 else { return nil }
        if let fast = fastParse(text) { return fast }
        return Decimal(string: String(decoding: text, as: UTF8.self), locale: Locale(identifier: "en_US_POSIX"))
    }

    /// Whether `text` is written as a decimal number (`parse` may still refuse it as beyond
    /// what `Decimal` holds exactly).
    public static func isNumber(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isNumber($0) }
    }

    private static func isNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var sawDigit = false
        var state = 0  // 0 sign, 1 int, 2 frac, 3 exp sign, 4 exp digits
        var expDigits = false
        for (k, c) in text.enumerated() {
            switch c {
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                if state == 0 && k == 0 { state = 1 } else if state == 3 { state = 4 } else { return false }
            case 0x30...0x39:
                if state == 0 { state = 1 }
                if state == 3 { state = 4 }
                if state == 4 { expDigits = true } else { sawDigit = true }
            case UInt8(ascii: "."):
                guard state <= 1 else { return false }
                state = 2
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard sawDigit, state <= 2 else { return false }
                state = 3
            default:
                return false
            }
        }
        return sawDigit && (state < 3 || expDigits)
    }

    /// Digits from the first to the last non-zero one of the mantissa (`0.0120` has 2).
    private static func significantDigits(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0, zeros = 0, started = false
        for c in text {
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { break }
            guard c >= 0x30 && c <= 0x39 else { continue }
            if c == 0x30 {
                if started { zeros += 1 }
            } else {
                count += started ? zeros + 1 : 1
                started = true
                zeros = 0
            }
        }
        return count
    }

    /// The common case without an exponent and with at most 18 significant digits, built
    /// straight from the digits (the text was validated by `parse`).
    private static func fastParse(_ text: UnsafeBufferPointer<UInt8>) -> Decimal? {
        SmallDecimal.parse(plain: text).map { Decimal(sign: $0.negative ? .minus : .plus, exponent: $0.exponent, significand: Decimal($0.mantissa)) }
    }

    /// The exact value with no exponent and no trailing zeros: `12.5`, `0`, `0.0001`.
    public static func plain(_ value: Decimal) -> String {
        guard let parts = SmallDecimal(value) else { return plainByDescription(value) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        parts.appendPlain(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `plain` through Foundation's own formatting: the path for values `SmallDecimal` does
    /// not take apart, and the reference its output is tested against.
    static func plainByDescription(_ value: Decimal) -> String {
        if value.isZero { return "0" }
        return value.description
    }

    /// `value` with exactly `digits` fractional digits (it must already be rounded to them).
    public static func fixed(_ value: Decimal, digits: Int) -> String {
        var s = plain(value)
        guard digits > 0 else { return s }
        if let dot = s.firstIndex(of: ".") {
            let have = s.distance(from: s.index(after: dot), to: s.endIndex)
            if have < digits { s += String(repeating: "0", count: digits - have) }
        } else {
            s += "." + String(repeating: "0", count: digits)
        }
        return s
    }

    /// Rounds half-to-even to `scale` fractional digits.
    public static func roundHalfEven(_ value: Decimal, scale: Int) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, scale, .bankers)
        return result
    }

    /// Whether `value` is an integer that fits in `Int64`; returns it.
    public static func int64(_ value: Decimal) -> Int64? {
        guard value == roundHalfEven(value, scale: 0) else { return nil }
        let s = plain(value)
        return Int64(s)
    }
}

/// Formats milliseconds as seconds with exactly three decimals (`12.345`).
public func formatSeconds(milliseconds ms: Int64) -> String {
    let sign = ms < 0 ? "-" : ""
    let m = ms.magnitude
    return sign + String(m / 1000) + "." + pad(Int(m % 1000), 3)
}
