import NIOCore

/// One frame from a newline-delimited connection.
public enum LineFrame: Sendable, Equatable {
    /// One line's bytes, without the `\n` (or `\r\n`); never empty.
    case line(ByteBuffer)
    /// The peer sent more than the maximum without a newline. Sent once;
    /// the connection is beyond repair after it and should be answered and closed.
    case tooLong
}
