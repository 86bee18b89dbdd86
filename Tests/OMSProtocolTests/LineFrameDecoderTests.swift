import NIOCore
import NIOEmbedded
import Testing
@testable import OMSProtocol

@Suite("Line framing")
struct LineFrameDecoderTests {
    func channel(maximumLineLength: Int = 1 << 20) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(LineFrameDecoder(maximumLineLength: maximumLineLength)))
        return channel
    }

    func frames(_ channel: EmbeddedChannel) throws -> [LineFrame] {
        var frames: [LineFrame] = []
        while let frame = try channel.readInbound(as: LineFrame.self) { frames.append(frame) }
        return frames
    }

    func line(_ text: String) -> LineFrame { .line(ByteBuffer(string: text)) }

    @Test("splits on newlines, strips carriage returns and skips empty lines")
    func splits() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "one\ntwo\r\n\n\r\nthree\n"))
        #expect(try frames(channel) == [line("one"), line("two"), line("three")])
        #expect(try channel.finish().isClean)
    }

    @Test("joins a line split across many writes")
    func joinsPartialLines() throws {
        let channel = try channel()
        for piece in [#"{"json"#, #"rpc":"2.0""#, "}\r", "\n{", "}"] {
            try channel.writeInbound(ByteBuffer(string: piece))
        }
        #expect(try frames(channel) == [line(#"{"jsonrpc":"2.0"}"#)])
        try channel.writeInbound(ByteBuffer(string: "\n"))
        #expect(try frames(channel) == [line("{}")])
        #expect(try channel.finish().isClean)
    }

    @Test("delivers a last line without newline at end of input")
    func lastLine() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "a\nlast"))
        #expect(try frames(channel) == [line("a")])
        channel.pipeline.fireChannelInactive()
        #expect(try frames(channel) == [line("last")])
    }

    @Test("accepts a line of exactly the maximum length, with or without \\r")
    func exactMaximum() throws {
        let channel = try channel(maximumLineLength: 4)
        try channel.writeInbound(ByteBuffer(string: "abcd\r"))
        try channel.writeInbound(ByteBuffer(string: "\nwxyz\n"))
        #expect(try frames(channel) == [line("abcd"), line("wxyz")])
    }

    @Test("emits tooLong once for a line that never ends, then discards everything")
    func tooLongWhileArriving() throws {
        let channel = try channel(maximumLineLength: 8)
        try channel.writeInbound(ByteBuffer(string: "ok\n0123"))
        try channel.writeInbound(ByteBuffer(string: "456789"))
        #expect(try frames(channel) == [line("ok"), .tooLong])
        try channel.writeInbound(ByteBuffer(string: "more\nnext line\n"))
        try channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: 100)))
        #expect(try frames(channel) == [])
        channel.pipeline.fireChannelInactive()
        #expect(try frames(channel) == [])
    }

    @Test("emits tooLong for a long line that arrives whole")
    func tooLongWhole() throws {
        let channel = try channel(maximumLineLength: 3)
        try channel.writeInbound(ByteBuffer(string: "abcd\nok\n"))
        #expect(try frames(channel) == [.tooLong])
    }
}
