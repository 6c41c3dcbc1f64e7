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

    /// The text; nil for `none`. A short text comes as the calling thread's own copy.
    var string: String? { number == 0 ? nil : LocalTexts.text(number) }
}

/// Each thread's own copies of the short pooled texts. Every document of a run shares one
/// `String` per org, user or task; if every thread retained and released that one string,
/// each count would be an atomic write to a cache line the cores pull back and forth. A copy
/// per thread keeps those writes on the thread's own core.
final class LocalTexts {
    /// Texts up to this many bytes are copied; longer ones (error messages) are shared.
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
        let shared = TextPool.shared.text(n)
        guard shared.utf8.count <= Self.copiedLength else { return shared }
        if i >= texts.count { texts += repeatElement(nil, count: max(i + 1 - texts.count, texts.count)) }
        // A new string of the same bytes (a short one is held inline, with no object at all).
        let copy = String(decoding: Array(shared.utf8), as: UTF8.self)
        texts[i] = copy
        return copy
    }
}

/// The process-wide table behind `PooledText`. Texts are added under a lock and never removed
/// or moved, so reading one by its number takes no lock: a number is only handed out after
/// its text is in place, and it reaches another thread only through the locks and queues that
/// hand documents on.
final class TextPool: @unchecked Sendable {
    static let shared = TextPool()

    private static let pageBits = 14
    private static let pageSize = 1 << pageBits
    private static let pageCount = 1 << (32 - pageBits)

    private let lock = NSLock()
    private var numbers: [ByteKey: UInt32] = [:]
    /// Pages of texts, allocated as they fill; the page table itself is reserved once.
    private let pages: UnsafeMutablePointer<UnsafeMutablePointer<String>?>
    private var next: UInt32 = 1

    private init() {
        pages = .allocate(capacity: Self.pageCount)
        pages.initialize(repeating: nil, count: Self.pageCount)
    }

    /// The number of `text`, adding it when new.
    func number(for text: String) -> UInt32 {
        lock.withLock {
            let key = ByteKey(text: text)
            if let found = numbers[key] { return found }
            precondition(next != .max, "more than four billion distinct texts")
            let n = next
            next += 1
            let page = Int(n) >> Self.pageBits
            if pages[page] == nil { pages[page] = .allocate(capacity: Self.pageSize) }
            (pages[page]! + Int(n) & (Self.pageSize - 1)).initialize(to: text)
            numbers[key] = n
            return n
        }
    }

    /// The text numbered `n` (which `number(for:)` gave out).
    @inline(__always) func text(_ n: UInt32) -> String {
        pages[Int(n) >> Self.pageBits]![Int(n) & (Self.pageSize - 1)]
    }

    /// A text compared and hashed by its UTF-8 bytes (its hash taken once: paths and
    /// messages are long).
    private struct ByteKey: Hashable {
        let text: String
        private let hash: Int

        init(text: String) {
            var t = text
            self.text = t
            var h = Hasher()
            t.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
            hash = h.finalize()
        }

        static func == (a: ByteKey, b: ByteKey) -> Bool {
            guard a.hash == b.hash, a.text.utf8.count == b.text.utf8.count else { return false }
            var x = a.text, y = b.text
            return x.withUTF8 { p in y.withUTF8 { q in p.isEmpty || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0 } }
        }

        func hash(into h: inout Hasher) { h.combine(hash) }
    }
}
