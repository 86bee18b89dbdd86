import Logging
import OMSCore
import PostgresNIO

/// The store's handle on PostgreSQL: a connection pool and the transaction
/// runner. The pool's `run()` must be running (it is a ServiceLifecycle service).
public struct Database: Sendable {
    public let client: PostgresClient
    public let runner: TransactionRunner
    public var logger: Logger { runner.logger }

    public init(client: PostgresClient, logger: Logger, metrics: StoreMetrics = StoreMetrics()) {
        self.client = client
        self.runner = TransactionRunner(client: client, logger: logger, metrics: metrics)
    }

    /// Where the store counts retries, pool use and events.
    public var metrics: StoreMetrics { runner.metrics }

    /// Runs one statement in its own SERIALIZABLE transaction scoped to
    /// `scope` and retries it on serialization failures.
    ///
    /// The statement is wrapped in BEGIN … COMMIT on purpose, although the
    /// connection's default isolation would make a bare statement
    /// SERIALIZABLE too: PostgreSQL can refuse the implicit commit of a bare
    /// statement with 40001 ("canceled on commit attempt") after the rows have
    /// been sent, and PostgresNIO then reports an unexpected message and closes
    /// the connection, or the rows were already handed back as a success while
    /// the write was rolled back. Seen by the Python client's stress test as
    /// create_order answering an order id that was never stored. With an
    /// explicit COMMIT, that failure is the COMMIT's error and is retried.
    func rows(_ scope: TenantScope, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await runner.transaction(scope) { connection in
            try await connection.query(query, logger: self.logger).collect()
        }
    }

    /// `rows(_:)` with the statement prepared as `site` (see `PreparedQuery`).
    func rows<Site: PreparedSite>(_ scope: TenantScope, prepared site: Site.Type, _ query: PostgresQuery)
        async throws -> [PostgresRow]
    {
        try await runner.transaction(scope) { connection in
            try await connection.rows(prepared: Site.self, query, logger: self.logger)
        }
    }
}

extension PostgresConnection {
    /// Runs one statement on this connection and collects its rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
