import OMSPostgres
import Testing

@Suite("Server errors")
struct ErrorTests {
    let connection: Connection

    init() async throws {
        connection = try await TestDatabase("pq_errors").connect()
        try await connection.execute("""
            CREATE TABLE orders (
                id text PRIMARY KEY,
                qty numeric(18,2) NOT NULL CONSTRAINT orders_qty_positive CHECK (qty > 0)
            )
            """)
    }

    private func expectUsable() async throws {
        #expect(connection.isReusable)
        #expect(try await connection.query("SELECT 'ok' AS s")[0]["s"].string() == "ok")
    }

    @Test("a CHECK violation names its constraint and table, and the connection stays usable")
    func checkViolation() async throws {
        let error = try await #require(throws: PostgresError.self) {
            _ = try await connection.query("INSERT INTO orders VALUES ($1, $2)", ["o-1", "-1"])
        }
        #expect(error.isCheckViolation)
        #expect(error.sqlState == "23514")
        #expect(error.constraint == "orders_qty_positive")
        #expect(error.table == "orders")
        #expect(error.severity == "ERROR")
        try await expectUsable()
    }

    @Test("a unique violation carries its constraint and the conflicting key in detail")
    func uniqueViolation() async throws {
        _ = try await connection.query("INSERT INTO orders VALUES ('o-2', 1)")
        let error = try await #require(throws: PostgresError.self) {
            _ = try await connection.query("INSERT INTO orders VALUES ('o-2', 2)")
        }
        #expect(error.isUniqueViolation)
        #expect(error.constraint == "orders_pkey")
        #expect(error.detail == "Key (id)=(o-2) already exists.")
        try await expectUsable()
    }

    @Test("a syntax error is 42601 with the statement it came from")
    func syntaxError() async throws {
        let error = try await #require(throws: PostgresError.self) {
            _ = try await connection.query("SELEC 1")
        }
        #expect(error.sqlState == "42601")
        #expect(error.statement == "SELEC 1")
        #expect(error.message.contains("syntax error"))
        try await expectUsable()
    }

    @Test("a failing statement inside a transaction is named, rolled back, and leaves the session idle")
    func failureInsideTransaction() async throws {
        let error = try await #require(throws: PostgresError.self) {
            _ = try await connection.transaction([
                Query("INSERT INTO orders VALUES ('o-3', 1)"),
                Query("INSERT INTO orders VALUES ('o-4', 0)"),
                Query("INSERT INTO orders VALUES ('o-5', 1)"),
            ])
        }
        #expect(error.constraint == "orders_qty_positive")
        #expect(error.statementIndex == 2)  // BEGIN is 0
        #expect(!error.isCommitFailure)
        try await expectUsable()
        let count = try await connection.query("SELECT count(*) AS n FROM orders WHERE id IN ('o-3', 'o-5')")
        #expect(try count[0]["n"].int() == 0)
    }

    @Test("a NUL in a parameter or the SQL is refused as 22021 before anything is sent, never cut short")
    func nulRefused() async throws {
        let database = try await TestDatabase("pq_nul")
        let connection = try await database.connect()
        defer { connection.close() }
        try await connection.execute("CREATE TABLE t (v text)")
        let results = try await connection.pipeline([
            Query("INSERT INTO t VALUES ($1)", ["fine"]),
            Query("INSERT INTO t VALUES ($1)", ["a\u{0}b"]),
        ])
        guard case .failed(let error) = results[1] else {
            Issue.record("the NUL was sent: \(results)")
            return
        }
        #expect(error.sqlState == "22021")
        #expect(error.statementIndex == 1)
        if case .skipped = results[0] {} else { Issue.record("the statement before the refused one ran: \(results[0])") }
        await #expect(throws: PostgresError.self) { _ = try await connection.query("SELECT '\u{0}'") }
        let stored = try await connection.query("SELECT count(*) FROM t")
        #expect(try stored[0][0].int() == 0)
        #expect(connection.isReusable)
    }
}
