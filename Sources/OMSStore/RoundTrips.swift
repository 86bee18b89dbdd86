import OMSPostgres
import Synchronization

/// Counts the pipelines (round trips to PostgreSQL) the store sends on
/// behalf of one task, for tests that hold commands to their round-trip
/// budget: `let (order, trips) = try await RoundTrips.count { try await store.… }`.
public final class RoundTrips: Sendable {
    @TaskLocal static var current: RoundTrips?

    private let sent = Mutex(0)

    /// Runs `body` and returns its result with the round trips it made (retries included).
    public static func count<T: Sendable>(_ body: () async throws -> T) async rethrows -> (T, Int) {
        let counter = RoundTrips()
        let result = try await $current.withValue(counter) { try await body() }
        return (result, counter.sent.withLock { $0 })
    }

    /// Sends `queries` as one pipeline on `connection`, counted.
    static func send(_ connection: Connection, _ queries: [Query]) async throws -> [StatementResult] {
        current?.sent.withLock { $0 += 1 }
        return try await connection.pipeline(queries)
    }
}
