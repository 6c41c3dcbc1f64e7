import Foundation
import Testing

@testable import ChargebackKit

@Suite("Compact content: session log URLs, instance names and compute units as documents and jobs hold them")
struct CompactContentTests {
    static let urls = [
        "logservice/api/v1/jobs/8zcuMdImeshidZ4XVExs20/logs",
        "logservice/api/v1//jobs/6pqqt9KTgi3l9jyVnAajei/logs",
        "https://h/logservice/api/v1/jobs/ABC/logs?x=1",
        "a/jobs/" + String(repeating: "X", count: 23) + "/logs",
        "a/jobs/" + String(repeating: "Y", count: 24) + "/logs",
        "a/jobs/Jos\u{00E9}/logs",
        "jobs/ABC/logs", "/jobs/ABC/logs", "x/jobs//logs", "x/jobz/ABC/logs", "/logs", "", "no job here", "a/jobs/ABC/logs/",
    ]

    @Test("every URL reads back exactly, with the job ID jobId(fromSessionLogUrl:) gives, from a string or from bytes")
    func roundTrip() {
        var interner = ByteInterner()
        for url in Self.urls {
            let link = SessionLogLink(url)
            #expect(link.url == url)
            #expect(link.jobId == jobId(fromSessionLogUrl: url), "\(url)")
            var copy = url
            let fromBytes = copy.withUTF8 { SessionLogLink(bytes: $0, interner: &interner) }
            #expect(fromBytes == link, "\(url)")
            #expect(fromBytes.hashValue == link.hashValue, "\(url)")
        }
        // The usual ones keep only a shared prefix and an inline ID.
        let usual = Self.urls.filter { if case .usual = SessionLogLink($0) { true } else { false } }
        #expect(usual == [Self.urls[0], Self.urls[1], Self.urls[3], Self.urls[5], "/jobs/ABC/logs"])
    }

    @Test("the byte forms of a job's job ID, instance name and session log URL equal its String forms")
    func appendedFieldsEqualStrings() {
        func bytes(_ f: (inout [UInt8]) -> Void) -> String {
            var b: [UInt8] = [0x21]
            f(&b)
            return String(decoding: b.dropFirst(), as: UTF8.self)
        }
        var checked = 0
        for url in Self.urls + [nil] {
            for jobId in [nil, "8zcuMdImeshidZ4XVExs20", "ABC", "", "other-ID"] {
                for (task, run, instance) in [
                    ("t", 5, "t-5"), ("t", -7, "t--7"), ("Täsk", 12, "Täsk-12"), (nil, 5, "x-5"), ("t", nil, nil), (nil, nil, "name"), ("t", 5, "t-6"),
                ] as [(String?, Int64?, String?)] {
                    let job = JobRecord(
                        jobId: jobId, orgId: "o", user: "u", runtimeEnvId: "e", codeTaskId: 1, codeTaskName: task, instanceName: instance,
                        runId: run, state: .succeeded, startTime: 0, startEstimated: false, endTime: nil, errorMessage: nil, sessionLogUrl: url,
                        assignedCU: nil, consumedCU: nil, source: SourceLocation(path: "x", position: .whole, fileOrder: 0))
                    #expect(bytes { job.appendJobId(to: &$0) } == job.jobId ?? "", "\(url ?? "-") \(jobId ?? "-")")
                    #expect(bytes { job.appendInstanceName(to: &$0) } == job.instanceName ?? "", "\(task ?? "-") \(instance ?? "-")")
                    #expect(bytes { job.appendSessionLogUrl(to: &$0) } == job.sessionLogUrl ?? "")
                    #expect(job.sessionLogUrl == url && job.instanceName == instance)
                    checked += 1
                }
            }
        }
        #expect(checked == 15 * 5 * 7)
    }

    @Test("different URLs are different links; the same URL is the same link however it was read")
    func equality() {
        let links = Self.urls.map(SessionLogLink.init)
        for (i, a) in links.enumerated() {
            for (j, b) in links.enumerated() { #expect((a == b) == (i == j), "\(Self.urls[i]) vs \(Self.urls[j])") }
        }
        var content = DocumentContent(state: .succeeded)
        content.sessionLogUrl = Self.urls[0]
        #expect(content.sessionLogUrl == Self.urls[0])
        content.sessionLogUrl = nil
        #expect(content.sessionLogUrl == nil && content == DocumentContent(state: .succeeded))
    }

    @Test("an instance name kept as the usual <task>-<run> mark reads back the same, in any order of setting, and survives later changes")
    func usualInstanceName() {
        var a = DocumentContent(state: .succeeded)
        a.codeTaskName = "Demo"
        a.runId = 2
        a.instanceName = "Demo-2"
        var b = DocumentContent(state: .succeeded)
        b.instanceName = "Demo-2"
        b.runId = 2
        b.codeTaskName = "Demo"
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a.instanceName == "Demo-2" && b.instanceName == "Demo-2")
        // A later change of the task or the run does not change the instance name.
        a.runId = 3
        #expect(a.instanceName == "Demo-2")
        a.codeTaskName = nil
        #expect(a.instanceName == "Demo-2")
        a.codeTaskName = "Demo"
        a.runId = 2
        #expect(a == b)
        var c = b
        c.instanceName = "Demo-02"
        #expect(c != b && c.instanceName == "Demo-02")
        c.instanceName = nil
        #expect(c.instanceName == nil)
    }

    @Test("compute units packed into a word read back as the same decimal, print the same, and compare by value; long ones are boxed")
    func packedComputeUnits() throws {
        let texts = [
            "0", "0.0", "1", "1.0", "1.00", "-2.5", "0.1221", "477.0", "2e-3", "1E+5", "72057594037927935", "72057594037927936",
            "123456789012345678901234567890", "0.000000000000000000000000000000000000000000000000000000000000001",
            "0.00000000000000000000000000000000000000000000000000000000000000000001", "12345678901234567890123456789012345678",
        ]
        for text in texts {
            let value = try #require(ExactDecimal.parse(text), "\(text)")
            var c = DocumentContent(state: .succeeded)
            c.consumedCU = value
            c.assignedCU = -value
            #expect(c.consumedCU == value && c.assignedCU == -value, "\(text)")
            #expect(ExactDecimal.plain(try #require(c.consumedCU)) == ExactDecimal.plain(value), "\(text)")
            #expect(ExactDecimal.plain(try #require(c.assignedCU)) == ExactDecimal.plain(-value), "\(text)")
            c.consumedCU = nil
            #expect(c.consumedCU == nil && c.assignedCU == -value)
            c.assignedCU = nil
            #expect(c == DocumentContent(state: .succeeded), "\(text): no box left behind")
        }
        // `1.0` and `1.00` are one value, so two documents differing only so are duplicates.
        var a = DocumentContent(state: .succeeded), b = a
        a.consumedCU = ExactDecimal.parse("1.0")
        b.consumedCU = ExactDecimal.parse("1.00")
        #expect(a == b && a.hashValue == b.hashValue)
        b.consumedCU = ExactDecimal.parse("1.01")
        #expect(a != b)
        b.consumedCU = nil
        #expect(a != b)
        // A boxed value next to an instance name and a log location in the same box.
        var c = DocumentContent(state: .failed)
        c.codeTaskName = "T"
        c.runId = 1
        c.instanceName = "unusual"
        c.agentJobLogUrl = "https://agent/log"
        c.consumedCU = ExactDecimal.parse("123456789012345678901234567890")
        c.instanceName = "T-1"
        #expect(c.instanceName == "T-1" && c.agentJobLogUrl == "https://agent/log")
        #expect(c.consumedCU == ExactDecimal.parse("123456789012345678901234567890"))
        c.agentJobLogUrl = nil
        c.consumedCU = ExactDecimal.parse("5")
        var d = DocumentContent(state: .failed)
        d.consumedCU = ExactDecimal.parse("5")
        d.instanceName = "T-1"
        d.runId = 1
        d.codeTaskName = "T"
        #expect(c == d && c.hashValue == d.hashValue)
    }

    @Test("a plain number read straight into a packed word is the word its Decimal packs to: 60,000 seeded spellings, signs, dots and zeros")
    func plainDigitsPackLikeDecimals() {
        var rng = seededRNG(56, 57)
        var spellings = [
            "0", "-0", "0.0", "-0.000", "+7", "7.", ".5", "-.5", "100", "3.50", "0.1220", "1000000000000000000", "123456789012345678",
            "72057594037927936", "72057594037927935", "1e3", "1.2.3", "", "-", "+", ".", "--1", "1-", " 1", "0x10", "00012.3400",
        ]
        for _ in 0..<60_000 {
            var text = ""
            switch rng.next() % 4 {
            case 0: text += "-"
            case 1: text += rng.next() % 8 == 0 ? "+" : ""
            default: break
            }
            let whole = Int(rng.next() % 12), fraction = Int(rng.next() % 12)
            for k in 0..<whole { text += String(k == 0 && rng.next() % 3 == 0 ? 0 : rng.next() % 10) }
            if fraction > 0 || rng.next() % 5 == 0 { text += "." }
            for _ in 0..<fraction { text += String(rng.next() % 3 == 0 ? 0 : rng.next() % 10) }
            spellings.append(text)
        }
        var disagreements = 0, read = 0, left = 0
        for text in spellings {
            let bytes = Array(text.utf8)
            let direct = bytes.withUnsafeBufferPointer { PackedDecimal.parse(plain: $0) }
            let viaDecimal = bytes.withUnsafeBufferPointer { ExactDecimal.parse(bytes: $0) }
            if let direct {
                read += 1
                // The same word, and the same sign as the value itself.
                if viaDecimal == nil || PackedDecimal(viaDecimal!) != direct.word || direct.negative != (viaDecimal! < 0) { disagreements += 1 }
            } else {
                left += 1
                // Left to the Decimal path only when that path reads no number or one the word
                // cannot hold, or the spelling is beyond the short path (exponent, 19+ digits).
                if let v = viaDecimal, PackedDecimal(v) != nil, !text.contains("e"), text.filter(\.isNumber).count <= 18 { disagreements += 1 }
            }
        }
        #expect(disagreements == 0)
        #expect(read > 50_000 && left > 10)
    }

    @Test("pooled text: one number per text, told apart by bytes (NFC and NFD stay distinct), the same from many threads")
    func pooledText() {
        let nfc = "Caf\u{E9}", nfd = "Cafe\u{301}"
        #expect(nfc == nfd)  // Equal as Swift strings (canonical equivalence)...
        let a = PooledText(nfc), b = PooledText(nfd)
        #expect(a != b)  // ...but two texts here, each read back with its own bytes.
        #expect(Array(a.string!.utf8) == Array(nfc.utf8) && Array(b.string!.utf8) == Array(nfd.utf8))
        #expect(PooledText(nil) == .none && PooledText.none.string == nil)
        #expect(PooledText("") != .none && PooledText("").string == "")
        var c = DocumentContent(state: .succeeded), d = c
        c.orgId = nfc
        d.orgId = nfd
        #expect(c != d && Array(d.orgId!.utf8) == Array(nfd.utf8))
        // 8 threads pool the same 5,000 new texts in different orders: one number each.
        let texts = (0..<5000).map { "pool-test-\($0)" }
        let numbers = LockedSlots<[UInt32]>(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            let order = k % 2 == 0 ? Array(texts.indices) : texts.indices.reversed()
            var mine = [UInt32](repeating: 0, count: texts.count)
            for i in order { mine[i] = PooledText(texts[i]).number }
            numbers.store(mine, at: k)
        }
        let all = numbers.values()
        #expect(all.allSatisfy { $0 == all[0] })
        #expect(Set(all[0]).count == texts.count)
        #expect(all[0].enumerated().allSatisfy { i, n in TextPool.shared.text(n) == texts[i] })
        // Each thread reads its own copies of short texts, and the shared long ones: the same
        // bytes on every thread.
        let mixed = texts.prefix(500) + (0..<50).map { "long-" + String(repeating: "é", count: 100 + $0) }
        let numbersOfMixed = mixed.map { PooledText($0) }
        let agree = LockedSlots<Bool>(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            var ok = true
            for _ in 0..<2 {
                for (text, n) in zip(mixed, numbersOfMixed) where n.string.map({ Array($0.utf8) }) != Array(text.utf8) { ok = false }
            }
            agree.store(ok, at: k)
        }
        #expect(agree.values() == [true, true, true, true])
    }

    @Test("pooled bytes read in place: the same UTF-8 as the text, also for texts filling and overflowing the pool's blocks")
    func pooledBytes() {
        // Lengths around the pool's block sizes (1 MiB blocks; a text over 256 KiB gets its own).
        let lengths = [0, 1, 15, 16, 127, 128, 129, 4095, 262_143, 262_144, 262_145, 700_000, 1_048_576]
        var texts = lengths.map { n in String(decoding: (0..<n).map { UInt8(ascii: "a") + UInt8($0 % 26) }, as: UTF8.self) }
        texts += (0..<3000).map { "block-filler-\($0)-" + String(repeating: "\u{E9}", count: 200 + $0 % 300) }
        let pooled = texts.map { PooledText($0) }
        for (text, p) in zip(texts, pooled) {
            #expect(Array(p.utf8) == Array(text.utf8), "\(text.utf8.count) bytes")
            var appended: [UInt8] = [1]
            p.append(to: &appended)
            #expect(appended == [1] + Array(text.utf8))
            #expect(p.string == text)
        }
        var none: [UInt8] = []
        PooledText.none.append(to: &none)
        #expect(none.isEmpty && PooledText.none.utf8.isEmpty)
        // The same bytes pooled from a buffer are the same text.
        var copy = texts[20]
        #expect(copy.withUTF8 { PooledText(bytes: $0) } == pooled[20])
    }

    @Test("a pooled text cell is written as the same text's cell: quoted, neutralised or left as it is")
    func pooledCSVCells() {
        let texts = [
            "", "plain", "with,comma", "with \"quote\"", "line\nbreak", "cr\rhere", "=SUM(A1)", "+1", "-minus", "@at", "\ttab",
            "a=b", "12345678,", "long text without specials " + String(repeating: "x", count: 300), "Caf\u{E9}",
            String(repeating: "y", count: 17) + "\"", "-",
        ]
        for text in texts {
            var viaString = CSVWriter(), viaPool = CSVWriter()
            viaString.text("x")
            viaString.text(text)
            viaString.endRow()
            viaPool.text("x")
            viaPool.text(PooledText(text))
            viaPool.endRow()
            #expect(viaPool.bytes == viaString.bytes, "\(text)")
        }
        var absent = CSVWriter(), named = CSVWriter()
        absent.text(PooledText.none, absent: unknownValue)
        named.text(unknownValue)
        #expect(absent.bytes == named.bytes && String(decoding: absent.bytes, as: UTF8.self) == "(unknown)")
        var empty = CSVWriter()
        empty.text(PooledText.none)
        empty.text("b")
        #expect(String(decoding: empty.bytes, as: UTF8.self) == ",b")
    }

    @Test("a source location in sixteen bytes: path, position and file rank read back, sort and print as given")
    func compactSourceLocation() {
        #expect(MemoryLayout<ChargebackKit.SourceLocation>.size == 16)
        let positions: [ChargebackKit.SourceLocation.Position] = [.whole, .line(1), .line(123_456_789_012), .index(0), .index(7)]
        for (rank, position) in positions.enumerated() {
            var s = ChargebackKit.SourceLocation(path: "dir/Caf\u{E9}.ndjson", position: position, fileOrder: rank * 1000)
            #expect(s.position == position && s.fileOrder == rank * 1000 && s.path == "dir/Caf\u{E9}.ndjson")
            s.path = "other.json"
            s.fileOrder = 3
            #expect(s.path == "other.json" && s.fileOrder == 3 && s.position == position)
        }
        let a = ChargebackKit.SourceLocation(path: "a", position: .line(9), fileOrder: 0)
        let b = ChargebackKit.SourceLocation(path: "a", position: .line(10), fileOrder: 0)
        let whole = ChargebackKit.SourceLocation(path: "b", position: .whole, fileOrder: 1)
        let first = ChargebackKit.SourceLocation(path: "b", position: .index(0), fileOrder: 1)
        #expect(a < b && b < whole && whole < first && !(first < whole))
        #expect([a.description, first.description, whole.description] == ["a:9", "b#0", "b"])
        var bytes: [UInt8] = []
        b.appendDescription(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "a:10")
    }

    @Test("a reading thread's table finds each text's pooled number from its bytes, also after it grows")
    func byteInterner() {
        var table = ByteInterner()
        let texts = (0..<3000).map { "interner-\($0)-" + String(repeating: "x", count: $0 % 40) } + ["Caf\u{E9}", "Cafe\u{301}", "a"]
        for round in 0..<2 {
            for text in texts {
                var copy = text
                let pooled = copy.withUTF8 { table.intern($0) }
                #expect(pooled == PooledText(text), "round \(round): \(text)")
                #expect(pooled.string.map { Array($0.utf8) } == Array(text.utf8))
            }
        }
    }
}
