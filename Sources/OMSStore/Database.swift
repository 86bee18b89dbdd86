import Logging
import OMSCore
import OMSPostgres

/// The store's handle on PostgreSQL: a libpq connection pool and the
/// transaction runner. Close the pool when done (`close()`).
public struct Database: Sendable {
    /// The connection pool, for reads outside the runner.
    public let pool: ConnectionPool
    /// Runs and retries SERIALIZABLE transactions on `pool`.
    public let runner: TransactionRunner
    /// The runner's logger.
    public var logger: Logger { runner.logger }

    /// A database over `pool`, with a runner that reports to `metrics`.
    public init(pool: ConnectionPool, logger: Logger, metrics: StoreMetrics = StoreMetrics()) {
        self.pool = pool
        self.runner = TransactionRunner(pool: pool, logger: logger, metrics: metrics)
    }

    /// A pool of `maxConnections` to `url` as `role` (the application role by default; nil for the owner).
    public init(_ url: DatabaseURL, maxConnections: Int, role: String? = DatabaseURL.appRole, logger: Logger,
                metrics: StoreMetrics = StoreMetrics()) {
        self.init(pool: ConnectionPool(url.poolConfiguration(maxConnections: maxConnections, role: role)),
                  logger: logger, metrics: metrics)
    }

    /// Where the store counts retries, pool use and events.
    public var metrics: StoreMetrics { runner.metrics }

    /// Closes idle connections and fails waiting leases; leased connections close when released.
    public func close() {
        pool.close()
    }

    /// Runs one statement as its own SERIALIZABLE transaction scoped to
    /// `scope`, in one round trip, and retries it on serialization failures
    /// (`TransactionRunner.statement`). A commit-time conflict is COMMIT's
    /// own result, so rows are never handed back for a write that rolled back.
    @discardableResult
    public func rows(_ scope: TenantScope, _ sql: SQL) async throws -> [Row] {
        try await runner.statement(scope, sql, prepared: false)
    }

    /// Runs one query in a READ ONLY SERIALIZABLE transaction, one round trip; PostgreSQL refuses any write.
    public func read(_ scope: TenantScope, _ sql: SQL) async throws -> [Row] {
        try await runner.statement(scope, sql, readOnly: true)
    }

    /// `rows(_:_:)` with the statement prepared on each connection once (hot statements of fixed SQL).
    @discardableResult
    public func rows(_ scope: TenantScope, prepared sql: SQL) async throws -> [Row] {
        try await runner.statement(scope, sql, prepared: true)
    }
}
