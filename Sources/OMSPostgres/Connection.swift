/// One PostgreSQL session with its own thread, for use from async code.
///
/// Requests run one at a time, in the order they were made, each as one
/// pipeline (one round trip). If the connection breaks, the request in flight
/// and every queued one fail at once with `ConnectionError.lost`, and later
/// ones fail immediately. `ConnectionPool` hands these out; a `Connection`
/// can also be used on its own.
///
/// Task cancellation does not interrupt a statement the server is running;
/// bound statements with `statement_timeout` (e.g. `options=-c statement_timeout=5s`
/// in the connection string) instead. A peer that vanishes without closing
/// the socket (a network partition) is noticed only by TCP: set
/// `keepalives_idle`, `keepalives_interval`, `keepalives_count` and
/// `tcp_user_timeout` in the connection string to bound that wait.
public final class Connection: Sendable {
    private let thread: ConnectionThread
    /// The server process serving this session (`PQbackendPID`), for
    /// `pg_terminate_backend` and for reading its CPU time in `/proc`.
    public let backendPID: Int32

    private init(thread: ConnectionThread, backendPID: Int32) {
        self.thread = thread
        self.backendPID = backendPID
    }

    /// Connects with a libpq connection string, URI or key=value; see `BlockingConnection.init`.
    public static func connect(_ conninfo: String) async throws -> Connection {
        let (thread, pid) = try await ConnectionThread.start(conninfo)
        return Connection(thread: thread, backendPID: pid)
    }

    deinit {
        thread.close()
    }

    /// Sends the queries in one pipeline and returns each one's result; see `BlockingConnection.pipeline`.
    public func pipeline(_ queries: [Query]) async throws -> [StatementResult] {
        try await thread.run { try $0.pipeline(queries) }
    }

    /// One statement (prepared if it is a `Statement`), one round trip; throws its `PostgresError`.
    public func query(_ query: Query) async throws -> Rows {
        try await thread.run { try $0.pipeline([query])[0].get() }
    }

    /// Plain SQL with parameters, one round trip.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> Rows {
        try await query(Query(sql, parameters))
    }

    /// A prepared statement with parameters, one round trip (the first use on this connection prepares it in the same one).
    public func query(_ statement: Statement, _ parameters: [String?] = []) async throws -> Rows {
        try await query(Query(statement, parameters))
    }

    /// `BEGIN`, the queries and `COMMIT` in one round trip; see `BlockingConnection.transaction`.
    public func transaction(
        _ queries: [Query], isolation: IsolationLevel = .serializable, readOnly: Bool = false
    ) async throws -> [Rows] {
        try await thread.run { try $0.transaction(queries, isolation: isolation, readOnly: readOnly) }
    }

    /// Simple-protocol SQL, several statements allowed, no parameters; see `BlockingConnection.execute`.
    public func execute(_ sql: String) async throws {
        try await thread.run { try $0.execute(sql) }
    }

    /// Runs `body` on the connection's thread with the underlying `BlockingConnection`,
    /// for several steps that must not interleave with other requests.
    public func withBlockingConnection<T: Sendable>(
        _ body: @escaping @Sendable (BlockingConnection) throws -> T
    ) async throws -> T {
        try await thread.run(body)
    }

    /// True while the connection works and its session is outside any transaction block.
    public var isReusable: Bool { thread.isReusable }

    /// Ends the session once the request in flight (if any) finishes; queued requests fail with `.closed`.
    public func close() {
        thread.close()
    }
}
