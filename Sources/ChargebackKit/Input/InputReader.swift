import Crypto
import Foundation

/// What the run learnt about one input file (for the manifest and the audit).
public struct InputFileInfo: Sendable, Equatable {
    public var path: String
    /// Size on disk (compressed size for `.gz`).
    public var bytes: Int64
    /// Hex SHA-256 of the bytes on disk; nil when the file could not be read.
    public var sha256: String?
    /// Documents read from the file, usable or not.
    public var documents: Int
}

/// Everything the reader produced.
public struct ReadResult: Sendable {
    public var files: [InputFileInfo]
    public var skippedFiles: [String]
    /// Usable documents, in reading order (empty when they were folded into `ledger`).
    public var documents: [JobDocument]
    /// Unusable documents, in reading order.
    public var rejects: [Reject]
    /// The jobs, when the documents were folded as they were read.
    public var ledger: JobLedger?
    /// Usable documents read.
    public var documentCount = 0
    /// Every document read, usable or not.
    public var documentsRead: Int { documentCount + rejects.count }
}

/// Reading progress, reported after each file.
public struct ReadProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var documents: Int
}

/// Reads planned files into documents and rejects, several files at a time. The result does
/// not depend on the number of threads: each file's output lands in its own slot.
public struct InputReader: Sendable {
    public var decoder: DocumentDecoder
    public var threads: Int
    /// Bytes read at a time from an NDJSON file.
    public var blockSize = 32 << 20
    /// Whether usual documents are read by `FastDocumentDecoder` (off only in tests that
    /// compare it with the general path).
    public var useFastPath = true
    /// Supplies standard input's bytes for the path `-`.
    public var standardInput: @Sendable () -> Data
    /// Fast decoders lent to the parts being parsed, so that each keeps its table of repeated
    /// strings from one part to the next instead of filling a new one.
    private let fastDecoders = DecoderShelf()

    /// Creates a reader.
    public init(
        decoder: DocumentDecoder, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        standardInput: @escaping @Sendable () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }
    ) {
        self.decoder = decoder
        self.threads = max(1, threads)
        self.standardInput = standardInput
    }

    /// Reads every file of `plan`. With `fold`, documents go into a ledger as each block is
    /// read and are not returned one by one, so memory grows with jobs rather than documents.
    public func read(_ plan: InputPlan, fold: Bool = false, progress: (@Sendable (ReadProgress) -> Void)? = nil) -> ReadResult {
        let files = plan.files
        let slots = Slots<FileOutcome>(count: files.count)
        let workers = min(threads, max(files.count, 1))
        let sink = fold ? LedgerSink(threads: threads) : nil
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = slots.claim() {
                var outcome = readFile(files[i], order: i, sink: sink)
                outcome.flush(into: sink)
                let done = slots.store(outcome, at: i)
                progress?(ReadProgress(filesDone: done.files, filesTotal: files.count, documents: done.documents))
            }
        }
        var result = ReadResult(files: [], skippedFiles: plan.skippedFiles, documents: [], rejects: [])
        for outcome in slots.values() {
            result.files.append(outcome.info)
            result.documents.append(contentsOf: outcome.documents)
            result.rejects.append(contentsOf: outcome.rejects)
        }
        result.documentCount = result.documents.count
        if let sink {
            let (ledger, count) = sink.finish()
            result.ledger = ledger
            result.documentCount = count
        }
        return result
    }

    struct FileOutcome: Sendable {
        var info: InputFileInfo
        var documents: [JobDocument] = []
        var rejects: [Reject] = []
        /// Documents already handed to the ledger.
        var folded = 0
        var count: Int { documents.count + folded + rejects.count }

        /// Hands the documents read so far to the ledger, when there is one.
        mutating func flush(into sink: LedgerSink?) {
            guard let sink, !documents.isEmpty else { return }
            sink.add(documents)
            folded += documents.count
            documents.removeAll()
        }
    }

    func readFile(_ file: PlannedFile, order: Int, sink: LedgerSink? = nil) -> FileOutcome {
        func unreadable(_ why: String, bytes: Int64 = 0, sha: String? = nil) -> FileOutcome {
            let whole = SourceLocation(path: file.path, position: .whole, fileOrder: order)
            return FileOutcome(
                info: InputFileInfo(path: file.path, bytes: bytes, sha256: sha, documents: 1),
                rejects: [Reject(source: whole, reason: .unreadableFile, detail: why, text: "")])
        }
        if let why = file.unreadable { return unreadable(why) }
        if let path = file.filePath, file.layout == .ndjson, !file.gzip, let streamed = streamLines(path, file: file, order: order, sink: sink) {
            return streamed
        }
        let raw: Data
        if let path = file.filePath {
            do {
                raw = try FileBytes.read(path)
            } catch {
                return unreadable("cannot read the file: \(describe(error))")
            }
        } else {
            raw = standardInput()
        }
        let sha = hexString(SHA256.hash(data: raw))
        var content = raw
        if file.gzip || Gzip.hasMagic(raw) {
            do {
                content = try Gzip.decompress(raw)
            } catch {
                return unreadable("cannot decompress: \(error.description)", bytes: Int64(raw.count), sha: sha)
            }
        }
        var outcome = FileOutcome(info: InputFileInfo(path: file.path, bytes: Int64(raw.count), sha256: sha, documents: 0))
        content.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            let bytes = buffer.bindMemory(to: UInt8.self)
            split(bytes, file: file, order: order, into: &outcome)
        }
        outcome.info.documents = outcome.count
        return outcome
    }

    /// Reads an NDJSON file in blocks, hashing as it goes, so memory does not grow with the
    /// file's size; nil when the file turns out to be gzip data (read whole instead). While
    /// the lines of one block are parsed, the next block is read into a second buffer and
    /// cut into parts, and the block's bytes are hashed, so no thread waits for the disk.
    private func streamLines(_ path: String, file: PlannedFile, order: Int, sink: LedgerSink?) -> FileOutcome? {
        let whole = SourceLocation(path: file.path, position: .whole, fileOrder: order)
        func unreadable(_ why: String) -> FileOutcome {
            FileOutcome(
                info: InputFileInfo(path: file.path, bytes: 0, sha256: nil, documents: 1),
                rejects: [Reject(source: whole, reason: .unreadableFile, detail: why, text: "")])
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return unreadable("cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // A block never larger than a regular file needs (plus one byte to see its end).
        var blockSize = max(self.blockSize, 1)
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            blockSize = min(blockSize, max(Int(info.st_size) + 1, 4096))
        }
        var outcome = FileOutcome(info: InputFileInfo(path: file.path, bytes: 0, sha256: nil, documents: 0))
        let pathText = PooledText(path)
        let hasher = HashBox()
        var current = LineBlock(capacity: blockSize)
        var upcoming = LineBlock(capacity: blockSize)
        current.fill(from: fd, after: nil)
        if let error = current.error { return unreadable(error) }
        // The gzip magic number: the first block holds the file's first bytes.
        if current.have >= 2, current.bytes[0] == 0x1F, current.bytes[1] == 0x8B { return nil }
        current.cut(parts: parts(for:), firstLine: 1)
        while true {
            let block = current
            let next = upcoming
            let base = FileBase(path: pathText, offset: block.offset)
            // The hash of the block's new bytes, and the next block, are taken while its
            // lines are parsed.
            var alongside: [@Sendable () -> Void] = [{ block.hashNewBytes(into: hasher) }]
            if !block.atEnd {
                alongside.append {
                    next.fill(from: fd, after: block)
                    next.cut(parts: parts(for:), firstLine: block.lines.last!)
                }
            }
            parse(block.bytes, block.ranges, firstLines: block.lines, base: base, file: file, order: order, sink: sink, alongside: alongside, into: &outcome)
            outcome.flush(into: sink)
            if block.atEnd { break }
            if let error = next.error { return unreadable(error) }
            (current, upcoming) = (next, block)
        }
        outcome.info.bytes = current.offset + Int64(current.have)
        outcome.info.sha256 = hexString(hasher.finalize())
        outcome.info.documents = outcome.count
        return outcome
    }

    private func split(_ bytes: UnsafeBufferPointer<UInt8>, file: PlannedFile, order: Int, into outcome: inout FileOutcome) {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let body = start..<bytes.count
        let trimmed = trim(bytes, body)
        // The file's path is pooled once for all its documents.
        let whole = SourceLocation(path: file.path, position: .whole, fileOrder: order)
        switch file.layout {
        case .ndjson:
            splitLines(bytes, body, file: file, order: order, into: &outcome)
        case .json:
            if trimmed.isEmpty {
                outcome.rejects.append(
                    Reject(source: whole, reason: .malformedJSON, detail: "the file is empty; expected a JSON object or an array of objects", text: ""))
                return
            }
            if case .failure(let e) = parseWhole(bytes, trimmed, whole: whole, into: &outcome) {
                outcome.rejects.append(
                    Reject(source: whole, reason: .malformedJSON, detail: "invalid JSON at byte \(e.offset + 1): \(e.message)", text: text(bytes, trimmed)))
            }
        case .sniff:
            if trimmed.isEmpty { return }
            if case .failure = parseWhole(bytes, trimmed, whole: whole, into: &outcome) {
                splitLines(bytes, body, file: file, order: order, into: &outcome)
            }
        }
    }

    /// Parses the whole text as one object or one array; on a syntax error nothing is added.
    /// `whole` is the location of the file itself.
    private func parseWhole(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, whole: SourceLocation, into outcome: inout FileOutcome) -> Result<
        Void, JSONSyntaxError
    > {
        var parser = JSONParser(bytes, range: range)
        if bytes[range.lowerBound] == UInt8(ascii: "[") {
            do {
                let elements = try parser.parseArrayElements()
                for (i, e) in elements.enumerated() {
                    var src = whole
                    src.position = .index(i)
                    add(e.value, spans: e.memberSpans, bytes, e.span, source: src, into: &outcome)
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if useFastPath {
            var fast = fastDecoders.take(zone: decoder.inputZone) ?? FastDocumentDecoder(inputZone: decoder.inputZone)
            defer { fastDecoders.put(fast) }
            if let doc = fast.decode(bytes, range, source: whole, ownText: nil) {
                outcome.documents.append(doc)
                return .success(())
            }
        }
        do {
            let value = try parser.parseDocument()
            add(value, spans: parser.topLevelSpans, bytes, range, source: whole, into: &outcome)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Splits NDJSON into lines; a large block is cut at line boundaries into eight parts per
    /// thread (small enough that no thread waits long for the last one), parsed in parallel
    /// and joined in order, so the result is the same. Returns the number of line ends in
    /// `body`.
    @discardableResult
    private func splitLines(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: Range<Int>, firstLine: Int = 1, file: PlannedFile, order: Int, into outcome: inout FileOutcome
    ) -> Int {
        let (ranges, firstLines) = LineBlock.cut(bytes, body, parts: parts(for: body.count), firstLine: firstLine)
        parse(bytes, ranges, firstLines: firstLines, base: nil, file: file, order: order, sink: nil, alongside: [], into: &outcome)
        return firstLines.last! - firstLine
    }

    /// How many parts a block of `count` bytes is parsed in.
    private func parts(for count: Int) -> Int {
        threads > 1 && count >= 4 << 20 ? threads * 8 : 1
    }

    /// Parses the lines of `ranges` (whose first lines are numbered `firstLines`), in parallel
    /// when there are several, and joins them in order. With a sink, each part's documents
    /// are folded by the thread that read them. The `alongside` tasks run on the same threads
    /// while the parts are parsed.
    private func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, _ ranges: [Range<Int>], firstLines: [Int], base: FileBase?, file: PlannedFile, order: Int,
        sink: LedgerSink?, alongside: [@Sendable () -> Void], into outcome: inout FileOutcome
    ) {
        guard threads > 1, ranges.count + alongside.count > 1 else {
            for task in alongside { task() }
            for (k, r) in ranges.enumerated() {
                parseLines(bytes, r, firstLine: firstLines[k], base: base, file: file, order: order, into: &outcome)
            }
            return
        }
        // The tasks alongside take the first slots, so that they start at once; the parts follow.
        let extra = alongside.count
        let slots = Slots<FileOutcome>(count: ranges.count + extra)
        let info = outcome.info
        // Read-only, and alive until concurrentPerform returns.
        let shared = SharedBytes(buffer: bytes)
        DispatchQueue.concurrentPerform(iterations: min(threads, ranges.count + extra)) { _ in
            while let k = slots.claim() {
                var part = FileOutcome(info: info)
                if k < extra {
                    alongside[k]()
                } else {
                    parseLines(shared.buffer, ranges[k - extra], firstLine: firstLines[k - extra], base: base, file: file, order: order, into: &part)
                    part.flush(into: sink)
                }
                _ = slots.store(part, at: k)
            }
        }
        for part in slots.values() {
            outcome.documents.append(contentsOf: part.documents)
            outcome.rejects.append(contentsOf: part.rejects)
            outcome.folded += part.folded
        }
    }

    private func parseLines(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: Range<Int>, firstLine: Int, base: FileBase?, file: PlannedFile, order: Int, into outcome: inout FileOutcome
    ) {
        var lineNo = firstLine - 1
        var i = body.lowerBound
        let interner = Interner()
        var fast = fastDecoders.take(zone: decoder.inputZone) ?? FastDocumentDecoder(inputZone: decoder.inputZone)
        defer { fastDecoders.put(fast) }
        let pathText = PooledText(file.path)
        while i < body.upperBound {
            lineNo += 1
            var j = body.upperBound
            if let nl = memchr(bytes.baseAddress! + i, 0x0A, body.upperBound - i) {
                j = UnsafeRawPointer(nl) - UnsafeRawPointer(bytes.baseAddress!)
            }
            let line = trim(bytes, i..<j)
            i = j + 1
            if line.isEmpty { continue }
            let src = SourceLocation(pathText: pathText, position: .line(lineNo), fileOrder: order)
            if useFastPath {
                let ref = base?.text(bytes, line)
                if let doc = fast.decode(bytes, line, source: src, ownText: ref) {
                    outcome.documents.append(doc)
                    continue
                }
            }
            var parser = JSONParser(bytes, range: line)
            do {
                let value = try parser.parseDocument()
                add(value, spans: parser.topLevelSpans, bytes, line, source: src, base: base, interner: interner, into: &outcome)
            } catch {
                outcome.rejects.append(
                    Reject(
                        source: src, reason: .malformedJSON, detail: "invalid JSON at column \(error.offset - line.lowerBound + 1): \(error.message)",
                        text: text(bytes, line)))
            }
        }
    }

    private func add(
        _ value: JSONValue, spans: [String: Range<Int>], _ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>, source: SourceLocation,
        base: FileBase? = nil, interner: Interner? = nil, into outcome: inout FileOutcome
    ) {
        var ownSpan = span
        if case .object(let members) = value, DocumentDecoder.isEnvelope(members), let r = spans["response"] {
            ownSpan = trim(bytes, r)
        }
        // A streamed document keeps only its place in the file.
        let ref = base?.text(bytes, ownSpan)
        switch decoder.decode(value, source: source, text: text(bytes, span), responseText: text(bytes, ownSpan), ownText: ref, interner: interner) {
        case .success(let doc): outcome.documents.append(doc)
        case .failure(let reject): outcome.rejects.append(reject)
        }
    }

    private func trim(_ bytes: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        func ws(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        while lo < hi, ws(bytes[lo]) { lo += 1 }
        while hi > lo, ws(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    private func text(_ bytes: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }
}

func describe(_ error: Error) -> String {
    let ns = error as NSError
    if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(posix.code)))
    }
    return error.localizedDescription
}

/// Result slots filled by worker threads, handed out one index at a time.
final class Slots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T?]
    private var next = 0
    private var done = 0
    private var documents = 0

    init(count: Int) { items = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        lock.withLock {
            guard next < items.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ value: T, at i: Int) -> (files: Int, documents: Int) where T == InputReader.FileOutcome {
        lock.withLock {
            items[i] = value
            done += 1
            documents += value.count
            return (done, documents)
        }
    }

    func values() -> [T] { lock.withLock { items.map { $0! } } }
}

/// Results filled in by worker threads, one slot each; every slot is filled before
/// `values()` is read.
final class LockedSlots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T?]

    init(count: Int) { items = Array(repeating: nil, count: count) }

    func store(_ value: T, at i: Int) { lock.withLock { items[i] = value } }

    func values() -> [T] { lock.withLock { items.map { $0! } } }
}

/// Fast decoders not in use, shared by the threads of one reader.
private final class DecoderShelf: @unchecked Sendable {
    private let lock = NSLock()
    private var decoders: [FastDocumentDecoder] = []

    /// A decoder for times in `zone`, if one is free.
    func take(zone: Zone) -> FastDocumentDecoder? {
        lock.withLock {
            guard let i = decoders.lastIndex(where: { $0.inputZone == zone }) else { return nil }
            return decoders.remove(at: i)
        }
    }

    func put(_ decoder: FastDocumentDecoder) { lock.withLock { decoders.append(decoder) } }
}

/// A read-only byte buffer handed to worker threads for the duration of a synchronous
/// `concurrentPerform`.
struct SharedBytes: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
}

/// A SHA-256 being computed on one thread while others parse.
final class HashBox: @unchecked Sendable {
    private var hasher = SHA256()

    func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    func finalize() -> SHA256Digest { hasher.finalize() }
}

/// Where a buffer's first byte lies in its file, so documents can refer back to their text.
struct FileBase: Sendable {
    let path: PooledText
    let offset: Int64

    /// What a document at `span` of the block keeps of its text: its place in the file, or
    /// the text itself in the unlikely case it is longer than a place can say.
    func text(_ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> DocumentText {
        guard let length = UInt32(exactly: span.count) else {
            return .inline(String(decoding: UnsafeBufferPointer(rebasing: bytes[span]), as: UTF8.self))
        }
        return .file(path: path, offset: offset + Int64(span.lowerBound), length: length)
    }
}

/// One block of an NDJSON file being streamed: `bytes[0..<have]` are read, of which
/// `[0..<end]` are whole lines (or everything, at the end of the file), cut into `ranges`
/// whose first lines are numbered `lines` (one more entry: the line after the block). It is
/// filled and cut by one thread while another block is parsed, and read by all threads once
/// it is.
final class LineBlock: @unchecked Sendable {
    /// The block's memory. It is left uninitialized, as `read` fills it: zeroing two 32 MB
    /// blocks first took 20 ms on one core before any document was parsed. Only
    /// `bytes[..<have]` is ever read.
    private var storage: UnsafeMutableBufferPointer<UInt8>
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(storage) }
    private(set) var have = 0
    private(set) var end = 0
    /// The file offset of `bytes[0]`.
    private(set) var offset: Int64 = 0
    /// Bytes at the front carried over from the block before (already hashed with it).
    private var carried = 0
    private(set) var atEnd = false
    /// Why the file could not be read, if it could not.
    private(set) var error: String?
    private(set) var ranges: [Range<Int>] = []
    private(set) var lines: [Int] = []

    init(capacity: Int) { storage = .allocate(capacity: capacity) }

    deinit { storage.deallocate() }

    /// Makes room for `count` bytes, keeping the `have` read so far.
    private func grow(to count: Int) {
        let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: count)
        if have > 0 { larger.baseAddress!.update(from: storage.baseAddress!, count: have) }
        storage.deallocate()
        storage = larger
    }

    /// Takes the unfinished last line of `previous` and reads until a new line ends or the
    /// file does.
    func fill(from fd: Int32, after previous: LineBlock?) {
        carried = 0
        offset = 0
        if let previous {
            carried = previous.have - previous.end
            offset = previous.offset + Int64(previous.end)
            have = 0
            if carried > storage.count { grow(to: carried) }
            if carried > 0 { storage.baseAddress!.update(from: previous.storage.baseAddress! + previous.end, count: carried) }
        }
        have = carried
        while true {
            // A line longer than the buffer: make room for more of it.
            if have == storage.count { grow(to: 2 * storage.count) }
            let n = Foundation.read(fd, storage.baseAddress! + have, storage.count - have)
            if n < 0 {
                if errno == EINTR { continue }
                error = "cannot read the file: \(String(cString: strerror(errno)))"
                return
            }
            if n == 0 {
                atEnd = true
                end = have
                return
            }
            have += n
            // Only the bytes just read can hold a line end: the rest is one unfinished line.
            var last = have - 1
            while last >= have - n, storage[last] != 0x0A { last -= 1 }
            if last >= have - n {
                end = last + 1
                return
            }
        }
    }

    /// Cuts the block's whole lines (after a byte order mark at the file's start) into
    /// parts, the first numbered `firstLine`.
    func cut(parts: (Int) -> Int, firstLine: Int) {
        let b = bytes
        var start = 0
        if offset == 0, have >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { start = 3 }
        (ranges, lines) = Self.cut(b, start..<end, parts: parts(end - start), firstLine: firstLine)
    }

    /// Adds the bytes this block read to `hasher`.
    func hashNewBytes(into hasher: HashBox) {
        hasher.update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[carried..<have]))
    }

    /// `body` cut at line boundaries into `parts` ranges, and the number of each range's
    /// first line (with one more: the line after `body`).
    static func cut(_ bytes: UnsafeBufferPointer<UInt8>, _ body: Range<Int>, parts: Int, firstLine: Int) -> ([Range<Int>], [Int]) {
        var cuts = [body.lowerBound]
        for k in 1..<max(parts, 1) {
            var c = max(body.lowerBound + body.count * k / parts, cuts.last!)
            while c < body.upperBound, bytes[c - 1] != 0x0A { c += 1 }
            cuts.append(c)
        }
        cuts.append(body.upperBound)
        let ranges = cuts.indices.dropLast().map { cuts[$0]..<cuts[$0 + 1] }
        // Line numbers: each part starts after the newlines of the parts before it.
        var lines = [firstLine]
        for r in ranges { lines.append(lines.last! + countNewlines(bytes, r)) }
        return (ranges, lines)
    }

    /// Line ends in `bytes[r]`, found with `memchr` (lines are hundreds of bytes long).
    static func countNewlines(_ bytes: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int {
        guard let base = bytes.baseAddress, !r.isEmpty else { return 0 }
        var n = 0
        var p = UnsafeRawPointer(base + r.lowerBound)
        let end = UnsafeRawPointer(base + r.upperBound)
        while p < end, let nl = memchr(p, 0x0A, end - p) {
            n += 1
            p = UnsafeRawPointer(nl) + 1
        }
        return n
    }
}
