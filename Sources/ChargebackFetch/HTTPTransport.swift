import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP answer, its body read in full.
struct HTTPExchange: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Why a request got no answer. Both are retried (SPEC 5.2).
enum TransportFailure: Error, Sendable, Equatable {
    /// No complete answer within the per-request timeout.
    case timedOut(seconds: Double)
    /// The connection could not be made, or broke before the answer was complete.
    case connection(String)

    var message: String {
        switch self {
        case .timedOut(let s): "no complete answer within \(FetchFormat.seconds(s)) s (--timeout)"
        case .connection(let why): "connection failed: \(why)"
        }
    }

    /// The short name used in retry counts.
    var kind: String {
        switch self {
        case .timedOut: "timeout"
        case .connection: "connection"
        }
    }
}

/// AsyncHTTPClient, configured for `fetch`: no automatic redirects (the caller decides, so
/// the session header never follows a redirect to another host), one connection per
/// concurrent request, and a hard per-request timeout that covers the body too.
final class HTTPTransport: Sendable {
    private let client: HTTPClient
    private let timeout: Double
    /// A job-status document is a few kilobytes; anything this large is not one.
    static let maxBodyBytes = 16 << 20

    init(timeout: Double, concurrency: Int) {
        let timeAmount = TimeAmount.nanoseconds(Int64(timeout * 1e9))
        var config = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: min(timeAmount, .seconds(30)), read: timeAmount),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, concurrency)))
        config.httpVersion = .automatic
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.timeout = timeout
    }

    /// Closes every connection; call once, when the run is over.
    func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends one request and reads the whole answer, or fails within `timeout` seconds
    /// whatever the server does (a server that accepts and never answers included).
    func send(method: HTTPMethod, url: URL, headers: [(String, String)], body: [UInt8]? = nil) async -> Result<HTTPExchange, TransportFailure> {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let client = self.client
        let timeout = self.timeout
        let prepared = request
        do {
            return try await withThrowingTaskGroup(of: HTTPExchange?.self) { group in
                group.addTask {
                    let response = try await client.execute(prepared, timeout: .nanoseconds(Int64(timeout * 1e9)))
                    let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
                    return HTTPExchange(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
                }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let exchange = first else {
                    return .failure(.timedOut(seconds: timeout))
                }
                return .success(exchange)
            }
        } catch let e as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout, .getConnectionFromPoolTimeout].contains(e) {
            return .failure(.timedOut(seconds: timeout))
        } catch is CancellationError {
            return .failure(.connection("cancelled"))
        } catch {
            return .failure(.connection(Self.describe(error)))
        }
    }

    private static func describe(_ error: Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return e.shortDescription
            }
        }
        if error is NIOTooManyBytesError { return "the answer is larger than \(maxBodyBytes) bytes" }
        return String(describing: error)
    }
}

/// Small formatting helpers shared by messages.
enum FetchFormat {
    /// Seconds without trailing zeros: `60`, `0.5`.
    static func seconds(_ s: Double) -> String {
        s == s.rounded() && abs(s) < 1e15 ? String(Int(s)) : String(format: "%g", s)
    }
}
