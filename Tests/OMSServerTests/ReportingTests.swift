@testable import OMSServerTestSupport
import EmbeddedPostgres
import Foundation
import OMSCore
import OMSProtocol
import OMSStore
import OMSTesting
import OMSPostgres
import Testing

/// BI access as a BI tool has it: `oms admin create-bi-role` makes a login,
/// and `psql` with that login reads the reporting views.
@Suite("Reporting views and BI roles")
struct ReportingTests {
    /// Runs one SQL text through psql as `url`'s login: exit status, output, errors.
    static func psql(_ url: DatabaseURL, _ sql: String) throws -> (status: Int32, out: String, err: String) {
        let psql = try PostgresBinaries.locate().path(of: "psql")
        let (status, out, err) = try runProgram(psql, [url.urlString, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        return (status, out.trimmingCharacters(in: .whitespacesAndNewlines), err)
    }

    /// Orders, a fill, an allocation, a compliance verdict and a position in both seeded tenants.
    static func seedBothTenants(_ db: TestDatabase) async throws {
        for tenant in [TestDatabase.tenant, TestDatabase.otherTenant] {
            let pm = TestDatabase.principal(.pm, tenant: tenant)
            _ = try await db.orders.createOrder(NewOrder(
                portfolioId: "PORT-001", instrumentId: "INS-1", direction: .buy, orderType: .market, timeInForce: .day,
                orderedQuantity: 100), actor: pm)
            _ = try await db.reference.setPosition(
                Position(portfolioId: "PORT-001", instrumentId: "INS-1", quantity: 500),
                actor: TestDatabase.principal(.admin, tenant: tenant))
        }
        _ = try await db.owner.query("""
            INSERT INTO compliance_results (tenant_id, result_id, order_id, phase, verdict, violations, decided_by, decided_at)
            SELECT tenant_id, 'CR-' || tenant_id, order_id, 'PRE_TRADE', 'FAILED',
                   '[{"rule_id": "R-1", "rule_name": "Max", "severity": "HARD", "message": "too big"}]', 'system', now()
            FROM orders
            """)
        // Execution rows written directly: the views only read them.
        for statement in [
            """
            INSERT INTO placements (tenant_id, placement_id, order_id, venue, quantity, filled_quantity, state,
                                    created_by, created_at, updated_at)
            SELECT tenant_id, 'PL-' || tenant_id, order_id, 'XNYS', 100, 40, 'OPEN', 'trader', now(), now() FROM orders
            """,
            """
            INSERT INTO fills (tenant_id, exec_id, order_id, placement_id, quantity, price, executed_at, order_version, recorded_by)
            SELECT tenant_id, 'EX-' || tenant_id, order_id, 'PL-' || tenant_id, 40, 10.5, now(), 1, 'trader' FROM orders
            """,
            "UPDATE orders SET executed_quantity = 40",
            """
            INSERT INTO allocations (tenant_id, allocation_id, order_id, account_id, portfolio_id, quantity,
                                     created_by, created_at, updated_at)
            SELECT tenant_id, 'AL-' || tenant_id, order_id, 'ACCT-001', 'PORT-001', 40, 'ops', now(), now() FROM orders
            """,
        ] {
            _ = try await db.owner.query(SQL(stringLiteral: statement))
        }
    }

    /// Roles are cluster-wide: drop this database's BI logins so they do not pile up in the test cluster.
    static func dropRoles(_ db: TestDatabase) async throws {
        let roles = try await db.owner.query("SELECT role_name FROM bi_roles").map { try $0.decode(String.self) }
        _ = try await db.owner.query("DELETE FROM bi_roles")
        for role in roles { _ = try await db.owner.query(SQL(stringLiteral: "DROP ROLE IF EXISTS \(role)")) }
    }

    @Test("a BI role reads its tenant's rows through every reporting view, sees no other tenant's and can change nothing")
    func biRoleWithPsql() async throws {
        try await TestDatabase.with { db in
            try await Self.seedBothTenants(db)
            let made = try runOMS(["admin", "create-bi-role", "--tenant-id", "t1", "--role", "bi_t1_\(db.name.suffix(6))",
                                   "--json", "--database-url", db.url.urlString])
            try #require(made.status == 0, "\(made.err)")
            let answer = try JSONParser.parse(Array(made.out.utf8))
            let login = try DatabaseURL(try #require(answer["url"]?.stringValue))
            #expect(answer["tenant_id"] == .string("t1"))
            #expect(login.username?.hasPrefix("bi_t1_") == true, "\(login)")

            // Every view answers, with t1's rows only.
            for view in ["orders", "order_events", "fills", "allocations", "compliance_results", "compliance_events",
                         "positions"] {
                let read = try Self.psql(login, "SELECT count(*), coalesce(string_agg(DISTINCT tenant_id, ','), '') FROM reporting.\(view)")
                #expect(read.status == 0, "\(view): \(read.err)")
                #expect(read.out.hasSuffix("|t1") && !read.out.hasPrefix("0|"), "\(view) shows \(read.out)")
            }
            let orders = try Self.psql(login, """
                SELECT state, ordered_quantity, executed_quantity, unfilled_quantity, average_price, is_terminal FROM orders
                """)
            #expect(orders.out == "CREATED|100|40|60|10.5000000000000000|f", "\(orders.out) \(orders.err)")
            let fills = try Self.psql(login, "SELECT portfolio_id, quantity, price, notional FROM fills")
            #expect(fills.out == "PORT-001|40|10.5|420.0", "\(fills.out) \(fills.err)")
            let failures = try Self.psql(login, """
                SELECT rule_id, count(*) FROM compliance_events WHERE event_type = 'PRE_TRADE_FAILED' GROUP BY rule_id
                """)
            #expect(failures.out == "R-1|1", "\(failures.out) \(failures.err)")

            // Nothing can be changed, and nothing outside the views can be read.
            for sql in [
                "INSERT INTO reporting.positions (tenant_id, portfolio_id, instrument_id, quantity) VALUES ('t1', 'PORT-002', 'INS-1', 1)",
                "UPDATE reporting.orders SET state = 'CANCELED'",
                "DELETE FROM reporting.order_events",
                "BEGIN READ WRITE; UPDATE reporting.orders SET state = 'CANCELED'; COMMIT",
                "SELECT count(*) FROM public.orders",
                "SELECT count(*) FROM public.bi_roles",
                "CREATE TABLE reporting.mine (x int)",
                "CREATE TABLE public.mine (x int)",
                "SET ROLE oms_app",
                "SET ROLE oms_reporting",
            ] {
                let refused = try Self.psql(login, sql)
                #expect(refused.status != 0, "not refused: \(sql) → \(refused.out)")
                #expect(refused.err.contains("permission denied") || refused.err.contains("read-only transaction"),
                        "\(sql): \(refused.err)")
            }
            // Setting the service's scope variable does not widen the view.
            let widened = try Self.psql(login, """
                SET oms.tenant_id = 't2'; SELECT string_agg(DISTINCT tenant_id, ',') FROM orders
                """)
            #expect(widened.out.hasSuffix("t1"), "\(widened.out) \(widened.err)")
            // The database is unchanged by all of that.
            let states = try await db.owner.query("SELECT DISTINCT state FROM orders")
            #expect(try states.map { try $0.decode(String.self) } == ["CREATED"])

            // A second BI role of the other tenant sees the other tenant only.
            let other = try runOMS(["admin", "create-bi-role", "--tenant-id", "t2", "--role", "bi_t2_\(db.name.suffix(6))",
                                    "--json", "--database-url", db.url.urlString])
            try #require(other.status == 0, "\(other.err)")
            let otherLogin = try DatabaseURL(try #require(try JSONParser.parse(Array(other.out.utf8))["url"]?.stringValue))
            let seen = try Self.psql(otherLogin, "SELECT string_agg(DISTINCT tenant_id, ',') FROM orders")
            #expect(seen.out == "t2", "\(seen.out) \(seen.err)")
            try await Self.dropRoles(db)
        }
    }

    @Test("create-bi-role refuses an unknown tenant and a taken role name, and creates nothing then")
    func refusals() async throws {
        try await TestDatabase.with { db in
            let role = "bi_dup_\(db.name.suffix(6))"
            let unknown = try runOMS(["admin", "create-bi-role", "--tenant-id", "nope", "--role", role,
                                      "--database-url", db.url.urlString])
            #expect(unknown.status != 0)
            #expect(unknown.err.contains("tenant nope not found"), "\(unknown.err)")
            let exists = try await db.owner.query("SELECT count(*)::int FROM pg_roles WHERE rolname = \(role)")
            #expect(try exists.first?.decode(Int.self) == 0)

            let first = try runOMS(["admin", "create-bi-role", "--tenant-id", "t1", "--role", role,
                                    "--database-url", db.url.urlString])
            #expect(first.status == 0, "\(first.err)")
            let again = try runOMS(["admin", "create-bi-role", "--tenant-id", "t2", "--role", role,
                                    "--database-url", db.url.urlString])
            #expect(again.status != 0)
            #expect(again.err.contains("already exists"), "\(again.err)")
            let mapped = try await db.owner.query("SELECT tenant_id FROM bi_roles WHERE role_name = \(role)")
            #expect(try mapped.map { try $0.decode(String.self) } == ["t1"])

            let bad = try runOMS(["admin", "create-bi-role", "--tenant-id", "t1", "--role", "Robert'); DROP TABLE orders;--",
                                  "--database-url", db.url.urlString])
            #expect(bad.status != 0)
            #expect(bad.err.contains("role name"), "\(bad.err)")
            try await Self.dropRoles(db)
        }
    }
}
