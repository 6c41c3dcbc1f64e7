import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection to the simulator: routes each request to the core and writes
/// the answer, possibly late, possibly never.
final class SimulatorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The main listener, or the "other host" that only records what reaches it.
    enum Role {
        case main
        case otherHost
    }

    private let core: SimulatorCore
    private let role: Role
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// A JobStatus request of this connection is counted in flight.
    private var inFlight = false
    private var active = true

    init(core: SimulatorCore, role: Role) {
        self.core = core
        self.role = role
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let h = head else { return }
            head = nil
            route(context: context, head: h)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        endInFlight()
        context.fireChannelInactive()
    }

    private func endInFlight() {
        if inFlight {
            inFlight = false
            core.ended()
        }
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let session = head.headers.first(name: "IDS-SESSION-ID")
        let jobPrefix = "/disnext/api/v1/CodeTask/JobStatus/"
        if role == .otherHost {
            core.otherHost(session: session)
            respond(context: context, head: head, status: 404, headers: [], body: #"{"error":{"message":"this host does not serve job statuses"}}"#)
            return
        }
        if head.method == .POST, path == "/saas/public/core/v3/login" {
            let r = core.login(body: body)
            respond(context: context, head: head, status: r.status, headers: [], body: r.body)
            return
        }
        guard head.method == .GET, path.hasPrefix(jobPrefix) else {
            respond(context: context, head: head, status: 404, headers: [], body: #"{"error":{"message":"no such endpoint: \#(path)"}}"#)
            return
        }
        let jobId = String(path.dropFirst(jobPrefix.count))
        let otherBase = "http://localhost:" + String(core.otherHostPort.withLockedValue { $0 })
        inFlight = true
        switch core.arrive(jobId: jobId, session: session, accept: head.headers.first(name: "Accept"), otherHostBase: otherBase) {
        case .answer(let status, let headers, let text):
            respond(context: context, head: head, status: status, headers: headers, body: text)
        case .drop:
            endInFlight()
            context.close(promise: nil)
        case .hang:
            break
        case .proceed(let delay):
            let send = {
                guard self.active else { return }
                let r = self.core.answer(jobId: jobId, session: session)
                self.respond(context: context, head: head, status: r.status, headers: [], body: r.body)
            }
            if delay > 0 {
                context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) { send() }
            } else {
                send()
            }
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, status: Int, headers: [(String, String)], body: String) {
        var h = HTTPHeaders(headers)
        let bytes = ByteBuffer(string: body)
        if !body.isEmpty { h.add(name: "Content-Type", value: "application/json") }
        h.add(name: "Content-Length", value: String(bytes.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive { h.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: h))), promise: nil)
        if bytes.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
        endInFlight()
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
