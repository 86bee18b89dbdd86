import Foundation
import OMSPostgres
import OMSTesting

/// A fresh database on the shared test server, reachable by URI and by key=value conninfo.
struct TestDatabase {
    let uri: String
    let keyValue: String

    init(_ prefix: String) async throws {
        let name = try await TestPostgres.createDatabase(prefix: prefix)
        let server = try await TestPostgres.server()
        uri = server.url(database: name)
        var keyValue = "host=\(server.host) port=\(server.port) user=\(server.username) dbname=\(name)"
        if let password = server.password { keyValue += " password='\(password)'" }
        self.keyValue = keyValue
    }

    func connect() async throws -> Connection {
        try await Connection.connect(uri)
    }
}

/// Waits (up to 10 s) until backend `pid` is inside `pg_sleep`, so a test can act while it waits.
func waitUntilSleeping(_ pid: Int32, observer: Connection) async throws {
    for _ in 0..<500 {
        let rows = try await observer.query(
            "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep'", [String(pid)]
        )
        if !rows.isEmpty { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw PostgresError(sqlState: "", message: "backend \(pid) never reached pg_sleep")
}

/// Ends backend `pid` from another session, as an administrator or a crash would.
func terminate(_ pid: Int32, from observer: Connection) async throws {
    let rows = try await observer.query("SELECT pg_terminate_backend($1)", [String(pid)])
    guard try rows[0][0].bool() else { throw PostgresError(sqlState: "", message: "could not terminate \(pid)") }
}
