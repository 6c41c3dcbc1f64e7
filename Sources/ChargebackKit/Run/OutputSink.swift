import Crypto
import Foundation

/// Where a streaming reporter's bytes go: a file descriptor (the temporary file of an atomic
/// write, or standard output) or memory. It counts and hashes what passes through, so a
/// streamed file gets its manifest entry without being read back or held in memory.
public final class OutputSink {
    /// The file's path, for error messages.
    public let path: String
    private let descriptor: Int32?
    private var hasher = SHA256()
    /// The bytes written so far when the sink is in memory; empty otherwise.
    public private(set) var bytes: [UInt8] = []
    /// How many bytes were written.
    public private(set) var count: Int64 = 0
    /// The bytes before this offset have been handed to the disk (see `startWriteback`).
    private var handedOver: Int64 = 0

    /// A sink writing to `descriptor`, which the caller owns (and closes).
    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// A sink collecting the bytes in memory.
    public init(inMemoryFor path: String) {
        self.descriptor = nil
        self.path = path
    }

    /// Writes every byte of `raw` (retrying short writes) and adds it to the digest.
    public func write(_ raw: UnsafeRawBufferPointer) throws(OutputError) {
        guard !raw.isEmpty else { return }
        if let descriptor {
            try AtomicFile.writeAll(descriptor, raw, path: path)
            startWriteback(descriptor, upTo: count + Int64(raw.count))
        } else {
            bytes.append(contentsOf: raw)
        }
        hasher.update(bufferPointer: raw)
        count += Int64(raw.count)
    }

    /// Asks the kernel to start writing the bytes up to `end` to disk once 8 MB have gathered
    /// (POSIX_FADV_DONTNEED starts writeback of dirty pages, and drops only pages already
    /// written, which these are not), so that the atomic write's final `fsync` waits for the
    /// last few megabytes rather than the whole file. Where it does not apply (a pipe) it
    /// fails and changes nothing.
    private func startWriteback(_ fd: Int32, upTo end: Int64) {
        guard end - handedOver >= 8 << 20 else { return }
        _ = posix_fadvise(fd, off_t(handedOver), off_t(end - handedOver), POSIX_FADV_DONTNEED)
        handedOver = end
    }

    /// The hex SHA-256 of everything written.
    public var sha256: String {
        hexString(hasher.finalize())
    }
}
