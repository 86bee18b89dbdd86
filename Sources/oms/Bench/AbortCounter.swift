import Foundation
import OMSPostgres
import OMSStore

/// Transactions PostgreSQL rolled back in the bench database, from
/// `pg_stat_database`: with no refusals in a workload, each is a retried
/// serialization failure (or deadlock) of the server.
struct AbortCounter {
    let url: DatabaseURL

    init(_ text: String) throws {
        url = try DatabaseURL(text)
    }

    /// Refreshes the planner's statistics of the tables the workloads touch,
    /// after their pools are seeded: autovacuum would do it within a minute,
    /// but until then the statistics of a fresh tenant say it has next to no
    /// orders, and the planner may then find an order through a secondary
    /// index that starts with tenant_id, reading (and, under SERIALIZABLE,
    /// predicate-locking) every order of the tenant (docs/performance.md).
    func analyze() async throws {
        let connection = try await Connection.connect(url.listenConninfo)
        defer { connection.close() }
        try await connection.execute("ANALYZE orders, placements, fills, order_events")
    }

    func sample() async throws -> (commits: Int64, rollbacks: Int64) {
        let connection = try await Connection.connect(url.listenConninfo)
        defer { connection.close() }
        // Statistics are sent by backends at most every second or so; ask for a fresh view.
        _ = try? await connection.rows("SELECT pg_stat_clear_snapshot()")
        let rows = try await connection.rows("""
            SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()
            """)
        guard let row = rows.first else { return (0, 0) }
        return try row.decode((Int64, Int64).self)
    }
}
