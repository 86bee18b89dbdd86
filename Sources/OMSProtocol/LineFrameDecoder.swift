import Foundation
import NIOCore
import OMSCore

/// Splits inbound bytes into lines on `\n`, dropping one trailing `\r` and
/// skipping empty lines. Lines are slices of the inbound buffer, not copies.
///
/// A line longer than `maximumLineLength` (whether it is still arriving or
/// arrived whole) yields ``LineFrame/tooLong`` once; everything after it is
/// discarded, since the stream cannot be resynchronised safely.
/// At end of input a final line without its `\n` is still delivered.
public struct LineFrameDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    /// What the decoder produces.
    public typealias InboundOut = LineFrame

    /// The longest line accepted, in bytes, not counting `\r\n`.
    public let maximumLineLength: Int
    /// Bytes of the pending partial line already searched for `\n`, so each
    /// byte is scanned once however the line is split across reads.
    private var scanned = 0
    private var discarding = false

    /// Makes a decoder that accepts lines up to `maximumLineLength` bytes.
    public init(maximumLineLength: Int = ProtocolDefaults.maximumLineLength) {
        self.maximumLineLength = maximumLineLength
    }

    /// Produces the next line, ``LineFrame/tooLong``, or nil when more bytes are needed.
    public mutating func decode(buffer: inout ByteBuffer) throws -> LineFrame? {
        while !discarding {
            guard let newline = firstNewline(in: buffer) else {
                scanned = buffer.readableBytes
                // One byte of slack: a pending `\r` may still be followed by `\n`.
                return buffer.readableBytes - 1 > maximumLineLength ? tooLong(&buffer) : nil
            }
            scanned = 0
            var length = newline
            if length > 0, buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == ASCII.carriageReturn {
                length -= 1
            }
            if length > maximumLineLength { return tooLong(&buffer) }
            if length == 0 {
                buffer.moveReaderIndex(forwardBy: newline + 1)
                continue
            }
            let line = buffer.readSlice(length: length)!  // safe: length <= newline, a readable offset
            buffer.moveReaderIndex(forwardBy: newline + 1 - length)
            return .line(line)
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return nil
    }

    /// Produces what is left at end of input, including a last line without `\n`.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> LineFrame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        guard seenEOF, !discarding, buffer.readableBytes > 0 else { return nil }
        var length = buffer.readableBytes
        if buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == ASCII.carriageReturn {
            length -= 1
        }
        if length > maximumLineLength { return tooLong(&buffer) }
        let line = buffer.readSlice(length: length)!  // safe: length <= readableBytes
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return length > 0 ? .line(line) : nil
    }

    /// The offset of the first `\n` among the readable bytes, searching only bytes not seen before.
    /// `memchr` rather than `firstIndex(of:)`: the same answer, but vectorised,
    /// and not a generic per-byte loop in debug builds.
    private func firstNewline(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard scanned < bytes.count, let base = bytes.baseAddress,
                  let found = memchr(base + scanned, Int32(ASCII.newline), bytes.count - scanned)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    private mutating func tooLong(_ buffer: inout ByteBuffer) -> LineFrame {
        discarding = true
        scanned = 0
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .tooLong
    }
}
