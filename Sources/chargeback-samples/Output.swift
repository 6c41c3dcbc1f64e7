import Foundation

/// Failures while writing the sample files.
enum OutputError: LocalizedError {
    /// A file or directory could not be created.
    case cannotCreate(path: String)
    /// gzip exited unsuccessfully.
    case gzipFailed(path: String, status: Int32)

    var errorDescription: String? {
        switch self {
        case .cannotCreate(let path):
            "cannot create \(path): check that the directory is writable"
        case .gzipFailed(let path, let status):
            "gzip exited with status \(status) while writing \(path)"
        }
    }
}

/// Appends bytes to a file through a fixed-size buffer, so multi-gigabyte outputs never
/// sit in memory.
final class BufferedFileWriter {
    private let handle: FileHandle
    private var buffer = [UInt8]()
    private let capacity: Int

    /// Creates (or truncates) the file at `url`.
    init(url: URL, capacity: Int = 1 << 20) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw OutputError.cannotCreate(path: url.path)
        }
        handle = try FileHandle(forWritingTo: url)
        self.capacity = capacity
        buffer.reserveCapacity(capacity + 64 * 1024)
    }

    /// Appends raw bytes.
    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Lets `body` append one line's bytes straight into the buffer, then ends the line;
    /// avoids a temporary array per document.
    func writeLine(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        buffer.append(0x0A)
        if buffer.count >= capacity { try flush() }
    }

    /// Writes out what is buffered.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    func close() throws {
        try flush()
        try handle.close()
    }
}

/// Gzip output that is byte-identical between runs.
enum Gzip {
    /// Compresses `data` into `url` with the system's `gzip -n -9` (`-n`: no name or time
    /// in the header); without a gzip binary, falls back to stored deflate blocks, which
    /// every inflater reads and which need no compression code.
    static func write(_ data: [UInt8], to url: URL) throws {
        let candidates = ["/bin/gzip", "/usr/bin/gzip"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            guard FileManager.default.createFile(atPath: url.path, contents: Data(stored(data))) else {
                throw OutputError.cannotCreate(path: url.path)
            }
            return
        }
        let plain = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp")
        guard FileManager.default.createFile(atPath: plain.path, contents: Data(data)),
            FileManager.default.createFile(atPath: url.path, contents: nil)
        else { throw OutputError.cannotCreate(path: url.path) }
        defer { try? FileManager.default.removeItem(at: plain) }
        let output = try FileHandle(forWritingTo: url)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-n", "-9", "-c", plain.path]
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OutputError.gzipFailed(path: url.path, status: process.terminationStatus)
        }
    }

    /// A gzip member holding `data` in stored (uncompressed) deflate blocks (RFC 1951/1952).
    static func stored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final = offset + length == data.count
            out.append(final ? 1 : 0)
            out.append(contentsOf: littleEndian(UInt32(length), bytes: 2))
            out.append(contentsOf: littleEndian(UInt32(~UInt16(length)), bytes: 2))
            out.append(contentsOf: data[offset..<(offset + length)])
            offset += length
        } while offset < data.count
        out.append(contentsOf: littleEndian(crc32(data), bytes: 4))
        out.append(contentsOf: littleEndian(UInt32(truncatingIfNeeded: data.count), bytes: 4))
        return out
    }

    private static func littleEndian(_ value: UInt32, bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }

    private static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }
}

/// One written file and what it holds, for the summary line.
struct WrittenFile: Sendable {
    /// Path relative to the output directory.
    var name: String
    /// Documents (lines, array elements or envelopes) in it.
    var documents: Int
    /// Bad documents among them.
    var bad: Int
}

/// Collects the `samples` layout in memory (it is small) so the tail can be split off.
struct SamplesSink: DocumentSink {
    /// Compact lines of shape-A and bad documents, in output order.
    var lines = [(bytes: [UInt8], bad: Bool)]()
    /// Shape-B documents, which go to the pretty-printed array.
    var agentDocuments = [Document]()

    mutating func accept(_ document: Document) throws {
        if document.shape == .b {
            agentDocuments.append(document)
        } else {
            var bytes = [UInt8]()
            document.render(.compact, into: &bytes)
            lines.append((bytes, document.badKind != nil))
        }
    }
}

/// Streams every document of the `ndjson` layout to one file.
struct NDJSONSink: DocumentSink {
    /// The output file.
    let writer: BufferedFileWriter
    /// Bad documents written.
    var bad = 0

    mutating func accept(_ document: Document) throws {
        if document.badKind != nil { bad += 1 }
        try writer.writeLine { document.render(.compact, into: &$0) }
    }
}

/// Writes each document, pretty-printed, to a file of its own:
/// `documents/NNN/NN/NNNNNNNNN.json`, a thousand files per leaf directory, numbered in
/// output order so a byte-wise sorted walk reads them in the order they were generated.
struct FilesSink: DocumentSink {
    /// The directory that receives `documents/`.
    let root: URL
    /// Files written.
    var count = 0
    /// Bad documents written (a one-element array is a valid `.json` file, so the
    /// array-on-a-line defect does not count here).
    var bad = 0
    /// The leaf directory most recently created.
    private var leaf = -1
    /// Reused for every document.
    private var bytes = [UInt8]()

    /// Prepares to write under `root`.
    init(root: URL) {
        self.root = root
    }

    /// Path of file number `index` relative to `root`.
    static func relativePath(_ index: Int) -> String {
        "documents/\(Civil.padded(index / 100_000, 3))/\(Civil.padded(index / 1000 % 100, 2))/"
            + "\(Civil.padded(index, 9)).json"
    }

    mutating func accept(_ document: Document) throws {
        if let kind = document.badKind, kind != .arrayOnLine { bad += 1 }
        let url = root.appendingPathComponent(Self.relativePath(count))
        if count / 1000 != leaf {
            leaf = count / 1000
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        bytes.removeAll(keepingCapacity: true)
        document.render(.pretty(indent: 0), into: &bytes)
        bytes.append(0x0A)
        guard FileManager.default.createFile(atPath: url.path, contents: Data(bytes)) else {
            throw OutputError.cannotCreate(path: url.path)
        }
        count += 1
    }
}

/// The output layouts.
enum Layouts {
    /// Writes the `samples` layout into `directory`.
    static func writeSamples(config: GeneratorConfig, directory: URL) throws -> (GenerationStats, [WrittenFile]) {
        var generator = Generator(config: config)
        var sink = SamplesSink()
        try generator.run(into: &sink)
        var files = [WrittenFile]()

        let lateCount = sink.lines.count / 10
        let mainLines = sink.lines[..<(sink.lines.count - lateCount)]
        let lateLines = sink.lines[(sink.lines.count - lateCount)...]

        let mainName = "jobs-\(config.month.text).ndjson"
        let writer = try BufferedFileWriter(url: directory.appendingPathComponent(mainName))
        for line in mainLines { try writer.writeLine { $0.append(contentsOf: line.bytes) } }
        try writer.close()
        files.append(WrittenFile(name: mainName, documents: mainLines.count, bad: mainLines.filter(\.bad).count))

        var array = [UInt8]()
        if sink.agentDocuments.isEmpty {
            array.append(contentsOf: "[]\n".utf8)
        } else {
            array.append(contentsOf: "[\n".utf8)
            for (index, document) in sink.agentDocuments.enumerated() {
                if index > 0 { array.append(contentsOf: ",\n".utf8) }
                document.render(.pretty(indent: 2), into: &array)
            }
            array.append(contentsOf: "\n]\n".utf8)
        }
        let agentName = "agent-polls.json"
        try write(array, to: directory.appendingPathComponent(agentName))
        files.append(WrittenFile(name: agentName, documents: sink.agentDocuments.count, bad: 0))

        var late = [UInt8]()
        for line in lateLines {
            late.append(contentsOf: line.bytes)
            late.append(0x0A)
        }
        let lateName = "late-polls.ndjson.gz"
        try Gzip.write(late, to: directory.appendingPathComponent(lateName))
        files.append(WrittenFile(name: lateName, documents: lateLines.count, bad: lateLines.filter(\.bad).count))

        // The fetch runs on the morning after the month, as a nightly job would.
        let fetchMonth = config.month.next
        let fetchedAt = fetchMonth.text + "-01T06:00:00.000Z"
        let archiveName =
            "archive/fetch-\(Civil.padded(fetchMonth.year, 4))\(Civil.padded(fetchMonth.month, 2))01T060000Z.ndjson"
        let archiveURL = directory.appendingPathComponent(archiveName)
        try FileManager.default.createDirectory(
            at: archiveURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let sessionOrg = generator.universe.orgs[0]
        let responses = generator.archiveResponses(limit: 100)
        var archive = [UInt8]()
        for candidate in responses {
            let envelope = [
                JSONField(key: "jobId", value: .string(candidate.jobId)),
                JSONField(key: "orgId", value: .string(sessionOrg)),
                JSONField(key: "fetchedAt", value: .string(fetchedAt)),
                JSONField(key: "httpStatus", value: .int(200)),
            ]
            JSONText.appendObject(envelope, layout: .compact, to: &archive)
            archive.removeLast()  // reopen the object to append the verbatim body
            archive.append(contentsOf: ",\"response\":".utf8)
            candidate.response.render(generator.spacedResponse() ? .spaced : .compact, into: &archive)
            archive.append(contentsOf: "}\n".utf8)
        }
        try write(archive, to: archiveURL)
        files.append(WrittenFile(name: archiveName, documents: responses.count, bad: 0))
        return (generator.stats, files)
    }

    /// Writes the `ndjson` layout: every document, streamed to `directory/fileName`.
    static func writeNDJSON(config: GeneratorConfig, directory: URL, fileName: String) throws -> (
        GenerationStats, [WrittenFile]
    ) {
        var generator = Generator(config: config)
        let url = directory.appendingPathComponent(fileName)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var sink = NDJSONSink(writer: try BufferedFileWriter(url: url))
        try generator.run(into: &sink)
        try sink.writer.close()
        return (generator.stats, [WrittenFile(name: fileName, documents: generator.stats.documents, bad: sink.bad)])
    }

    /// Writes the `files` layout: one pretty-printed document per file under
    /// `directory/documents/`.
    static func writeFiles(config: GeneratorConfig, directory: URL) throws -> (GenerationStats, [WrittenFile]) {
        var generator = Generator(config: config)
        var sink = FilesSink(root: directory)
        try generator.run(into: &sink)
        let files = (0..<sink.count).map {
            WrittenFile(name: FilesSink.relativePath($0), documents: 1, bad: 0)
        }
        return (generator.stats, files)
    }

    private static func write(_ bytes: [UInt8], to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: Data(bytes)) else {
            throw OutputError.cannotCreate(path: url.path)
        }
    }
}
