/// A PostgreSQL type OID, used to declare parameter types of a statement.
///
/// Parameters are always sent as text; declaring the type lets the server
/// parse the text as that type instead of inferring one (which matters for
/// overloaded functions and `unknown` literals).
public struct PostgresType: Sendable, Hashable {
    /// The `pg_type.oid`.
    public let oid: UInt32

    /// A type by OID.
    public init(oid: UInt32) { self.oid = oid }

    /// Let the server infer the type (OID 0).
    public static let unspecified = PostgresType(oid: 0)
    /// `bool`.
    public static let bool = PostgresType(oid: 16)
    /// `bytea`.
    public static let bytea = PostgresType(oid: 17)
    /// `int8`.
    public static let int8 = PostgresType(oid: 20)
    /// `int4`.
    public static let int4 = PostgresType(oid: 23)
    /// `text`.
    public static let text = PostgresType(oid: 25)
    /// `json`.
    public static let json = PostgresType(oid: 114)
    /// `text[]`.
    public static let textArray = PostgresType(oid: 1009)
    /// `timestamptz`.
    public static let timestamptz = PostgresType(oid: 1184)
    /// `numeric`.
    public static let numeric = PostgresType(oid: 1700)
    /// `uuid`.
    public static let uuid = PostgresType(oid: 2950)
    /// `jsonb`.
    public static let jsonb = PostgresType(oid: 3802)
}
