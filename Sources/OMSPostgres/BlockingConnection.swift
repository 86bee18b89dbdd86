import CLibpq
import Foundation

/// One libpq connection used synchronously from one thread at a time.
///
/// This is the layer that touches `PGconn`: libpq allows one thread per
/// connection at a time, so this type is not `Sendable`. `Connection` owns
/// one on a dedicated thread; `NotificationListener` owns one on a serial
/// dispatch queue; the driver benchmark uses one directly to measure what
/// the thread hand-off costs.
public final class BlockingConnection {
    let handle: OpaquePointer
    /// Names of the statements this session has prepared successfully.
    var prepared: Set<String> = []
    /// Set when a pipeline broke off half-read; libpq's own status may still say OK.
    var abandoned = false

    /// Session settings the text codec relies on, sent once after connecting:
    /// UTC ISO timestamps for `Field.date()`, hex `bytea` for `Field.bytes()`,
    /// UTF-8 for `String`.
    static let sessionSetup =
        "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET bytea_output = 'hex'"

    /// Connects with a libpq connection string: a URI (`postgresql://user@host:port/db?sslmode=require`,
    /// several hosts and `target_session_attrs=read-write` included) or key=value conninfo
    /// (`host=/tmp dbname=oms`). Whatever the string leaves out comes from libpq's
    /// environment (`PGHOST`, `PGSSLMODE`, `PGPASSFILE`, `PGSERVICE`, …) as in `psql`.
    /// Blocks until connected.
    public init(_ conninfo: String) throws {
        guard let handle = PQconnectdb(conninfo) else {
            throw ConnectionError(kind: .connectFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines()
            PQfinish(handle)
            throw ConnectionError(kind: .connectFailed, message: message)
        }
        self.handle = handle
        // libpq prints notices (e.g. "there is no transaction in progress") to
        // stderr unless told otherwise; the server log has them anyway.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        try execute(Self.sessionSetup)
    }

    deinit {
        PQfinish(handle)
    }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// True once libpq has seen the connection fail; it stays failed.
    public var isBroken: Bool { abandoned || PQstatus(handle) == CONNECTION_BAD }

    /// True when the session is outside any transaction block, so it can be reused as it is.
    public var isIdle: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// The socket, for waiting on readability.
    var socket: Int32 { PQsocket(handle) }

    /// Runs SQL with the simple query protocol, several statements allowed (no parameters):
    /// session setup, `LISTEN`, `ROLLBACK`, migrations. Every statement's result is checked.
    /// Several statements in one string run as one implicit transaction unless
    /// they contain their own `BEGIN`/`COMMIT`, so `VACUUM` or `CREATE DATABASE`
    /// need a call of their own.
    public func execute(_ sql: String) throws {
        guard PQsendQuery(handle, sql) == 1 else { throw lostError(requestSent: false) }
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_FATAL_ERROR, failure == nil { failure = PostgresError(result: result) }
        }
        if isBroken { throw lostError(serverError: failure) }
        if var failure {
            failure.statement = sql
            throw failure
        }
    }

    /// Seen the socket readable while idle: consumes what arrived (an error before the server
    /// closed, or the end of the stream) and reports whether the connection is still good.
    /// Called before each request so a connection that died while idle fails with
    /// `requestSent: false` instead of after a write into a dead socket.
    func checkIdleSocket() -> Bool {
        // A terminated backend sends its FATAL message and then closes; the
        // first read may take only the message, so read again while the socket
        // stays readable (end of stream always is). Bounded: an idle session
        // receives at most a few asynchronous messages.
        for _ in 0..<4 {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0, PQconsumeInput(handle) == 1 else { break }
        }
        return !isBroken
    }

    func lostError(serverError: PostgresError? = nil, requestSent: Bool = true) -> ConnectionError {
        ConnectionError(
            kind: .lost, message: String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines(),
            serverError: serverError, requestSent: requestSent
        )
    }
}
