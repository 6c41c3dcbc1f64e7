/// SplitMix64 (Steele, Lea & Flood 2014): tiny and fully specified, so a seed yields the
/// same stream on every platform and Swift version, unlike `SystemRandomNumberGenerator`
/// or the standard library's unspecified `random(in:)` algorithms.
struct SplitMix64: Sendable {
    private var state: UInt64

    /// Starts the stream at `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 raw bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream, so one part of the model can draw more or fewer numbers
    /// without shifting every value drawn by another part.
    mutating func fork() -> SplitMix64 {
        SplitMix64(seed: next())
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-shift).
    mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "empty range")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// A uniform integer in `0..<bound`.
    mutating func below(_ bound: Int) -> Int {
        Int(below(UInt64(bound)))
    }

    /// A uniform integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform integer in `range`.
    mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(below(UInt64(range.upperBound - range.lowerBound) + 1))
    }

    /// True with probability `basisPoints` / 10 000; integer odds keep floating point out
    /// of every decision.
    mutating func chance(_ basisPoints: Int) -> Bool {
        below(10_000) < basisPoints
    }

    /// A uniformly chosen element of a non-empty array.
    mutating func pick<T>(_ elements: [T]) -> T {
        elements[below(elements.count)]
    }

    /// An index into `weights`, chosen with probability proportional to its weight.
    mutating func weighted(_ weights: [Int]) -> Int {
        var roll = below(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }

    /// A string of `length` characters drawn from `alphabet` (ASCII bytes).
    mutating func string(length: Int, alphabet: [UInt8]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        for _ in 0..<length {
            bytes.append(alphabet[below(alphabet.count)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
