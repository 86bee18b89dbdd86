/// What became of one statement of a pipeline.
public enum StatementResult: Sendable {
    /// It succeeded.
    case rows(Rows)
    /// It failed; the statements after it up to the sync were skipped.
    case failed(PostgresError)
    /// The server skipped it because an earlier statement of the pipeline failed (`PGRES_PIPELINE_ABORTED`).
    case skipped

    /// The rows, or the error (a skipped statement throws a `PostgresError` with SQLSTATE `25P02`).
    public func get() throws -> Rows {
        switch self {
        case .rows(let rows): return rows
        case .failed(let error): throw error
        case .skipped:
            throw PostgresError(sqlState: SQLState.inFailedTransaction,
                                message: "skipped: an earlier statement of the pipeline failed")
        }
    }
}
