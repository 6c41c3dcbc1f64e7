/// Text as XML 1.0 allows it. Every string the XML writer receives passes through here, so no
/// report value can make `audit.xml` ill-formed (SPEC 3.6).
public enum XMLText {
    /// The replacement for a character XML 1.0 does not allow.
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// Whether XML 1.0 allows `u` in a document (production `Char`): tab, LF, CR,
    /// U+0020–U+D7FF, U+E000–U+FFFD and U+10000–U+10FFFF.
    public static func isAllowed(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// `text` with every character XML 1.0 does not allow (control characters other than tab,
    /// LF and CR; U+FFFE and U+FFFF) replaced by U+FFFD; nothing else is altered. Swift strings
    /// hold no lone surrogates: the JSON reader already turns an unpaired `\uD800` into U+FFFD.
    public static func sanitized(_ text: String) -> String {
        // Fast path: the UTF-8 of a disallowed character starts with a byte below 0x20 (the
        // C0 controls) or is EF BF BE / EF BF BF (U+FFFE, U+FFFF).
        let clean = text.utf8.withContiguousStorageIfAvailable(isClean) ?? isClean(Array(text.utf8))
        if clean { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            out.append(isAllowed(u) ? u : replacement)
        }
        return String(out)
    }

    private static func isClean<C: Collection>(_ utf8: C) -> Bool where C.Element == UInt8, C.Index == Int {
        var i = utf8.startIndex
        while i < utf8.endIndex {
            let b = utf8[i]
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return false }
            if b == 0xEF, i + 2 < utf8.endIndex, utf8[i + 1] == 0xBF, utf8[i + 2] >= 0xBE { return false }
            i += 1
        }
        return true
    }
}
