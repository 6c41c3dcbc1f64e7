import Crypto
import Foundation
import Testing

@testable import ChargebackKit

/// The byte formatters of the CSV reporters against the `String` formatting they replace.
@Suite("Output formatting into bytes")
struct OutputFormattingTests {
    static func bytes(_ write: (inout [UInt8]) -> Void) -> String {
        var b: [UInt8] = []
        write(&b)
        return String(decoding: b, as: UTF8.self)
    }

    /// Decimals of every shape: small and 64-bit mantissas, trailing zeros in the mantissa,
    /// exponents far on both sides, both signs, and results of arithmetic and parsing.
    static let decimals: [Decimal] = {
        var rng = seededRNG(42, 0)
        var mantissas: [UInt64] = [
            0, 1, 5, 9, 10, 12, 100, 120, 1221, 65_535, 65_536, 4_294_967_295, 4_294_967_296, 1 << 48, UInt64.max, 10_000_000_000_000_000_000,
        ]
        for _ in 0..<60 { mantissas.append(rng.next() >> (rng.next() % 64)) }
        var values: [Decimal] = []
        for m in mantissas {
            for e in stride(from: -45, through: 25, by: 1) {
                values.append(Decimal(sign: .plus, exponent: e, significand: Decimal(m)))
                values.append(Decimal(sign: .minus, exponent: e, significand: Decimal(m)))
            }
        }
        for text in ["0.1", "0.2", "12.5", "0.1220", "-0.0012", "477.0", "2e-3", "1e20", "99999999999999999999.99", "123456789012345678901234567890"] {
            values.append(ExactDecimal.parse(text)!)
        }
        var sum: Decimal = 0
        for _ in 0..<500 {
            let cu = Decimal(sign: .plus, exponent: -Int(rng.next() % 6), significand: Decimal(rng.next() % 1_000_000))
            let rate = Decimal(sign: .plus, exponent: -Int(rng.next() % 4), significand: Decimal(rng.next() % 10_000))
            sum += cu
            values += [cu, cu * rate, ExactDecimal.roundHalfEven(cu * rate, scale: 2), ExactDecimal.roundHalfEven(cu * rate, scale: 0), sum, -sum]
        }
        // Mantissas past 64 bits: the fallback path.
        values += [Decimal(UInt64.max) * 10 + 1, Decimal(UInt64.max) * Decimal(UInt64.max), -(Decimal(UInt64.max) * 7 + 3) / 1000]
        return values
    }()

    @Test("the storage layout the fast decimal path reads is the one Foundation uses")
    func layout() {
        #expect(SmallDecimal.layoutHolds)
        let v = Decimal(sign: .minus, exponent: -4, significand: 12)
        let parts = SmallDecimal(v)
        #expect(parts?.mantissa == 12)
        #expect(parts?.exponent == -4)
        #expect(parts?.negative == true)
        // A mantissa past 64 bits is left to Foundation.
        #expect(SmallDecimal(Decimal(UInt64.max) * 10 + 1) == nil)
        #expect(SmallDecimal(Decimal(UInt64.max) * 1000)?.mantissa == UInt64.max)
    }

    @Test("plain decimals: the fast path prints what Decimal.description prints, for every value")
    func plainMatchesDescription() {
        var checked = 0
        for v in Self.decimals {
            let reference = ExactDecimal.plainByDescription(v)
            #expect(ExactDecimal.plain(v) == reference, "\(reference)")
            #expect(Self.bytes { ExactDecimal.appendPlain(v, to: &$0) } == reference, "\(reference)")
            checked += 1
        }
        #expect(checked > 10_000)
        #expect(ExactDecimal.plain(ExactDecimal.parse("12.50")!) == "12.5")
        #expect(ExactDecimal.plain(0) == "0")
        #expect(ExactDecimal.plain(Decimal(sign: .minus, exponent: -4, significand: 12)) == "-0.0012")
        #expect(ExactDecimal.plain(Decimal(sign: .plus, exponent: 3, significand: 12)) == "12000")
        #expect(ExactDecimal.plain(Decimal(sign: .plus, exponent: -2, significand: 120)) == "1.2")
        #expect(ExactDecimal.plain(Decimal(UInt64.max) * 10 + 1) == "184467440737095516151")
        #expect(ExactDecimal.plain(Decimal(UInt64.max)) == "18446744073709551615")
        #expect(ExactDecimal.plain(Decimal(sign: .plus, exponent: -20, significand: Decimal(UInt64.max))) == "0.18446744073709551615")
    }

    @Test("fixed decimals: the byte path equals fixed(_:digits:) for 0 to 4 digits")
    func fixedMatches() {
        for v in Self.decimals {
            for digits in 0...4 {
                #expect(Self.bytes { ExactDecimal.appendFixed(v, digits: digits, to: &$0) } == ExactDecimal.fixed(v, digits: digits))
            }
        }
        #expect(Self.bytes { ExactDecimal.appendFixed(0, digits: 2, to: &$0) } == "0.00")
        #expect(Self.bytes { ExactDecimal.appendFixed(ExactDecimal.parse("12.5")!, digits: 2, to: &$0) } == "12.50")
        #expect(Self.bytes { ExactDecimal.appendFixed(ExactDecimal.parse("-3")!, digits: 0, to: &$0) } == "-3")
    }

    @Test("instants: the byte path equals formatInstant, from year 0 to 9999 and beyond")
    func instants() {
        var rng = seededRNG(7, 0)
        let year0: Instant = -62_167_219_200_000
        let year10000: Instant = 253_402_300_800_000
        var instants: [Instant] = [
            0, -1, 1, 999, 1000, year0, year0 - 1, year10000, year10000 - 1, t("2024-02-29T23:59:59.999Z"), t("2026-10-03T04:05:06.007Z"),
        ]
        for _ in 0..<20_000 { instants.append(Instant(bitPattern: rng.next() % UInt64(year10000 - year0)) + year0) }
        for _ in 0..<1_000 { instants.append(Instant(bitPattern: rng.next()) / 1000) }
        for i in instants {
            #expect(Self.bytes { appendInstant(i, to: &$0) } == formatInstant(i))
        }
        #expect(Self.bytes { appendInstant(t("2026-10-03T04:05:06.007Z"), to: &$0) } == "2026-10-03T04:05:06.007Z")
    }

    @Test("instants through the day-keeping formatter equal formatInstant: runs within a day, across midnight, and years out of four digits")
    func instantsKeepingTheDay() {
        var rng = seededRNG(7, 1)
        let year0: Instant = -62_167_219_200_000
        let year10000: Instant = 253_402_300_800_000
        var instants: [Instant] = [0, -1, 1, 86_399_999, 86_400_000, year0, year0 - 1, year10000 - 1, year10000, year10000 - 1, -1, 0]
        // Runs of nearby instants (most share a day with the one before), and jumps.
        var now = t("2026-10-01T00:00:00.000Z")
        for _ in 0..<20_000 {
            now += Instant(rng.next() % 7_200_000)
            instants.append(rng.next() % 50 == 0 ? Instant(bitPattern: rng.next() % UInt64(year10000 - year0)) + year0 : now)
        }
        var formatter = InstantFormatter()
        var mismatches = 0, sameDay = 0
        var lastDay: Instant?
        for i in instants {
            var b: [UInt8] = []
            formatter.append(i, to: &b)
            if String(decoding: b, as: UTF8.self) != formatInstant(i) { mismatches += 1 }
            let day = i >= 0 ? i / 86_400_000 : (i - 86_399_999) / 86_400_000
            if day == lastDay { sameDay += 1 }
            lastDay = day
        }
        #expect(mismatches == 0)
        // Both the kept date and a new one are exercised many times.
        #expect(sameDay > 10_000 && instants.count - sameDay > 1_000)
        var csv = CSVWriter()
        csv.instant(t("2026-10-03T04:05:06.007Z"))
        csv.instant(nil)
        csv.instant(year0 - 1)
        csv.endRow()
        #expect(String(decoding: csv.bytes, as: UTF8.self) == "2026-10-03T04:05:06.007Z,,\(formatInstant(year0 - 1))\r\n")
    }

    @Test("integers and seconds: the byte paths equal String(_:) and formatSeconds")
    func integersAndSeconds() {
        var rng = seededRNG(3, 0)
        var values: [Int64] = [0, 1, -1, 9, 10, 999, 1000, 1001, -999, -1000, Int64.max, Int64.min, Int64.min + 1]
        for _ in 0..<5_000 { values.append(Int64(bitPattern: rng.next()) >> (rng.next() % 64)) }
        for v in values {
            #expect(Self.bytes { appendInteger(v, to: &$0) } == String(v))
            #expect(Self.bytes { appendSeconds(milliseconds: v, to: &$0) } == formatSeconds(milliseconds: v))
        }
        #expect(Self.bytes { appendSeconds(milliseconds: 61_005, to: &$0) } == "61.005")
        #expect(Self.bytes { appendSeconds(milliseconds: -5, to: &$0) } == "-0.005")
    }

    @Test("source locations and flags: the byte paths equal description and the joined flags")
    func sourcesAndFlags() {
        for position in [SourceLocation.Position.whole, .line(1), .line(123_456), .index(0), .index(42)] {
            let s = SourceLocation(path: "dir/jobs, 2026.ndjson", position: position, fileOrder: 0)
            #expect(Self.bytes { s.appendDescription(to: &$0) } == s.description)
        }
        for (estimated, cu, state, end) in [
            (false, Decimal?(1), JobState.succeeded, Instant?(5)), (true, nil, .succeeded, nil), (true, 1, .running, nil), (false, nil, .failed, 5),
        ] {
            let job = JobRecord(
                jobId: "j", orgId: "o", user: "u", runtimeEnvId: "r", codeTaskId: 1, codeTaskName: nil, instanceName: nil, runId: 1, state: state,
                startTime: 0, startEstimated: estimated, endTime: end, errorMessage: nil, sessionLogUrl: nil, assignedCU: nil, consumedCU: cu,
                source: SourceLocation(path: "p", position: .whole, fileOrder: 0))
            let item = LineItem(job: job, costCenter: "c", rate: 0, cost: 0, currency: .usd, attributionTime: 0, localDay: 0)
            #expect(Self.bytes { item.appendFlags(to: &$0) } == item.flags.joined(separator: ";"))
        }
        let all = JobRecord(
            jobId: "j", orgId: "o", user: "u", runtimeEnvId: "r", codeTaskId: 1, codeTaskName: nil, instanceName: nil, runId: 1, state: .failed,
            startTime: 0, startEstimated: true, endTime: nil, errorMessage: nil, sessionLogUrl: nil, assignedCU: nil, consumedCU: nil,
            source: SourceLocation(path: "p", position: .whole, fileOrder: 0))
        let item = LineItem(job: all, costCenter: "c", rate: 0, cost: 0, currency: .usd, attributionTime: 0, localDay: 0)
        #expect(item.flags == ["estimated_time", "non_serverless", "no_end_time"])
        #expect(Self.bytes { item.appendFlags(to: &$0) } == "estimated_time;non_serverless;no_end_time")
    }

    /// RFC 4180 quoting and formula neutralising as SPEC 3.3 states them, cell by cell.
    static func reference(_ s: String, text: Bool) -> String {
        var v = s
        if text, let first = v.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r", "\n"].contains(first) { v = "'" + v }
        guard v.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    @Test("CSV cells written in place, from strings or by a formatter, escape as SPEC 3.3 says")
    func csvCells() {
        let cells = [
            "", "plain", "=1+2", "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "\nLF", "a,b", "say \"hi\"", "multi\nline", "ünïcødé 💸", "-", "\"",
            "=a,\"b\"", "x-y", "12.5", "-1.5", "trailing,", String(repeating: "long text ", count: 40),
        ]
        for s in cells {
            for text in [true, false] {
                var rows = CSVWriter()
                rows.row([text ? .text(s) : .number(s), .text("end")])
                var direct = CSVWriter()
                if text { direct.text(s) } else { direct.number(s) }
                direct.text("end")
                direct.endRow()
                var formatted = CSVWriter()
                if text { formatted.text { $0.append(contentsOf: s.utf8) } } else { formatted.number { $0.append(contentsOf: s.utf8) } }
                formatted.text { $0.append(contentsOf: "end".utf8) }
                formatted.endRow()
                let expected = Self.reference(s, text: text) + ",end\r\n"
                #expect(String(decoding: rows.bytes, as: UTF8.self) == expected)
                #expect(direct.bytes == rows.bytes)
                #expect(formatted.bytes == rows.bytes)
            }
        }
    }

    @Test("rows formatted in parallel chunks come out in order, whatever the number of threads")
    func chunkedRows() throws {
        for count in [0, 1, CSVWriter.rowsPerChunk - 1, CSVWriter.rowsPerChunk, 5 * CSVWriter.rowsPerChunk + 17] {
            var expected = CSVWriter()
            for i in 0..<count {
                expected.number(String(i))
                expected.text(i % 7 == 0 ? "=\(i),x" : "row \(i)")
                expected.endRow()
            }
            for threads in [1, 2, 3, 8] {
                let sink = OutputSink(inMemoryFor: "(memory)")
                try CSVWriter.writeRows(count: count, to: sink, threads: threads) { range, csv in
                    for i in range {
                        csv.number { appendInteger(Int64(i), to: &$0) }
                        csv.text(i % 7 == 0 ? "=\(i),x" : "row \(i)")
                        csv.endRow()
                    }
                }
                #expect(sink.bytes == expected.bytes, "\(count) rows on \(threads) threads")
                #expect(sink.count == Int64(expected.bytes.count))
            }
        }
    }

    @Test("a sink writing 20 MB to a file or a pipe (handing it to the disk as it goes) writes every byte and hashes them")
    func sinkWritesLargeFiles() throws {
        let dir = try TempDir()
        var rng = seededRNG(11, 13)
        let chunks = (0..<20).map { _ in (0..<(1 << 20) + 17).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        let all = chunks.flatMap { $0 }
        let url = dir.url.appendingPathComponent("big.bin")
        var digest = ""
        try AtomicFile.write(to: url) { (fd: Int32) throws(OutputError) in
            let sink = OutputSink(descriptor: fd, path: url.path)
            for chunk in chunks { try Self.write(chunk, to: sink) }
            #expect(sink.count == Int64(all.count))
            digest = sink.sha256
        }
        #expect(try Data(contentsOf: url) == Data(all))
        #expect(digest == hexString(SHA256.hash(data: Data(all))))
        // A pipe cannot be handed to the disk; the bytes still all arrive.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let received = LockedSlots<Int>(count: 1)
        let done = DispatchSemaphore(value: 0)
        let readEnd = fds[0]
        Thread {
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                total += n
            }
            close(readEnd)
            received.store(total, at: 0)
            done.signal()
        }.start()
        let sink = OutputSink(descriptor: fds[1], path: "pipe")
        for chunk in chunks { try Self.write(chunk, to: sink) }
        close(fds[1])
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(received.values() == [all.count])
        #expect(sink.sha256 == digest)
    }

    private static func write(_ bytes: [UInt8], to sink: OutputSink) throws(OutputError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(OutputError) in try sink.write(raw) } }.get()
    }
}
