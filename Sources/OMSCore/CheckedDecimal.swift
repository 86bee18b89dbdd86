import Foundation

/// Arithmetic that the engine can always finish: it never traps and never
/// hands back NaN. Foundation's `Decimal` operators do both: a product whose
/// exponent falls below -128 traps inside `NSDecimalMultiply` (1e-70 × 1e-70
/// killed the process), and an overflowing one returns NaN, which compares
/// false with everything, so `NaN > limit` let a HARD limit pass. Results
/// that lose low-order digits are rounded, which is fine: the figures are
/// compared with limits, and in the numeric domain nothing is lost.
public enum CheckedDecimal {
    /// An arithmetic result `Decimal` cannot represent.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The operation and operands that failed, e.g. `1 ÷ 0 is undefined`, for logs.
        public var description: String
    }

    /// Exponent sums below this are reduced first: Decimal's exponent is an
    /// Int8, and a product's must stay above -128.
    static let lowestSafeExponent = -100

    /// a × b.
    public static func multiply(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try requireNumbers(a, b, "×")
        if a.isZero || b.isZero { return 0 }
        var a = a, b = b
        if a.exponent + b.exponent < lowestSafeExponent {
            // |a × b| < 10^(magnitude); far below every scale we keep, it is 0.
            guard magnitude(a) + magnitude(b) > -60 else { return 0 }
            a = rounded(a, places: 60)
            b = rounded(b, places: 60)
            if a.isZero || b.isZero { return 0 }
        }
        var result = Decimal()
        let error = NSDecimalMultiply(&result, &a, &b, .plain)
        return try checked(result, error, "\(a) × \(b)")
    }

    /// a + b.
    public static func add(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try requireNumbers(a, b, "+")
        var a = a, b = b, result = Decimal()
        let error = NSDecimalAdd(&result, &a, &b, .plain)
        return try checked(result, error, "\(a) + \(b)")
    }

    /// a − b.
    public static func subtract(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try requireNumbers(a, b, "−")
        var a = a, b = b, result = Decimal()
        let error = NSDecimalSubtract(&result, &a, &b, .plain)
        return try checked(result, error, "\(a) − \(b)")
    }

    /// a ÷ b; dividing by zero is a failure.
    public static func divide(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try requireNumbers(a, b, "÷")
        guard !b.isZero else { throw Failure(description: "\(a) ÷ 0 is undefined") }
        if a.isZero { return 0 }
        if magnitude(a) - magnitude(b) < -60 { return 0 }
        var a = a, b = b, result = Decimal()
        let error = NSDecimalDivide(&result, &a, &b, .plain)
        return try checked(result, error, "\(a) ÷ \(b)")
    }

    /// a + b where a client value is added to stored ones (fills, placements,
    /// allocations): a failure is INVALID_ARGUMENT naming `field`. Inside the
    /// numeric domain it cannot fail; this keeps a decision total regardless.
    static func add(_ a: Decimal, _ b: Decimal, field: String) throws(OMSError) -> Decimal {
        do {
            return try add(a, b)
        } catch {
            throw .invalidArgument(field, "cannot be added: \(error.description)")
        }
    }

    /// The sum of `values`.
    public static func sum(_ values: some Sequence<Decimal>) throws(Failure) -> Decimal {
        var total: Decimal = 0
        for value in values { total = try add(total, value) }
        return total
    }

    /// `value` rounded to `places` decimal places.
    public static func rounded(_ value: Decimal, places: Int) -> Decimal {
        var value = value, result = Decimal()
        NSDecimalRound(&result, &value, places, .plain)
        return result
    }

    /// An upper bound on log10 |value|: exponent plus significand digits.
    static func magnitude(_ value: Decimal) -> Int {
        value.exponent + value.significand.magnitude.description.count
    }

    private static func requireNumbers(_ a: Decimal, _ b: Decimal, _ op: String) throws(Failure) {
        guard !a.isNaN, !b.isNaN else { throw Failure(description: "\(op) of a value that is not a number") }
    }

    private static func checked(
        _ result: Decimal, _ error: NSDecimalNumber.CalculationError, _ what: String
    ) throws(Failure) -> Decimal {
        switch error {
        case .overflow: throw Failure(description: "\(what) overflows")
        case .divideByZero: throw Failure(description: "\(what) divides by zero")
        case .underflow: return 0
        case .noError, .lossOfPrecision: break
        @unknown default: break
        }
        guard !result.isNaN else { throw Failure(description: "\(what) is not a number") }
        return result
    }
}
