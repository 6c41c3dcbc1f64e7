import CZlib
import Foundation

/// Why a gzip stream could not be decompressed.
public struct GzipError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// gzip decompression through zlib. The only file that talks to zlib.
public enum Gzip {
    /// Whether `data` starts with the gzip magic number.
    public static func hasMagic(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// Decompresses a gzip file, including several concatenated members.
    public static func decompress(_ data: Data) throws(GzipError) -> Data {
        guard !data.isEmpty else { throw GzipError(description: "empty file") }
        var stream = z_stream()
        // 15 + 32: the largest window, and let zlib detect the gzip header.
        var rc = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw GzipError(description: "zlib could not start (code \(rc))") }
        defer { inflateEnd(&stream) }
        var out = Data()
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        let result: Result<Void, GzipError> = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.baseAddress else { return .failure(GzipError(description: "empty file")) }
            stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = uInt(input.count)
            while true {
                rc = buffer.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = uInt(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                if produced > 0 { out.append(contentsOf: buffer[0..<produced]) }
                if rc == Z_STREAM_END {
                    // Another member may follow (`cat a.gz b.gz`).
                    if stream.avail_in == 0 { return .success(()) }
                    guard inflateReset(&stream) == Z_OK else { return .failure(GzipError(description: "zlib reset failed")) }
                    continue
                }
                if rc == Z_BUF_ERROR && stream.avail_in == 0 {
                    return .failure(GzipError(description: "truncated gzip stream"))
                }
                guard rc == Z_OK else {
                    let why = stream.msg.map { String(cString: $0) } ?? "code \(rc)"
                    return .failure(GzipError(description: "not valid gzip data (\(why))"))
                }
            }
        }
        try result.get()
        return out
    }
}
