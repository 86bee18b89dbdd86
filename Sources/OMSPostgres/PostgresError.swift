import CLibpq

/// An error PostgreSQL reported for one statement, with the fields libpq
/// exposes through `PQresultErrorField`.
///
/// The connection that reported it is still usable (a lost connection is a
/// `ConnectionError` instead). Statements in a pipeline after the failed one
/// were skipped by the server; `statementIndex` says which one failed.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The five-character SQLSTATE, e.g. `40001`; empty if libpq gave none (a client-side failure).
    public var sqlState: String
    /// `ERROR`, `FATAL` or `PANIC` (the non-localized severity).
    public var severity: String
    /// The primary message.
    public var message: String
    /// Secondary detail, e.g. the conflicting key of a unique violation.
    public var detail: String?
    /// A suggestion from the server.
    public var hint: String?
    /// The constraint that was violated, if any.
    public var constraint: String?
    /// The table the error is about, if any.
    public var table: String?
    /// The column the error is about, if any.
    public var column: String?
    /// The position (0-based) of the failed statement in the pipeline or transaction it was sent in.
    public var statementIndex: Int?
    /// The SQL of the failed statement (`COMMIT` for a commit-time failure).
    public var statement: String?

    /// Creates an error; the fields not given are absent.
    public init(
        sqlState: String, severity: String = "ERROR", message: String, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, table: String? = nil, column: String? = nil,
        statementIndex: Int? = nil, statement: String? = nil
    ) {
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.statementIndex = statementIndex
        self.statement = statement
    }

    /// 40001: the transaction lost a serialization conflict and may be retried as a whole.
    public var isSerializationFailure: Bool { sqlState == SQLState.serializationFailure }
    /// 40P01: the transaction was chosen as a deadlock victim and may be retried as a whole.
    public var isDeadlock: Bool { sqlState == SQLState.deadlock }
    /// 40001 or 40P01: retrying the whole transaction is the right answer.
    public var isRetryable: Bool { isSerializationFailure || isDeadlock }
    /// 23505.
    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }
    /// 23514.
    public var isCheckViolation: Bool { sqlState == SQLState.checkViolation }
    /// True when the failed statement was the transaction's `COMMIT`.
    public var isCommitFailure: Bool { statement == "COMMIT" }

    /// Severity, SQLSTATE, message and the optional fields, for logs.
    public var description: String {
        var text = "\(severity) \(sqlState): \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let constraint { text += " (constraint: \(constraint))" }
        if let statementIndex { text += " [statement \(statementIndex): \(statement ?? "?")]" }
        return text
    }
}

extension PostgresError {
    /// Reads the error fields of a failed result. `PG_DIAG_*` are character
    /// macros in libpq-fe.h; the letters are spelled out here.
    init(result: OpaquePointer) {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue ?? 0)) else { return nil }
            return String(cString: value)
        }
        var message = field("M") ?? ""
        if message.isEmpty, let whole = PQresultErrorMessage(result) {
            // A client-side failure (e.g. the socket closed) has no fields, only the message.
            message = String(cString: whole).trimmingTrailingNewlines()
        }
        self.init(
            sqlState: field("C") ?? "", severity: field("V") ?? field("S") ?? "ERROR", message: message,
            detail: field("D"), hint: field("H"), constraint: field("n"), table: field("t"), column: field("c")
        )
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
