/// One statement to send: plain SQL or a prepared `Statement`, with text parameters.
///
/// Parameters are PostgreSQL's text form (`nil` is NULL); `PostgresText`
/// formats dates, byte strings and arrays. Text parameters keep a numeric's
/// scale exactly as written (`"150.20"`).
public struct Query: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case sql(String, [PostgresType])
        case prepared(Statement)
    }

    let kind: Kind
    /// The parameter values, `$1` first.
    public let parameters: [String?]

    /// Plain SQL sent with the extended protocol (one statement, no name).
    public init(_ sql: String, _ parameters: [String?] = [], types: [PostgresType] = []) {
        self.kind = .sql(sql, types)
        self.parameters = parameters
    }

    /// A prepared statement, prepared on the connection first if it is not yet.
    public init(_ statement: Statement, _ parameters: [String?] = []) {
        self.kind = .prepared(statement)
        self.parameters = parameters
    }

    /// The SQL, for error messages.
    public var sql: String {
        switch kind {
        case .sql(let sql, _): sql
        case .prepared(let statement): statement.sql
        }
    }

    /// Whether the SQL or a parameter holds U+0000, which libpq's C strings would cut off.
    var containsNUL: Bool {
        let sqlHasNUL = switch kind {
        case .sql(let sql, _): sql.utf8.contains(0)
        case .prepared(let statement): statement.containsNUL
        }
        return sqlHasNUL || parameters.contains { $0?.utf8.contains(0) == true }
    }
}
