import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OMSProtocol
import ServiceLifecycle

/// The TCP front: accepts connections and serves each in its own task.
/// A `Service`: on graceful shutdown it stops accepting, lets every
/// connection finish the requests it has in flight, then returns.
public final class OMSServer: Service, Sendable {
    typealias Connection = NIOAsyncChannel<LineFrame, ByteBuffer>

    public let configuration: ServerConfiguration
    public let dispatcher: Dispatcher
    private let listener: NIOAsyncChannel<Connection, Never>
    private let connectionIds = NIOLockedValueBox(0)
    private let logger: Logger

    /// The port actually bound (useful with port 0).
    public let port: Int

    /// Binds the listening socket; serving starts with `run()`.
    public static func bind(_ configuration: ServerConfiguration, dispatcher: Dispatcher, logger: Logger) async throws -> OMSServer {
        let maximum = configuration.maximumLineLength
        let listener = try await ServerBootstrap(group: .singletonMultiThreadedEventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
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

    public func run() async throws {
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        let listener = self.listener
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        let id = connectionIds.withLockedValue { $0 += 1; return $0 }
                        group.addTask {
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
}
