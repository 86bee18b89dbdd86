import Logging
import NIOConcurrencyHelpers
import OMSCore
import PostgresNIO

/// Runs work as SERIALIZABLE transactions and retries serialization failures
/// (40001) and deadlocks (40P01), including those raised by COMMIT, with
/// jittered exponential backoff and a bound.
///
/// Under SERIALIZABLE, PostgreSQL's predicate locks are page-grained, so
/// commands on different orders whose rows share an index page can abort each
/// other; measured on 8 writers racing over 10 orders, about 3 in 4 attempts of
/// a contended command fail and the number of attempts falls off geometrically
/// (worst seen: 25). The bound of 100 attempts with a 100 ms backoff ceiling
/// keeps the chance of giving up negligible while a command still answers
/// within seconds.
public struct TransactionRunner: Sendable {
    public var client: PostgresClient
    public var logger: Logger
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Where retries and pool use are counted.
    public var metrics: StoreMetrics
    /// Transactions in progress, failed when their connection closes (see `untilClosed`).
    let watch = ClosedConnectionWatch()

    public init(client: PostgresClient, logger: Logger, maxAttempts: Int = 100, metrics: StoreMetrics = StoreMetrics()) {
        self.client = client
        self.logger = logger
        self.maxAttempts = maxAttempts
        self.metrics = metrics
    }

    /// Runs `body` inside `BEGIN ISOLATION LEVEL SERIALIZABLE … COMMIT` on one
    /// connection leased for `scope`. Any error rolls back before the
    /// connection returns to the pool; retryable errors run `body` again from
    /// the start. `readOnly` makes PostgreSQL refuse any write in `body`
    /// (what-if checks rely on it).
    public func transaction<T: Sendable>(
        _ scope: TenantScope, readOnly: Bool = false, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await retrying {
            try await leased(scope) { connection in
                try await untilClosed(connection) {
                    try await connection.query(
                        readOnly ? "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY" : "BEGIN ISOLATION LEVEL SERIALIZABLE",
                        logger: logger)
                    do {
                        let result = try await body(connection)
                        // A call's idempotency key commits with the call's first write (IdempotencyStore).
                        let claim = readOnly ? nil : IdempotencyClaim.current.flatMap { $0.isCommitted ? nil : $0 }
                        let claimed = try await claim?.claim(after: result, on: connection, logger: logger) ?? false
                        try await connection.query("COMMIT", logger: logger)
                        if claimed { claim?.markCommitted() }
                        return result
                    } catch {
                        // A failed COMMIT has already ended the transaction; ROLLBACK then only warns.
                        if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                        throw error
                    }
                }
            }
        }
    }

    /// Runs `work` on `connection`, but stops waiting for it when the
    /// connection closes. PostgresNIO 1.33 never completes a query written to
    /// a connection whose channel has just closed (the write no longer reaches
    /// its handler, so the query's promise is dropped): after a database
    /// restart a request hung for ever holding its pool slot (FaultTests).
    /// The abandoned work has nothing left to do on a closed connection.
    func untilClosed<T: Sendable>(
        _ connection: PostgresConnection, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let pending = NIOLockedValueBox(true)
            let finish: @Sendable (Result<T, any Error>) -> Void = { result in
                if pending.withLockedValue({ was in defer { was = false }; return was }) { continuation.resume(with: result) }
            }
            // Watched by one shared sweeper rather than a callback on closeFuture
            // (callbacks would pile up on a long-lived pooled connection, one per
            // transaction) or a timer task per transaction (measurably slower).
            let watch = self.watch, id = watch.add(connection) { finish(.failure(ConnectionLost())) }
            Task {
                do { finish(.success(try await work())) } catch { finish(.failure(error)) }
                watch.remove(id)
            }
        }
    }

    /// Runs `body` with a connection leased from the pool and bound to
    /// `scope` (see `ScopeBindings`), counted as waiting until the pool hands
    /// one over and as in use while `body` holds it. Every use of the pool
    /// goes through here, so no connection serves a tenant while scoped to
    /// another.
    public func leased<T: Sendable>(_ scope: TenantScope, _ body: (PostgresConnection) async throws -> T)
        async throws -> T
    {
        try await metrics.leasing { leased in
            try await client.withConnection { connection in
                // PostgresNIO 1.33 loses a query written to a connection whose channel
                // has already closed: the query's promise is never completed and the
                // call hangs for ever, holding a pool slot. The pool can hand out such a
                // connection right after the database restarts (seen in FaultTests);
                // refusing it before anything is sent makes the runner take another.
                guard !connection.isClosed else { throw ClosedConnectionLeased() }
                leased()
                try await ScopeBindings.shared.bind(connection, to: scope, by: self)
                return try await body(connection)
            }
        }
    }

    /// Runs `body` again while it fails with a retryable SQLSTATE.
    public func retrying<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error where Self.isRetryable(error) && attempt < maxAttempts {
                let ceiling = min(100_000, 500 << min(attempt, 8))  // microseconds
                let delay = UInt64.random(in: 100...UInt64(ceiling))  // full jitter de-synchronises retriers
                logger.debug("retrying transaction", metadata: [
                    "attempt": "\(attempt)", "sqlstate": "\(Self.sqlState(error) ?? "-")"])
                metrics.retried(sqlState: Self.sqlState(error))
                attempt += 1
                try await Task.sleep(nanoseconds: delay * 1_000)
            }
        }
    }

    /// Whether an error is a serialization failure or deadlock worth retrying.
    public static func isRetryable(_ error: any Error) -> Bool {
        if let error = error as? RetryTransaction { _ = error; return true }
        if error is ClosedConnectionLeased { return true }  // nothing was sent on it
        let state = sqlState(error)
        return state == "40001" || state == "40P01"
    }

    /// Whether an error means the database could not be reached or went away
    /// mid-call (connection lost, server shutting down or starting, the pool
    /// giving up on connecting): the client should retry, with its idempotency key.
    public static func isUnavailable(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            switch error.code {
            case .clientClosedConnection, .serverClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
                return true
            default:
                let state = sqlState(error) ?? ""
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
            }
        }
        if error is ClosedConnectionLeased || error is ConnectionLost { return true }
        // The pool's own errors (its circuit breaker) come from a module we do not import.
        return String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
    }

    /// The SQLSTATE of a server error, if any.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

/// Transactions in progress and their connections, checked every 250 ms by
/// one task: a transaction whose connection closed is failed (see
/// `TransactionRunner.untilClosed`).
final class ClosedConnectionWatch: Sendable {
    private struct State {
        var next = 0
        var watched: [Int: (connection: PostgresConnection, lost: @Sendable () -> Void)] = [:]
        var sweeping = false
    }

    private let state = NIOLockedValueBox(State())

    func add(_ connection: PostgresConnection, lost: @escaping @Sendable () -> Void) -> Int {
        let (id, start) = state.withLockedValue { state -> (Int, Bool) in
            state.next += 1
            state.watched[state.next] = (connection, lost)
            defer { state.sweeping = true }
            return (state.next, !state.sweeping)
        }
        if start { Task { await sweep() } }
        return id
    }

    func remove(_ id: Int) {
        _ = state.withLockedValue { $0.watched.removeValue(forKey: id) }
    }

    /// Runs while anything is watched; the next `add` starts it again.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: .milliseconds(250))
            let closed = state.withLockedValue { state -> [@Sendable () -> Void]? in
                if state.watched.isEmpty {
                    state.sweeping = false
                    return nil
                }
                let lost = state.watched.filter { $0.value.connection.isClosed }
                for id in lost.keys { state.watched[id] = nil }
                return lost.values.map(\.lost)
            }
            guard let closed else { return }
            for lost in closed { lost() }
        }
    }
}

/// The pool handed out a connection that had already closed; nothing was sent on it.
struct ClosedConnectionLeased: Error, Sendable {}

/// The connection closed while a transaction ran on it; whether a COMMIT sent
/// before got through is unknown (a retry with the idempotency key settles it).
struct ConnectionLost: Error, Sendable {}

/// Thrown by a command that found the database changed under it between its
/// guarded write and its read-back; the runner starts it again.
public struct RetryTransaction: Error, Sendable {
    public init() {}
}
