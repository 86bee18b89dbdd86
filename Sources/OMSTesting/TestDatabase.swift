import Foundation
import Logging
import OMSCore
import OMSStore
import OMSPostgres

/// A fresh, migrated database with a seeded tenant, for one test.
///
/// Databases are cloned from a template migrated once per test process
/// (`CREATE DATABASE … TEMPLATE`), so each test starts from the same schema
/// in milliseconds and no test sees another's rows.
public struct TestDatabase: Sendable {
    /// The database's name in the test cluster.
    public let name: String
    /// The database's URL in the test cluster, for tests that start a sidecar on it.
    public let url: DatabaseURL
    /// The store's handle on it, as the service would have one.
    public let database: Database
    /// A small pool logged in as the cluster's superuser, outside row-level
    /// security: for tests that inspect or tamper with the tables directly.
    public let owner: ConnectionPool
    /// An order store over `database`.
    public var orders: OrderStore { OrderStore(database: database) }
    /// An allocation store over `database`.
    public var allocations: AllocationStore { AllocationStore(database: database) }
    /// A reference-data store over `database`.
    public var reference: ReferenceStore { ReferenceStore(database: database) }
    /// A key store over `database`.
    public var keys: KeyStore { KeyStore(database: database) }

    /// Principals of the seeded tenant `t1`, one per role, plus `pm-p2` limited to PORT-002.
    public static let tenant = "t1"
    /// A second seeded tenant, for isolation tests.
    public static let otherTenant = "t2"

    /// The seeded principal of `role` in `tenant`.
    public static func principal(_ role: Role, tenant: String = TestDatabase.tenant) -> Principal {
        Principal(tenantId: tenant, principalId: role.rawValue.lowercased(), role: role)
    }

    /// A PM limited to PORT-002, for entitlement tests.
    public static let restrictedPM = Principal(tenantId: tenant, principalId: "pm-p2", role: .pm,
                                               portfolioIds: ["PORT-002"])

    static let logger = Logger(label: "oms.test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a new database whose pool is running; the pool stops afterwards.
    public static func with<T: Sendable>(
        seed: Bool = true, _ body: @Sendable (TestDatabase) async throws -> T
    ) async throws -> T {
        let server = try await TestPostgres.server()
        let name = try await TemplateDatabase.shared.clone(seed: seed)
        let url = try DatabaseURL(server.url(database: name))
        let database = Database(url, maxConnections: 24, logger: logger)
        let owner = ConnectionPool(url.poolConfiguration(maxConnections: 4, role: nil))
        defer {
            database.close()
            owner.close()
        }
        let result = try await body(TestDatabase(name: name, url: url, database: database, owner: owner))
        // Dropped only after success, so a failing test leaves its database to inspect.
        try? await TemplateDatabase.maintenance("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
        return result
    }

    /// SQL that seeds tenants `t1` and `t2` with the same reference data, so
    /// isolation tests can use identical ids in both.
    static let seedSQL: String = {
        var sql = ""
        for tenant in [tenant, otherTenant] {
            sql += """
                INSERT INTO tenants (tenant_id, name) VALUES ('\(tenant)', '\(tenant)');
                INSERT INTO portfolios (tenant_id, portfolio_id, name, cash) VALUES
                    ('\(tenant)', 'PORT-001', 'Growth', 10000000), ('\(tenant)', 'PORT-002', 'Income', 5000000);
                INSERT INTO accounts (tenant_id, account_id, portfolio_id) VALUES
                    ('\(tenant)', 'ACCT-001', 'PORT-001'), ('\(tenant)', 'ACCT-002', 'PORT-002');
                INSERT INTO instruments (tenant_id, instrument_id, symbol) VALUES
                    ('\(tenant)', 'INS-1', 'AAA'), ('\(tenant)', 'INS-2', 'BBB');
                INSERT INTO principals (tenant_id, principal_id, role) VALUES
                    ('\(tenant)', 'pm', 'PM'), ('\(tenant)', 'trader', 'Trader'), ('\(tenant)', 'ops', 'Ops'),
                    ('\(tenant)', 'compliance', 'Compliance'), ('\(tenant)', 'system', 'System'),
                    ('\(tenant)', 'admin', 'Admin');
                INSERT INTO principals (tenant_id, principal_id, role, portfolio_ids) VALUES
                    ('\(tenant)', 'pm-p2', 'PM', ARRAY['PORT-002']);

                """
        }
        return sql
    }()
}

/// Two migrated template databases per test process (empty and seeded), created on first use.
actor TemplateDatabase {
    static let shared = TemplateDatabase()

    private var templates: [Bool: Task<String, any Error>] = [:]

    func clone(seed: Bool) async throws -> String {
        let template = try await self.template(seed: seed)
        let name = TestPostgres.databaseName(prefix: "oms_test")
        try await Self.maintenance("CREATE DATABASE \"\(name)\" TEMPLATE \"\(template)\"")
        return name
    }

    private func template(seed: Bool) async throws -> String {
        if let task = templates[seed] { return try await task.value }
        let task = Task<String, any Error> {
            let name = try await TestPostgres.createDatabase(prefix: seed ? "oms_template_seeded" : "oms_template")
            let server = try await TestPostgres.server()
            let connection = try await server.connect(database: name)
            defer { connection.close() }
            try await Migrator(logger: TestDatabase.logger).migrate(on: connection)
            if seed { try await connection.execute(TestDatabase.seedSQL) }
            return name
        }
        templates[seed] = task
        return try await task.value
    }

    static func maintenance(_ sql: String) async throws {
        let server = try await TestPostgres.server()
        let connection = try await server.connect(database: server.maintenanceDatabase)
        defer { connection.close() }
        try await connection.execute(sql)
    }
}
