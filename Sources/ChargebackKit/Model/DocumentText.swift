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
        case .file(let pathText, let offset, let size):
            let path = pathText.string ?? ""
            let length = Int(size)
            var out = [UInt8](repeating: 0, count: length)
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return [] }
            defer { close(fd) }
            var done = 0
            while done < length {
                let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(offset) + off_t(done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return Array(out[0..<done]) }
                done += n
            }
            return out
        }
    }

    /// The text as a string.
    public var string: String {
        if case .inline(let s) = self { return s }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Byte-wise order of the texts.
    public func precedes(_ other: DocumentText) -> Bool {
        if case .inline(let a) = self, case .inline(let b) = other { return a.utf8.lexicographicallyPrecedes(b.utf8) }
        if case .file(let p, let o, let l) = self, case .file(let q, let r, let m) = other, p == q, o == r, l == m { return false }
        return bytes.lexicographicallyPrecedes(other.bytes)
    }
}
