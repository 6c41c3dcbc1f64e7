import NIOConcurrencyHelpers

/// Where a fetch stands, for the progress line.
public struct FetchProgress: Sendable, Equatable {
    /// Jobs in the list.
    public var total = 0
    /// Jobs finished (fetched for good, or failed).
    public var done = 0
    /// Jobs that failed.
    public var failed = 0
    /// HTTP requests sent (JobStatus only).
    public var requests = 0
    /// Requests that were retried.
    public var retries = 0
    /// Responses written to the archive.
    public var responses = 0
    /// Seconds since the run started.
    public var elapsed = 0.0
}

/// Counters shared by every job task.
final class FetchCounters: Sendable {
    private struct State {
        var progress = FetchProgress()
        var retriesByKind: [String: Int] = [:]
    }
    private let state = NIOLockedValueBox(State())
    private let clock: FetchClock
    private let started: Double
    private let onChange: (@Sendable (FetchProgress) -> Void)?

    init(total: Int, clock: FetchClock, onChange: (@Sendable (FetchProgress) -> Void)?) {
        self.clock = clock
        started = clock.monotonic()
        self.onChange = onChange
        state.withLockedValue { $0.progress.total = total }
    }

    var progress: FetchProgress {
        var p = state.withLockedValue { $0.progress }
        p.elapsed = clock.monotonic() - started
        return p
    }

    var retriesByKind: [String: Int] { state.withLockedValue { $0.retriesByKind } }

    func requestStarted() { change { $0.progress.requests += 1 } }
    func retried(_ kind: String) {
        change {
            $0.progress.retries += 1
            $0.retriesByKind[kind, default: 0] += 1
        }
    }
    func archived() { change { $0.progress.responses += 1 } }
    func finished(failed: Bool) {
        change {
            $0.progress.done += 1
            if failed { $0.progress.failed += 1 }
        }
    }

    private func change(_ body: (inout State) -> Void) {
        state.withLockedValue(body)
        if let onChange { onChange(progress) }
    }
}
