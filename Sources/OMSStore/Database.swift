import Logging
import OMSCore
import PostgresNIO

/// The store's handle on PostgreSQL: a connection pool and the transaction
/// runner. The pool's `run()` must be running (it is a ServiceLifecycle service).
public struct Database: Sendable {
    public let client: PostgresClient
    public let runner: TransactionRunner
    public var logger: Logger { runner.logger }

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.runner = TransactionRunner(client: client, logger: logger)
    }

    /// Runs one statement (SERIALIZABLE by the connection's default) and
    /// retries it on serialization failures.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await runner.retrying {
            try await client.query(query, logger: logger).collect()
        }
    }
}

extension PostgresConnection {
    /// Runs one statement on this connection and collects its rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
