import Crypto
import Foundation
import Logging
import OMSCore
import OMSPostgres

/// Applies the numbered migrations in order, each in its own transaction,
/// recorded with a SHA-256 checksum, under an advisory lock so several
/// processes starting together apply each exactly once.
public struct Migrator: Sendable {
    /// The advisory lock key all OMS processes agree on ("oms-migr").
    static let lockKey: Int64 = 0x6F6D_732D_6D69_6772

    /// What `migrate` reports as it goes, so a terminal shows each migration.
    public enum Progress: Sendable {
        /// About to apply this migration.
        case applying(String)
        /// Applied and committed, in this time.
        case applied(String, Duration)
    }

    /// Migrations in the order they apply, each name with its SQL.
    public var migrations: [(name: String, sql: String)]
    /// Where applied migrations are logged.
    public var logger: Logger

    /// A migrator of `migrations` (the bundled ones unless given).
    public init(migrations: [(name: String, sql: String)] = BundledMigrations.all, logger: Logger) {
        self.migrations = migrations.sorted { $0.name < $1.name }
        self.logger = logger
    }

    /// Applies what is missing and returns the names applied now. An applied
    /// migration whose text has changed is refused.
    @discardableResult
    public func migrate(
        on connection: Connection, progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> [String] {
        try await connection.rows("SELECT pg_advisory_lock(\(Self.lockKey))")
        do {
            let applied = try await apply(on: connection, progress: progress)
            try await connection.rows("SELECT pg_advisory_unlock(\(Self.lockKey))")
            return applied
        } catch {
            _ = try? await connection.rows("SELECT pg_advisory_unlock(\(Self.lockKey))")
            throw error
        }
    }

    /// Applies the migrations using a connection leased from `pool` (the owner's, not the application role's).
    @discardableResult
    public func migrate(pool: ConnectionPool, progress: @Sendable (Progress) -> Void = { _ in }) async throws -> [String] {
        try await pool.withConnection { try await migrate(on: $0, progress: progress) }
    }

    private func apply(on connection: Connection, progress: @Sendable (Progress) -> Void) async throws -> [String] {
        try await connection.rows("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var recorded: [String: String] = [:]
        for row in try await connection.rows("SELECT name, checksum FROM schema_migrations") {
            let (name, checksum) = try row.decode((String, String).self)
            recorded[name] = checksum
        }
        var appliedNow: [String] = []
        for migration in migrations {
            let checksum = Self.checksum(migration.sql)
            if let existing = recorded[migration.name] {
                guard existing == checksum else {
                    throw OMSError(.conflict, "migration \(migration.name) was edited after it was applied",
                                   details: ["migration": migration.name])
                }
                continue
            }
            progress(.applying(migration.name))
            let clock = ContinuousClock(), started = clock.now
            var attempt = 1
            while true {
                do {
                    try await applyOnce(migration, checksum: checksum, on: connection)
                    break
                } catch let error as PostgresError where Self.isClusterCatalogRace(error) && attempt < Self.attempts {
                    logger.info("migration raced another database's on a cluster-wide object; applying it again",
                                metadata: ["migration": "\(migration.name)", "error": "\(error)"])
                    attempt += 1
                }
            }
            logger.debug("applied migration", metadata: ["migration": "\(migration.name)"])
            progress(.applied(migration.name, clock.now - started))
            appliedNow.append(migration.name)
        }
        return appliedNow
    }

    /// How many times a migration is tried when it races another database's
    /// migration on a cluster-wide object.
    static let attempts = 5

    /// One migration and its record in one transaction; rolled back whole on any error.
    private func applyOnce(_ migration: (name: String, sql: String), checksum: String,
                           on connection: Connection) async throws {
        try await connection.execute("BEGIN")
        do {
            for statement in SQLScript.statements(migration.sql) {
                try await connection.execute(statement)
            }
            try await connection.rows(
                "INSERT INTO schema_migrations (name, checksum) VALUES (\(migration.name), \(checksum))")
            try await connection.execute("COMMIT")
        } catch {
            _ = try? await connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Roles are cluster-wide, but the advisory lock only orders migrations of
    /// one database. Two databases of one cluster migrating at once both try
    /// `CREATE ROLE`; the loser waits on the catalog's unique index and gets
    /// 23505 on `pg_authid_rolname_index` (not the `duplicate_object` the
    /// migration catches), or "tuple concurrently updated" from a concurrent
    /// `GRANT`. Its transaction is rolled back whole, so trying it again finds
    /// the winner's role and goes on. That second error is an internal one
    /// (XX000, raised with `elog`), whose text PostgreSQL never translates, so
    /// matching it does not depend on the server's `lc_messages`.
    static func isClusterCatalogRace(_ error: PostgresError) -> Bool {
        (error.sqlState == SQLState.uniqueViolation && error.constraint?.hasPrefix("pg_") == true)
            || (error.sqlState == SQLState.internalError && error.message == "tuple concurrently updated")
    }

    /// Hex SHA-256 of a migration's text.
    public static func checksum(_ sql: String) -> String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
