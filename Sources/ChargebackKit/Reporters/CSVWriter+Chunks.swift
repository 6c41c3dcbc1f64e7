import Foundation

extension CSVWriter {
    /// Rows per chunk: large enough that a chunk's work dwarfs handing it to a thread, small
    /// enough that the chunks in flight (two batches) stay a few tens of megabytes.
    static let rowsPerChunk = 4096

    /// Writes `count` rows into `sink`, formatting chunks of rows on every core. Chunks are
    /// written in row order, so the bytes do not depend on the number of threads; while one
    /// batch of chunks is formatted, the previous one is written (and hashed by the sink).
    /// `format` appends the rows of a range to a writer and is called from several threads.
    static func writeRows(
        count: Int, to sink: OutputSink, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        format: @escaping @Sendable (Range<Int>, inout CSVWriter) -> Void
    ) throws(OutputError) {
        let chunks = (count + rowsPerChunk - 1) / rowsPerChunk
        @Sendable func rows(of chunk: Int) -> Range<Int> { (chunk * rowsPerChunk)..<min(count, (chunk + 1) * rowsPerChunk) }
        guard threads > 1, chunks > 1 else {
            var csv = CSVWriter()
            for chunk in 0..<chunks {
                format(rows(of: chunk), &csv)
                try csv.flush(to: sink)
            }
            return
        }
        // Four chunks per thread: the batch's formatting outlasts the writing of the one before.
        let batch = 4 * threads
        var pending: [[UInt8]] = []
        var next = 0
        let writer = SinkHandoff(sink: sink)
        while next < chunks || !pending.isEmpty {
            let first = next
            let formatting = min(batch, chunks - first)
            let done = LockedSlots<[UInt8]>(count: formatting)
            let toWrite = pending
            // One extra iteration writes the previous batch while this one is formatted. It is
            // the first, so that its thread starts on it at once and the others share the
            // formatting, rather than one thread writing alone at the end.
            let failure = ChunkFailure()
            DispatchQueue.concurrentPerform(iterations: formatting + 1) { iteration in
                if iteration == 0 {
                    for part in toWrite {
                        let result = part.withUnsafeBytes { raw in Result { () throws(OutputError) in try writer.sink.write(raw) } }
                        if case .failure(let error) = result {
                            failure.record(error)
                            return
                        }
                    }
                    return
                }
                let k = iteration - 1
                var csv = CSVWriter(reservingCapacity: 512 * rowsPerChunk)
                format(rows(of: first + k), &csv)
                done.store(csv.bytes, at: k)
            }
            if let error = failure.error { throw error }
            pending = done.values()
            next += formatting
        }
    }
}

/// The sink, handed to the one iteration that writes: only that thread touches it while
/// `concurrentPerform` runs, and the caller waits for it.
private struct SinkHandoff: @unchecked Sendable {
    let sink: OutputSink
}

/// The first error of a write that ran on a worker thread.
private final class ChunkFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: OutputError?

    func record(_ error: OutputError) { lock.withLock { if first == nil { first = error } } }

    var error: OutputError? { lock.withLock { first } }
}
