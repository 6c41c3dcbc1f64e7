/// Bounds the requests in flight (`--concurrency`). A permit is held only while a request
/// is on the wire, not during backoff or between polls, so waiting jobs never hold a slot.
actor RequestLimiter {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Error>] = []
    private var head = 0
    private var closed = false

    init(permits: Int) {
        available = permits
    }

    /// Waits for a permit, first come first served; throws once the run has stopped.
    func acquire() async throws {
        if closed { throw CancellationError() }
        if available > 0 {
            available -= 1
            return
        }
        try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    /// Returns a permit, handing it straight to the longest waiter.
    func release() {
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            if head > 1024, head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            next.resume()
        } else {
            available += 1
        }
    }

    /// Stops the run: every waiter and every later `acquire` throws.
    func close() {
        closed = true
        let pending = waiters[head...]
        waiters = []
        head = 0
        for w in pending { w.resume(throwing: CancellationError()) }
    }
}
