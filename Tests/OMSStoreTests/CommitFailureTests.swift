import Foundation
import Synchronization
import OMSCore
import OMSPostgres
import OMSStore
import OMSTesting
import Testing

/// A serialization failure PostgreSQL finds only at COMMIT (the transaction
/// is a pivot whose out-conflict committed first) is COMMIT's own result in
/// the pipeline, after the statements before it succeeded. The runner must
/// read it: a driver that took the statements' success for the
/// transaction's would answer a command that was rolled back.
@Suite("Commit-time serialization failures")
struct CommitFailureTests {
    /// Makes the runner's transaction a pivot: it reads order A and writes
    /// order B; then a concurrent transaction reads B, writes A and commits
    /// first, which dooms the runner's transaction at its COMMIT.
    static func pivot(_ db: TestDatabase, _ a: String, _ b: String, on tx: Transaction) async throws {
        try await tx.rows("SELECT version FROM orders WHERE tenant_id = 't1' AND order_id = \(a)")
        try await tx.rows("UPDATE orders SET metadata = '{\"pivot\": 1}' WHERE tenant_id = 't1' AND order_id = \(b)")
        let other = try await Connection.connect(db.url.conninfo(role: nil))
        defer { other.close() }
        try await other.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        _ = try await other.rows("SELECT version FROM orders WHERE tenant_id = 't1' AND order_id = \(b)")
        _ = try await other.rows("UPDATE orders SET metadata = '{\"other\": 1}' WHERE tenant_id = 't1' AND order_id = \(a)")
        try await other.execute("COMMIT")
    }

    @Test("a COMMIT refused with 40001 after its statement succeeded is an error, and nothing is written")
    func commitFailureIsAnError() async throws {
        try await TestDatabase.with { db in
            let a = try await db.orders.createOrder(limitOrder(), actor: pm).orderId
            let b = try await db.orders.createOrder(limitOrder(), actor: pm).orderId
            var once = db.database.runner
            once.maxAttempts = 1
            do {
                _ = try await once.transaction(.tenant("t1")) { tx in
                    try await Self.pivot(db, a, b, on: tx)
                    // The last statement succeeds; only COMMIT, in the same pipeline, fails.
                    return try await tx.finish("SELECT 1 AS one").count
                }
                Issue.record("the transaction was answered as committed")
            } catch let error as PostgresError {
                #expect(error.sqlState == "40001")
                #expect(error.isCommitFailure, "\(error)")
            }
            let stored = try await db.owner.query("SELECT metadata::text FROM orders WHERE order_id = \(b)")
            #expect(try stored.first?.decode(String?.self) == .some(nil), "the pivot's write was kept")
        }
    }

    @Test("the runner retries a transaction refused at COMMIT and answers only the attempt that committed")
    func commitFailureIsRetried() async throws {
        try await TestDatabase.with { db in
            let a = try await db.orders.createOrder(limitOrder(), actor: pm).orderId
            let b = try await db.orders.createOrder(limitOrder(), actor: pm).orderId
            let attempts = Mutex(0)
            let answer = try await db.database.runner.transaction(.tenant("t1")) { tx in
                let attempt = attempts.withLock { $0 += 1; return $0 }
                if attempt == 1 { try await Self.pivot(db, a, b, on: tx) }
                try await tx.finish("""
                    UPDATE orders SET metadata = \("{\"attempt\": \(attempt)}")::jsonb
                    WHERE tenant_id = 't1' AND order_id = \(a)
                    """)
                return attempt
            }
            #expect(attempts.withLock { $0 } == 2)
            #expect(answer == 2)
            let stored = try await db.owner.query("SELECT order_id, metadata::text FROM orders WHERE order_id IN (\(a), \(b))")
            let byId = Dictionary(uniqueKeysWithValues: try stored.map { try $0.decode((String, String?).self) })
            #expect(byId[a] == .some(#"{"attempt": 2}"#))
            #expect(byId[b] == .some(nil), "the first attempt's write was kept")
        }
    }
}
