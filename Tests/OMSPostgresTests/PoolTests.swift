import OMSPostgres
import Testing

@Suite("ConnectionPool")
struct PoolTests {
    @Test("a lease times out with PoolTimeoutError when every connection is held")
    func leaseTimeout() async throws {
        let database = try await TestDatabase("pq_pool_timeout")
        // Long enough for the first lease to connect on a loaded 2-core machine, where a connect can take over 0.2 s.
        let pool = ConnectionPool(PoolConfiguration(
            conninfo: database.uri, maximumConnections: 1, leaseTimeout: .seconds(2)
        ))
        let held = try await pool.lease()
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await #require(throws: PoolTimeoutError.self) { _ = try await pool.lease() }
        #expect(clock.now - start >= .seconds(2))
        #expect(error.maximumConnections == 1)
        pool.release(held)
        let again = try await pool.lease()
        #expect(again.backendPID == held.backendPID)
        pool.release(again)
        pool.close()
    }

    @Test("a connect the server refuses (too many connections) leaves the lease waiting for the pool's own connections")
    func refusedConnectWaits() async throws {
        let database = try await TestDatabase("pq_pool_refused")
        let admin = try await database.connect()
        defer { admin.close() }
        let role = "pq_limited_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.execute("CREATE ROLE \(role) LOGIN CONNECTION LIMIT 2")
        defer { Task { try? await admin.execute("DROP ROLE IF EXISTS \(role)") } }
        let pool = ConnectionPool(PoolConfiguration(
            conninfo: database.keyValue + " user=\(role)", maximumConnections: 4, leaseTimeout: .seconds(10)))
        let first = try await pool.lease(), second = try await pool.lease()
        // The third lease's connect is refused by the role's limit; it waits instead of failing.
        let third = Task { try await pool.withConnection { $0.backendPID } }
        try await Task.sleep(for: .milliseconds(500))
        #expect(pool.statistics.waiting == 1)
        pool.release(second)
        #expect(try await third.value == second.backendPID)
        pool.release(first)
        pool.close()
    }

    @Test("with no connection open, a refused connect fails every waiting lease at once")
    func unreachableFailsAtOnce() async throws {
        let pool = ConnectionPool(PoolConfiguration(
            conninfo: "host=127.0.0.1 port=1 connect_timeout=2", maximumConnections: 2, leaseTimeout: .seconds(30)))
        let clock = ContinuousClock(), start = clock.now
        let a = Task { try await pool.lease() }, b = Task { try await pool.lease() }
        await #expect(throws: ConnectionError.self) { _ = try await a.value }
        await #expect(throws: ConnectionError.self) { _ = try await b.value }
        #expect(clock.now - start < .seconds(5))
        pool.close()
    }

    @Test("a waiting lease gets the connection released before its timeout")
    func waiterServed() async throws {
        let database = try await TestDatabase("pq_pool_wait")
        let pool = ConnectionPool(PoolConfiguration(conninfo: database.uri, maximumConnections: 1))
        let held = try await pool.lease()
        let waiter = Task { try await pool.withConnection { $0.backendPID } }
        while pool.statistics.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        pool.release(held)
        #expect(try await waiter.value == held.backendPID)
        pool.close()
    }

    @Test("a connection killed under a waiting query fails it and the queued one at once, and the pool replaces it")
    func killedUnderQuery() async throws {
        let database = try await TestDatabase("pq_pool_kill")
        let pool = ConnectionPool(PoolConfiguration(conninfo: database.uri, maximumConnections: 1))
        let observer = try await database.connect()
        let victim = try await pool.lease()
        let sleeping = Task { try await victim.query("SELECT pg_sleep(60)") }
        try await waitUntilSleeping(victim.backendPID, observer: observer)
        let queued = Task { try await victim.query("SELECT 1") }  // waits behind the sleep
        try await Task.sleep(for: .milliseconds(50))

        let clock = ContinuousClock()
        let start = clock.now
        try await terminate(victim.backendPID, from: observer)
        for task in [sleeping, queued] {
            let error = try await #require(throws: ConnectionError.self) { _ = try await task.value }
            #expect(error.isConnectionLost)
        }
        #expect(clock.now - start < .seconds(5))
        #expect(!victim.isReusable)

        pool.release(victim)
        let replacement = try await pool.lease()
        #expect(replacement.backendPID != victim.backendPID)
        #expect(try await replacement.query("SELECT 1 AS one")[0]["one"].int() == 1)
        #expect(pool.statistics.open == 1)
        pool.release(replacement)
        pool.close()
    }

    @Test("a connection that died while idle fails its next request as not sent")
    func diedWhileIdle() async throws {
        let database = try await TestDatabase("pq_idle_kill")
        let connection = try await database.connect()
        let observer = try await database.connect()
        try await terminate(connection.backendPID, from: observer)
        try await Task.sleep(for: .milliseconds(100))  // the server's FATAL and FIN reach the socket
        let error = try await #require(throws: ConnectionError.self) { _ = try await connection.query("SELECT 1") }
        #expect(error.isConnectionLost)
        #expect(!error.requestSent)
    }

    @Test("a connection released inside a transaction block is closed, not reused")
    func releasedInTransaction() async throws {
        let database = try await TestDatabase("pq_pool_txn")
        let pool = ConnectionPool(PoolConfiguration(conninfo: database.uri, maximumConnections: 1))
        let first = try await pool.lease()
        try await first.execute("BEGIN")
        pool.release(first)
        let second = try await pool.lease()
        #expect(second.backendPID != first.backendPID)
        #expect(second.isReusable)
        pool.release(second)
        pool.close()
    }
}
