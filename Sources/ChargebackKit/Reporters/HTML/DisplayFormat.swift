import Foundation

/// Numbers as people read them on the management summary: thousands separated by commas,
/// exact decimals for compute units and money, one decimal for rates and hours. Every number
/// the HTML shows is formatted here, never in a template.
enum DisplayFormat {
    /// `1502` → `1,502`.
    static func integer(_ n: Int) -> String {
        group(String(n))
    }

    /// A count with its noun: `1 file`, `1,502 files`.
    static func count(_ n: Int, _ singular: String, _ plural: String) -> String {
        integer(n) + " " + (n == 1 ? singular : plural)
    }

    /// The exact value with grouped thousands: `4708.2502` → `4,708.2502`.
    static func decimal(_ value: Decimal) -> String {
        group(ExactDecimal.plain(value))
    }

    /// Money with the currency's minor-unit digits and its code: `1,234.50 USD`.
    static func money(_ amount: Decimal, _ currency: Currency) -> String {
        group(currency.format(amount)) + " " + currency.code
    }

    /// Money with the currency's minor-unit digits, without the code: `1,234.50`.
    static func amount(_ amount: Decimal, _ currency: Currency) -> String {
        group(currency.format(amount))
    }

    /// `value` rounded half-to-even to `digits` decimals, grouped: `1,234.5`.
    static func rounded(_ value: Decimal, digits: Int) -> String {
        group(ExactDecimal.fixed(ExactDecimal.roundHalfEven(value, scale: digits), digits: digits))
    }

    /// `part / whole` as a percentage with one decimal (`88.4%`); `–` when `whole` is zero.
    static func percent(_ part: Decimal, of whole: Decimal) -> String {
        guard !whole.isZero else { return "–" }
        return rounded(part * 100 / whole, digits: 1) + "%"
    }

    /// Milliseconds as hours with one decimal: `3,456.7`.
    static func hours(milliseconds ms: Int64) -> String {
        rounded(Decimal(ms) / 3_600_000, digits: 1)
    }

    /// Inserts a comma every three digits of the integer part of a plain decimal string.
    static func group(_ plain: String) -> String {
        var sign = ""
        var body = Substring(plain)
        if body.first == "-" {
            sign = "-"
            body = body.dropFirst()
        }
        let dot = body.firstIndex(of: ".") ?? body.endIndex
        let intPart = body[..<dot]
        guard intPart.count > 3 else { return plain }
        var out = ""
        out.reserveCapacity(plain.count + intPart.count / 3)
        for (i, ch) in intPart.enumerated() {
            if i > 0 && (intPart.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return sign + out + body[dot...]
    }
}
