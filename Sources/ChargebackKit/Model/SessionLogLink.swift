import Foundation

/// A session log URL as documents and jobs keep it. The usual `…/jobs/<job ID>/logs` is held
/// as a shared prefix and the job ID inline, so a million jobs do not hold a million URL
/// strings; any other URL is kept as written. `url` gives back the exact text, and `jobId`
/// what `jobId(fromSessionLogUrl:)` reads from it.
enum SessionLogLink: Sendable, Hashable {
    /// `prefix + id + "/logs"`, where `prefix` ends in `/jobs/`.
    case usual(prefix: PooledText, id: ShortText)
    case other(String)

    /// Splits `url`; the prefix is pooled.
    init(_ url: String) {
        var copy = url
        let parts = copy.withUTF8 { Self.usualParts($0) }
        guard let (prefixEnd, id) = parts else {
            self = .other(url)
            return
        }
        self = .usual(prefix: PooledText(String(Substring(url.utf8.prefix(prefixEnd)))), id: id)
    }

    /// Splits the URL whose UTF-8 is `bytes`, pooling the prefix through `interner`.
    init(bytes: UnsafeBufferPointer<UInt8>, interner: inout ByteInterner) {
        guard let (prefixEnd, id) = Self.usualParts(bytes) else {
            self = .other(String(decoding: bytes, as: UTF8.self))
            return
        }
        self = .usual(prefix: interner.intern(UnsafeBufferPointer(rebasing: bytes[0..<prefixEnd])), id: id)
    }

    /// The end of the prefix and the job ID, when the URL is `…/jobs/<id>/logs` with an ID of
    /// at most 23 bytes.
    private static func usualParts(_ u: UnsafeBufferPointer<UInt8>) -> (Int, ShortText)? {
        guard let id = usualJobIdRange(u), let text = ShortText(UnsafeBufferPointer(rebasing: u[id])) else { return nil }
        return (id.lowerBound, text)
    }

    /// The URL, exactly as written.
    var url: String {
        switch self {
        case .usual(let prefix, let id): (prefix.string ?? "") + id.string + "/logs"
        case .other(let url): url
        }
    }

    /// Appends the UTF-8 of `url`.
    func appendURL(to bytes: inout [UInt8]) {
        switch self {
        case .usual(let prefix, let id):
            prefix.append(to: &bytes)
            id.append(to: &bytes)
            bytes.append(contentsOf: "/logs".utf8)
        case .other(let url): bytes.append(contentsOf: url.utf8)
        }
    }

    /// Appends the UTF-8 of `jobId`, nothing when the URL names none.
    func appendJobId(to bytes: inout [UInt8]) {
        switch self {
        case .usual(_, let id): id.append(to: &bytes)
        case .other(let url): if let id = ChargebackKit.jobId(fromSessionLogUrl: url) { bytes.append(contentsOf: id.utf8) }
        }
    }

    /// Whether the URL names a job ID (without building it).
    var namesJob: Bool {
        switch self {
        case .usual: true
        case .other(let url): ChargebackKit.jobId(fromSessionLogUrl: url) != nil
        }
    }

    /// The job ID the URL names.
    var jobId: String? {
        switch self {
        case .usual(_, let id): id.string
        case .other(let url): ChargebackKit.jobId(fromSessionLogUrl: url)
        }
    }
}

/// Up to 23 bytes of UTF-8 held inline in three words, so that a job ID costs no allocation
/// of its own (a `String` keeps only 15 bytes inline).
struct ShortText: Sendable, Hashable {
    private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)

    /// nil when `bytes` is longer than 23 bytes.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= 23 else { return nil }
        withUnsafeMutableBytes(of: &words) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[23] = UInt8(bytes.count)
        }
    }

    var string: String {
        withUnsafeBytes(of: words) { raw in String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<Int(raw[23])]), as: UTF8.self) }
    }

    /// Appends the text's UTF-8 to `bytes`.
    func append(to bytes: inout [UInt8]) {
        withUnsafeBytes(of: words) { raw in bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<Int(raw[23])])) }
    }

    static func == (a: ShortText, b: ShortText) -> Bool { a.words == b.words }

    func hash(into h: inout Hasher) {
        h.combine(words.0)
        h.combine(words.1)
        h.combine(words.2)
    }
}

/// Where the job ID lies in the usual session log URL `…/jobs/<job ID>/logs`, by its bytes;
/// nil for any other form (which `jobId(fromSessionLogUrl:)` reads the slow way).
func usualJobIdRange(_ u: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    let n = u.count
    guard n > 5, u[n - 5] == UInt8(ascii: "/"), u[n - 4] == UInt8(ascii: "l"), u[n - 3] == UInt8(ascii: "o"), u[n - 2] == UInt8(ascii: "g"),
        u[n - 1] == UInt8(ascii: "s")
    else { return nil }
    var slash = n - 6
    while slash >= 0, u[slash] != UInt8(ascii: "/") { slash -= 1 }
    // `<id>` is u[slash + 1 ..< n - 5]; before it must come `…/jobs` (at least 5 bytes).
    guard slash >= 5, slash + 1 < n - 5, u[slash - 5] == UInt8(ascii: "/"), u[slash - 4] == UInt8(ascii: "j"), u[slash - 3] == UInt8(ascii: "o"),
        u[slash - 2] == UInt8(ascii: "b"), u[slash - 1] == UInt8(ascii: "s")
    else { return nil }
    return (slash + 1)..<(n - 5)
}
