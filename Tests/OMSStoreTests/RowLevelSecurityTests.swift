import Foundation
import Logging
import OMSCore
import OMSPostgres
@testable import OMSStore
import OMSTesting
import Testing

/// Row-level security (sql/0010): the catalogue rules every tenant table must
/// follow, and what a pooled connection of the service can see and change in
/// each scope.
@Suite("Row-level security")
struct RowLevelSecurityTests {
    /// Tables of the public schema with a tenant_id column.
    static func tenantTables(_ db: TestDatabase) async throws -> [String] {
        try await db.owner.query("""
            SELECT c.relname::text FROM pg_class c
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1
            """).map { try $0.decode(String.self) }
    }

    @Test("every table with a tenant_id has row-level security enabled and forced, with the service's policy")
    func everyTenantTableIsForced() async throws {
        try await TestDatabase.with(seed: false) { db in
            let tables = try await Self.tenantTables(db)
            #expect(tables.count >= 20, "\(tables)")
            let rows = try await db.owner.query("""
                SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                       EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
                               AND p.policyname = 'tenant_rows' AND 'oms_app' = ANY(p.roles)) AS has_policy
                FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(\(tables))
                """)
            #expect(rows.count == tables.count)
            for row in rows {
                let (table, enabled, forced, hasPolicy) = try row.decode((String, Bool, Bool, Bool).self)
                #expect(enabled, "\(table): row-level security not enabled")
                #expect(forced, "\(table): row-level security not forced")
                #expect(hasPolicy, "\(table): no tenant_rows policy for oms_app")
            }
        }
    }

    @Test("every primary key, unique constraint, unique index and foreign key of a tenant table starts with tenant_id")
    func keysLeadWithTenant() async throws {
        try await TestDatabase.with(seed: false) { db in
            let tables = try await Self.tenantTables(db)
            // Each constraint with the first column of its key, and for a
            // foreign key the first column it references.
            let rows = try await db.owner.query("""
                SELECT r.relname::text, c.conname::text,
                       (SELECT attname::text FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]),
                       (SELECT attname::text FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = c.confkey[1])
                FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
                WHERE r.relname = ANY(\(tables)) AND r.relnamespace = 'public'::regnamespace
                  AND c.contype IN ('p', 'u', 'f', 'x')
                UNION ALL
                SELECT r.relname::text, i.indexrelid::regclass::text,
                       (SELECT attname::text FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0]),
                       NULL
                FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid
                WHERE r.relname = ANY(\(tables)) AND r.relnamespace = 'public'::regnamespace AND i.indisunique
                """)
            #expect(rows.count >= tables.count * 2, "every tenant table has a primary key and most a foreign key")
            for row in rows {
                let (table, name, first, referenced) = try row.decode((String, String, String?, String?).self)
                #expect(first == "tenant_id", "\(table).\(name) starts with \(first ?? "an expression")")
                if let referenced { #expect(referenced == "tenant_id", "\(table).\(name) references \(referenced) first") }
            }
        }
    }

    @Test("the service's role owns nothing, is no superuser and cannot bypass row-level security")
    func appRoleIsPlain() async throws {
        try await TestDatabase.with(seed: false) { db in
            let rows = try await db.database.pool.query("""
                SELECT current_user::text, r.rolsuper, r.rolbypassrls,
                       (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)::int
                FROM pg_roles r WHERE r.rolname = current_user
                """)
            let (user, superuser, bypass, owned) = try #require(rows.first).decode((String, Bool, Bool, Int).self)
            #expect(user == DatabaseURL.appRole)
            #expect(!superuser && !bypass)
            #expect(owned == 0)
        }
    }

    @Test("a tenant scope sees and writes only its tenant's rows, whatever the SQL says")
    func tenantScope() async throws {
        try await TestDatabase.with { db in
            let t1 = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm)).orderId
            let t2 = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm, tenant: "t2")).orderId
            // No tenant filter in the SQL: the policy supplies it.
            let seen = try await db.database.rows(.tenant("t1"), "SELECT order_id FROM orders")
            #expect(try seen.map { try $0.decode(String.self) } == [t1])
            let changed = try await db.database.rows(.tenant("t1"), "UPDATE orders SET cancel_reason = 'x' RETURNING order_id")
            #expect(try changed.map { try $0.decode(String.self) } == [t1])
            // Writing a row of another tenant is refused outright.
            let error = await #expect(throws: PostgresError.self) {
                try await db.database.rows(.tenant("t1"), """
                    INSERT INTO baskets (tenant_id, basket_id, name, created_by, created_at)
                    VALUES ('t2', 'B-1', 'b', 'pm', now())
                    """)
            }
            #expect(error?.sqlState == "42501")
            // The other tenant's order is untouched.
            let other = try await db.owner.query("SELECT cancel_reason FROM orders WHERE order_id = \(t2)")
            #expect(try other.first?.decode(String?.self) == nil)
        }
    }

    @Test("the system scope reads every tenant and can write nothing; no scope sees nothing")
    func systemScope() async throws {
        try await TestDatabase.with { db in
            _ = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm))
            _ = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm, tenant: "t2"))
            let tenants = try await db.database.rows(.system, "SELECT DISTINCT tenant_id FROM orders ORDER BY 1")
            #expect(try tenants.map { try $0.decode(String.self) } == ["t1", "t2"])
            let updated = try await db.database.rows(.system, "UPDATE orders SET cancel_reason = 'x' RETURNING order_id")
            #expect(updated.isEmpty)
            let error = await #expect(throws: PostgresError.self) {
                try await db.database.rows(.system, "INSERT INTO tenants (tenant_id, name) VALUES ('t3', 't3')")
            }
            #expect(error?.sqlState == "42501")
            // A connection of the role that was never scoped sees no rows.
            let unscoped = try await Connection.connect(db.url.conninfo())
            defer { unscoped.close() }
            let count = try await unscoped.rows("SELECT count(*)::int FROM orders")
            #expect(try count.first?.decode(Int.self) == 0)
            // Nor does a pooled connection outside a transaction, after scoped transactions ran on it.
            let single = Database(db.url, maxConnections: 1, logger: Self.logger)
            defer { single.close() }
            for scope: TenantScope in [.tenant("t1"), .system, .tenant("t2")] {
                let seen = try await single.rows(scope, "SELECT count(*)::int FROM orders")
                #expect(try seen.first?.decode(Int.self) == (scope == .system ? 2 : 1), "\(scope)")
                let outside = try await single.runner.leased { connection in
                    try await connection.rows("SELECT count(*)::int, current_setting('oms.tenant_id', true) FROM orders")
                }
                let (rows, setting) = try #require(outside.first).decode((Int, String?).self)
                #expect(rows == 0, "after \(scope)")
                #expect(setting == nil || setting == "", "after \(scope): \(setting ?? "")")
            }
        }
    }

    @Test("one pooled connection moving between tenants never carries one tenant's scope into another's transaction")
    func rebindingOnOneConnection() async throws {
        try await TestDatabase.with { db in
            _ = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm))
            _ = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm, tenant: "t2"))
            // One connection, so every scope change happens on it.
            let database = Database(db.url, maxConnections: 1, logger: Self.logger)
            defer { database.close() }
            var backends: Set<Int> = []
            let scopes: [TenantScope] = [.tenant("t1"), .tenant("t1"), .tenant("t2"), .system, .tenant("t1"), .tenant("t2")]
            for (step, scope) in (scopes + scopes.reversed()).enumerated() {
                let rows = try await database.rows(scope, """
                    SELECT current_setting('oms.tenant_id'), coalesce(string_agg(DISTINCT tenant_id, ','), ''),
                           pg_backend_pid()
                    FROM orders
                    """)
                let (setting, seen, backend) = try #require(rows.first).decode((String, String, Int).self)
                backends.insert(backend)
                #expect(setting == scope.setting, "step \(step)")
                #expect(seen == (scope == .system ? "t1,t2" : scope.setting), "step \(step)")
            }
            // A prepared statement (planned once per connection, run many
            // times) applies the scope of each execution, not of its first.
            for (step, scope) in (scopes + scopes).enumerated() {
                let rows = try await database.rows(scope, prepared: """
                    SELECT coalesce(string_agg(DISTINCT tenant_id, ','), ''), pg_backend_pid() FROM orders WHERE \(true)
                    """)
                let (seen, backend) = try #require(rows.first).decode((String, Int).self)
                backends.insert(backend)
                #expect(seen == (scope == .system ? "t1,t2" : scope.setting), "prepared, step \(step)")
            }
            // Transactions of several statements, the scope bound with the first one.
            for (step, scope) in scopes.enumerated() {
                let (first, second) = try await database.runner.transaction(scope) { tx in
                    let first = try await tx.rows("SELECT coalesce(string_agg(DISTINCT tenant_id, ','), '') FROM orders")
                    let second = try await tx.rows("SELECT current_setting('oms.tenant_id'), pg_backend_pid()")
                    return (try first[0].decode(String.self), try second[0].decode((String, Int).self))
                }
                backends.insert(second.1)
                #expect(first == (scope == .system ? "t1,t2" : scope.setting), "transaction, step \(step)")
                #expect(second.0 == scope.setting, "transaction, step \(step)")
            }
            // A failed transaction leaves no scope behind: the next one binds its own,
            // and outside a transaction the connection sees nothing.
            await #expect(throws: PostgresError.self) {
                try await database.rows(.tenant("t1"), "SELECT 1 / 0")
            }
            await #expect(throws: PostgresError.self) {
                try await database.runner.transaction(.tenant("t1")) { tx in
                    try await tx.rows("SELECT order_id FROM orders")
                    return try await tx.rows("SELECT 1 / 0")
                }
            }
            let after = try await database.rows(.tenant("t2"), "SELECT DISTINCT tenant_id FROM orders")
            #expect(try after.map { try $0.decode(String.self) } == ["t2"])
            _ = try? await database.runner.transaction(.tenant("t1")) { tx in
                try await tx.rows("SELECT 1 / 0")
            }
            let outside = try await database.runner.leased { connection in
                try await connection.rows("SELECT count(*)::int, pg_backend_pid() FROM orders")
            }
            let (visible, backend) = try #require(outside.first).decode((Int, Int).self)
            backends.insert(backend)
            #expect(visible == 0)
            #expect(backends.count == 1, "expected every step on one connection: \(backends)")
        }
    }

    @Test("two runners on one pool: the connection moves between them and never brings the other's scope along")
    func runnersShareConnections() async throws {
        try await TestDatabase.with { db in
            _ = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm))
            _ = try await db.orders.createOrder(limitOrder(), actor: TestDatabase.principal(.pm, tenant: "t2"))
            let pool = ConnectionPool(db.url.poolConfiguration(maxConnections: 1))
            defer { pool.close() }
            // Each Database has its own runner; the one connection moves between them.
            let first = Database(pool: pool, logger: Self.logger), second = Database(pool: pool, logger: Self.logger)
            for (step, (database, tenant)) in [(first, "t1"), (second, "t2"), (first, "t1"), (second, "t1"),
                                               (first, "t2")].enumerated() {
                let rows = try await database.rows(.tenant(tenant), "SELECT DISTINCT tenant_id FROM orders")
                #expect(try rows.map { try $0.decode(String.self) } == [tenant], "step \(step)")
            }
        }
    }

    static let logger = Logger(label: "rls", factory: { _ in SwiftLogNoOpLogHandler() })
}
