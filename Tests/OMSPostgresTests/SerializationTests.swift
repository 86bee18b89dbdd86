import OMSPostgres
import Testing

@Suite("Commit-time serialization failures")
struct SerializationTests {
    /// Write skew: each transaction reads who is on call and takes one doctor off.
    /// The first (held open by hand) reads and writes, then the helper's
    /// transaction reads and writes and sleeps; the first commits meanwhile,
    /// which dooms the second as the pivot, so the second's COMMIT fails with
    /// 40001 ("during commit attempt"). Every statement before that COMMIT
    /// succeeded: if the helper ignored COMMIT's own result it would report
    /// success, and this test would fail.
    @Test("the second COMMIT of a SERIALIZABLE write skew fails with 40001 as COMMIT's own error")
    func commitTimeFailure() async throws {
        let database = try await TestDatabase("pq_serializable")
        let first = try await database.connect()
        let second = try await database.connect()
        let observer = try await database.connect()
        try await observer.execute("""
            CREATE TABLE doctors (id int PRIMARY KEY, on_call bool NOT NULL);
            INSERT INTO doctors VALUES (1, true), (2, true);
            """)

        try await first.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        _ = try await first.query("SELECT count(*) FROM doctors WHERE on_call")
        _ = try await first.query("UPDATE doctors SET on_call = false WHERE id = 1")

        let pending = Task {
            try await second.transaction([
                Query("SELECT count(*) AS n FROM doctors WHERE on_call"),
                Query("UPDATE doctors SET on_call = false WHERE id = 2"),
                Query("SELECT pg_sleep(0.5)"),
            ])
        }
        try await waitUntilSleeping(second.backendPID, observer: observer)
        try await first.execute("COMMIT")

        let error = try await #require(throws: PostgresError.self) { _ = try await pending.value }
        #expect(error.isSerializationFailure)
        #expect(error.isCommitFailure)
        #expect(error.statementIndex == 4)
        #expect(second.isReusable)
        let onCall = try await observer.query("SELECT id FROM doctors WHERE on_call ORDER BY id")
        #expect(try onCall.map { try $0["id"].int() } == [2])
    }
}

@Suite("Deadlocks and read-only transactions")
struct TransactionKindsTests {
    @Test("a deadlock victim's transaction fails with 40P01 at the statement that waited")
    func deadlock() async throws {
        let database = try await TestDatabase("pq_deadlock")
        let first = try await database.connect()
        let second = try await database.connect()
        try await first.execute("CREATE TABLE accounts (id int PRIMARY KEY, n int NOT NULL); INSERT INTO accounts VALUES (1, 0), (2, 0)")
        try await first.execute("BEGIN; UPDATE accounts SET n = n + 1 WHERE id = 1")
        let pending = Task {
            try await second.transaction([
                Query("UPDATE accounts SET n = n + 1 WHERE id = 2"),
                Query("UPDATE accounts SET n = n + 1 WHERE id = 1"),
            ], isolation: .readCommitted)
        }
        let observer = try await database.connect()
        for _ in 0..<500 {
            let waiting = try await observer.query(
                "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [String(second.backendPID)]
            )
            if !waiting.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The second waits for row 1; the first now waits for row 2. After
        // deadlock_timeout (1 s) the second, which has waited longest, is chosen.
        _ = try await first.query("UPDATE accounts SET n = n + 1 WHERE id = 2")
        let error = try await #require(throws: PostgresError.self) { _ = try await pending.value }
        #expect(error.isDeadlock)
        #expect(error.isRetryable)
        #expect(error.statementIndex == 2)
        #expect(second.isReusable)
        try await first.execute("COMMIT")
    }

    @Test("a READ ONLY transaction refuses a write with 25006 and leaves the session idle")
    func readOnly() async throws {
        let connection = try await TestDatabase("pq_read_only").connect()
        try await connection.execute("CREATE TABLE t (id int)")
        let rows = try await connection.transaction([Query("SELECT count(*) AS n FROM t")], readOnly: true)
        #expect(try rows[0][0]["n"].int() == 0)
        let error = try await #require(throws: PostgresError.self) {
            _ = try await connection.transaction([Query("INSERT INTO t VALUES (1)")], readOnly: true)
        }
        #expect(error.sqlState == SQLState.readOnlyTransaction)
        #expect(connection.isReusable)
    }
}
