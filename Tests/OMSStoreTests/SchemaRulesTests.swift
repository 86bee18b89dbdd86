import Foundation
import OMSCore
@testable import OMSStore
import OMSPostgres
import OMSTesting
import Testing

/// The schema and session properties that keep SERIALIZABLE commands on
/// different orders from aborting each other (docs/performance.md, findings
/// 1, 4 and 6): losing any one of them brings back a storm of serialization
/// failures, and none of them would fail a functional test.
@Suite("Schema rules for SERIALIZABLE throughput")
struct SchemaRulesTests {
    @Test("the service's pooled connections price sequential scans out")
    func noSequentialScans() async throws {
        try await TestDatabase.with { db in
            let rows = try await db.database.pool.query("SHOW enable_seqscan")
            #expect(try rows.first?.decode(String.self) == "off")
        }
    }

    @Test("no index of orders covers a column a transition changes, so transitions are HOT updates")
    func transitionsAreHOT() async throws {
        let changed: Set<String> = ["state", "version", "updated_at", "executed_quantity", "cancel_reason"]
        try await TestDatabase.with { db in
            let rows = try await db.owner.query("""
                SELECT i.indexrelid::regclass::text, a.attname::text
                FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = 'orders'::regclass
                UNION ALL
                SELECT i.indexrelid::regclass::text,
                       coalesce(pg_get_expr(i.indexprs, i.indrelid), '') || ' ' || coalesce(pg_get_expr(i.indpred, i.indrelid), '')
                FROM pg_index i WHERE i.indrelid = 'orders'::regclass
                """)
            #expect(rows.count > 6, "expected the orders indexes")
            for row in rows {
                let (index, text) = try row.decode((String, String).self)
                let words = Set(text.split { !($0.isLetter || $0 == "_") }.map(String.init))
                #expect(words.isDisjoint(with: changed), "\(index) covers \(words.intersection(changed))")
            }
            let fillfactor = try await db.owner.query(
                "SELECT reloptions::text FROM pg_class WHERE oid = 'orders'::regclass")
            #expect(try fillfactor.first?.decode(String?.self)?.contains("fillfactor=80") == true)
        }
    }

    @Test("secondary indexes of the command tables do not lead with tenant_id (orders_by_created and partial ones excepted)")
    func secondaryIndexesLeadWithTheirKey() async throws {
        try await TestDatabase.with { db in
            let rows = try await db.owner.query("""
                SELECT i.indexrelid::regclass::text, a.attname::text
                FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid IN ('orders'::regclass, 'fills'::regclass, 'placements'::regclass,
                                     'allocations'::regclass, 'compliance_results'::regclass)
                  AND NOT i.indisprimary AND NOT i.indisunique
                  -- A partial index (orders_by_basket) serves only statements that imply its predicate.
                  AND i.indpred IS NULL
                """)
            #expect(rows.count >= 6, "expected the secondary indexes")
            for row in rows {
                let (index, leading) = try row.decode((String, String).self)
                if index == "orders_by_created" { continue }
                #expect(leading != "tenant_id", "\(index) leads with tenant_id")
            }
        }
    }
}

/// A prepared statement is named after its SQL and parameter types (`Statement`),
/// prepared on a connection at its first use there and executed by name after.
@Suite("Prepared statements")
struct PreparedStatementTests {
    @Test("prepared statements run with each call's values, other SQL is another statement, and a connection prepares one once")
    func preparedByName() async throws {
        try await TestDatabase.with { db in
            let first = try await db.database.rows(.system, prepared: "SELECT \(Int32(41)) + 1")
            #expect(try first.first?.decode(Int32.self) == 42)
            let again = try await db.database.rows(.system, prepared: "SELECT \(Int32(1)) + 1")
            #expect(try again.first?.decode(Int32.self) == 2)
            let other = try await db.database.rows(.system, prepared: "SELECT \(Int32(1)) + 2")
            #expect(try other.first?.decode(Int32.self) == 3)

            let sql: SQL = "SELECT \(Int32(5)) * 2"
            let name = Statement(sql.text, parameterTypes: sql.types).name
            try await db.owner.withConnection { connection in
                for _ in 0..<3 {
                    #expect(try await connection.query(sql.query(prepared: true)).first?[0].int() == 10)
                }
                let prepared = try await connection.rows(
                    "SELECT statement FROM pg_prepared_statements WHERE name = \(name)")
                #expect(try prepared.map { try $0.decode(String.self) } == [sql.text])
            }
        }
    }
}
