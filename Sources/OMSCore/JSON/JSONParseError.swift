/// Why a byte sequence is not one JSON value, and where the parser stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, safe to show a client.
    public let message: String
    /// The byte offset in the input where the problem was found.
    public let offset: Int

    /// Makes an error at `offset`.
    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// `"<message> at byte <offset>"`.
    public var description: String { "\(message) at byte \(offset)" }
}
