import Foundation
import Testing

@testable import ChargebackKit

@Suite("The JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        let bytes = Array(text.utf8)
        let r: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { b in
            var p = JSONParser(b)
            return Result { () throws(JSONSyntaxError) in try p.parseDocument() }
        }
        return try r.get()
    }

    @Test("numbers keep their text; strings decode every escape")
    func values() throws {
        #expect(
            try parse("[0.1, -2e-3, 477.0, 12345678901234567890123]")
                == .array([.number("0.1"), .number("-2e-3"), .number("477.0"), .number("12345678901234567890123")]))
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\udcb8""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\té💸"))
        #expect(try parse(#""lone \ud800 surrogate""#) == .string("lone \u{FFFD} surrogate"))
        #expect(try parse(#"{"a":{"b":[true,false,null]}}"#) == .object(["a": .object(["b": .array([.bool(true), .bool(false), .null])])]))
    }

    @Test(
        "syntax errors are errors",
        arguments: [
            "", "{", "{\"a\":}", "[1,]", "01", "1.", "-", "tru", "\"\u{01}\"", "{\"a\":1}x", "\"\\x\"", "{'a':1}",
            String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        ])
    func errors(text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test("invalid UTF-8 inside a string is a syntax error")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        let r: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { b in
            var p = JSONParser(b)
            return Result { () throws(JSONSyntaxError) in try p.parseDocument() }
        }
        #expect(throws: JSONSyntaxError.self) { try r.get() }
    }

    @Test("array elements and top-level members come with their byte spans")
    func spans() throws {
        let text = #"[ {"response": {"x": 1} , "jobId":"J"} , {"a":2} ]"#
        let bytes = Array(text.utf8)
        let elements = try bytes.withUnsafeBufferPointer { b in
            var p = JSONParser(b)
            return try p.parseArrayElements()
        }
        #expect(elements.count == 2)
        #expect(String(decoding: bytes[elements[0].span], as: UTF8.self) == #"{"response": {"x": 1} , "jobId":"J"}"#)
        #expect(String(decoding: bytes[elements[0].memberSpans["response"]!], as: UTF8.self) == #"{"x": 1}"#)
        #expect(String(decoding: bytes[elements[1].span], as: UTF8.self) == #"{"a":2}"#)
    }

    @Test("the eight-byte tests say what byte-by-byte tests say: every byte value at every place, and 200,000 seeded words")
    func eightBytesAtATime() {
        func words() -> [[UInt8]] {
            var out: [[UInt8]] = []
            for value in 0...255 {
                for place in 0..<8 {
                    var w = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                    w[place] = UInt8(value)
                    out.append(w)
                }
            }
            var rng = seededRNG(8, 8)
            let likely: [UInt8] = [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x2B, 0x2C, 0x2D, 0x2E, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xC3, 0xFF]
            for _ in 0..<200_000 {
                out.append((0..<8).map { _ in rng.next() % 2 == 0 ? likely[Int(rng.next() % UInt64(likely.count))] : UInt8(truncatingIfNeeded: rng.next()) })
            }
            return out
        }
        var mismatches = 0
        for w in words() {
            let x = w.withUnsafeBufferPointer { ByteScan.word($0.baseAddress!, 0) }
            let string = w.contains { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 >= 0x80 }
            let csv = w.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
            if ByteScan.hasStringSpecial(x) != string || ByteScan.hasCSVSpecial(x) != csv { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}

@Suite("Sixteen bytes at a time")
struct SixteenByteScanTests {
    /// The first JSON string special byte of `bytes[start..<end]`, one byte at a time.
    func reference(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int {
        (start..<end).first { bytes[$0] == 0x22 || bytes[$0] == 0x5C || bytes[$0] < 0x20 || bytes[$0] >= 0x80 } ?? end
    }

    @Test("firstStringSpecial finds what a byte-by-byte scan finds: every byte value at every place of 40, from every start, and 20,000 seeded runs")
    func firstStringSpecial() {
        var mismatches = 0, found = 0
        func check(_ bytes: [UInt8], _ start: Int, _ end: Int) {
            let got = bytes.withUnsafeBufferPointer { ByteScan.firstStringSpecial($0.baseAddress!, from: start, to: end) }
            let want = reference(bytes, start, end)
            if got != want { mismatches += 1 }
            if want < end { found += 1 }
        }
        for value in 0...255 {
            for place in 0..<40 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
                bytes[place] = UInt8(value)
                for start in [0, 1, 7, 15, 16, 17, 31] { check(bytes, start, 40) }
                // A special byte past `end` is not seen.
                check(bytes, 0, place)
            }
        }
        var rng = seededRNG(16, 16)
        let likely: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xC3, 0xFF]
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 70)
            let bytes = (0..<count).map { _ in
                rng.next() % 24 == 0 ? likely[Int(rng.next() % UInt64(likely.count))] : UInt8(ascii: "a") + UInt8(rng.next() % 26)
            }
            let start = count == 0 ? 0 : Int(rng.next() % UInt64(count))
            check(bytes, start, count)
        }
        #expect(mismatches == 0)
        // Most cases do meet a special byte, so the comparison says something.
        #expect(found > 20_000)
    }
}
