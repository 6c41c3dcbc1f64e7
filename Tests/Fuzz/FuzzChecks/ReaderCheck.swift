import ChargebackKit
import Foundation

/// The oracle of the reader's fuzz target: reads arbitrary bytes as documents, builds the
/// report, and lists every broken invariant (an empty list means the input was handled).
///
/// The first byte of an input chooses how the rest is read:
/// - bits 0–1: 0 standard input (sniffed), 1 a `.json` file, 2 a `.ndjson` file, 3 gzip;
/// - bits 2–6: the block size (1 + value) of a second, streamed reading of the NDJSON file;
/// - bit 7: the period 2026-10 instead of all time, so that some jobs fall outside it.
///
/// Seeds start with a readable character: `0`…`3` (0x30…0x33) select modes 0…3.
public struct ReaderCheck: Sendable {
    /// Where the check writes the files it reads back.
    public let scratch: URL

    /// Creates the check and its scratch directory.
    public init(scratch: URL) {
        self.scratch = scratch
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    /// Removes the scratch directory.
    public func removeScratch() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// The invariants `input` breaks; empty when it was handled correctly.
    public func violations(_ input: [UInt8]) -> [String] {
        var v: [String] = []
        let header = input.first ?? 0
        let payload = Array(input.dropFirst())
        let period = header & 0x80 != 0 ? (try? Period.parse("2026-10", zone: .utc)) ?? .all : .all
        switch header & 3 {
        case 0:
            let read = self.read(["-"], standardInput: payload)
            checkReport(read, period: period, label: "standard input", into: &v)
        case 1:
            write("in.json", payload)
            checkReport(read(["in.json"]), period: period, label: "in.json", into: &v)
        case 2:
            write("in.ndjson", payload)
            let blockSize = 1 + Int((header >> 2) & 0x1F)
            let blocks = read(["in.ndjson"], blockSize: blockSize)
            let whole = read(["in.ndjson"])
            compare(blocks, whole, "in.ndjson in blocks of \(blockSize) bytes", "in one block", into: &v)
            if blocks.files.map(\.sha256) != whole.files.map(\.sha256) || blocks.files.map(\.bytes) != whole.files.map(\.bytes) {
                v.append("in.ndjson: the size or SHA-256 depends on the block size")
            }
            checkReport(blocks, period: period, label: "in.ndjson", into: &v)
        default:
            let gz = GzipWriter.compress(payload)
            write("in.ndjson.gz", gz)
            write("plain.ndjson", payload)
            write("cut.json.gz", Array(gz.prefix(gz.count / 2)))
            write("raw.gz", payload)
            let unzipped = read(["in.ndjson.gz"])
            // Gzip inside gzip is decompressed once: the plain file would be decompressed too.
            if !(payload.count >= 2 && payload[0] == 0x1F && payload[1] == 0x8B) {
                compare(unzipped, read(["plain.ndjson"]), "in.ndjson.gz", "the same bytes uncompressed", into: &v)
            }
            let cut = read(["cut.json.gz"])
            if !cut.documents.isEmpty || cut.rejects.map(\.reason.code) != ["unreadable_file"] {
                v.append("cut.json.gz: a truncated gzip file is not exactly one unreadable_file reject: \(cut.rejects.map(\.reason.code))")
            }
            checkReport(unzipped, period: period, label: "in.ndjson.gz", into: &v)
            checkReport(read(["raw.gz"]), period: period, label: "raw.gz", into: &v)
        }
        return v
    }

    /// Writes a scratch file with plain system calls (Foundation's `Data.write` syncs to disk,
    /// which costs more than the rest of an iteration).
    private func write(_ name: String, _ bytes: [UInt8]) {
        let path = scratch.appendingPathComponent(name).path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { fatalError("cannot write the scratch file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, $0.count - done) }
            guard n > 0 else { fatalError("cannot write the scratch file \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    /// Reads `paths`; NDJSON files in blocks of `blockSize` bytes. The default is one block for
    /// any input libFuzzer makes, and far less to allocate than the reader's 32 MiB.
    private func read(_ paths: [String], standardInput: [UInt8] = [], blockSize: Int = 1 << 20) -> ReadResult {
        let plan: InputPlan
        do {
            plan = try InputPlan(paths: paths, workingDirectory: scratch)
        } catch {
            fatalError("cannot plan \(paths): \(error)")
        }
        var reader = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 1, standardInput: { Data(standardInput) })
        reader.blockSize = blockSize
        return reader.read(plan)
    }

    /// Everything the reader produced from one file, without its name.
    private func projection(_ r: ReadResult) -> [String] {
        r.documents.map { d in
            "document \(d.source.position) \(d.content) job=\(d.jobId ?? "-") org=\(d.envelopeOrgId ?? "-") fetched=\(d.fetchedAt.map(String.init) ?? "-") \(d.text)"
        } + r.rejects.map { "reject \($0.source.position) \($0.reason.code) \($0.detail) \($0.excerpt)" }
    }

    private func compare(_ a: ReadResult, _ b: ReadResult, _ aName: String, _ bName: String, into v: inout [String]) {
        let x = projection(a), y = projection(b)
        guard x != y else { return }
        let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
        v.append(
            "\(aName) and \(bName) read differently (\(x.count) and \(y.count) results); first difference:\n  \(i < x.count ? x[i] : "(none)")\n  \(i < y.count ? y[i] : "(none)")"
        )
    }

    private func checkReport(_ read: ReadResult, period: Period, label: String, into v: inout [String]) {
        let rules = AccountingRules(period: period)
        let groups: [GroupDimension] = [.costCenter, .org, .user, .task, .day]
        let report = Report(read: read, rules: rules, inputZone: .utc, groupBy: groups)
        let r = report.reconciliation
        if !r.holds { v.append("\(label): the reconciliation does not hold: \(r.equation)") }
        if r.documentsRead != read.files.reduce(0, { $0 + $1.documents }) {
            v.append("\(label): documents_read \(r.documentsRead) is not the sum of the files' document counts")
        }
        if r.rejected != report.rejects.count || r.jobsReported != report.lineItems.count {
            v.append("\(label): the reconciliation's counts are not those of the lists")
        }
        var items = Tally()
        for item in report.lineItems { items.add(item) }
        if items != report.totals { v.append("\(label): the totals are not the sum of the line items") }
        var rows = Tally()
        for row in report.summary.rows {
            rows.jobs += row.tally.jobs
            rows.succeeded += row.tally.succeeded
            rows.failed += row.tally.failed
            rows.cancelled += row.tally.cancelled
            rows.open += row.tally.open
            rows.durationMilliseconds += row.tally.durationMilliseconds
            rows.consumedCU += row.tally.consumedCU
            rows.cost += row.tally.cost
        }
        if rows != report.totals { v.append("\(label): the summary rows do not add up to the totals") }

        // Latest-wins never depends on the order of the documents.
        var reversed = read
        reversed.documents.reverse()
        let other = Report(read: reversed, rules: rules, inputZone: .utc, groupBy: groups)
        if other.reconciliation != r { v.append("\(label): the reconciliation depends on the order of the documents") }

        let context = ReportContext(asOf: 1_793_491_200_000)
        let expectedRows: [(OutputFile, Int)] = [
            (.summary, report.summary.rows.count), (.lineItems, report.lineItems.count), (.focus, report.lineItems.count),
            (.rejects, report.rejects.count),
        ]
        for (file, count) in expectedRows {
            let bytes: [UInt8]
            do {
                bytes = try file.reporter.render(report, context: context)
            } catch {
                v.append("\(label): \(file.rawValue) cannot be rendered: \(error)")
                continue
            }
            if (try? file.reporter.render(other, context: context)) != bytes {
                v.append("\(label): \(file.rawValue) depends on the order of the documents")
            }
            guard let table = RFC4180.parse(bytes) else {
                v.append("\(label): \(file.rawValue) is not RFC 4180 CSV")
                continue
            }
            if table.count != count + 1 { v.append("\(label): \(file.rawValue) has \(table.count - 1) rows, expected \(count)") }
            if let width = table.first?.count, table.contains(where: { $0.count != width }) {
                v.append("\(label): \(file.rawValue) has rows of different widths")
            }
        }
        do {
            let xml = try OutputFile.audit.reporter.render(report, context: context)
            if !xml.starts(with: Array("<?xml".utf8)) { v.append("\(label): audit.xml does not start with an XML declaration") }
            let manifest = try OutputFile.manifest.reporter.render(report, context: context)
            let json = try JSONSerialization.jsonObject(with: Data(manifest)) as? [String: Any]
            let rec = json?["reconciliation"] as? [String: Int]
            if rec?["documents_read"] != r.documentsRead || rec?["rejected"] != r.rejected {
                v.append("\(label): manifest.json's reconciliation differs from the report's")
            }
        } catch {
            v.append("\(label): audit.xml or manifest.json failed: \(error)")
        }
    }
}
