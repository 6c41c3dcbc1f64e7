/// The normalised state of a code-task job.
public enum JobState: String, Sendable, Hashable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// Succeeded, failed and cancelled jobs never change state again.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running: false
        }
    }

    /// The known spellings (QUEUED or STARTING, RUNNING, SUCCEEDED, SUCCESS or COMPLETED,
    /// FAILED, CANCELLED, CANCELED or STOPPED) in ASCII letters of any case, read from UTF-8
    /// bytes without building a string; nil for anything else (`init(vendorSpelling:)` first
    /// upper-cases what is not ASCII).
    init?(asciiSpelling b: UnsafeBufferPointer<UInt8>) {
        // Every spelling is upper-case letters, which match themselves with bit 5 cleared.
        func spells(_ s: StaticString) -> Bool {
            let p = s.utf8Start
            for i in 0..<b.count where b[i] & 0xDF != p[i] { return false }
            return true
        }
        switch b.count {
        case 6: if spells("QUEUED") { self = .queued } else if spells("FAILED") { self = .failed } else { return nil }
        case 7:
            if spells("RUNNING") {
                self = .running
            } else if spells("SUCCESS") {
                self = .succeeded
            } else if spells("STOPPED") {
                self = .cancelled
            } else {
                return nil
            }
        case 8: if spells("STARTING") { self = .queued } else if spells("CANCELED") { self = .cancelled } else { return nil }
        case 9:
            if spells("SUCCEEDED") || spells("COMPLETED") { self = .succeeded } else if spells("CANCELLED") { self = .cancelled } else { return nil }
        default: return nil
        }
    }

    /// Reads any vendor spelling, case-insensitively (after Unicode upper-casing, so `ſ` reads
    /// as `S`); nil for anything unknown.
    public init?(vendorSpelling text: String) {
        var upper = text.uppercased()
        guard let state = upper.withUTF8({ JobState(asciiSpelling: $0) }) else { return nil }
        self = state
    }
}
