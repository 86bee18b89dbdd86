import Foundation
import OMSCore
import OMSPostgres

/// A Swift value read from a result field's text. NULL is an error unless the
/// type is optional.
public protocol SQLDecodable {
    init(field: Field) throws
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    /// NULL becomes nil instead of an error (a missing column still throws); other text decodes as `Wrapped`.
    public init(field: Field) throws {
        self = try field.optional { try Wrapped(field: $0) }
    }
}

extension String: SQLDecodable {
    /// The field's text as is; NULL is an error.
    public init(field: Field) throws { self = try field.string() }
}

extension Int: SQLDecodable {
    /// Read as a 64-bit integer (Int is 64-bit); NULL or other text is a ValueError.
    public init(field: Field) throws { self = try field.int() }
}

extension Int64: SQLDecodable {
    /// Parses the text as a 64-bit integer; NULL or other text is an error.
    public init(field: Field) throws { self = try field.int64() }
}

extension Int32: SQLDecodable {
    /// Read as 64-bit, then refused unless it fits in Int32, never truncated.
    public init(field: Field) throws {
        let value = try field.int64()
        guard let narrow = Int32(exactly: value) else {
            throw ValueError(column: field.column, value: field.text, expected: "int4")
        }
        self = narrow
    }
}

extension Bool: SQLDecodable {
    /// Reads PostgreSQL's `t`/`f`; NULL or other text is an error.
    public init(field: Field) throws { self = try field.bool() }
}

extension Double: SQLDecodable {
    /// Parses the text as a float8; text Double cannot parse is a ValueError.
    public init(field: Field) throws {
        let text = try field.string()
        guard let value = Double(text) else { throw ValueError(column: field.column, value: text, expected: "float8") }
        self = value
    }
}

extension Decimal: SQLDecodable {
    /// Parses the numeric text exactly, never through a float; a value Decimal cannot hold exactly is a ValueError.
    public init(field: Field) throws { self = try field.decimal() }
}

/// With the scale PostgreSQL wrote (`150.20` stays `150.20`).
extension ExactDecimal: SQLDecodable {
    /// Keeps the scale PostgreSQL wrote; a value outside the order domain is a ValueError.
    public init(field: Field) throws {
        let text = try field.numericText()
        guard let value = ExactDecimal(text) else {
            throw ValueError(column: field.column, value: text, expected: "a numeric in the order domain")
        }
        self = value
    }
}

extension Date: SQLDecodable {
    /// Parses a `timestamptz` as PostgreSQL prints it; NULL is an error.
    public init(field: Field) throws { self = try field.date() }
}

extension Data: SQLDecodable {
    /// Decodes `bytea` in hex output format (`\x…`); NULL or escape format is a ValueError.
    public init(field: Field) throws { self = try field.bytes() }
}

extension Array: SQLDecodable where Element == String {
    /// Parses a `text[]` literal; a NULL element is a ValueError, not an empty string.
    public init(field: Field) throws {
        self = try field.array().map { element in
            guard let element else { throw ValueError(column: field.column, value: field.text, expected: "no NULL element") }
            return element
        }
    }
}

extension Field {
    /// The field as `type`: `row["version"].decode(Int.self)`.
    public func decode<T: SQLDecodable>(_ type: T.Type) throws -> T {
        try T(field: self)
    }
}

extension Row {
    /// The first column as `type`.
    public func decode<T: SQLDecodable>(_ type: T.Type) throws -> T {
        try T(field: self[0])
    }

    /// The leading columns, in order, as the tuple's types: `row.decode((String, Int).self)`.
    public func decode<each T: SQLDecodable>(_ types: (repeat each T).Type) throws -> (repeat each T) {
        var index = 0
        func next<U: SQLDecodable>(_ type: U.Type) throws -> U {
            defer { index += 1 }
            return try U(field: self[index])
        }
        return (repeat try next((each T).self))
    }
}
