import Foundation

/// A decimal in one word: the mantissa in the low 56 bits, the exponent (offset by 64) in the
/// next 7 and the sign in the top bit; `boxed` (all ones) when the value did not fit and its
/// holder keeps it in a box instead. Unpacking rebuilds the very `Decimal` that was packed (same mantissa
/// and exponent), so reports print it as they would have printed the original.
struct PackedDecimal: Sendable, Hashable {
    private var word: UInt64

    /// Computed, not stored: a stored static would be initialised through a lazy check at
    /// every use, and documents ask for it millions of times.
    static var boxed: PackedDecimal { PackedDecimal(word: .max) }

    private init(word: UInt64) { self.word = word }

    init?(_ value: Decimal) {
        guard let parts = SmallDecimal(value) else { return nil }
        self.init(parts: parts)
    }

    /// The word of a mantissa, exponent and sign; nil when they do not fit in it.
    init?(parts: SmallDecimal) {
        guard parts.mantissa < 1 << 56, parts.exponent >= -64, parts.exponent < 63 else { return nil }
        word = parts.mantissa | UInt64(parts.exponent + 64) << 56 | (parts.negative ? 1 << 63 : 0)
    }

    /// The word `PackedDecimal(ExactDecimal.parse(bytes: text)!)` holds, read straight from
    /// a plain decimal number (`SmallDecimal.parse(plain:)`) without building a `Decimal`, and
    /// whether the value is below zero. nil for other spellings and for values the word
    /// cannot hold: the `Decimal` path then reads them.
    static func parse(plain text: UnsafeBufferPointer<UInt8>) -> (word: PackedDecimal, negative: Bool)? {
        guard let parts = SmallDecimal.parse(plain: text), let word = PackedDecimal(parts: parts) else { return nil }
        return (word, parts.negative)
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
