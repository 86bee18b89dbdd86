import Foundation
import NIOCore
import NIOPosix
import OMSProtocol

/// A bare TCP connection for protocol tests: send any bytes, read raw lines.
final class RawConnection: @unchecked Sendable {
    // Only touched from the test's own task.
    private let channel: NIOAsyncChannel<LineFrame, ByteBuffer>
    private var iterator: NIOAsyncChannelInboundStream<LineFrame>.AsyncIterator
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>

    init(port: Int) async throws {
        channel = try await ClientBootstrap(group: .singletonMultiThreadedEventLoopGroup)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 64 << 20)))
                    return try NIOAsyncChannel<LineFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        iterator = channel.inbound.makeAsyncIterator()
        writer = channel.outbound
    }

    func send(_ bytes: [UInt8]) async throws {
        try await writer.write(ByteBuffer(bytes: bytes))
    }

    func send(_ line: String) async throws {
        try await send(Array((line + "\n").utf8))
    }

    /// The next line as JSON, or nil when the server closed the connection.
    func receive() async throws -> JSON? {
        guard let frame = try await iterator.next() else { return nil }
        guard case .line(let buffer) = frame else { return nil }
        return try JSONParser.parse(buffer.readableBytesView)
    }

    /// Sends one line and returns the answer line.
    func roundTrip(_ line: String) async throws -> JSON? {
        try await send(line)
        return try await receive()
    }

    func close() async {
        try? await channel.channel.close()
    }
}

extension JSON {
    var errorCode: Int? { self["error"]?["code"]?.intValue }
    var errorName: String? { self["error"]?["data"]?["code"]?.stringValue }
}
