import Foundation

/// A string held once for the whole process and named by a 32-bit number, so that a million
/// documents and jobs naming the same org, user, environment, task, error or URL prefix hold
/// four bytes each rather than a 16-byte string reference (and copying them counts no
/// references). Equal text has one number: texts are told apart by their UTF-8 bytes, not by
/// Unicode equivalence, so a name reads back exactly as it was written.
public struct PooledText: Sendable, Hashable {
    /// 0 for no text.
    let number: UInt32

    static let none = PooledText(number: 0)

    init(number: UInt32) { self.number = number }

    /// The pooled copy of `text`; `none` for nil.
    init(_ text: String?) {
        number = text.map { TextPool.shared.number(for: $0) } ?? 0
    }

    /// The pooled copy of the text whose UTF-8 is `bytes` (valid UTF-8).
    init(bytes: UnsafeBufferPointer<UInt8>) {
        number = TextPool.shared.number(forBytes: bytes)
    }

    /// The text; nil for `none`. A short text comes as the calling thread's own copy.
    var string: String? { number == 0 ? nil : LocalTexts.text(number) }

    /// The text's UTF-8, read in place (empty for `none`).
    @inline(__always) var utf8: UnsafeBufferPointer<UInt8> {
        number == 0 ? UnsafeBufferPointer(start: nil, count: 0) : TextPool.shared.entry(number).bytes
    }

    /// Appends the text's UTF-8 to `bytes` (nothing for `none`).
    @inline(__always) func append(to bytes: inout [UInt8]) {
        guard number != 0 else { return }
        bytes.append(contentsOf: TextPool.shared.entry(number).bytes)
    }
}

/// Each thread's own strings of the short pooled texts (the pool holds bytes). Building a
/// string at every read would allocate; one string shared by all threads would make every
/// retain and release an atomic write to a cache line the cores pull back and forth. A string
/// per thread keeps those writes on the thread's own core.
final class LocalTexts {
    /// Texts up to this many bytes are kept; longer ones (error messages) are built when read.
    private static let copiedLength = 128
    private var texts: [String?] = []

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { Unmanaged<LocalTexts>.fromOpaque($0!).release() }
        precondition(status == 0, "pthread_key_create failed (\(status))")
        return key
    }()

    /// The text numbered `n`, from the calling thread's copies.
    static func text(_ n: UInt32) -> String {
        if let p = pthread_getspecific(key) {
            return Unmanaged<LocalTexts>.fromOpaque(p)._withUnsafeGuaranteedRef { $0.text(n) }
        }
        let local = LocalTexts()
        pthread_setspecific(key, Unmanaged.passRetained(local).toOpaque())
        return local.text(n)
    }

    /// The text numbered `n`.
    func text(_ n: UInt32) -> String {
        let i = Int(n)
        if i < texts.count, let copy = texts[i] { return copy }
        let copy = TextPool.shared.text(n)
        guard copy.utf8.count <= Self.copiedLength else { return copy }
        if i >= texts.count { texts += repeatElement(nil, count: max(i + 1 - texts.count, texts.count)) }
        texts[i] = copy
        return copy
    }
}

/// The process-wide table behind `PooledText`. Each text's UTF-8 is copied once into
/// memory that is never freed or moved, so a text is read by its number, as bytes, without a
/// lock and without counting a reference: a number is only handed out after its bytes are in
/// place, and it reaches another thread only through the locks and queues that hand
/// documents on.
final class TextPool: @unchecked Sendable {
    static let shared = TextPool()

    private static let pageBits = 14
    private static let pageSize = 1 << pageBits
    private static let pageCount = 1 << (32 - pageBits)
    /// Texts are copied into blocks of this size; a longer text gets a block of its own.
    private static let blockSize = 1 << 20

    /// Where a text's bytes are, and what the CSV writer needs to know about them.
    struct Entry {
        let base: UnsafePointer<UInt8>
        let count: UInt32
        /// The text can be a CSV cell as it is: no quotes needed, and not taken for a formula.
        let csvClean: Bool

        var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: Int(count)) }
    }

    private let lock = NSLock()
    private var numbers: [ByteKey: UInt32] = [:]
    /// Pages of entries, allocated as they fill; the page table itself is reserved once.
    private let pages: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
    private var next: UInt32 = 1
    /// The free end of the current block (none yet), and how many bytes are left in it.
    private var free: UnsafeMutablePointer<UInt8>?
    private var left = 0
    /// Where the empty text points.
    private let empty = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    private init() {
        pages = .allocate(capacity: Self.pageCount)
        pages.initialize(repeating: nil, count: Self.pageCount)
    }

    /// The number of `text`, adding it when new.
    func number(for text: String) -> UInt32 {
        var t = text
        return t.withUTF8 { number(forBytes: $0) }
    }

    /// The number of the text whose UTF-8 is `bytes` (valid UTF-8), adding it when new.
    func number(forBytes bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        precondition(bytes.count < Int(UInt32.max), "a text of four gigabytes")
        let probe = ByteKey(bytes)
        return lock.withLock {
            if let found = numbers[probe] { return found }
            precondition(next != .max, "more than four billion distinct texts")
            let n = next
            next += 1
            let copy = store(bytes)
            let page = Int(n) >> Self.pageBits
            if pages[page] == nil { pages[page] = .allocate(capacity: Self.pageSize) }
            (pages[page]! + Int(n) & (Self.pageSize - 1)).initialize(
                to: Entry(base: copy, count: UInt32(bytes.count), csvClean: CSVWriter.isClean(bytes, neutralise: true)))
            numbers[probe.stored(at: copy)] = n
            return n
        }
    }

    /// A copy of `bytes` in memory that lives as long as the process.
    private func store(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafePointer<UInt8> {
        guard !bytes.isEmpty else { return UnsafePointer(empty) }
        if bytes.count > left {
            if bytes.count > Self.blockSize / 4 {
                let own = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
                if let b = bytes.baseAddress { own.update(from: b, count: bytes.count) }
                return UnsafePointer(own)
            }
            free = .allocate(capacity: Self.blockSize)
            left = Self.blockSize
        }
        let copy = free!
        if let b = bytes.baseAddress { copy.update(from: b, count: bytes.count) }
        free = copy + bytes.count
        left -= bytes.count
        return UnsafePointer(copy)
    }

    /// The entry of number `n` (which `number(for:)` gave out).
    @inline(__always) func entry(_ n: UInt32) -> Entry {
        pages[Int(n) >> Self.pageBits]![Int(n) & (Self.pageSize - 1)]
    }

    /// The text numbered `n`, as a new string.
    func text(_ n: UInt32) -> String {
        String(decoding: entry(n).bytes, as: UTF8.self)
    }

    /// Bytes compared and hashed as they are (the hash taken once: paths and messages are
    /// long). A probe points at the caller's bytes; a stored key at the pool's copy.
    private struct ByteKey: Hashable {
        let base: UnsafePointer<UInt8>?
        let count: Int
        private let hash: Int

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            base = bytes.baseAddress
            count = bytes.count
            var h = Hasher()
            h.combine(bytes: UnsafeRawBufferPointer(bytes))
            hash = h.finalize()
        }

        private init(base: UnsafePointer<UInt8>, count: Int, hash: Int) {
            self.base = base
            self.count = count
            self.hash = hash
        }

        /// The same key, pointing at the stored copy of its bytes.
        func stored(at copy: UnsafePointer<UInt8>) -> ByteKey { ByteKey(base: copy, count: count, hash: hash) }

        static func == (a: ByteKey, b: ByteKey) -> Bool {
            guard a.hash == b.hash, a.count == b.count else { return false }
            return a.count == 0 || memcmp(a.base!, b.base!, a.count) == 0
        }

        func hash(into h: inout Hasher) { h.combine(hash) }
    }
}
