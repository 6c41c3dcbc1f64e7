import Foundation

/// An exact running sum of `Decimal`s that is cheap to add to.
///
/// Foundation's `Decimal` addition aligns, adds and compacts arrays of 16-bit words on every
/// call, which dominates summing a million line items. Most values have a 64-bit mantissa
/// and at most `scale` fractional digits: those are kept as one 128-bit two's-complement
/// count of 10^-`scale` units (two words, as `Int128` needs macOS 15). Any other value (more
/// fractional digits, a longer mantissa, NaN, or one that would take the count beyond
/// 2^125) is added as a `Decimal`, as before. `value` is the count converted exactly plus
/// that remainder, so it equals the `Decimal` sum of every value added whenever that sum is
/// exact (within `Decimal`'s 38 significant digits), whatever the order and grouping of the
/// additions.
struct DecimalSum: Sendable {
    /// The fractional digits the count keeps.
    static let scale = 18
    /// The count stays within ±2^125 (below 10^38), so it converts to a `Decimal` exactly.
    private static let highLimit: Int64 = 1 << 61
    /// 10^0 through 10^19.
    private static let powersOfTen: [UInt64] = {
        var p: [UInt64] = [1]
        for _ in 1...19 { p.append(p[p.count - 1] * 10) }
        return p
    }()
    /// 2^64.
    private static let twoTo64 = Decimal(UInt64.max) + 1

    /// The high and low words of the count of units of the values that fit.
    private var high: Int64 = 0
    private var low: UInt64 = 0
    /// The sum of the values that do not.
    private var rest: Decimal = 0

    /// Zero.
    init() {}

    /// A sum holding `value`.
    init(_ value: Decimal) { add(value) }

    /// Adds `value`.
    @inline(__always) mutating func add(_ value: Decimal) {
        if let (h, l) = Self.units(of: value), add(high: h, low: l) { return }
        rest += value
    }

    /// Adds a packed value, from its parts when it is not boxed (`boxed` is read instead).
    @inline(__always) mutating func add(_ packed: PackedDecimal, boxed: @autoclosure () -> Decimal) {
        if let parts = packed.parts, let (h, l) = Self.units(of: parts), add(high: h, low: l) { return }
        rest += packed.value ?? boxed()
    }

    /// Adds everything `other` holds.
    mutating func add(_ other: DecimalSum) {
        if !add(high: other.high, low: other.low) { rest += Self.decimal(high: other.high, low: other.low) }
        if !other.rest.isZero { rest += other.rest }
    }

    /// The sum.
    var value: Decimal {
        let fixed = Self.decimal(high: high, low: low)
        return rest.isZero ? fixed : fixed + rest
    }

    /// Adds the count `(h, l)` when the result stays within the limit; false (and unchanged)
    /// otherwise.
    @inline(__always) private mutating func add(high h: Int64, low l: UInt64) -> Bool {
        let (newLow, carry) = low.addingReportingOverflow(l)
        let (sum, o1) = high.addingReportingOverflow(h)
        let (newHigh, o2) = sum.addingReportingOverflow(carry ? 1 : 0)
        guard !o1, !o2, newHigh < Self.highLimit, newHigh >= -Self.highLimit else { return false }
        high = newHigh
        low = newLow
        return true
    }

    /// `value` as a count of units (two's complement, high and low words), when it has a
    /// 64-bit mantissa, at most `scale` fractional digits and fits the limit.
    @inline(__always) private static func units(of value: Decimal) -> (Int64, UInt64)? {
        guard let parts = SmallDecimal(value) else { return nil }
        return units(of: parts)
    }

    /// `units(of:)` of a value given by its parts.
    @inline(__always) private static func units(of parts: SmallDecimal) -> (Int64, UInt64)? {
        let shift = parts.exponent + scale
        guard shift >= 0 else { return nil }
        var (h, l) = (UInt64(0), parts.mantissa)
        // At most two steps of up to 10^19 (shift ≤ 38 is all a count below 2^125 allows).
        var remaining = shift
        while remaining > 0 {
            let step = min(remaining, 19)
            let p = powersOfTen[step]
            let lowProduct = l.multipliedFullWidth(by: p)
            let highProduct = h.multipliedFullWidth(by: p)
            let (newHigh, o) = highProduct.low.addingReportingOverflow(lowProduct.high)
            guard highProduct.high == 0, !o, newHigh < UInt64(highLimit) else { return nil }
            (h, l) = (newHigh, lowProduct.low)
            remaining -= step
        }
        guard h < UInt64(highLimit) else { return nil }
        guard parts.negative else { return (Int64(h), l) }
        // Two's complement of the magnitude.
        let negLow = ~l &+ 1
        return (Int64(bitPattern: ~h &+ (negLow == 0 ? 1 : 0)), negLow)
    }

    /// The count `(high, low)` × 10^-`scale` as a `Decimal`, exactly (below 2^125).
    private static func decimal(high: Int64, low: UInt64) -> Decimal {
        let negative = high < 0
        var (h, l) = (UInt64(bitPattern: high), low)
        if negative {
            l = ~l &+ 1
            h = ~h &+ (l == 0 ? 1 : 0)
        }
        let sign: FloatingPointSign = negative ? .minus : .plus
        guard h != 0 else { return Decimal(sign: sign, exponent: -scale, significand: Decimal(l)) }
        let magnitude = Decimal(h) * twoTo64 + Decimal(l)
        return Decimal(sign: sign, exponent: -scale, significand: magnitude)
    }
}
