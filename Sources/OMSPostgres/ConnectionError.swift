/// The connection itself failed: it could not be opened, it was lost, or it
/// was closed by this process. Distinct from `PostgresError` (a statement
/// failed on a healthy connection): after a `ConnectionError` the connection
/// is unusable and whatever was in flight has an unknown outcome, except
/// where `requestSent` is false.
public struct ConnectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What happened to the connection.
    public enum Kind: String, Sendable, Hashable {
        /// `PQconnectdb` failed (bad conninfo, server down, authentication).
        case connectFailed
        /// The server went away (terminated backend, restart, network); every waiter gets this.
        case lost
        /// `close()` was called before or while the request waited.
        case closed
    }

    /// What happened.
    public let kind: Kind
    /// libpq's message (`PQerrorMessage`).
    public let message: String
    /// The server's own error when it said why before closing (e.g. 57P01 from `pg_terminate_backend`).
    public let serverError: PostgresError?
    /// False when the loss was seen before this request was written, so a
    /// retry on another connection cannot apply it twice.
    public let requestSent: Bool

    /// Creates a connection error.
    public init(kind: Kind, message: String, serverError: PostgresError? = nil, requestSent: Bool = true) {
        self.kind = kind
        self.message = message
        self.serverError = serverError
        self.requestSent = requestSent
    }

    /// True for `.lost`.
    public var isConnectionLost: Bool { kind == .lost }

    /// The kind and message, for logs.
    public var description: String {
        var text = "connection \(kind.rawValue): \(message)"
        if let serverError { text += " (\(serverError))" }
        return text
    }
}
