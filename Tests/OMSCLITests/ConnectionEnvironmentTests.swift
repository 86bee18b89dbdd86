@testable import OMSServerTestSupport
import Foundation
import OMSTesting
import Testing

/// `oms` reads the database the way `psql` does: what `OMS_DATABASE_URL`
/// leaves out comes from libpq's environment.
@Suite("libpq environment")
struct ConnectionEnvironmentTests {
    @Test("OMS_DATABASE_URL=dbname=… with PGHOST, PGPORT and PGUSER migrates that database")
    func environment() async throws {
        let server = try await TestPostgres.server()
        let name = try await TestPostgres.createDatabase(prefix: "oms_env")
        var environment: [String: String?] = [
            "OMS_DATABASE_URL": "dbname=\(name)", "PGHOST": server.host, "PGPORT": String(server.port),
            "PGUSER": server.username, "PGPASSWORD": server.password,
        ]
        let run = try runOMS(["migrate"], environment: environment)
        #expect(run.status == 0, "\(run.err)")
        let check = try await server.connect(database: name)
        defer { check.close() }
        let applied = try await check.query("SELECT count(*) FROM schema_migrations")
        #expect(try applied[0][0].int() > 0)

        // A wrong PGPORT is libpq's error, in its own words.
        environment["PGPORT"] = "1"
        let refused = try runOMS(["migrate"], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.err.contains("cannot connect to"), "\(refused.err)")
    }
}
