import Crypto
import Foundation
import Logging
import OMSCore
import PostgresNIO

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

    public var migrations: [(name: String, sql: String)]
    public var logger: Logger

    public init(migrations: [(name: String, sql: String)] = BundledMigrations.all, logger: Logger) {
        self.migrations = migrations.sorted { $0.name < $1.name }
        self.logger = logger
    }

    /// Applies what is missing and returns the names applied now. An applied
    /// migration whose text has changed is refused.
    @discardableResult
    public func migrate(
        on connection: PostgresConnection, progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> [String] {
        try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
        do {
            let applied = try await apply(on: connection, progress: progress)
            try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            throw error
        }
    }

    /// Applies the migrations using a connection leased from a pool.
    @discardableResult
    public func migrate(client: PostgresClient, progress: @Sendable (Progress) -> Void = { _ in }) async throws -> [String] {
        try await client.withConnection { try await migrate(on: $0, progress: progress) }
    }

    private func apply(on connection: PostgresConnection, progress: @Sendable (Progress) -> Void) async throws -> [String] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var recorded: [String: String] = [:]
        for try await (name, checksum) in try await connection.query(
            "SELECT name, checksum FROM schema_migrations", logger: logger
        ).decode((String, String).self) {
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
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in SQLScript.statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (name, checksum) VALUES (\(migration.name), \(checksum))",
                    logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.debug("applied migration", metadata: ["migration": "\(migration.name)"])
            progress(.applied(migration.name, clock.now - started))
            appliedNow.append(migration.name)
        }
        return appliedNow
    }

    /// Hex SHA-256 of a migration's text.
    public static func checksum(_ sql: String) -> String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
