import Foundation

/// A document's own JSON text: kept in memory, or, for documents streamed from a plain file,
/// only its place in the file (read back in the rare case latest-wins needs it), so memory
/// does not grow with the bytes read.
public enum DocumentText: Sendable {
    case inline(String)
    /// `length` bytes at `offset` of the file at `path`.
    case file(path: PooledText, offset: Int64, length: UInt32)

    /// The text as UTF-8 bytes.
    public var bytes: [UInt8] {
        switch self {
        case .inline(let s):
            return Array(s.utf8)
        case .file(let path, let offset, let length):
            let fd = open(path.string ?? "", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return [] }
            defer { close(fd) }
            return Self.read(fd, offset: offset, length: length)
        }
    }

    /// `length` bytes at `offset` of the open file `fd` (fewer if the file is shorter now).
    private static func read(_ fd: Int32, offset: Int64, length: UInt32) -> [UInt8] {
        let length = Int(length)
        var out = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return Array(out[0..<done]) }
            done += n
        }
        return out
    }

    /// The text as a string.
    public var string: String {
        if case .inline(let s) = self { return s }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Byte-wise order of the texts.
    public func precedes(_ other: DocumentText) -> Bool { Self.compare(self, other) < 0 }

    /// Byte-wise three-way comparison: negative when `a` comes first, zero when the texts are
    /// equal, positive when `b` comes first. Two texts in one file are read through one
    /// descriptor; the same place in the same file is equal without a read.
    static func compare(_ a: DocumentText, _ b: DocumentText) -> Int {
        switch (a, b) {
        case (.inline(let x), .inline(let y)):
            var x = x, y = y
            return x.withUTF8 { p in y.withUTF8 { q in ByteScan.compare(p, q) } }
        case (.file(let p, let o, let l), .file(let q, let r, let m)) where p == q:
            if o == r && l == m { return 0 }
            // An unreadable file reads as empty text, as `bytes` does: the texts are equal.
            let fd = open(p.string ?? "", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return 0 }
            defer { close(fd) }
            return compare(read(fd, offset: o, length: l), read(fd, offset: r, length: m))
        default:
            return compare(a.bytes, b.bytes)
        }
    }

    private static func compare(_ x: [UInt8], _ y: [UInt8]) -> Int {
        x.withUnsafeBufferPointer { p in y.withUnsafeBufferPointer { q in ByteScan.compare(p, q) } }
    }
}
