import ArgumentParser
import OMSStore

/// `oms migrate`: applies the bundled migrations to `OMS_DATABASE_URL`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the database migrations (safe to run from several processes at once).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let url = try database.resolvedURL()
        let logger = makeLogger("oms.migrate")
        let applied = try await migrateAsOwner(url, logger: logger, progress: printMigration)
        say(applied.isEmpty ? "database is up to date (\(BundledMigrations.all.count) migrations)"
                              : "applied \(applied.count) migration(s)")
    }
}
