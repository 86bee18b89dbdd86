import Foundation
import OMSCore
import OMSPostgres

/// One SQL statement with its parameters, written as a string with Swift
/// values interpolated: `"SELECT … WHERE order_id = \(orderId)"` sends
/// `order_id = $1` and the value as text, never spliced into the SQL.
/// `\(unescaped: text)` splices trusted SQL (column lists), nothing else;
/// `\(fragment)` splices an `SQL` written once for many statements (the
/// entitlement predicate, the event insert) with its parameters, numbered
/// on from the statement's own.
///
/// Every parameter declares its PostgreSQL type from its Swift type
/// (`SQLEncodable.sqlType`), also when it is NULL, so `$1::text[] IS NULL`
/// and `$2 IS NULL OR …` plan the same on every call and a prepared
/// statement's parameter types do not depend on its first call's values.
public struct SQL: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The SQL around the parameters: one more piece than there are
    /// parameters, so a fragment's placeholders are numbered only when it is
    /// part of a whole statement.
    private var pieces: [String]
    /// The parameters' text forms, `nil` for NULL.
    public private(set) var parameters: [String?]
    /// The parameters' declared types.
    public private(set) var types: [PostgresType]

    /// The SQL with `$1`, `$2`, … placeholders.
    public var text: String {
        var text = pieces[0]
        for (index, piece) in pieces.dropFirst().enumerated() {
            text += "$\(index + 1)" + piece
        }
        return text
    }

    /// A statement with no parameters: the text is sent exactly as written.
    public init(stringLiteral value: String) {
        self.pieces = [value]
        self.parameters = []
        self.types = []
    }

    /// Each interpolated value becomes a `$n` parameter, never spliced into the text.
    public init(stringInterpolation: StringInterpolation) {
        self.pieces = stringInterpolation.pieces
        self.parameters = stringInterpolation.parameters
        self.types = stringInterpolation.types
    }

    /// Collects the literal pieces and the parameters between them.
    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces = [""]
        var parameters: [String?] = []
        var types: [PostgresType] = []

        /// Reserves room for the pieces and parameters the literal will hold.
        public init(literalCapacity: Int, interpolationCount: Int) {
            pieces.reserveCapacity(interpolationCount + 1)
            parameters.reserveCapacity(interpolationCount)
            types.reserveCapacity(interpolationCount)
        }

        /// Appends to the current piece; literal text is never a parameter.
        public mutating func appendLiteral(_ literal: String) {
            pieces[pieces.count - 1] += literal
        }

        /// A parameter.
        public mutating func appendInterpolation<Value: SQLEncodable>(_ value: Value) {
            parameters.append(value.sqlText)
            types.append(Value.sqlType)
            pieces.append("")
        }

        /// A parameter that may be NULL, typed as its wrapped type.
        public mutating func appendInterpolation<Value: SQLEncodable>(_ value: Value?) {
            parameters.append(value?.sqlText)
            types.append(Value.sqlType)
            pieces.append("")
        }

        /// Trusted SQL text, spliced as it is.
        public mutating func appendInterpolation(unescaped sql: String) {
            appendLiteral(sql)
        }

        /// A fragment and its parameters, spliced in place.
        public mutating func appendInterpolation(_ fragment: SQL) {
            appendLiteral(fragment.pieces[0])
            pieces += fragment.pieces.dropFirst()
            parameters += fragment.parameters
            types += fragment.types
        }
    }

    /// The statement to send: prepared once per connection (hot, fixed SQL) or unnamed.
    func query(prepared: Bool) -> Query {
        let text = text
        return prepared
            ? Query(Statement(text, parameterTypes: types), parameters) : Query(text, parameters, types: types)
    }

    /// The SQL with each parameter written in as an untyped literal (`NULL`
    /// or a quoted string), for pgbench scripts that transcribe the store's
    /// statements; only for parameters whose place fixes their type (a cast,
    /// a text column).
    package var inlined: String {
        var text = pieces[0]
        for (parameter, piece) in zip(parameters, pieces.dropFirst()) {
            text += parameter.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL"
            text += piece
        }
        return text
    }
}

/// A Swift value sent as a statement parameter, in PostgreSQL's text form.
public protocol SQLEncodable: Sendable {
    /// The type the parameter is declared as.
    static var sqlType: PostgresType { get }
    /// The text PostgreSQL parses as `sqlType`.
    var sqlText: String { get }
}

extension String: SQLEncodable {
    /// Sent as `text`.
    public static var sqlType: PostgresType { .text }
    /// The string itself, unescaped: it travels as a parameter.
    public var sqlText: String { self }
}

extension Int: SQLEncodable {
    /// Sent as `int8`, since Swift's Int is 64-bit.
    public static var sqlType: PostgresType { .int8 }
    /// Decimal digits with an optional minus sign.
    public var sqlText: String { String(self) }
}

extension Int64: SQLEncodable {
    /// Sent as `int8`.
    public static var sqlType: PostgresType { .int8 }
    /// Decimal digits with an optional minus sign.
    public var sqlText: String { String(self) }
}

extension Int32: SQLEncodable {
    /// Sent as `int4`.
    public static var sqlType: PostgresType { .int4 }
    /// Decimal digits with an optional minus sign.
    public var sqlText: String { String(self) }
}

extension Bool: SQLEncodable {
    /// Sent as `bool`.
    public static var sqlType: PostgresType { .bool }
    /// `t` or `f`, PostgreSQL's own spelling.
    public var sqlText: String { PostgresText.bool(self) }
}

extension Double: SQLEncodable {
    /// Sent as `float8` (OID 701), which PostgresType has no name for.
    public static var sqlType: PostgresType { PostgresType(oid: 701) }
    /// Swift's shortest round-tripping form; never for money, which is Decimal.
    public var sqlText: String { "\(self)" }
}

extension Decimal: SQLEncodable {
    /// Sent as `numeric`, never a float.
    public static var sqlType: PostgresType { .numeric }
    /// Decimal's own description, which PostgreSQL's numeric parses exactly.
    public var sqlText: String { PostgresText.decimal(self) }
}

/// Sent as written, so PostgreSQL's numeric keeps the scale (`150.20`).
extension ExactDecimal: SQLEncodable {
    /// Sent as `numeric`.
    public static var sqlType: PostgresType { .numeric }
    /// The text with its trailing zeros, so the scale survives.
    public var sqlText: String { description }
}

/// To the microsecond, in UTC.
extension Date: SQLEncodable {
    /// Sent as `timestamptz`, so the instant is unambiguous.
    public static var sqlType: PostgresType { .timestamptz }
    /// `2026-12-04 06:05:00.123456+00`: UTC to the microsecond, PostgreSQL's precision.
    public var sqlText: String { PostgresText.timestamp(self) }
}

extension Data: SQLEncodable {
    /// Sent as `bytea`.
    public static var sqlType: PostgresType { .bytea }
    /// Hex format (`\x0a1b…`), which PostgreSQL reads without escaping rules.
    public var sqlText: String { PostgresText.bytea(self) }
}

extension UUID: SQLEncodable {
    /// Sent as `uuid`.
    public static var sqlType: PostgresType { .uuid }
    /// Lower-case, the form PostgreSQL prints, so text comparisons agree.
    public var sqlText: String { uuidString.lowercased() }
}

extension Array: SQLEncodable where Element == String {
    /// Sent as `text[]`.
    public static var sqlType: PostgresType { .textArray }
    /// An array literal with every element quoted, so commas and NULL stay data.
    public var sqlText: String { PostgresText.array(map { $0 }) }
}
