import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A local stand-in for the IICS REST API on 127.0.0.1: the v3 login, CodeTask JobStatus,
/// jobs that progress over polls, and injected faults. Tests start it in-process on port 0
/// and read its counters; `iics-simulator` runs it from the command line.
public final class IICSSimulator: Sendable {
    /// The port of the API.
    public let port: Int
    /// The port of the "other host" (reached as `localhost`, not `127.0.0.1`).
    public let otherHostPort: Int
    private let core: SimulatorCore
    private let group: MultiThreadedEventLoopGroup
    private let channels: [Channel]

    /// `http://127.0.0.1:<port>`: pass it as `--server-url` and `--login-url`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, otherHostPort: Int, core: SimulatorCore, group: MultiThreadedEventLoopGroup, channels: [Channel]) {
        self.port = port
        self.otherHostPort = otherHostPort
        self.core = core
        self.group = group
        self.channels = channels
    }

    /// Starts the simulator on `host:port` (0 picks a free port) with `jobs`.
    public static func start(
        _ configuration: SimulatorConfiguration = SimulatorConfiguration(), jobs: [SimulatorJob] = [], host: String = "127.0.0.1", port: Int = 0
    ) async throws -> IICSSimulator {
        let core = SimulatorCore(configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let main = try await bind(core: core, role: .main, group: group, host: host, port: port)
            let other = try await bind(core: core, role: .otherHost, group: group, host: host, port: 0)
            let otherPort = other.localAddress?.port ?? 0
            core.otherHostPort.withLockedValue { $0 = otherPort }
            let sim = IICSSimulator(port: main.localAddress?.port ?? 0, otherHostPort: otherPort, core: core, group: group, channels: [main, other])
            sim.add(jobs)
            return sim
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func bind(core: SimulatorCore, role: SimulatorHandler.Role, group: MultiThreadedEventLoopGroup, host: String, port: Int) async throws
        -> Channel
    {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SimulatorHandler(core: core, role: role))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// Adds (or replaces) jobs.
    public func add(_ jobs: [SimulatorJob]) {
        core.state.withLockedValue { s in
            for j in jobs { s.jobs[j.id] = j }
        }
    }

    /// Invalidates every session now.
    public func expireSessions() {
        core.state.withLockedValue { $0.validSessions.removeAll() }
    }

    /// What the simulator has seen so far.
    public var statistics: SimulatorStatistics {
        core.state.withLockedValue { $0.statistics }
    }

    /// Waits until the listeners close (never, unless `stop()` is called).
    public func waitUntilClosed() async throws {
        for c in channels { try await c.closeFuture.get() }
    }

    /// Closes the listeners and every connection.
    public func stop() async throws {
        for c in channels { try? await c.close() }
        try await group.shutdownGracefully()
    }
}
