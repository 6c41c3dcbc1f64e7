import Foundation
import Testing

@testable import ChargebackKit

/// The reader's fast path (`FastDocumentDecoder`) must read every document exactly as the
/// general path (`JSONParser` + `DocumentDecoder`) does: the same documents with the same
/// content, place and text, and the same rejects in the same words.
@Suite("The fast path reads every document as the general path does")
struct FastPathTests {
    func read(_ dir: TempDir, _ paths: [String], fast: Bool, threads: Int = 2) throws -> ReadResult {
        let plan = try InputPlan(paths: paths, workingDirectory: dir.url)
        var reader = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: threads)
        reader.useFastPath = fast
        return reader.read(plan)
    }

    func expectSame(_ a: ReadResult, _ b: ReadResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(a.documents.count == b.documents.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a.documents, b.documents) {
            #expect(x.content == y.content, "\(x.source)", sourceLocation: sourceLocation)
            #expect(x.source == y.source, sourceLocation: sourceLocation)
            #expect(x.text == y.text, "\(x.source)", sourceLocation: sourceLocation)
            #expect(x.jobId == y.jobId && x.orgId == y.orgId && x.fetchedAt == y.fetchedAt, "\(x.source)", sourceLocation: sourceLocation)
        }
        #expect(a.rejects == b.rejects, sourceLocation: sourceLocation)
        #expect(a.files == b.files, sourceLocation: sourceLocation)
    }

    /// Documents at the edges of what the fast path takes and what it leaves alone.
    static let variants: [String] = [
        docA(),
        docA(["errorMessage": "quote \" backslash \\ tab \t newline \n slash / unicode \u{00E9}\u{1F600}"]),
        docA(["startedBy": "Jos\u{00E9} Mu\u{00F1}oz"]),
        docA(["assetName": "caf\\u00e9"]).replacingOccurrences(of: "\\\\u00e9", with: "\\u00e9"),
        docA(["unknownField": ["nested": [1, 2, 3]]]),
        docA(["unknownField": "x", "otherUnknown": Raw("true"), "third": Raw("-1.5e3")]),
        docA(["status": "completed", "consumedServerlessComputeUnits": Raw("0.0000000000000000001")]),
        docA(["consumedServerlessComputeUnits": Raw("1e-3"), "assignedServerlessComputeUnits": Raw("4.50")]),
        docA(["consumedServerlessComputeUnits": "1.25"]),
        docA(["consumedServerlessComputeUnits": "-0.5", "assignedServerlessComputeUnits": "4"]),
        docA(["consumedServerlessComputeUnits": "", "runId": "2.0"]),
        docA(["consumedServerlessComputeUnits": " 1", "runId": "2.5"]),
        docA(["assignedServerlessComputeUnits": "1e3", "codeTaskId": "9223372036854775808"]),
        docA(["assignedServerlessComputeUnits": "abc", "runId": "-7"]),
        docA(["consumedServerlessComputeUnits": "0.0423", "runId": "21", "codeTaskId": "498"]),
        docA(["codeTaskId": "2", "runId": Raw("2.0")]),
        docA(["codeTaskId": Raw("9223372036854775807"), "runId": Raw("-9223372036854775808")]),
        docA(["codeTaskId": Raw("9223372036854775808")]),
        docA(["runId": Raw("1e400")]),
        docA(["consumedServerlessComputeUnits": Raw("-0.5")]),
        docA(["consumedServerlessComputeUnits": Raw("-0")]),
        docA(["consumedServerlessComputeUnits": Raw("123456789012345678901234567890123456789")]),
        docA(["startTime": "2026-10-04T12:00:00Z", "endTime": "2026-10-04T11:00:00Z"]),
        docA(["startTime": "2026-10-04T10:00:00+02:00", "endTime": "2026-10-04 10:05:00.123456789"]),
        docA(["startTime": "2026-02-30T10:00:00"]),
        docA(["startTime": "", "endTime": Raw("null"), "updateTime": Raw("17")]),
        docA(["status": "DONE"]),
        docA(["status": "", "executionState": "RUNNING"]),
        docA(["status": Raw("null"), "executionState": "Stopped"]),
        docA(["status": Raw("1")]),
        docA(["status": "sUcCeSs"]),
        docA(["status": "\u{017F}ucceeded"]),
        docA(["status": "Runn\u{0131}ng"]),
        docA(["status": "SUCCEEDE"]),
        docA(["status": "FAILED "]),
        docA(["status": "queued", "executionState": Raw("1")]),
        docA(["status": Raw("2"), "executionState": "RUNNING"]),
        docA(["status": "", "executionState": "starting"]),
        docA(["status": "canceled", "executionState": "COMPLETED"]),
        docA(["executionState": Raw("true")]),
        docA(["orgId": "", "sessionLogUrl": Raw("null")]),
        docA(["sessionLogUrl": "logservice/api/v1/jobs/ABC/logs?x=1"]),
        docA(["sessionLogUrl": "no job here", "orgId": Raw("null")]),
        docA(["runtimeEnvId": Raw("null"), "agentGroupId": "AG1", "assetName": Raw("null"), "codeTaskName": "B"]),
        docA(["errorMessage": "", "firstErrorMessage": "first"]),
        docA(["instanceName": Raw("false")]),
        docA(["instanceName": "Demo-3"]),
        docA(["instanceName": "Demo-2", "runId": Raw("null")]),
        docA(["instanceName": Raw("\"Demo\\u002d2\"")]),
        docA(["orgId": Raw("[]")]),
        "{\"status\":\"SUCCEEDED\",\"status\":\"FAILED\",\"orgId\":\"o\",\"codeTaskId\":1,\"runId\":1,\"startTime\":\"2026-10-04T10:00:00\"}",
        "{\"x\":1,\"x\":2,\"status\":\"SUCCEEDED\",\"orgId\":\"o\",\"codeTaskId\":1,\"runId\":1,\"startTime\":\"2026-10-04T10:00:00\"}",
        "{\"st\\u0061tus\":\"SUCCEEDED\",\"orgId\":\"o\",\"codeTaskId\":1,\"runId\":1,\"startTime\":\"2026-10-04T10:00:00\"}",
        "{ \"status\" : \"SUCCEEDED\" ,\t\"orgId\":\"o\" , \"codeTaskId\" : 1 , \"runId\":1 ,\"startTime\":\"2026-10-04T10:00:00\" }",
        "{\"status\":\"SUCCEEDED\",\"orgId\":\"o\",\"codeTaskId\":1,\"runId\":1,\"startTime\":\"2026-10-04T10:00:00\",}",
        "{\"status\":\"SUCCEEDED\",\"orgId\":\"o\",\"codeTaskId\":01,\"runId\":1}",
        "{\"status\":\"SUCCEEDED\",\"orgId\":\"o\",\"codeTaskId\":1,\"runId\":1} trailing",
        "{\"status\":\"SUCCEEDED\",\"orgId\":\"bad \\x escape\",\"codeTaskId\":1,\"runId\":1}",
        "{\"status\":\"SUCCEEDED\",\"orgId\":\"o\",\"codeTaskId\":1,\"runId\":1,\"note\":\"\\ud83d\\ude00 \\ud83d\"}",
        "{}",
        "[]",
        "\"just a string\"",
        "{\"jobId\":\"J1\",\"fetchedAt\":\"2026-10-04T10:00:00Z\",\"httpStatus\":200,\"response\":" + docA() + "}",
        "{\"response\":" + docA() + ",\"note\":1}",
        "{\"jobId\":\"J1\",\"status\":\"SUCCEEDED\",\"orgId\":\"o\",\"codeTaskId\":1,\"runId\":1,\"startTime\":\"2026-10-04T10:00:00\"}",
    ]

    @Test("edge documents, as NDJSON lines and as files of their own: the same documents and rejects either way")
    func variantsBothWays() throws {
        let dir = try TempDir()
        try dir.write("in/lines.ndjson", Self.variants.joined(separator: "\n") + "\n")
        for (i, v) in Self.variants.enumerated() {
            try dir.write("in/one/\(String(format: "%03d", i)).json", "\n  " + v.replacingOccurrences(of: ",\"", with: ",\n    \"") + "\n")
        }
        let fast = try read(dir, ["in"], fast: true)
        let general = try read(dir, ["in"], fast: false)
        expectSame(fast, general)
        // Both kinds of outcome are present, so the comparison covers the fast path's accepting
        // and its declining.
        #expect(general.documents.count >= 40)
        #expect(general.rejects.count >= 30)
    }

    @Test("the usual documents are taken by the fast path (it does not quietly decline them all)")
    func usualDocumentsAreFast() throws {
        let text = docA(["errorMessage": "line one\nline \"two\""])
        var decoder = FastDocumentDecoder(inputZone: .utc)
        let src = ChargebackKit.SourceLocation(path: "x", position: .line(1), fileOrder: 0)
        let doc = text.utf8.withContiguousStorageIfAvailable { decoder.decode($0, 0..<$0.count, source: src, ownText: nil) } ?? nil
        let reference = try decodeOne(text).get()
        #expect(doc?.content == reference.content)
        #expect(doc?.content.consumedCU == Decimal(string: "1.25"))
        #expect(doc?.content.errorMessage == "line one\nline \"two\"")
        #expect(doc?.jobId == "8zcuMdImeshidZ4XVExs20")
        // Numbers written as strings, as some documents carry them, are read here too.
        let quoted = docA(["consumedServerlessComputeUnits": "0.0423", "runId": "21", "codeTaskId": "498"])
        let quotedDoc = quoted.utf8.withContiguousStorageIfAvailable { decoder.decode($0, 0..<$0.count, source: src, ownText: nil) } ?? nil
        #expect(quotedDoc?.content == (try decodeOne(quoted).get()).content)
        #expect(quotedDoc?.content.consumedCU == Decimal(string: "0.0423") && quotedDoc?.content.runId == 21)
    }

    @Test("strings with escapes in pooled fields, seen again and again: each decoded as the general path does, a bad one declined")
    func repeatedEscapes() throws {
        let messages = [
            Raw("\"quote \\\" backslash \\\\ slash \\/ tab \\t\""), Raw("\"caf\\u00e9 \\ud83d\\ude00\""), Raw("\"lone \\ud83d here\""),
            Raw("\"lone low \\udc00\""), Raw("\"caf\u{00E9} \\n\""), Raw("\"caf\\u00e9 \\n\""), Raw("\"bad \\x escape\""),
            Raw("\"bad \\u12 short\""), Raw("\"quote \\\" backslash \\\\ slash \\/ tab \\q\""),
        ]
        var lines: [String] = []
        for round in 0..<3 {
            for (i, m) in messages.enumerated() {
                lines.append(docA(["errorMessage": m, "runId": round * 100 + i]))
                lines.append(docA(["startedBy": m, "codeTaskName": m, "runId": 1000 + round * 100 + i]))
            }
        }
        let dir = try TempDir()
        try dir.write("in/escapes.ndjson", lines.joined(separator: "\n") + "\n")
        let fast = try read(dir, ["in"], fast: true, threads: 1)
        let general = try read(dir, ["in"], fast: false, threads: 1)
        expectSame(fast, general)
        // Six messages decode, three are rejected, in both fields, in every round.
        #expect(general.documents.count == 3 * 2 * 6 && general.rejects.count == 3 * 2 * 3)
        #expect(fast.documents.first?.content.errorMessage == "quote \" backslash \\ slash / tab \t")
        #expect(fast.documents.dropFirst(2).first?.content.errorMessage == "caf\u{00E9} \u{1F600}")
        #expect(fast.documents.dropFirst(4).first?.content.errorMessage == "lone \u{FFFD} here")
        // The fast decoder itself takes a repeated message (from its table the second time)
        // and declines a bad escape next to it.
        var decoder = FastDocumentDecoder(inputZone: .utc)
        let src = ChargebackKit.SourceLocation(path: "x", position: .line(1), fileOrder: 0)
        func decode(_ text: String) -> JobDocument? {
            text.utf8.withContiguousStorageIfAvailable { decoder.decode($0, 0..<$0.count, source: src, ownText: nil) } ?? nil
        }
        for _ in 0..<2 { #expect(decode(lines[0])?.content.errorMessage == "quote \" backslash \\ slash / tab \t") }
        #expect(decode(lines[2])?.content.errorMessage == "caf\u{00E9} \u{1F600}")
        #expect(decode(lines[12]) == nil && decode(lines[16]) == nil)
    }

    @Test("the bundled samples: the same documents and rejects either way, with one thread or two")
    func samples() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = try TempDir()
        try FileManager.default.createSymbolicLink(at: dir.url.appendingPathComponent("samples"), withDestinationURL: root.appendingPathComponent("samples"))
        let fast = try read(dir, ["samples"], fast: true, threads: 1)
        expectSame(fast, try read(dir, ["samples"], fast: false, threads: 2))
        #expect(fast.documents.count > 1500)
    }

    @Test("10,000 random corruptions of documents (seeded): the same documents and rejects either way")
    func mutations() throws {
        var rng = seededRNG(2026, 0)
        let bases = [Self.variants[0], Self.variants[1], Self.variants[2], Self.variants[7], Self.variants[33], Self.variants[14]]
        let alphabet = Array("{}[]\",:\\ \t0123456789.-+eEnulltruefalsxSUCEDFAIL\u{00E9}".utf8)
        var lines: [String] = []
        for _ in 0..<10_000 {
            var bytes = Array(bases[Int(rng.next() % UInt64(bases.count))].utf8)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: bytes.remove(at: at)
                }
            }
            lines.append(String(decoding: bytes.filter { $0 != 0x0A }, as: UTF8.self))
        }
        let dir = try TempDir()
        try dir.write("in/m.ndjson", lines.joined(separator: "\n"))
        let fast = try read(dir, ["in"], fast: true)
        let general = try read(dir, ["in"], fast: false)
        expectSame(fast, general)
        #expect(general.documents.count > 1000)
        #expect(general.rejects.count > 1000)
    }
}

@Suite("Job states read from bytes")
struct JobStateBytesTests {
    /// SPEC's spellings, written out here so that the tests do not read the code's own table.
    static let spellings: [String: JobState] = [
        "QUEUED": .queued, "STARTING": .queued, "RUNNING": .running, "SUCCEEDED": .succeeded, "SUCCESS": .succeeded, "COMPLETED": .succeeded,
        "FAILED": .failed, "CANCELLED": .cancelled, "CANCELED": .cancelled, "STOPPED": .cancelled,
    ]

    @Test("every vendor spelling in every mix of cases, and 50,000 seeded near-misses: the bytes give the spelling's state, or nothing")
    func asciiSpellingAgrees() {
        var candidates: [[UInt8]] = []
        for spelling in Self.spellings.keys.sorted() {
            let upper = Array(spelling.utf8)
            // Bit k of the mask lower-cases letter k; the first 64 masks cover every mix of
            // the first six letters.
            for mask in 0..<64 {
                candidates.append(upper.enumerated().map { k, b in mask >> (k % 6) & 1 == 1 ? b | 0x20 : b })
            }
        }
        var rng = seededRNG(5, 7)
        // One byte changed to a neighbour, a symbol that differs from a letter only in bit 5
        // (`@`, `[`, `^`), or a non-ASCII byte.
        let odd: [UInt8] = [0x40, 0x5B, 0x5E, 0x60, 0x7B, 0x7F, 0xC5, 0xFF, 0x20, 0x00]
        let keys = Self.spellings.keys.sorted()
        for _ in 0..<50_000 {
            var b = Array(keys[Int(rng.next() % UInt64(keys.count))].utf8)
            let at = Int(rng.next() % UInt64(b.count))
            b[at] = rng.next() % 2 == 0 ? b[at] &+ 1 : odd[Int(rng.next() % UInt64(odd.count))]
            candidates.append(b)
        }
        var disagreements = 0, read = 0
        for c in candidates {
            let fromBytes = c.withUnsafeBufferPointer { JobState(asciiSpelling: $0) }
            // The reference: ASCII letters upper-cased by hand, looked up in the table.
            let upper = c.allSatisfy { $0 < 0x80 } ? String(decoding: c.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self) : nil
            let expected = upper.flatMap { Self.spellings[$0] }
            if fromBytes != expected { disagreements += 1 }
            if fromBytes != nil { read += 1 }
        }
        #expect(disagreements == 0)
        #expect(read == Self.spellings.count * 64)
    }

    @Test("a string is upper-cased as Unicode does first: ſ reads as S and dotless ı as I; anything else unknown is nil")
    func vendorSpellingUpperCasesUnicode() {
        #expect(JobState(vendorSpelling: "\u{017F}ucceeded") == .succeeded)
        #expect(JobState(vendorSpelling: "Runn\u{0131}ng") == .running)
        #expect(JobState(vendorSpelling: "canceled") == .cancelled)
        #expect(JobState(vendorSpelling: "DONE") == nil)
        #expect(JobState(vendorSpelling: "succeeded ") == nil)
        #expect(JobState(vendorSpelling: "") == nil)
    }
}
