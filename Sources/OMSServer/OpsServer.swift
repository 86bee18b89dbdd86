import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// The operations port: Prometheus text on `/metrics`, `/healthz` (the
/// process answers) and `/readyz` (the sidecar can serve; see
/// `ReadinessProbe`), over plain HTTP/1.1. A `Service`: on graceful shutdown
/// it stops accepting and returns.
public final class OpsServer: Service, Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// What `/readyz` asks.
    public let readiness: ReadinessProbe
    private let listener: NIOAsyncChannel<Connection, Never>
    private let logger: Logger
    /// The address actually bound (useful with port 0).
    public let host: String
    /// The port actually bound (useful with port 0).
    public let port: Int

    /// Binds the listening socket; serving starts with `run()`.
    public static func bind(host: String, port: Int, registry: PrometheusCollectorRegistry, readiness: ReadinessProbe,
                            logger: Logger) async throws -> OpsServer {
        let listener = try await ServerBootstrap(group: .singletonMultiThreadedEventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        return OpsServer(listener: listener, host: host, registry: registry, readiness: readiness, logger: logger)
    }

    private init(listener: NIOAsyncChannel<Connection, Never>, host: String, registry: PrometheusCollectorRegistry,
                 readiness: ReadinessProbe, logger: Logger) {
        self.listener = listener
        self.host = host
        self.port = listener.channel.localAddress?.port ?? 0
        self.registry = registry
        self.readiness = readiness
        self.logger = logger
    }

    /// A swift-metrics factory that writes into `registry`, with the
    /// request-latency buckets set for sub-millisecond commands.
    public static func metricsFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["oms_request_duration_seconds"] = ServerMetrics.durationBuckets
        return factory
    }

    /// Serves the operations endpoint on the bound listener until graceful shutdown.
    public func run() async throws {
        logger.info("operations endpoint listening", metadata: ["host": "\(host)", "port": "\(port)"])
        let listener = self.listener
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let received): head = received
                    case .body: continue
                    case .end:
                        guard let request = head else { continue }
                        let (status, body) = await answer(request)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: request.uri.hasPrefix("/metrics") && status == .ok
                                    ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")
                        headers.add(name: "Content-Length", value: "\(body.count)")
                        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
                        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status,
                                                                        headers: headers)))
                        if request.method != .HEAD {
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        }
                        try await outbound.write(.end(nil))
                        if !request.isKeepAlive { return }
                        head = nil
                    }
                }
            }
        } catch {
            logger.debug("operations connection ended with error", metadata: ["error": "\(error)"])
        }
    }

    /// The status and body for one request.
    func answer(_ request: HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8]) {
        guard request.method == .GET || request.method == .HEAD else {
            return (.methodNotAllowed, Array("only GET and HEAD\n".utf8))
        }
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        switch path {
        case "/metrics":
            return (.ok, registry.emitToBuffer())
        case "/healthz":
            return (.ok, Array("ok\n".utf8))
        case "/readyz":
            let report = await readiness.check()
            if !report.ready { logger.warning("not ready", metadata: ["checks": "\(report.text)"]) }
            return (report.ready ? .ok : .serviceUnavailable, Array(report.text.utf8))
        default:
            return (.notFound, Array("not found; try /metrics, /healthz or /readyz\n".utf8))
        }
    }
}
