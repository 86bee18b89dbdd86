import Logging
import NIOCore
import NIOPosix
import NIOSSL
import OMSCore
import OMSProtocol
import ServiceLifecycle
import Synchronization

/// The TCP front: accepts connections and serves each in its own task.
/// A `Service`: on graceful shutdown it stops accepting, lets every
/// connection finish the requests it has in flight, then returns.
public final class OMSServer: Service, Sendable {
    typealias Connection = NIOAsyncChannel<LineFrame, ByteBuffer>

    /// How the server listens and what it allows.
    public let configuration: ServerConfiguration
    /// Routes every request to its method.
    public let dispatcher: Dispatcher
    private let listener: NIOAsyncChannel<Connection, Never>
    private let connectionIds = Mutex(0)
    private let openConnections = Mutex(ConnectionCounts())
    private let logger: Logger

    /// The port actually bound (useful with port 0).
    public let port: Int

    /// Binds the listening socket; serving starts with `run()`.
    public static func bind(_ configuration: ServerConfiguration, dispatcher: Dispatcher, logger: Logger) async throws -> OMSServer {
        let maximum = configuration.maximumLineLength
        let tls = try configuration.tls?.makeContext()
        let listener = try await ServerBootstrap(group: .singletonMultiThreadedEventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(maximumLineLength: maximum)))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        return OMSServer(configuration: configuration, dispatcher: dispatcher, listener: listener, logger: logger)
    }

    private init(configuration: ServerConfiguration, dispatcher: Dispatcher, listener: NIOAsyncChannel<Connection, Never>,
                 logger: Logger) {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.listener = listener
        self.logger = logger
        self.port = listener.channel.localAddress?.port ?? configuration.port
    }

    /// Accepts connections until graceful shutdown, each in its own task; one over the per-address limit is refused.
    public func run() async throws {
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)",
                                            "tls": "\(configuration.tls != nil)"])
        let listener = self.listener
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        let id = connectionIds.withLock { $0 += 1; return $0 }
                        let address = connection.channel.remoteAddress?.ipAddress ?? "unknown"
                        let limit = configuration.maximumConnectionsPerAddress
                        let admitted = openConnections.withLock { $0.admit(address, limit: limit) }
                        group.addTask {
                            guard admitted else { return await self.refuse(connection, address: address) }
                            defer { self.openConnections.withLock { $0.release(address) } }
                            let handler = ConnectionHandler(
                                id: id, connection: connection, dispatcher: self.dispatcher,
                                configuration: self.configuration, logger: self.logger)
                            await handler.serve()
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
        }
        logger.info("stopped")
    }

    /// Answers a connection over the per-address limit with one LIMIT_EXCEEDED
    /// line and closes it. What the client already sent is read and dropped
    /// for a moment first: closing with unread input would reset the
    /// connection and could destroy the error line before the client reads it.
    private func refuse(_ connection: Connection, address: String) async {
        let maximum = configuration.maximumConnectionsPerAddress
        logger.warning("refused a connection: too many from one address",
                       metadata: ["address": "\(address)", "maximum": "\(maximum)"])
        let error = RPCError(OMSError(.limitExceeded, "too many connections from your address (at most \(maximum))",
                                      details: ["limit": "max_connections_per_address", "maximum": "\(maximum)"]))
        let bytes = RPCCodec.encodeError(id: nil, error: error) + [UInt8(ascii: "\n")]
        try? await connection.executeThenClose { inbound, outbound in
            try await outbound.write(connection.channel.allocator.buffer(bytes: bytes))
            try await withThrowingTaskGroup(of: Void.self) { drain in
                drain.addTask { for try await _ in inbound {} }
                drain.addTask { try await Task.sleep(for: .seconds(1)) }
                try await drain.next()
                drain.cancelAll()
            }
        }
    }
}

/// Open connections per client address.
struct ConnectionCounts: Sendable {
    private var open: [String: Int] = [:]

    /// Counts a new connection from `address` unless it already has `limit` open.
    mutating func admit(_ address: String, limit: Int) -> Bool {
        guard open[address, default: 0] < limit else { return false }
        open[address, default: 0] += 1
        return true
    }

    mutating func release(_ address: String) {
        guard let count = open[address] else { return }
        open[address] = count > 1 ? count - 1 : nil
    }
}
