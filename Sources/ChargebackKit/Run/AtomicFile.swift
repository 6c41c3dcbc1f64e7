import Foundation

/// An output file could not be written (exit 2).
public struct OutputError: LocalizedError, Sendable, Equatable {
    public var path: String
    public var reason: String

    /// Creates the error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var errorDescription: String? {
        if path == "standard output" { return "cannot write standard output: \(reason)" }
        return "cannot write \(path): \(reason) (choose another --output directory, or fix its permissions)"
    }
}

/// Writes files so that a reader never sees a half-written one: the bytes go to a temporary
/// file in the same directory, are flushed to disk, and the file is renamed into place.
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically.
    public static func write(_ bytes: [UInt8], to url: URL) throws(OutputError) {
        try write(to: url) { (fd: Int32) throws(OutputError) in
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(OutputError) in try writeAll(fd, raw, path: url.path) }
            }
            try result.get()
        }
    }

    /// Calls `body` with a descriptor of a temporary file; when it returns, the file is
    /// flushed and renamed to `url`. When it throws, the temporary file is removed and `url`
    /// is left as it was.
    public static func write(to url: URL, _ body: (Int32) throws(OutputError) -> Void) throws(OutputError) {
        let dir = url.deletingLastPathComponent().path
        let stem = "." + url.lastPathComponent + ".tmp-"
        removeAbandoned(stem, in: dir)
        let temp = dir + "/" + stem + String(getpid()) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            try body(fd)
        } catch {
            close(fd)
            throw error
        }
        guard fsync(fd) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw OutputError(path: url.path, reason: why)
        }
        guard close(fd) == 0 else { throw OutputError(path: url.path, reason: String(cString: strerror(errno))) }
        guard rename(temp, url.path) == 0 else { throw OutputError(path: url.path, reason: String(cString: strerror(errno))) }
        ok = true
        // Persist the rename itself.
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// Removes temporary files `<stem><pid>-…` in `dir` left by a run that was killed (its
    /// process is gone). A live run's files, another process's included, are left alone.
    static func removeAbandoned(_ stem: String, in dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(stem) {
            guard let pid = pid_t(name.dropFirst(stem.count).prefix { $0 != "-" }), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    /// Writes every byte of `raw` to `fd`, retrying short writes.
    public static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, path: String) throws(OutputError) {
        var offset = 0
        while offset < raw.count {
            let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }
}
