import Foundation
import Testing

@testable import ChargebackKit

/// The audit schema shipped with the package.
let auditSchema = packageRoot.appendingPathComponent("Templates/audit.xsd")

/// Prefix → namespace for XPath queries on audit files.
let auditNS = ["a": AuditXMLReporter.namespace]

/// The string values `xpath` selects in `file`, read back with libxml2.
func xpath(_ expression: String, in file: URL) throws -> [String] {
    try XMLReadBack.strings(expression, namespaces: auditNS, inFile: file.path)
}

/// Runs a program and captures its exit status and output; fails after `timeout` seconds
/// (the process is killed), so a program stuck on a read cannot hang the suite.
func runProgram(_ path: String, _ args: [String], in dir: URL? = nil, timeout: TimeInterval = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let dir { p.currentDirectoryURL = dir }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    let timedOut = p.isRunning
    if timedOut { kill(p.processIdentifier, SIGKILL) }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    try #require(!timedOut, "\(path) \(args.joined(separator: " ")) did not finish within \(timeout) s")
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Debian's xmllint, an independent libxml2 front end (package libxml2-utils; `.ci/run` installs it).
func xmllint() throws -> String {
    let path = "/usr/bin/xmllint"
    try #require(FileManager.default.isExecutableFile(atPath: path), "xmllint is missing: apt-get install libxml2-utils (.ci/run does)")
    return path
}

@Suite("audit.xml: content, schema, escaping, streaming (SPEC 3.6)")
struct AuditXMLTests {
    @Test("the sample run's audit.xml is valid for chargeback validate and for xmllint, and listed in the manifest")
    func sampleRunIsValid() throws {
        let dir = try TempDir()
        let outcome = try runSamples(into: dir.url)
        let audit = dir.url.appendingPathComponent("audit.xml")

        let inProcess = try XMLSchemaValidator.validate(documentAt: audit.path, schemaAt: auditSchema.path)
        #expect(inProcess.isValid)
        #expect(inProcess.diagnostics.isEmpty, "\(inProcess.diagnostics)")

        let cli = try runCLI(["validate", audit.path], in: dir.url)
        #expect(cli.status == 0, "stderr: \(cli.stderr)")
        #expect(cli.stdout.contains("valid against \(auditSchema.path)"))

        let peer = try runProgram(try xmllint(), ["--noout", "--schema", auditSchema.path, audit.path])
        #expect(peer.status == 0, "xmllint: \(peer.stderr)")
        #expect(peer.stderr.contains("validates"))

        // The manifest names audit.xml with the size and digest of the file on disk.
        let entry = try #require(outcome.written.first { $0.path == "audit.xml" })
        let data = try Data(contentsOf: audit)
        #expect(entry.bytes == Int64(data.count))
        let sum = try runProgram("/usr/bin/sha256sum", [audit.path])
        #expect(sum.stdout.hasPrefix(entry.sha256 + " "))
        let manifest = try dir.read("manifest.json")
        #expect(manifest.contains("\"path\": \"audit.xml\",\n      \"bytes\": \(data.count),\n      \"sha256\": \"\(entry.sha256)\""))
        #expect(outcome.written.map(\.path) == ["summary.csv", "line-items.csv", "focus.csv", "audit.xml", "report.html", "rejects.csv", "manifest.json"])

        // The counts of the sample run, as the other reports state them.
        #expect(try xpath("/a:audit/a:reconciliation/*", in: audit) == ["4066", "1502", "0", "2395", "151", "18", "true"])
        #expect(try xpath("/a:audit/@version", in: audit) == ["1"])
        #expect(try xpath("/a:audit/a:as_of", in: audit) == ["2026-11-01T06:00:00.000Z"])
        // The configuration that priced the run, with the digest of its bytes.
        #expect(try xpath("/a:audit/a:parameters/a:config/a:path", in: audit) == ["samples/chargeback.yaml"])
        let configSum = try runProgram("/usr/bin/sha256sum", [packageRoot.appendingPathComponent("samples/chargeback.yaml").path])
        #expect(try xpath("/a:audit/a:parameters/a:config/a:sha256", in: audit).map { $0 + " " } == [String(configSum.stdout.prefix(65))])
        #expect(try xpath("/a:audit/a:jobs/a:job", in: audit).count == 1502)
        #expect(try xpath("/a:audit/a:rejects/a:reject", in: audit).count == 18)
        #expect(try xpath("/a:audit/a:inputs/a:file/a:documents", in: audit).compactMap { Int($0) }.reduce(0, +) == 4066)
        let rejectReasons = try xpath("/a:audit/a:rejects/a:reject/a:reason", in: audit)
        #expect(rejectReasons == outcome.report.rejects.map(\.reason.code))
    }

    @Test("every job element carries the line-items.csv row, field for field")
    func jobsMatchLineItems() throws {
        let dir = try TempDir()
        _ = try runSamples(into: dir.url)
        let audit = dir.url.appendingPathComponent("audit.xml")
        let rows = try parseCSVWithPython(Array(try Data(contentsOf: dir.url.appendingPathComponent("line-items.csv"))))
        let header = rows[0]
        #expect(header == LineItemsCSVReporter.columns)
        // Spot-check every field of three rows, including the first and the last.
        for index in [1, 700, rows.count - 1] {
            let row = rows[index]
            for (column, cell) in zip(header, row) {
                let values = try xpath("/a:audit/a:jobs/a:job[\(index)]/a:\(column)", in: audit)
                if column == "flags" {
                    let flags = try xpath("/a:audit/a:jobs/a:job[\(index)]/a:flags/a:flag", in: audit)
                    #expect(flags.joined(separator: ";") == cell, "row \(index) flags")
                } else if cell.isEmpty {
                    #expect(values.isEmpty || values == [""], "row \(index) \(column): \(values)")
                } else {
                    #expect(values == [cell], "row \(index) \(column)")
                }
            }
        }
    }

    @Test("totals and groups in the XML equal summary.csv to the cent, with real prices")
    func totalsMatchSummary() throws {
        // A flat 0.37 USD per CU, built in-process: every job cost is rounded on its own and the
        // sums must still agree.
        let read = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 2, standardInput: { Data() })
            .read(try InputPlan(paths: ["samples"], workingDirectory: packageRoot))
        let rules = AccountingRules(rates: RateCard(currency: .usd, defaultRate: Decimal(string: "0.37")!))
        let report = Report(
            read: read, rules: rules, inputZone: .utc, groupBy: [.org, .runtimeEnv], config: ("flat-0.37.yaml", String(repeating: "0", count: 64)))
        let context = ReportContext(asOf: t("2026-11-01T06:00:00Z"))
        let dir = try TempDir()
        let audit = try dir.write("audit.xml", Data(try AuditXMLReporter().render(report, context: context)))
        let csv = try parseCSVWithPython(SummaryCSVReporter().render(report, context: context))
        let header = csv[0], body = csv.dropFirst()
        func column(_ name: String) -> [String] { body.map { $0[header.firstIndex(of: name)!] } }
        func sum(_ name: String) -> Decimal { column(name).reduce(Decimal(0)) { $0 + Decimal(string: $1)! } }

        let totalCost = try #require(try xpath("/a:audit/a:totals/a:cost", in: audit).first)
        let totalCU = try #require(try xpath("/a:audit/a:totals/a:consumed_cu", in: audit).first)
        #expect(totalCost == "1742.07")  // Python: sum of round_half_even(cu × 0.37, 2) over line-items.csv
        #expect(Decimal(string: totalCost)! == sum("cost"))
        #expect(Decimal(string: totalCU)! == sum("consumed_cu"))
        #expect(try xpath("/a:audit/a:totals/a:jobs", in: audit) == ["\(column("jobs").compactMap { Int($0) }.reduce(0, +))"])
        #expect(try xpath("/a:audit/a:totals/a:duration_seconds", in: audit) == [ExactDecimal.fixed(sum("duration_seconds"), digits: 3)])
        // Group by group, in the same order.
        #expect(try xpath("/a:audit/a:summary/a:group/a:cost", in: audit) == column("cost"))
        #expect(try xpath("/a:audit/a:summary/a:group/a:consumed_cu", in: audit) == column("consumed_cu"))
        #expect(try xpath("/a:audit/a:summary/a:group/a:key[@name='runtime_env_id']", in: audit) == column("runtime_env_id"))
        // The job costs add up to the total as well.
        let jobCosts = try xpath("/a:audit/a:jobs/a:job/a:cost", in: audit)
        #expect(jobCosts.count == 1502)
        #expect(jobCosts.reduce(Decimal(0)) { $0 + Decimal(string: $1)! } == Decimal(string: totalCost)!)
        #expect(try XMLSchemaValidator.validate(documentAt: audit.path, schemaAt: auditSchema.path).isValid)
    }

    @Test("names with \\u0001, <, &, ]]> and emoji come back as the same text; the control character as U+FFFD")
    func escapingRoundTrip() throws {
        let dir = try TempDir()
        let nasty = "a\u{0001}b <c> & d ]]> e 😀 \"q\" 'r'\ttab\r\nline"
        let doc = docA(["startedBy": nasty, "assetName": "task ]]><![CDATA[x", "errorMessage": "<script>&amp;</script>\u{001F}"])
        try dir.write("in/a.ndjson", doc + "\n{\"broken\u{0002}\": <&]]>}\n")
        _ = try runReport(dir)
        let audit = dir.url.appendingPathComponent("out/audit.xml")
        let expectedUser = "a\u{FFFD}b <c> & d ]]> e 😀 \"q\" 'r'\ttab\r\nline"
        #expect(try xpath("/a:audit/a:jobs/a:job/a:user", in: audit) == [expectedUser])
        #expect(try xpath("/a:audit/a:summary/a:group/a:key[@name='user']", in: audit) == [expectedUser])
        #expect(try xpath("/a:audit/a:jobs/a:job/a:code_task_name", in: audit) == ["task ]]><![CDATA[x"])
        #expect(try xpath("/a:audit/a:jobs/a:job/a:error_message", in: audit) == ["<script>&amp;</script>\u{FFFD}"])
        #expect(try xpath("/a:audit/a:rejects/a:reject/a:excerpt", in: audit) == ["{\"broken\u{FFFD}\": <&]]>}"])
        #expect(try xpath("/a:audit/a:rejects/a:reject/a:reason", in: audit) == ["malformed_json"])
        let text = try dir.read("out/audit.xml")
        #expect(!text.contains("\u{0001}") && !text.contains("\u{0002}") && !text.contains("\u{001F}"))
        #expect(try XMLSchemaValidator.validate(documentAt: audit.path, schemaAt: auditSchema.path).isValid)
        let peer = try runProgram(try xmllint(), ["--noout", "--schema", auditSchema.path, audit.path])
        #expect(peer.status == 0, "xmllint: \(peer.stderr)")
    }

    @Test(
        "characters XML 1.0 forbids become U+FFFD; everything else is left alone",
        arguments: [
            ("plain", "plain"), ("tab\tlf\ncr\r", "tab\tlf\ncr\r"), ("nul\u{0}", "nul\u{FFFD}"),
            ("\u{1}\u{8}\u{B}\u{C}\u{1F}", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
            ("del\u{7F} c1\u{85}", "del\u{7F} c1\u{85}"), ("\u{D7FF}\u{E000}\u{FFFD}", "\u{D7FF}\u{E000}\u{FFFD}"),
            ("nonchar\u{FFFE}\u{FFFF}", "nonchar\u{FFFD}\u{FFFD}"),
            ("\u{FFEF}\u{FFBE}", "\u{FFEF}\u{FFBE}"), ("emoji 😀 \u{10FFFF}", "emoji 😀 \u{10FFFF}"), ("", ""),
        ])
    func sanitizing(input: String, expected: String) {
        #expect(XMLText.sanitized(input) == expected)
    }

    @Test("a lone surrogate escaped in a document reaches the XML as U+FFFD")
    func loneSurrogate() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA(["startedBy": Raw(#""x\ud800y""#)]))
        _ = try runReport(dir)
        #expect(try xpath("/a:audit/a:jobs/a:job/a:user", in: dir.url.appendingPathComponent("out/audit.xml")) == ["x\u{FFFD}y"])
    }

    @Test("the writer streams: bytes leave in small chunks while jobs are still being written")
    func streams() throws {
        var chunks: [Int] = []
        var elementsWhenFirstChunkArrived: Int?
        var written = 0
        let writer = try XMLStreamWriter(output: { raw in
            chunks.append(raw.count)
            if elementsWhenFirstChunkArrived == nil { elementsWhenFirstChunkArrived = written }
        })
        try writer.startDocument()
        try writer.startElement("jobs")
        for i in 0..<20_000 {
            try writer.element("job", "job number \(i) with some text to make it longer")
            written += 1
        }
        try writer.finish()
        let total = chunks.reduce(0, +)
        #expect(total > 1_000_000)
        #expect(chunks.count > 100)
        #expect(chunks.max()! <= 64 * 1024)
        #expect(try #require(elementsWhenFirstChunkArrived) < 200)
    }

    @Test("a write error while streaming (disk full) is an OutputError naming the file, and leaves no file")
    func diskFull() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let read = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 1, standardInput: { Data() })
            .read(try InputPlan(paths: ["in"], workingDirectory: dir.url))
        let report = Report(read: read, rules: AccountingRules(), inputZone: .utc, groupBy: GroupDimension.defaults)
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        #expect(throws: OutputError(path: "/x/audit.xml", reason: "No space left on device")) {
            try AuditXMLReporter().write(report, context: ReportContext(asOf: 0), to: OutputSink(descriptor: full, path: "/x/audit.xml"))
        }
        let target = dir.url.appendingPathComponent("audit.xml")
        #expect(throws: OutputError.self) {
            try AtomicFile.write(to: target) { (_: Int32) throws(OutputError) in
                try AuditXMLReporter().write(report, context: ReportContext(asOf: 0), to: OutputSink(descriptor: full, path: target.path))
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["in"])
    }

    @Test("--output - --format xml streams a valid audit file to standard output")
    func standardOutput() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", docA())
        let r = try runCLI(["report", "in", "--output", "-", "--format", "xml", "--quiet", "--as-of", "2026-11-01"], in: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        let file = try dir.write("stdout.xml", r.stdout)
        #expect(try xpath("/a:audit/a:jobs/a:job/a:job_id", in: file) == ["8zcuMdImeshidZ4XVExs20"])
        #expect(try XMLSchemaValidator.validate(documentAt: file.path, schemaAt: auditSchema.path).isValid)
    }

    @Test("audit.xml is byte-identical whatever the argument order or thread count")
    func deterministic() throws {
        let a = try TempDir(), b = try TempDir()
        _ = try runSamples(inputs: ["samples/vendor", "samples/2026-10"], threads: 1, into: a.url)
        _ = try runSamples(inputs: ["samples/2026-10", "samples/vendor"], threads: 4, into: b.url)
        let x = try Data(contentsOf: a.url.appendingPathComponent("audit.xml"))
        #expect(x.count > 1_000_000)
        #expect(x == (try Data(contentsOf: b.url.appendingPathComponent("audit.xml"))))
    }
}

@Suite("chargeback validate: errors with lines, exit statuses, no entity expansion")
struct ValidateCommandTests {
    /// A small valid audit file, from a one-job run.
    func validAudit(in dir: TempDir) throws -> String {
        try dir.write("in/a.json", docA())
        _ = try runReport(dir)
        return try dir.read("out/audit.xml")
    }

    @Test("a valid file: exit 0")
    func valid() throws {
        let dir = try TempDir()
        _ = try validAudit(in: dir)
        let r = try runCLI(["validate", "out/audit.xml"], in: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "out/audit.xml: valid against \(auditSchema.path)\n")
    }

    @Test("a file that is not well-formed: exit 1, the parser's message with its line")
    func broken() throws {
        let dir = try TempDir()
        var lines = try validAudit(in: dir).components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.contains("<user>") })
        lines[index] = lines[index].replacingOccurrences(of: "</user>", with: "</usr>")
        try dir.write("broken.xml", lines.joined(separator: "\n"))
        let r = try runCLI(["validate", "broken.xml"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains("broken.xml:\(index + 1): error: Opening and ending tag mismatch: user line \(index + 1) and usr"), "\(r.stderr)")
        #expect(r.stderr.contains("broken.xml: invalid against"))
        #expect(r.stdout.isEmpty)
    }

    @Test("a well-formed file the schema rejects: exit 1, each error with its line")
    func schemaInvalid() throws {
        let dir = try TempDir()
        var lines = try validAudit(in: dir).components(separatedBy: "\n")
        let status = try #require(lines.firstIndex { $0.contains("<status>succeeded</status>") })
        lines[status] = lines[status].replacingOccurrences(of: "succeeded", with: "exploded")
        let cost = try #require(lines.firstIndex { $0.contains("<consumed_cu>1.25</consumed_cu>") })
        lines[cost] = lines[cost].replacingOccurrences(of: "1.25", with: "1,25")
        try dir.write("invalid.xml", lines.joined(separator: "\n"))
        let r = try runCLI(["validate", "invalid.xml"], in: dir.url)
        #expect(r.status == 1)
        #expect(
            r.stderr.contains("invalid.xml:\(status + 1): error: Element '{urn:chargeback:audit:1}status': [facet 'enumeration'] The value 'exploded'"),
            "\(r.stderr)")
        #expect(
            r.stderr.contains(
                "invalid.xml:\(cost + 1): error: Element '{urn:chargeback:audit:1}consumed_cu': '1,25' is not a valid value of the atomic type '{urn:chargeback:audit:1}computeUnits'"
            ), "\(r.stderr)")
        #expect(r.stderr.contains("(2 errors)"), "\(r.stderr)")
    }

    @Test("an external entity pointing at /etc/passwd is neither expanded nor read")
    func xxePasswd() throws {
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let firstLine = try #require(passwd.split(separator: "\n").first.map(String.init))
        let dir = try TempDir()
        let valid = try validAudit(in: dir)
        let payload = valid.replacingOccurrences(
            of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE audit [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
        ).replacingOccurrences(of: "<tool>chargeback</tool>", with: "<tool>&e;</tool>")
        #expect(payload.contains("&e;"))
        try dir.write("xxe.xml", payload)
        let r = try runCLI(["validate", "xxe.xml"], in: dir.url)
        #expect(r.status == 1)
        #expect(!r.stdout.contains(firstLine) && !r.stderr.contains(firstLine))
        #expect(!r.stderr.contains("root:"))
        #expect(r.stderr.contains("xxe.xml:2: error: a DOCTYPE declaration is not accepted"), "\(r.stderr)")
        // In-process too, and through the read-back path.
        let result = try XMLSchemaValidator.validate(documentAt: dir.url.appendingPathComponent("xxe.xml").path, schemaAt: auditSchema.path)
        #expect(!result.isValid)
        #expect(result.diagnostics.allSatisfy { !$0.message.contains(firstLine) })
        #expect(throws: XMLError.self) { try xpath("//a:tool", in: dir.url.appendingPathComponent("xxe.xml")) }
    }

    /// If libxml2 opened the FIFO it would block until a writer came, and the run would time out.
    @Test(
        "entities, parameter entities and external DTDs pointing at a FIFO are never opened",
        arguments: [
            "<!DOCTYPE audit [<!ENTITY e SYSTEM \"file://FIFO\">]>\n<audit xmlns=\"urn:chargeback:audit:1\" version=\"1\"><tool>&e;</tool></audit>\n",
            "<!DOCTYPE audit [<!ENTITY % p SYSTEM \"file://FIFO\"> %p;]>\n<audit xmlns=\"urn:chargeback:audit:1\" version=\"1\"/>\n",
            "<!DOCTYPE audit SYSTEM \"file://FIFO\">\n<audit xmlns=\"urn:chargeback:audit:1\" version=\"1\"/>\n",
        ])
    func xxeNeverOpens(payload: String) throws {
        let dir = try TempDir()
        let fifo = dir.url.appendingPathComponent("fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        try dir.write("x.xml", "<?xml version=\"1.0\"?>\n" + payload.replacingOccurrences(of: "FIFO", with: fifo))
        let r = try runProgram(try chargebackBinary().path, ["validate", "x.xml", "--schema", auditSchema.path], in: dir.url, timeout: 20)
        #expect(r.status == 1)
        #expect(r.stderr.contains("x.xml:2: error: a DOCTYPE declaration is not accepted"), "\(r.stderr)")
    }

    @Test(
        "usage errors: exit 1 with a message",
        arguments: [
            (["validate", "missing.xml"], "cannot read"),
            (["validate", "out/audit.xml", "--schema", "missing.xsd"], "cannot read"),
            (["validate", "out/audit.xml", "--schema", "in/a.json"], "cannot be read as XML"),
            (["validate"], "Missing expected argument"),
        ])
    func usage(args: [String], message: String) throws {
        let dir = try TempDir()
        _ = try validAudit(in: dir)
        let r = try runCLI(args, in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("a schema that is XML but not XML Schema is a usage error naming the schema")
    func unusableSchema() throws {
        let dir = try TempDir()
        _ = try validAudit(in: dir)
        try dir.write("not.xsd", "<?xml version=\"1.0\"?>\n<notaschema/>\n")
        let r = try runCLI(["validate", "out/audit.xml", "--schema", "not.xsd"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains("not.xsd is not a usable XML Schema"), "\(r.stderr)")
    }

    @Test("the schema is found from the executable's directory upwards, else from the working directory; never from the document")
    func locatesSchema() throws {
        let elsewhere = try TempDir()
        #expect(try ValidateRun.locateSchema(workingDirectory: elsewhere.url, executable: try chargebackBinary()).path == auditSchema.path)
        #expect(try ValidateRun.locateSchema(workingDirectory: packageRoot.appendingPathComponent("Sources"), executable: nil).path == auditSchema.path)
        #expect(throws: XMLError.self) { try ValidateRun.locateSchema(workingDirectory: elsewhere.url, executable: nil) }
    }
}
