import NIOCore
import NIOPosix
import NIOSSL
import OMSCore
import OMSProtocol

/// An async client for the OMS JSON-RPC server: one TCP connection, many
/// calls in flight on it at once, answers matched by id.
///
/// Domain errors throw `OMSError`; protocol errors throw `RPCError`; a lost
/// connection fails every pending call with `OMSError` code `.unavailable`.
public final class OMSClient: Sendable {
    /// A server-sent notification: its method and params.
    public typealias Notification = (method: String, params: JSON?)

    /// The configuration this client connected with.
    public let configuration: OMSClientConfiguration
    private let channel: any Channel
    private let calls: Locked<CallTable>
    private let reader: Task<Void, Never>

    /// Server notifications (e.g. subscription events) in arrival order,
    /// buffered until read. Finishes when the connection closes. Iterate it
    /// from one task only.
    public let notifications: AsyncStream<Notification>

    /// Connects, and authenticates when `configuration.apiKey` is set.
    /// Throws `OMSError(.unavailable)` when the server cannot be reached, and
    /// the server's error when authentication fails.
    public static func connect(_ configuration: OMSClientConfiguration) async throws -> OMSClient {
        let maximum = configuration.maximumResponseLength
        let tls = try configuration.tls.map { try $0.prepare(host: configuration.host) }
        let handshake = MultiThreadedEventLoopGroup.singletonMultiThreadedEventLoopGroup.any().makePromise(of: Void.self)
        let asyncChannel: NIOAsyncChannel<LineFrame, ByteBuffer>
        do {
            asyncChannel = try await ClientBootstrap(group: .singletonMultiThreadedEventLoopGroup)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(try tls.makeHandler())
                            try channel.pipeline.syncOperations.addHandler(TLSHandshakeWaiter(promise: handshake))
                        } else {
                            handshake.succeed()
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maximumLineLength: maximum)))
                        return try NIOAsyncChannel<LineFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            handshake.fail(error)
            throw OMSError(.unavailable, "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        do {
            try await handshake.futureResult.get()
        } catch {
            try? await asyncChannel.channel.close()
            throw OMSError(.unavailable, "TLS handshake with \(configuration.host):\(configuration.port) failed: \(error)")
        }
        let client = OMSClient(configuration: configuration, asyncChannel: asyncChannel)
        if let apiKey = configuration.apiKey {
            do {
                _ = try await client.call("session.authenticate", ["api_key": .string(apiKey)])
            } catch {
                await client.close()
                throw error
            }
        }
        return client
    }

    private init(configuration: OMSClientConfiguration, asyncChannel: NIOAsyncChannel<LineFrame, ByteBuffer>) {
        self.configuration = configuration
        let channel = asyncChannel.channel
        let calls = Locked(CallTable(maxInFlight: configuration.maxInFlight))
        let (notifications, continuation) = AsyncStream<Notification>.makeStream()
        self.channel = channel
        self.calls = calls
        self.notifications = notifications
        // The reader holds the table and the channel, not the client, so a
        // client dropped without `close()` still closes its connection in `deinit`.
        self.reader = Task {
            let reason: String
            do {
                try await asyncChannel.executeThenClose { inbound, _ in
                    for try await frame in inbound {
                        guard case .line(let line) = frame else {
                            throw OMSError(.unavailable, "response line longer than \(configuration.maximumResponseLength) bytes")
                        }
                        try Self.receive(line, calls: calls, channel: channel, notifications: continuation)
                    }
                }
                reason = "connection closed"
            } catch {
                reason = "connection lost (\(error))"
            }
            let (waiters, error) = calls.withLock { $0.close(reason) }
            for waiter in waiters { waiter.resume(throwing: error) }
            continuation.finish()
        }
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Sends one request and awaits its answer: the `result` on success.
    ///
    /// Many calls may be in flight at once; beyond `maxInFlight` a call waits
    /// for a slot before it is sent. Cancelling the calling task stops the
    /// wait with `CancellationError`, though the server may still carry the call out.
    public func call(_ method: String, _ params: [String: JSON] = [:]) async throws -> JSON {
        let id = calls.withLock { $0.nextID() }
        let line = RPCCodec.encodeRequest(RPCRequest(id: id, method: method, params: .object(params)))
        let answer = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: CallTable.Waiter) in
                // Checked under the lock, so a cancellation either happened
                // before (and is seen here) or finds the registered waiter.
                let action = calls.withLock { table -> CallTable.RegisterAction in
                    Task.isCancelled ? .fail(CancellationError()) : table.register(id, line: line, waiter: waiter)
                }
                switch action {
                case .send(let line): Self.write(line, to: channel)
                case .wait: break
                case .fail(let error): waiter.resume(throwing: error)
                }
            }
        } onCancel: {
            calls.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
        switch answer {
        case .success(let result): return result
        case .failure(let error): throw error.omsError ?? error
        }
    }

    /// Closes the connection; pending calls fail with `OMSError(.unavailable)`
    /// and ``notifications`` finishes. Safe to call more than once.
    public func close() async {
        let (waiters, error) = calls.withLock { $0.close("connection closed by the client") }
        for waiter in waiters { waiter.resume(throwing: error) }
        try? await channel.close()
        await reader.value
    }

    private static func receive(
        _ line: ByteBuffer, calls: Locked<CallTable>, channel: any Channel,
        notifications: AsyncStream<Notification>.Continuation
    ) throws {
        let message = try RPCCodec.decodeResponse(line: line.readableBytesView)
        deliver(message, calls: calls, channel: channel, notifications: notifications)
    }

    private static func deliver(
        _ message: RPCResponseLine, calls: Locked<CallTable>, channel: any Channel,
        notifications: AsyncStream<Notification>.Continuation
    ) {
        switch message {
        case .response(let id?, let result):
            let (waiter, next) = calls.withLock { $0.answer(id) }
            if let next { write(next, to: channel) }
            waiter?.resume(returning: result)
        case .response(nil, let result):
            if case .failure(let error) = result { calls.withLock { $0.orphan(error) } }
        case .notification(let method, let params):
            notifications.yield((method: method, params: params))
        case .batch(let messages):
            for item in messages { deliver(item, calls: calls, channel: channel, notifications: notifications) }
        }
    }

    private static func write(_ line: [UInt8], to channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: line.count + 1)
        buffer.writeBytes(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        // A failed write leaves the stream in an unknown state; closing makes
        // the reader fail every pending call instead of leaving them hanging.
        channel.writeAndFlush(buffer).whenFailure { _ in channel.close(promise: nil) }
    }
}
