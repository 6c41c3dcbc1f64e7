import Foundation
import Testing

@testable import ChargebackKit

@Suite("JSON text for the manifest, archives and focus.csv")
struct JSONTextTests {
    static let hostile = "quote \" backslash \\ newline \n tab \t bell \u{07} del \u{7F} caf\u{00E9} \u{1F600} /slash"

    @Test("pretty-printed: two-space indentation, escapes only where JSON needs them, UTF-8 kept")
    func rendered() {
        let doc = JSONText.object([
            ("a", .array([.int(1), .null, .bool(true)])), ("b", .object([])), ("c", .array([])), ("s", .string(Self.hostile)),
        ])
        #expect(
            doc.rendered
                == "{\n  \"a\": [\n    1,\n    null,\n    true\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"s\": \"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 del \u{7F} caf\u{00E9} \u{1F600} /slash\"\n}\n"
        )
        #expect(doc.renderedBytes == Array(doc.rendered.utf8))
    }

    @Test("compact: one line, ASCII only (non-ASCII as \\u escapes, astral characters as surrogate pairs)")
    func compact() throws {
        let doc = JSONText.object([("k\u{00E9}", .string(Self.hostile)), ("n", .array([.int(-3)]))])
        #expect(
            doc.compact
                == "{\"k\\u00e9\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 del \\u007f caf\\u00e9 \\ud83d\\ude00 /slash\",\"n\":[-3]}")
        // An independent parser reads back the same text.
        let parsed = try JSONSerialization.jsonObject(with: Data(doc.compact.utf8)) as? [String: Any]
        #expect(parsed?["k\u{00E9}"] as? String == Self.hostile)
    }

    @Test("plain strings copied whole, a lone DEL escaped only in compact text, and integers at their limits")
    func plainStringsAndIntegers() {
        let doc = JSONText.array([
            .string(""), .string("/tmp/in/2026-10-01.json"), .string("a\u{7F}b"), .int(0), .int(-3), .int(Int.max), .int(Int.min),
        ])
        #expect(doc.compact == "[\"\",\"/tmp/in/2026-10-01.json\",\"a\\u007fb\",0,-3,9223372036854775807,-9223372036854775808]")
        #expect(
            doc.rendered
                == "[\n  \"\",\n  \"/tmp/in/2026-10-01.json\",\n  \"a\u{7F}b\",\n  0,\n  -3,\n  9223372036854775807,\n  -9223372036854775808\n]\n")
    }
}
