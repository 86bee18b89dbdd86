@testable import OMSServerTestSupport
import Foundation
import NIOCore
import NIOPosix
import OMSCore
import OMSProtocol

/// A bare TCP connection for protocol tests: send any bytes, read raw lines.
/// The channel lives inside `executeThenClose` in its own task, bridged by streams.
final class RawConnection: Sendable {
    private let outgoing: AsyncStream<[UInt8]>.Continuation
    private let incoming: AsyncThrowingStream<LineFrame, any Error>
    private let task: Task<Void, Never>

    init(port: Int) async throws {
        let channel = try await ClientBootstrap(group: .singletonMultiThreadedEventLoopGroup)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 64 << 20)))
                    return try NIOAsyncChannel<LineFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let (outStream, outgoing) = AsyncStream.makeStream(of: [UInt8].self)
        let (inStream, incoming) = AsyncThrowingStream.makeStream(of: LineFrame.self)
        self.outgoing = outgoing
        self.incoming = inStream
        task = Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await bytes in outStream { try await outbound.write(ByteBuffer(bytes: bytes)) }
                        }
                        for try await frame in inbound { incoming.yield(frame) }
                        group.cancelAll()
                    }
                }
                incoming.finish()
            } catch {
                incoming.finish(throwing: error)
            }
        }
    }

    func send(_ bytes: [UInt8]) async throws {
        outgoing.yield(bytes)
    }

    func send(_ line: String) async throws {
        try await send(Array((line + "\n").utf8))
    }

    /// The next line as JSON, or nil when the server closed the connection.
    func receive() async throws -> JSON? {
        var iterator = incoming.makeAsyncIterator()
        guard let frame = try await iterator.next(), case .line(let buffer) = frame else { return nil }
        return try JSONParser.parse(buffer.readableBytesView)
    }

    /// The next line as JSON, or nil when the server closed the connection;
    /// throws when nothing comes within `timeout`. After a timeout the
    /// connection can no longer be read: use it for the last read of a test.
    func receive(within timeout: Duration) async throws -> JSON? {
        try await withThrowingTaskGroup(of: JSON?.self) { group in
            group.addTask { try await self.receive() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RawConnectionTimeout(timeout: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Sends one line and returns the answer line.
    func roundTrip(_ line: String) async throws -> JSON? {
        try await send(line)
        return try await receive()
    }

    func close() async {
        outgoing.finish()
        task.cancel()
        await task.value
    }
}

struct RawConnectionTimeout: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "nothing received within \(timeout)" }
}

extension JSON {
    var errorCode: Int? { self["error"]?["code"]?.intValue }
    var errorName: String? { self["error"]?["data"]?["code"]?.stringValue }
}
