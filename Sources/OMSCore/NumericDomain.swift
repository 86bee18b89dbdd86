import Foundation

/// The documented range of a kind of number (docs/api.md, "Numeric domain"):
/// how many integer digits and decimal places it may have and which sign.
/// Every client value is checked against its domain where it enters, and
/// `sql/0011_numeric_domain.sql` backs the same bounds with CHECK constraints,
/// so the rule engine's arithmetic only ever sees values it can carry out
/// exactly (the largest product, quantity × price, has 26 integer digits, far
/// below what `Decimal` holds).
public struct NumericDomain: Sendable, Equatable {
    /// Which signs a value may have.
    public enum Sign: Sendable, Equatable {
        /// Greater than 0.
        case positive
        /// Any sign, 0 included.
        case any
    }

    /// What the number is, in errors ("quantity", "price", "amount of money").
    public var kind: String
    /// |value| < 10^integerDigits.
    public var integerDigits: Int
    /// At most this many decimal places, by value (1.50 has one).
    public var scale: Int
    /// Which signs a value may have.
    public var sign: Sign
    /// An inclusive upper bound tighter than the digits, if any (max_pct ≤ 1).
    public var maximum: Decimal?

    /// A domain of values below 10^`integerDigits` with at most `scale` places.
    public init(kind: String, integerDigits: Int, scale: Int, sign: Sign, maximum: Decimal? = nil) {
        self.kind = kind
        self.integerDigits = integerDigits
        self.scale = scale
        self.sign = sign
        self.maximum = maximum
    }

    /// Order, placement, fill, allocation and split quantities; quantity limits.
    public static let quantity = NumericDomain(kind: "quantity", integerDigits: 14, scale: 6, sign: .positive)
    /// A position (admin.set_position): may be 0 or negative.
    public static let position = NumericDomain(kind: "quantity", integerDigits: 14, scale: 6, sign: .any)
    /// Limit, stop, fill and market prices.
    public static let price = NumericDomain(kind: "price", integerDigits: 12, scale: 8, sign: .positive)
    /// Portfolio cash: may be 0 or negative.
    public static let money = NumericDomain(kind: "amount of money", integerDigits: 20, scale: 8, sign: .any)
    /// A money limit (max_notional).
    public static let moneyLimit = NumericDomain(kind: "amount of money", integerDigits: 20, scale: 8, sign: .positive)
    /// A fraction of NAV (max_pct): 0 < p ≤ 1.
    public static let fraction = NumericDomain(kind: "fraction", integerDigits: 1, scale: 8, sign: .positive, maximum: 1)

    /// 10^integerDigits, the exclusive bound on |value|.
    public var bound: Decimal { Decimal(sign: .plus, exponent: integerDigits, significand: 1) }

    /// Why `value` is outside the domain, or nil when it is inside.
    public func problem(_ value: Decimal) -> String? {
        guard value.isFinite, !value.isNaN else { return "must be a finite decimal" }
        if sign == .positive, !(value > 0) { return "must be greater than 0" }
        if let maximum {
            guard value <= maximum else { return "must be at most \(maximum)" }
        } else {
            guard value.magnitude < bound else {
                return "must be less than 10^\(integerDigits) in magnitude (a \(kind) has at most \(integerDigits) integer digits)"
            }
        }
        var exact = value, rounded = Decimal()
        NSDecimalRound(&rounded, &exact, scale, .plain)
        guard rounded == value else { return "must have at most \(scale) decimal places (a \(kind))" }
        return nil
    }

    /// Whether `value` lies inside the domain.
    public func contains(_ value: Decimal) -> Bool { problem(value) == nil }

    /// Refuses a value outside the domain with INVALID_ARGUMENT naming `field`.
    public func check(_ value: Decimal, field: String) throws(OMSError) {
        if let problem = problem(value) { throw .invalidArgument(field, problem) }
    }

    /// As `check`, for an optional value (nil passes).
    public func check(_ value: Decimal?, field: String) throws(OMSError) {
        if let value { try check(value, field: field) }
    }

    /// As `check`, by value; the scale as written counts only against
    /// `ExactDecimal.maximumScale`, so what is kept fits what is stored.
    public func check(_ value: ExactDecimal, field: String) throws(OMSError) {
        try check(value.value, field: field)
        guard value.scale <= ExactDecimal.maximumScale else {
            throw .invalidArgument(field, "must be written with at most \(ExactDecimal.maximumScale) decimal places")
        }
    }

    /// As `check`, for an optional value (nil passes).
    public func check(_ value: ExactDecimal?, field: String) throws(OMSError) {
        if let value { try check(value, field: field) }
    }
}
