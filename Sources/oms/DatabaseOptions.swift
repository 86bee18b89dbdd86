import ArgumentParser
import Foundation
import Logging
import OMSStore

/// `--database-url`, defaulting to `OMS_DATABASE_URL`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL connection string as libpq takes it: a URI "
                               + "(postgres://user[:password]@host[:port][,host2[:port2]]/db?sslmode=...) or key=value "
                               + "conninfo (host=... dbname=... or service=...); what it leaves out comes from "
                               + "PGHOST, PGUSER, PGSSLMODE, PGPASSFILE, ... (env OMS_DATABASE_URL; without one, "
                               + "`oms serve` runs an embedded PostgreSQL under --data-dir)."))
    var databaseURL: String?

    /// Whether a database was named by flag or environment.
    var isConfigured: Bool {
        databaseURL != nil || ProcessInfo.processInfo.environment[ServeSetting.databaseURL.env]?.isEmpty == false
    }

    func resolvedURL() throws -> DatabaseURL {
        guard let text = databaseURL ?? ProcessInfo.processInfo.environment[ServeSetting.databaseURL.env], !text.isEmpty else {
            throw ValidationError("no database: pass \(ServeSetting.databaseURL.flag) or set \(ServeSetting.databaseURL.env)")
        }
        return try DatabaseURL(text)
    }
}

/// Runs `body` with a connection pool to `url`, then closes it. The pool
/// runs as the application role, under row-level security; `asOwner` keeps
/// the login's own role, which migrations need.
func withDatabase<T: Sendable>(
    _ url: DatabaseURL, logger: Logger, asOwner: Bool = false, _ body: @Sendable (Database) async throws -> T
) async throws -> T {
    // A connection refused here says why in PostgreSQL's own words.
    try await url.checkConnection(role: asOwner ? nil : DatabaseURL.appRole)
    let database = Database(url, maxConnections: 4, role: asOwner ? nil : DatabaseURL.appRole, logger: logger)
    defer { database.close() }
    return try await body(database)
}

/// Applies the migrations as the URL's own login (the owner); the names of those applied.
func migrateAsOwner(
    _ url: DatabaseURL, logger: Logger, progress: @escaping @Sendable (Migrator.Progress) -> Void = { _ in }
) async throws -> [String] {
    try await withDatabase(url, logger: logger, asOwner: true) { owner in
        try await Migrator(logger: logger).migrate(pool: owner.pool, progress: progress)
    }
}

/// A logger writing to standard error at `level`.
func makeLogger(_ label: String, level: Logger.Level = .warning) -> Logger {
    var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = level
    return logger
}
