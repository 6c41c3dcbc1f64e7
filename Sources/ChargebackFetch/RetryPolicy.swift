import Foundation

/// Time as `fetch` sees it: wall time for `fetchedAt` and HTTP dates, a monotonic clock
/// for deadlines, and sleeps. Tests inject a faster or fake one.
public struct FetchClock: Sendable {
    /// The wall-clock time.
    public var now: @Sendable () -> Date
    /// Seconds on a monotonic clock (only differences mean anything).
    public var monotonic: @Sendable () -> Double
    /// Sleeps for the given seconds; throws when the task is cancelled.
    public var sleep: @Sendable (Double) async throws -> Void

    /// Creates a clock from its three functions.
    public init(
        now: @escaping @Sendable () -> Date, monotonic: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (Double) async throws -> Void
    ) {
        self.now = now
        self.monotonic = monotonic
        self.sleep = sleep
    }

    /// The real clock.
    public static let system = FetchClock(
        now: { Date() },
        monotonic: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
        sleep: { seconds in
            guard seconds > 0 else { return }
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        })
}

/// The retry policy of SPEC 5.2: which answers are retried, and how long to wait.
public struct RetryPolicy: Sendable {
    /// First backoff ceiling in seconds (doubles per retry).
    public var baseDelay: Double = 0.5
    /// Largest backoff ceiling in seconds.
    public var maxDelay: Double = 30
    /// Requests per fetch, the first included.
    public var maxAttempts: Int = 6
    /// A `Retry-After` longer than this fails the job instead of stalling the run.
    public var maxRetryAfter: Double = 300
    /// A random number in the given range (full jitter); injectable for tests.
    public var random: @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }

    /// The policy of SPEC 5.2.
    public init() {}

    /// HTTP statuses that are retried.
    public static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// The backoff before retry number `retry` (1 for the first retry): full jitter, a
    /// uniformly random delay between 0 and `min(maxDelay, baseDelay × 2^(retry−1))`.
    public func backoff(retry: Int) -> Double {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(retry, 1) - 1)))
        return random(0...ceiling)
    }

    /// The delay a `Retry-After` value asks for, in seconds from `now`: whole seconds, or an
    /// HTTP date (IMF-fixdate, RFC 850 or asctime). nil when absent or unreadable; a date in
    /// the past asks for no delay.
    public static func retryAfter(_ value: String?, now: Date) -> Double? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return Double(text.prefix(9)) ?? nil
        }
        guard let date = httpDate(text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// Parses an HTTP date (RFC 9110 5.6.7).
    public static func httpDate(_ text: String) -> Date? {
        // asctime pads one-digit days with a space ("Nov  6").
        let text = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "GMT")
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }

    /// Formats an HTTP date (IMF-fixdate).
    public static func formatHTTPDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
}
