import Foundation

/// A decimal in one word: the mantissa in the low 56 bits, the exponent (offset by 64) in the
/// next 7 and the sign in the top bit; `boxed` (all ones) when the value did not fit and its
/// holder keeps it in a box instead. Unpacking rebuilds the very `Decimal` that was packed (same mantissa
/// and exponent), so reports print it as they would have printed the original.
struct PackedDecimal: Sendable, Hashable {
    private var word: UInt64

    static let boxed = PackedDecimal(word: .max)

    private init(word: UInt64) { self.word = word }

    init?(_ value: Decimal) {
        guard let parts = SmallDecimal(value), parts.mantissa < 1 << 56, parts.exponent >= -64, parts.exponent < 63 else { return nil }
        word = parts.mantissa | UInt64(parts.exponent + 64) << 56 | (parts.negative ? 1 << 63 : 0)
    }

    /// The packed value's mantissa, exponent and sign; nil when it is boxed.
    @inline(__always) var parts: SmallDecimal? {
        guard word != .max else { return nil }
        return SmallDecimal(mantissa: word & (1 << 56 - 1), exponent: Int((word >> 56) & 0x7F) - 64, negative: word >> 63 != 0)
    }

    /// The packed value; nil when it is boxed.
    var value: Decimal? {
        parts.map { Decimal(sign: $0.negative ? .minus : .plus, exponent: $0.exponent, significand: Decimal($0.mantissa)) }
    }
}
