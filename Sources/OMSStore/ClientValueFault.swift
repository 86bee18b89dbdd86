import OMSCore
import OMSPostgres

/// PostgreSQL's refusals of a value a client sent, as INVALID_ARGUMENT.
///
/// The edge checks every value first (params, the numeric domain, identifier
/// and text rules), so these are a backstop: a value that slips past the edge
/// and breaks a CHECK, NOT NULL or foreign key, or that PostgreSQL cannot hold
/// at all (NUL in text, a number out of range), is still the client's error,
/// never INTERNAL. The transaction was rolled back, so nothing changed.
public enum ClientValueFault {
    /// SQLSTATEs raised by a value rather than by the server: class 22 (data
    /// exception) and the integrity violations a single value can cause.
    static func isClientValueState(_ state: String) -> Bool {
        state.hasPrefix(SQLState.dataExceptionClass)
            || [SQLState.notNullViolation, SQLState.foreignKeyViolation, SQLState.checkViolation].contains(state)
    }

    /// The INVALID_ARGUMENT for `error`, or nil when it is not a value's fault.
    public static func omsError(from error: any Error) -> OMSError? {
        guard let error = error as? PostgresError, case let state = error.sqlState, isClientValueState(state)
        else { return nil }
        let field = field(column: error.column, constraint: error.constraint, table: error.table)
        let why = switch state {
        case SQLState.notNullViolation: "is required"
        case SQLState.foreignKeyViolation: "refers to something that does not exist"
        case SQLState.checkViolation: "is outside the allowed values (constraint \(error.constraint ?? "?"))"
        case SQLState.characterNotInRepertoire, SQLState.untranslatableCharacter:
            "holds a character PostgreSQL cannot store"
        case SQLState.numericValueOutOfRange: "is out of range"
        case SQLState.stringDataRightTruncation: "is too long"
        default: "is not a valid value (SQLSTATE \(state))"
        }
        return OMSError(.invalidArgument, "\(field ?? "a value"): \(why)",
                        details: ["field": field ?? "unknown", "sqlstate": state])
    }

    /// The column a constraint guards: the column PostgreSQL names, else the
    /// constraint's name without its table prefix and kind suffix
    /// (`fills_quantity_check` on `fills` is `quantity`; the foreign key
    /// `accounts_tenant_id_portfolio_id_fkey` is `portfolio_id`).
    static func field(column: String?, constraint: String?, table: String?) -> String? {
        if let column { return column }
        guard var name = constraint else { return nil }
        if let table, name.hasPrefix(table + "_") { name.removeFirst(table.count + 1) }
        for suffix in ["_check", "_fkey", "_not_null"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        // Keys lead with tenant_id (DESIGN.md section 3); the client's value is the rest.
        if name.hasPrefix("tenant_id_") { name.removeFirst("tenant_id_".count) }
        return name.isEmpty ? nil : name
    }
}
