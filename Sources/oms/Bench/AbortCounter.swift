import Foundation
import Logging
import OMSStore
import PostgresNIO

/// Transactions PostgreSQL rolled back in the bench database, from
/// `pg_stat_database`: with no refusals in a workload, each is a retried
/// serialization failure (or deadlock) of the server.
struct AbortCounter {
    let url: DatabaseURL

    init(_ text: String) throws {
        url = try DatabaseURL(text)
    }

    func sample() async throws -> (commits: Int64, rollbacks: Int64) {
        let logger = Logger(label: "oms.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let connection = try await PostgresConnection.connect(configuration: url.listenConfiguration(), id: 9, logger: logger)
        defer { Task { try? await connection.close() } }
        // Statistics are sent by backends at most every second or so; ask for a fresh view.
        _ = try? await connection.query("SELECT pg_stat_clear_snapshot()", logger: logger).collect()
        let rows = try await connection.query("""
            SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()
            """, logger: logger).collect()
        guard let row = rows.first else { return (0, 0) }
        return try row.decode((Int64, Int64).self)
    }
}
