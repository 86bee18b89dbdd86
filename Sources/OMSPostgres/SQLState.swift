/// The SQLSTATEs the driver and the store act on, named as in PostgreSQL's
/// Appendix A (`PostgresError.sqlState` holds one of these, or any other).
public enum SQLState {
    /// Class 08, connection exception: the server could not be reached or went away.
    public static let connectionExceptionClass = "08"
    /// Class 22, data exception: a value PostgreSQL will not take.
    public static let dataExceptionClass = "22"

    /// 22001 string_data_right_truncation.
    public static let stringDataRightTruncation = "22001"
    /// 22003 numeric_value_out_of_range.
    public static let numericValueOutOfRange = "22003"
    /// 22021 character_not_in_repertoire (e.g. U+0000 in text).
    public static let characterNotInRepertoire = "22021"
    /// 22023 invalid_parameter_value.
    public static let invalidParameterValue = "22023"
    /// 22P02 invalid_text_representation.
    public static let invalidTextRepresentation = "22P02"
    /// 22P05 untranslatable_character.
    public static let untranslatableCharacter = "22P05"

    /// 23502 not_null_violation.
    public static let notNullViolation = "23502"
    /// 23503 foreign_key_violation.
    public static let foreignKeyViolation = "23503"
    /// 23505 unique_violation.
    public static let uniqueViolation = "23505"
    /// 23514 check_violation.
    public static let checkViolation = "23514"

    /// 25006 read_only_sql_transaction: a write in a READ ONLY transaction.
    public static let readOnlyTransaction = "25006"
    /// 25P02 in_failed_sql_transaction: skipped after an earlier failure in the block.
    public static let inFailedTransaction = "25P02"

    /// 40000 transaction_rollback: the transaction ended without committing.
    public static let transactionRollback = "40000"
    /// 40001 serialization_failure: retry the whole transaction.
    public static let serializationFailure = "40001"
    /// 40P01 deadlock_detected: retry the whole transaction.
    public static let deadlock = "40P01"

    /// 53300 too_many_connections.
    public static let tooManyConnections = "53300"
    /// 57P01 admin_shutdown.
    public static let adminShutdown = "57P01"
    /// 57P02 crash_shutdown.
    public static let crashShutdown = "57P02"
    /// 57P03 cannot_connect_now (starting up or in recovery).
    public static let cannotConnectNow = "57P03"
    /// XX000 internal_error: raised with `elog`, its message never translated.
    public static let internalError = "XX000"
}
