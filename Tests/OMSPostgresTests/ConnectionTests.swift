import Foundation
import OMSPostgres
import OMSTesting
import Testing

@Suite("Connection")
struct ConnectionTests {
    @Test("connects by URI and by key=value conninfo to the same database")
    func connectsBothWays() async throws {
        let database = try await TestDatabase("pq_connect")
        for conninfo in [database.uri, database.keyValue] {
            let connection = try await Connection.connect(conninfo)
            let rows = try await connection.query("SELECT current_database() AS db, pg_backend_pid() AS pid")
            #expect(try rows[0]["db"].string().hasPrefix("pq_connect_"))
            #expect(try rows[0]["pid"].int() == Int(connection.backendPID))
        }
    }

    @Test("a multi-host URI with target_session_attrs=read-write skips a dead host and finds the primary")
    func multiHost() async throws {
        let database = try await TestDatabase("pq_multihost")
        let server = try await TestPostgres.server()
        let name = String(database.uri.split(separator: "/").last!)
        // Port 1 on loopback refuses at once; libpq tries the next host.
        let user = server.username + (server.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? "")
        let uri = "postgresql://\(user)@127.0.0.1:1,\(server.host):\(server.port)/\(name)"
            + "?target_session_attrs=read-write&connect_timeout=5"
        let connection = try await Connection.connect(uri)
        let rows = try await connection.query("SELECT pg_is_in_recovery() AS standby, inet_server_port() AS port")
        #expect(try rows[0]["standby"].bool() == false)
        #expect(try rows[0]["port"].int() == server.port)
    }

    @Test("a connection string that cannot connect fails with connectFailed")
    func badConninfo() async throws {
        let database = try await TestDatabase("pq_bad")
        await #expect {
            _ = try await Connection.connect(database.keyValue + " user=nobody_here")
        } throws: { error in
            (error as? ConnectionError)?.kind == .connectFailed
        }
    }

    @Test("a pipelined transaction returns each statement's rows in order")
    func pipelinedTransaction() async throws {
        let connection = try await TestDatabase("pq_pipeline").connect()
        try await connection.execute("CREATE TABLE items (id int PRIMARY KEY, qty numeric(18,2) NOT NULL)")
        let results = try await connection.transaction([
            Query("INSERT INTO items VALUES ($1, $2), ($3, $4) RETURNING id", ["1", "10.50", "2", "3"]),
            Query("UPDATE items SET qty = qty + $1 WHERE id = $2", ["0.25", "1"]),
            Query("SELECT id, qty FROM items ORDER BY id"),
        ])
        #expect(results.count == 3)
        #expect(results[0].count == 2)
        #expect(results[1].commandTag == "UPDATE 1")
        #expect(results[1].affectedRows == 1)
        #expect(try results[2].map { try $0["qty"].numericText() } == ["10.75", "3.00"])
        #expect(connection.isReusable)
    }

    @Test("a prepared statement is prepared once per connection and reused")
    func preparedReuse() async throws {
        let database = try await TestDatabase("pq_prepared")
        let statement = Statement("SELECT $1::int + 1 AS next", parameterTypes: [.int4])
        let first = try await database.connect()
        let second = try await database.connect()
        for value in 1...3 {
            #expect(try await first.query(statement, [String(value)])[0]["next"].int() == value + 1)
        }
        #expect(try await second.query(statement, ["41"])[0]["next"].int() == 42)
        for connection in [first, second] {
            let prepared = try await connection.query(
                "SELECT count(*) AS n FROM pg_prepared_statements WHERE name = $1", [statement.name]
            )
            #expect(try prepared[0]["n"].int() == 1)
        }
    }

    @Test("a statement whose preparation failed is prepared again on its next use")
    func failedPreparationRetried() async throws {
        let connection = try await TestDatabase("pq_prepare_retry").connect()
        let statement = Statement("SELECT count(*) AS n FROM later")
        await #expect(throws: PostgresError.self) { _ = try await connection.query(statement) }
        try await connection.execute("CREATE TABLE later (id int)")
        #expect(try await connection.query(statement)[0]["n"].int() == 0)
    }

    @Test("a pipeline reports a failure as its statement's own and skips the rest")
    func pipelineFailure() async throws {
        let connection = try await TestDatabase("pq_pipeline_fail").connect()
        let results = try await connection.pipeline([
            Query("SELECT 1 AS one"), Query("SELECT 1/0"), Query("SELECT 3"),
        ])
        #expect(try results[0].get()[0]["one"].int() == 1)
        guard case .failed(let error) = results[1] else {
            Issue.record("expected the division to fail, got \(results[1])")
            return
        }
        #expect(error.sqlState == "22012")
        #expect(error.statementIndex == 1)
        guard case .skipped = results[2] else {
            Issue.record("expected the third statement to be skipped")
            return
        }
        #expect(try await connection.query("SELECT 4 AS four")[0]["four"].int() == 4)
    }
}
