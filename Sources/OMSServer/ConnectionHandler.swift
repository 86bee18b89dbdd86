import Logging
import NIOCore
import OMSCore
import OMSProtocol
import ServiceLifecycle

/// Serves one connection: reads lines, runs up to the in-flight limit of
/// requests at once, writes each answer as one line. Every error stays inside
/// this connection.
struct ConnectionHandler: Sendable {
    let id: Int
    let connection: OMSServer.Connection
    let dispatcher: Dispatcher
    let configuration: ServerConfiguration
    let logger: Logger

    func serve() async {
        var logger = self.logger
        logger[metadataKey: "connection"] = "\(id)"
        logger.debug("connection opened")
        dispatcher.metrics.connections.increment()
        defer { dispatcher.metrics.connections.decrement() }
        let channel = connection.channel
        do {
            try await connection.executeThenClose { inbound, outbound in
                let session = Session(connectionId: id, remoteAddress: channel.remoteAddress?.ipAddress) { bytes in try await self.write(bytes, to: outbound) }
                // The session's subscription pumps and its requests are children
                // of this connection: when it ends, the subscriptions are ended
                // and their pumps stopped before the channel closes.
                await withDiscardingTaskGroup { connectionTasks in
                    connectionTasks.addTask { await session.runFeeds() }
                    do {
                        try await withThrowingTaskGroup(of: Void.self) { requests in
                            try await withGracefulShutdownHandler {
                                try await read(inbound, outbound, session: session, requests: &requests)
                            } onGracefulShutdown: {
                                // Stop reading; requests already in flight still get their answers.
                                channel.close(mode: .input, promise: nil)
                            }
                            try await requests.waitForAll()
                        }
                    } catch {
                        logger.debug("connection ended with error", metadata: ["error": "\(error)"])
                    }
                    await session.close()
                    // A pump blocked writing to a client that stopped reading stops here.
                    connectionTasks.cancelAll()
                }
            }
        } catch {
            logger.debug("connection ended with error", metadata: ["error": "\(error)"])
        }
        logger.debug("connection closed")
    }

    private func read(
        _ inbound: NIOAsyncChannelInboundStream<LineFrame>, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        session: Session, requests: inout ThrowingTaskGroup<Void, any Error>
    ) async throws {
        var inFlight = 0
        for try await frame in inbound {
            guard case .line(let line) = frame else {
                let error = RPCError.invalidRequest("request line longer than \(configuration.maximumLineLength) bytes")
                try await write(RPCCodec.encodeError(id: nil, error: error), to: outbound)
                return  // the caller closes the connection
            }
            let message = RPCCodec.decode(line: line.readableBytesView)
            if case .batch(let items) = message, items.count > configuration.maximumBatchSize {
                // Refused whole, before anything in it runs: a partial batch would be harder to retry than none.
                let error = RPCError(OMSError(
                    .limitExceeded, "a batch of \(items.count) requests is over the limit of \(configuration.maximumBatchSize)",
                    details: ["limit": "max_batch_size", "maximum": "\(configuration.maximumBatchSize)"]))
                dispatcher.metrics.record(method: "", error: error, duration: .zero)
                try await write(RPCCodec.encodeError(id: nil, error: error), to: outbound)
                continue
            }
            if case .single(.success(let request)) = message,
               dispatcher.catalogue.methods[request.method]?.answersBeforeNextLine == true {
                if let answer = await answer(request, session: session) { try await write(answer, to: outbound) }
                continue
            }
            if inFlight >= configuration.maximumInFlightPerConnection {
                try await requests.next()
                inFlight -= 1
            }
            inFlight += 1
            requests.addTask {
                let bytes: [UInt8]?
                var answered: [String] = []
                switch message {
                case .single(let item):
                    bytes = await self.answer(item, session: session)
                    if case .success(let request) = item, let id = request.id { answered.append(Session.key(id)) }
                case .batch(let items):
                    var answers: [[UInt8]] = []
                    for item in items {
                        if let answer = await self.answer(item, session: session) { answers.append(answer) }
                        if case .success(let request) = item, let id = request.id { answered.append(Session.key(id)) }
                    }
                    bytes = answers.isEmpty ? nil : RPCCodec.encodeBatch(answers)
                }
                // A client gone mid-request only loses its own answer.
                if let bytes, (try? await self.write(bytes, to: outbound)) != nil {
                    for id in answered { session.answered(id) }
                }
            }
        }
    }

    private func answer(_ item: Result<RPCRequest, RPCFailure>, session: Session) async -> [UInt8]? {
        switch item {
        case .failure(let failure):
            dispatcher.metrics.record(method: "", error: failure.error, duration: .zero)
            return RPCCodec.encodeError(id: failure.id, error: failure.error)
        case .success(let request):
            return await answer(request, session: session)
        }
    }

    private func answer(_ request: RPCRequest, session: Session) async -> [UInt8]? {
        let result = await dispatcher.handle(request, session: session)
        guard let id = request.id else { return nil }  // notifications get no response
        switch result {
        case .success(let json): return RPCCodec.encodeResult(id: id, result: json)
        case .failure(let error): return RPCCodec.encodeError(id: id, error: error)
        }
    }

    private func write(_ bytes: [UInt8], to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        var buffer = connection.channel.allocator.buffer(capacity: bytes.count + 1)
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "\n"))
        try await outbound.write(buffer)
    }
}
