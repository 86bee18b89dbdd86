import Foundation

/// A JSON value that keeps numbers exactly as written (no `Double` round trip).
///
/// Money and quantities travel as JSON numbers or strings; keeping the literal
/// text lets `decimalValue` read them exactly.
public enum JSON: Sendable, Equatable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number as its literal text, e.g. `"150.25"`, `"1e3"`, `"-0"`.
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSON])
    /// An object; duplicate keys on input keep the last value.
    case object([String: JSON])
}

extension JSON {
    /// The string, or nil when this is not a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, or nil when this is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, or nil when this is not an array.
    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, or nil when this is not an object.
    public var objectValue: [String: JSON]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The exact decimal of a JSON number or of a string holding one
    /// (`150.25`, `"150.25"`, `1e3`, `"1000"`).
    ///
    /// Nil for any other value, for text that is not entirely a JSON number
    /// (`"12abc"`, `""`, `" 1"`, `"NaN"`, `"inf"`), for more than 38
    /// significant digits (which `Decimal` would silently truncate), and for
    /// exponents outside `Decimal`'s range.
    public var decimalValue: Decimal? { exactDecimalValue?.value }

    /// As `decimalValue`, keeping the scale as written: `150.20` and
    /// `"150.20"` have 2 places, `1.5e2` none, `1.5e-3` 4.
    public var exactDecimalValue: ExactDecimal? {
        switch self {
        case .number(let text), .string(let text): JSONNumber.exactDecimal(text)
        default: nil
        }
    }

    /// The integer of a JSON number that is integral and fits in `Int`
    /// (`12`, `-0`, `1e2`, `100.0`). Strings are not converted.
    public var intValue: Int? {
        if case .number(let text) = self { return JSONNumber.integer(text) }
        return nil
    }

    /// The member named `key` of an object; nil when absent or when this is not an object.
    public subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// A decimal as it goes out on the wire: always a string (`"150.25"`), so
    /// no client parses it as a float.
    public static func decimal(_ value: Decimal) -> JSON {
        .string(value.description)
    }

    /// A decimal with the scale it was given (`"150.20"`), as a string.
    public static func decimal(_ value: ExactDecimal) -> JSON {
        .string(value.description)
    }

    /// A timestamp as RFC 3339 UTC with microseconds.
    public static func date(_ value: Date) -> JSON {
        .string(Timestamp.format(value))
    }

    /// An integer as a JSON number.
    public static func int(_ value: Int) -> JSON {
        .number(String(value))
    }
}

extension JSON: CustomStringConvertible {
    /// The compact serialized form.
    public var description: String { serializedString }
}
