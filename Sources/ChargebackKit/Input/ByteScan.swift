import Foundation

#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// Tests on eight bytes at a time (one 64-bit word), for the loops that look for the few
/// bytes that matter in long runs of text: the end of a JSON string, a byte that makes a CSV
/// cell need quotes. Each test says whether any of the eight bytes is such a byte, exactly.
/// Where the machine has them (SSE2, on every x86-64), sixteen bytes are tested at once.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `p + i` (any alignment).
    @inline(__always) static func word(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
        UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
    }

    /// Whether a byte of `x` is below `n` (at most 128).
    @inline(__always) static func hasByte(_ x: UInt64, below n: UInt8) -> Bool {
        (x &- ones &* UInt64(n)) & ~x & highs != 0
    }

    /// Whether a byte of `x` is `c`.
    @inline(__always) static func hasByte(_ x: UInt64, equalTo c: UInt8) -> Bool {
        hasByte(x ^ (ones &* UInt64(c)), below: 1)
    }

    /// Whether a byte of `x` ends or escapes a JSON string (`"`, `\`), is a control character,
    /// or is not ASCII.
    @inline(__always) static func hasStringSpecial(_ x: UInt64) -> Bool {
        x & highs != 0 || hasByte(x, below: 0x20) || hasByte(x, equalTo: 0x22) || hasByte(x, equalTo: 0x5C)
    }

    /// The index of the first byte of `p[start..<end]` that ends or escapes a JSON string, is a
    /// control character or is not ASCII (`hasStringSpecial`); `end` when there is none.
    @inline(__always) static func firstStringSpecial(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        #if arch(x86_64)
            // Bytes below 0x20 and from 0x80 on are the ones below 0x20 as signed bytes.
            let quote = _mm_set1_epi8(0x22), backslash = _mm_set1_epi8(0x5C), space = _mm_set1_epi8(0x20)
            while i + 16 <= end {
                let v = _mm_loadu_si128(UnsafeRawPointer(p + i).assumingMemoryBound(to: __m128i.self))
                let special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space))
                let bits = _mm_movemask_epi8(special)
                if bits != 0 { return i + Int(bits.trailingZeroBitCount) }
                i += 16
            }
        #endif
        while i + 8 <= end, !hasStringSpecial(word(p, i)) { i += 8 }
        while i < end {
            let b = p[i]
            if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { return i }
            i += 1
        }
        return end
    }

    /// Whether a byte of `x` makes a CSV cell need quotes: `,`, `"`, CR or LF (all below `-`).
    @inline(__always) static func hasCSVSpecial(_ x: UInt64) -> Bool {
        hasByte(x, below: 0x2D)
            && (hasByte(x, equalTo: 0x2C) || hasByte(x, equalTo: 0x22) || hasByte(x, equalTo: 0x0D) || hasByte(x, equalTo: 0x0A))
    }

    /// Whether `a` comes before `b` byte-wise in UTF-8, as `a.utf8.lexicographicallyPrecedes(b.utf8)`
    /// says, compared with `memcmp` rather than one byte at a time.
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in compare(x, y) < 0 } }
    }

    /// Byte-wise three-way order of `x` and `y`: negative when `x` comes first, zero when they
    /// are equal, positive when `y` comes first (a prefix comes first).
    static func compare(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(x.count, y.count)
        if common > 0 {
            let c = memcmp(x.baseAddress!, y.baseAddress!, common)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}
