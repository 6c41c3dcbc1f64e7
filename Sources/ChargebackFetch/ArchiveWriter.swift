import ChargebackKit
import Foundation

/// The fetch archive of SPEC 5.3: `DIR/fetch-<UTC timestamp>.ndjson`, one envelope per
/// successful response. The file is opened append-only and every line goes to the kernel
/// in one `write(2)` as soon as its response arrives, from this one actor, so lines never
/// interleave and a killed fetch keeps every response it received. `close()` also fsyncs.
actor ArchiveWriter {
    /// The archive file.
    let url: URL
    /// Lines written so far.
    private(set) var lines = 0
    private var fd: Int32

    /// Creates a new archive file in `directory`, named after `date` (a suffix `-2`, `-3`, …
    /// if a fetch in the same second already made one): a re-run never touches an older file.
    init(directory: URL, date: Date) throws(OutputError) {
        let stem = Self.stem(date)
        var n = 1
        while true {
            let name = stem + (n == 1 ? "" : "-\(n)") + ".ndjson"
            let candidate = directory.appendingPathComponent(name)
            let opened = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if opened >= 0 {
                url = candidate
                fd = opened
                return
            }
            guard errno == EEXIST, n < 1000 else {
                throw OutputError(path: candidate.path, reason: String(cString: strerror(errno)))
            }
            n += 1
        }
    }

    /// `fetch-20261101T060000Z`.
    static func stem(_ date: Date) -> String {
        let c = Zone.utc.civil(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "fetch-" + pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2) + "Z"
    }

    /// Appends one envelope.
    func append(jobId: String, orgId: String?, fetchedAt: Date, body: [UInt8]) throws(OutputError) {
        let line = Self.line(jobId: jobId, orgId: orgId, fetchedAt: fetchedAt, body: body)
        guard fd >= 0 else { throw OutputError(path: url.path, reason: "the archive is already closed") }
        let path = url.path
        let fd = self.fd
        try line.withUnsafeBytes { raw in
            Result { () throws(OutputError) in try AtomicFile.writeAll(fd, raw, path: path) }
        }.get()
        lines += 1
    }

    /// Flushes the file to disk and closes it.
    func close() throws(OutputError) {
        guard fd >= 0 else { return }
        let fd = self.fd
        self.fd = -1
        let synced = fsync(fd) == 0
        let why = String(cString: strerror(errno))
        Foundation.close(fd)
        guard synced else { throw OutputError(path: url.path, reason: why) }
    }

    /// `{"jobId":…,"orgId":…,"fetchedAt":"…Z","httpStatus":200,"response":<body>}` and a
    /// newline. The body is kept byte for byte, except that line breaks — which a valid
    /// JSON text can only hold between tokens, never inside a string — become spaces, so
    /// that a pretty-printed answer still fits on one NDJSON line.
    static func line(jobId: String, orgId: String?, fetchedAt: Date, body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 160)
        out += Array("{\"jobId\":".utf8) + quoted(jobId)
        out += Array(",\"orgId\":".utf8) + (orgId.map(quoted) ?? Array("null".utf8))
        let ms = Int64((fetchedAt.timeIntervalSince1970 * 1000).rounded(.down))
        out += Array(",\"fetchedAt\":\"\(formatInstant(ms))\",\"httpStatus\":200,\"response\":".utf8)
        let trimmed = trim(body)
        out += trimmed.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        out += Array("}\n".utf8)
        return out
    }

    private static func quoted(_ s: String) -> [UInt8] {
        Array(JSONText.string(s).rendered.utf8.dropLast())
    }

    private static func trim(_ b: [UInt8]) -> ArraySlice<UInt8> {
        let ws: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        var lo = b.startIndex
        var hi = b.endIndex
        while lo < hi, ws.contains(b[lo]) { lo += 1 }
        while hi > lo, ws.contains(b[hi - 1]) { hi -= 1 }
        return b[lo..<hi]
    }
}
