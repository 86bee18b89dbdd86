/// How a `ConnectionPool` connects and how far it grows. Every field has a default but the connection string.
public struct PoolConfiguration: Sendable {
    /// The libpq connection string (URI or key=value) every connection uses.
    public var conninfo: String
    /// Connections open at most, connecting ones included.
    public var maximumConnections: Int
    /// How long `lease` waits for a connection before throwing `PoolTimeoutError`.
    public var leaseTimeout: Duration

    /// A configuration; 8 connections and a 10-second lease timeout by default.
    public init(
        conninfo: String, maximumConnections: Int = 8, leaseTimeout: Duration = .seconds(10)
    ) {
        self.conninfo = conninfo
        self.maximumConnections = maximumConnections
        self.leaseTimeout = leaseTimeout
    }
}

/// No connection became free within the lease timeout.
public struct PoolTimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The timeout that expired.
    public let timeout: Duration
    /// The pool's size, all of it in use.
    public let maximumConnections: Int

    /// Says which limit was hit.
    public var description: String {
        "no database connection became free within \(timeout) (all \(maximumConnections) in use)"
    }
}

/// The pool is closed.
public struct PoolClosedError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A fixed sentence.
    public var description: String { "the connection pool is closed" }
}

/// A snapshot of a pool's counts, for metrics and tests.
public struct PoolStatistics: Sendable, Hashable {
    /// Connections open or being opened.
    public let open: Int
    /// Open connections nobody holds.
    public let idle: Int
    /// Leases waiting for a connection.
    public let waiting: Int
}
