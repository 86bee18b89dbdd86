import Logging
import OMSCore
import OMSPostgres

/// Runs work as SERIALIZABLE transactions on the pool and retries
/// serialization failures (40001) and deadlocks (40P01), including those
/// raised by COMMIT, with jittered exponential backoff and a bound.
///
/// Under SERIALIZABLE, PostgreSQL's predicate locks are page-grained, so
/// commands on different orders whose rows share an index page can abort each
/// other, and under contention most attempts of a command may fail, with the
/// number of attempts falling off geometrically (docs/performance.md, "Retries
/// under contention"). The bound of 100 attempts with a 100 ms backoff ceiling
/// keeps the chance of giving up negligible while a command still answers
/// within seconds.
///
/// Every transaction opens with `BEGIN ISOLATION LEVEL SERIALIZABLE` and a
/// transaction-local `set_config('oms.tenant_id', …)` (row-level security,
/// sql/0010) in the same pipeline sync as its first statement: the scope is
/// bound in every transaction without a round trip of its own, and a
/// connection carries no scope from one transaction to the next.
public struct TransactionRunner: Sendable {
    /// The pool transactions lease their connection from.
    public let pool: ConnectionPool
    /// Where retries and give-ups are logged.
    public var logger: Logger
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Where retries and pool use are counted.
    public var metrics: StoreMetrics

    /// A runner on `pool` that gives up after `maxAttempts`.
    public init(pool: ConnectionPool, logger: Logger, maxAttempts: Int = 100, metrics: StoreMetrics = StoreMetrics()) {
        self.pool = pool
        self.logger = logger
        self.maxAttempts = maxAttempts
        self.metrics = metrics
    }

    /// The scope binding: transaction-local, so it ends with the transaction.
    static let bindScope = Statement("SELECT set_config('oms.tenant_id', $1, true)", parameterTypes: [.text])

    /// What opens a transaction scoped to `scope`.
    static func opening(_ scope: TenantScope, readOnly: Bool) -> [Query] {
        [Query(readOnly ? "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY" : "BEGIN ISOLATION LEVEL SERIALIZABLE"),
         Query(bindScope, [scope.setting])]
    }

    /// Runs `body` inside one SERIALIZABLE transaction on a connection leased
    /// for `scope`, committing after it returns unless it called
    /// `Transaction.finish`. Any error rolls back before the connection
    /// returns to the pool; retryable errors run `body` again from the start.
    /// `readOnly` makes PostgreSQL refuse any write in `body` (what-if checks
    /// rely on it).
    public func transaction<T: Sendable>(
        _ scope: TenantScope, readOnly: Bool = false, _ body: @escaping @Sendable (Transaction) async throws -> T
    ) async throws -> T {
        try await retrying {
            try await leased { connection in
                let transaction = Transaction(connection: connection, scope: scope, readOnly: readOnly)
                do {
                    let result = try await body(transaction)
                    if !transaction.isCommitted { try await transaction.commit() }
                    return result
                } catch {
                    // A failed COMMIT has already ended the block; an aborted or open one needs a ROLLBACK.
                    if !connection.isReusable { await Self.rollBack(connection) }
                    throw error
                }
            }
        }
    }

    /// Runs one statement as a whole transaction, one round trip: `BEGIN`,
    /// the scope binding, the statement, the idempotency claim (for a keyed
    /// call) and `COMMIT` in one pipeline sync.
    public func statement(_ scope: TenantScope, _ sql: SQL, prepared: Bool = false, readOnly: Bool = false)
        async throws -> [Row]
    {
        // `finish` on an untouched transaction sends BEGIN and the scope with it: one pipeline.
        try await transaction(scope, readOnly: readOnly) { try await $0.finish([sql], prepared: prepared)[0] }
    }

    /// Throws the first failure of a pipeline that ends with `COMMIT` (its
    /// own error for a commit-time conflict), or `IdempotencyKeyTaken` when the
    /// claim found the key committed by another call.
    static func check(_ results: [StatementResult], claim: IdempotencyClaim?) throws {
        if let failure = results.firstFailure {
            if claim != nil, failure.sqlState == SQLState.uniqueViolation, failure.constraint == "idempotency_keys_pkey" {
                throw IdempotencyKeyTaken()
            }
            throw failure
        }
        // COMMIT of an aborted block answers ROLLBACK without an error; that is not a success.
        if case .rows(let commit) = results[results.count - 1], commit.commandTag != "COMMIT" {
            throw PostgresError(sqlState: SQLState.transactionRollback, message: "COMMIT answered \(commit.commandTag)",
                                statement: "COMMIT")
        }
    }

    /// Leaves the session outside any transaction; a connection that cannot is closed by the pool on release.
    static func rollBack(_ connection: Connection) async {
        _ = try? await RoundTrips.send(connection, [Query("ROLLBACK")])
    }

    /// Runs `body` with a connection leased from the pool, counted as waiting
    /// until the pool hands one over and as in use while `body` holds it.
    /// The connection is bound to no tenant: a statement sent outside
    /// `transaction` or `statement` sees no tenant rows.
    public func leased<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        try await metrics.leasing { leased in
            try await pool.withConnection { connection in
                leased()
                return try await body(connection)
            }
        }
    }

    /// Runs `body` again while it fails with a retryable error.
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

    /// Whether an error is worth running the whole transaction again for: a
    /// serialization failure or deadlock, a command that saw the database
    /// change under it, or a connection found dead before anything was sent
    /// on it (so nothing can have been applied).
    public static func isRetryable(_ error: any Error) -> Bool {
        if error is RetryTransaction { return true }
        if let error = error as? ConnectionError { return error.kind == .lost && !error.requestSent }
        let state = sqlState(error)
        return state == SQLState.serializationFailure || state == SQLState.deadlock
    }

    /// Whether an error means the database could not be reached or went away
    /// mid-call (connection lost, server shutting down or starting, no
    /// connection free in time): the client should retry, with its idempotency key.
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case is ConnectionError, is PoolTimeoutError, is PoolClosedError:
            return true
        case let error as PostgresError:
            return error.sqlState.hasPrefix(SQLState.connectionExceptionClass)
                || [SQLState.adminShutdown, SQLState.crashShutdown, SQLState.cannotConnectNow,
                    SQLState.tooManyConnections].contains(error.sqlState)
        default:
            return false
        }
    }

    /// The SQLSTATE of a server error, if any.
    public static func sqlState(_ error: any Error) -> String? {
        switch error {
        case let error as PostgresError: error.sqlState
        case let error as ConnectionError: error.serverError?.sqlState
        default: nil
        }
    }
}

/// Thrown by a command that found the database changed under it between its
/// guarded write and its read-back; the runner starts it again.
public struct RetryTransaction: Error, Sendable {
    /// The error; it carries nothing because the runner only needs to know to start again.
    public init() {}
}
