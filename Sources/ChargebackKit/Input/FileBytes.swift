import Foundation

/// A file that could not be read: the system's reason (`Input/output error`, `Is a directory`).
public struct FileReadError: LocalizedError, Sendable, Equatable {
    /// The `errno` of the failed call.
    public var code: Int32

    public var errorDescription: String? { String(cString: strerror(code)) }
}

/// Whole-file reading with read(2). Foundation's `Data(contentsOf:)` refuses pipes (a file named
/// as `<(zcat x.gz)` is one) and reports every failure as a permission problem; this reads
/// whatever can be read and names the real cause.
public enum FileBytes {
    /// Every byte of the file at `path`, until end of file.
    public static func read(_ path: String) throws(FileReadError) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadError(code: errno) }
        defer { close(fd) }
        var info = stat()
        let size = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
        // One byte more than the size, so that reaching end of file needs no second buffer.
        var data = Data(count: size + (size > 0 ? 1 : 1 << 16))
        var filled = 0
        while true {
            if filled == data.count { data.count *= 2 }
            let n = data.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReadError(code: errno)
            }
            if n == 0 { break }
            filled += n
        }
        data.count = filled
        return data
    }
}
