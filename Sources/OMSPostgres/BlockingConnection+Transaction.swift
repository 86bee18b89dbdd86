/// A transaction's isolation level.
public enum IsolationLevel: String, Sendable, Hashable {
    /// `SERIALIZABLE`: the store's level; conflicts surface as 40001, at any statement or at `COMMIT`.
    case serializable = "SERIALIZABLE"
    /// `REPEATABLE READ`.
    case repeatableRead = "REPEATABLE READ"
    /// `READ COMMITTED`.
    case readCommitted = "READ COMMITTED"
}

extension BlockingConnection {
    /// Runs `BEGIN ISOLATION LEVEL …`, the queries and `COMMIT` in one pipeline
    /// sync, one round trip, and returns the queries' rows.
    ///
    /// Any failure throws a `PostgresError` whose `statementIndex` is its
    /// position in what was sent (0 is `BEGIN`, query `k` is `k + 1`, `COMMIT`
    /// is `queries.count + 1`) and whose `statement` is its SQL. A conflict
    /// found at commit time is `COMMIT`'s own error (`isCommitFailure`,
    /// `isSerializationFailure`), never a success. Before throwing, the
    /// session is left outside any transaction: a failure before `COMMIT`
    /// leaves the block aborted, so a `ROLLBACK` follows (a second round trip,
    /// only on that path); a failed `COMMIT` has already ended it.
    public func transaction(
        _ queries: [Query], isolation: IsolationLevel = .serializable, readOnly: Bool = false
    ) throws -> [Rows] {
        let begin = Query("BEGIN ISOLATION LEVEL " + isolation.rawValue + (readOnly ? " READ ONLY" : ""))
        let results = try pipeline([begin] + queries + [Query("COMMIT")])
        var failure: PostgresError?
        for result in results {
            if case .failed(let error) = result {
                failure = error
                break
            }
        }
        if failure == nil, case .rows(let commit) = results[results.count - 1], commit.commandTag != "COMMIT" {
            // COMMIT of an aborted block answers ROLLBACK without an error; that is
            // not a success either. The pipeline's abort rule should make it unreachable.
            failure = PostgresError(
                sqlState: SQLState.transactionRollback, message: "COMMIT answered \(commit.commandTag)",
                statementIndex: results.count - 1, statement: "COMMIT"
            )
        }
        guard let failure else { return try results.dropFirst().dropLast().map { try $0.get() } }
        if !isIdle { try execute("ROLLBACK") }
        throw failure
    }
}
