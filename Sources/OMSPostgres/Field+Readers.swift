import Foundation

extension Field {
    /// The text; throws for NULL.
    public func string() throws -> String {
        try nonNull("text")
    }

    /// An exact numeric as PostgreSQL wrote it, scale kept (`150.20` stays `150.20`).
    /// Prefer this to `decimal()` where the scale carries meaning (prices, quantities on the wire).
    public func numericText() throws -> String {
        let text = try nonNull("numeric")
        guard PostgresText.isNumericLiteral(text) else { throw ValueError(column: column, value: text, expected: "numeric") }
        return text
    }

    /// An exact numeric as a Foundation `Decimal`. Throws rather than round when the
    /// value does not fit `Decimal` exactly (more than 38 significant digits, or
    /// beyond its exponent range) and for `NaN`/`Infinity`. `Decimal` does not keep
    /// the scale (`150.20` becomes `150.2`): use `numericText()` where it matters.
    public func decimal() throws -> Decimal {
        let text = try numericText()
        guard let value = PostgresText.decimal(text) else {
            throw ValueError(column: column, value: text, expected: "a numeric that fits Decimal exactly")
        }
        return value
    }

    /// An integer (`int2`, `int4`, `int8`, or a numeric without fraction).
    public func int64() throws -> Int64 {
        let text = try nonNull("integer")
        guard let value = Int64(text) else { throw ValueError(column: column, value: text, expected: "integer") }
        return value
    }

    /// An integer as `Int`.
    public func int() throws -> Int {
        Int(try int64())
    }

    /// A `bool` (`t` or `f`).
    public func bool() throws -> Bool {
        switch try nonNull("bool") {
        case "t": return true
        case "f": return false
        case let text: throw ValueError(column: column, value: text, expected: "bool")
        }
    }

    /// A `timestamptz` as a `Date`, to the microsecond. The connection sets
    /// `TimeZone=UTC` and `DateStyle=ISO`, so the text is `2026-12-04 06:05:00.123456+00`;
    /// other offsets are accepted too. `infinity` and BC dates throw.
    public func date() throws -> Date {
        let text = try nonNull("timestamptz")
        guard let date = PostgresText.date(text) else { throw ValueError(column: column, value: text, expected: "timestamptz") }
        return date
    }

    /// A `json` or `jsonb` value as its text; `jsonb` comes back normalized by the server.
    public func json() throws -> String {
        try nonNull("json")
    }

    /// A one-dimensional array (e.g. `text[]`) as its elements' text, `nil` for NULL elements.
    public func array() throws -> [String?] {
        let text = try nonNull("array")
        guard let elements = PostgresText.array(text) else {
            throw ValueError(column: column, value: text, expected: "a one-dimensional array")
        }
        return elements
    }

    /// A `bytea` (hex output, which the connection sets) as bytes.
    public func bytes() throws -> Data {
        let text = try nonNull("bytea")
        guard let data = PostgresText.bytes(text) else { throw ValueError(column: column, value: text, expected: "bytea (hex)") }
        return data
    }

    private func nonNull(_ expected: String) throws -> String {
        guard !missing, let text else {
            throw ValueError(column: column, value: nil, expected: missing ? "an existing column" : expected)
        }
        return text
    }
}
