import Foundation
import Logging
import OMSCore
import OMSPostgres
import OMSStore
import OMSTesting
import Testing

@Suite("Migrations")
struct MigrationTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("the migrations bundled in the binary are exactly the files in sql/")
    func bundleMatchesSQLFolder() throws {
        let folder = TestPostgres.packageRoot + "/sql"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(BundledMigrations.all.map(\.name) == files)
        for (name, sql) in BundledMigrations.all {
            var text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            if text.hasSuffix("\n") { text.removeLast() }
            #expect(sql == text, "\(name) differs from sql/\(name) as bundled by the build")
        }
    }

    @Test("scripts split on semicolons outside strings, comments and dollar quotes")
    func scriptSplitting() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'it''s; fine');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no;'; END;
            $$;
            /* block; comment */ SELECT "semi;colon" FROM a
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[1].hasSuffix("$$"))
        #expect(statements[2].hasSuffix("FROM a"))
    }

    @Test("databases of one cluster migrating at once all succeed though they race on a cluster-wide role")
    func databasesRaceOnRoles() async throws {
        let server = try await TestPostgres.server()
        let role = "oms_race_\(UInt32.random(in: 0...UInt32.max))"
        // 0010 creates roles this way; the sleep keeps the winner's catalog row
        // uncommitted while the others' CREATE ROLE waits on it.
        let migrations = [(name: "0001_role.sql", sql: """
            DO $$ BEGIN CREATE ROLE \(role) NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            GRANT \(role) TO CURRENT_USER;
            SELECT pg_sleep(0.3)
            """)]
        var databases: [String] = []
        for _ in 0..<4 { databases.append(try await TestPostgres.createDatabase(prefix: "oms_roles")) }
        let pools = try databases.map {
            ConnectionPool(try DatabaseURL(server.url(database: $0)).poolConfiguration(maxConnections: 1, role: nil))
        }
        let admin = try await server.connect(database: "postgres")
        defer {
            for pool in pools { pool.close() }
            admin.close()
        }
        let migrator = Migrator(migrations: migrations, logger: logger)
        let applied = try await withThrowingTaskGroup(of: Int.self) { racers in
            for pool in pools { racers.addTask { try await migrator.migrate(pool: pool).count } }
            return try await racers.reduce(0, +)
        }
        #expect(applied == 4)
        try await admin.execute("DROP OWNED BY \(role); DROP ROLE \(role)")
    }

    @Test("several oms processes migrating one database at once apply each migration exactly once")
    func concurrentProcesses() async throws {
        let binary = TestPostgres.packageRoot + "/.build/debug/oms"
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "\(binary) missing: the tests start real `oms migrate` processes; run `swift build` first")
        let server = try await TestPostgres.server()
        let name = try await TestPostgres.createDatabase(prefix: "oms_migrate")
        let processes = try (0..<4).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["migrate", "--database-url", server.url(database: name)]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let pool = ConnectionPool(try DatabaseURL(server.url(database: name)).poolConfiguration(maxConnections: 8, role: nil))
        defer { pool.close() }
        let rows = try await pool.query("SELECT name, count(*) FROM schema_migrations GROUP BY name")
        let counts = try rows.map { try $0.decode((String, Int).self) }
        #expect(counts.map(\.0).sorted() == BundledMigrations.all.map(\.name))
        #expect(counts.allSatisfy { $0.1 == 1 })

        // In-process too: eight sessions racing on the advisory lock.
        let migrator = Migrator(logger: logger)
        let applied = try await withThrowingTaskGroup(of: Int.self) { racers in
            for _ in 0..<8 { racers.addTask { try await migrator.migrate(pool: pool).count } }
            return try await racers.reduce(0, +)
        }
        #expect(applied == 0)

        var edited = BundledMigrations.all
        edited[0].sql += "\n-- edited"
        let error = await #expect(throws: OMSError.self) {
            try await Migrator(migrations: edited, logger: logger).migrate(pool: pool)
        }
        #expect(error?.code == .conflict)
    }
}
