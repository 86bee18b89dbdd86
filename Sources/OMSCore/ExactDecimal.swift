import Foundation

/// A decimal that remembers how many decimal places it was written with, so a
/// client's `150.20` comes back as `"150.20"`, not `"150.2"`.
///
/// Foundation's `Decimal` normalizes (`Decimal(string: "150.20")` prints
/// `150.2`) and cannot carry a scale, so the scale travels beside the value.
/// Equality, ordering and hashing are by value (`150.20 == 150.2`); only
/// `description` uses the scale. Arithmetic works on `value` with
/// `CheckedDecimal`; a sum keeps the larger scale, as PostgreSQL's numeric does.
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number.
    public var value: Decimal
    /// Decimal places to print; fewer than the value needs are never printed.
    public var scale: Int

    /// The most decimal places a client's value may be written with (the
    /// numeric domain refuses more): as many digits as `Decimal` holds, far
    /// below PostgreSQL's numeric display scale limit (16383).
    public static let maximumScale = 38

    /// `value` printed with `scale` places (at least the places it needs).
    public init(_ value: Decimal, scale: Int) {
        self.value = value
        self.scale = max(0, scale)
    }

    /// `value` (a sum or difference of `a` and `b`) with the larger of their
    /// scales, as PostgreSQL's numeric scales it.
    public init(_ value: Decimal, scaleOf a: ExactDecimal, _ b: ExactDecimal) {
        self.init(value, scale: max(a.scale, b.scale))
    }

    /// `value` printed in its shortest form.
    public init(_ value: Decimal) {
        self.init(value, scale: 0)
    }

    /// The decimal that `text` spells with the scale as written, the exponent
    /// applied (`"150.20"` → 150.20, `"1.50e2"` → 150, `"1.5e-3"` → 0.0015).
    /// Nil for anything but `-?digits[.digits][(e|E)[+-]digits]` and for
    /// values `Decimal` cannot hold.
    public init?(_ text: String) {
        guard let scale = ExactDecimal.writtenScale(text),
              let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")),
              value.isFinite, !value.isNaN
        else { return nil }
        self.init(value, scale: scale)
    }

    /// Decimal places of a plain decimal literal with the exponent applied
    /// (at most about 10^6), or nil when `text` is not one.
    static func writtenScale(_ text: String) -> Int? {
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || (!fraction.isEmpty && fraction.allSatisfy(\.isASCIIDigit)) else { return nil }
        var exponent = 0
        if mantissa.endIndex < rest.endIndex {
            var digits = rest[rest.index(after: mantissa.endIndex)...]
            let negative = digits.first == "-"
            if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
            // Clamped: beyond this the scale is out of range either way.
            let magnitude = digits.count > 7 ? 1_000_000 : min(Int(digits) ?? 0, 1_000_000)
            exponent = negative ? -magnitude : magnitude
        }
        return max(0, fraction.count - exponent)
    }

    /// The value with exactly max(scale, its own places) decimal places.
    public var description: String {
        let plain = value.description
        let own = plain.firstIndex(of: ".").map { plain.distance(from: $0, to: plain.endIndex) - 1 } ?? 0
        guard scale > own else { return plain }
        return plain + (own == 0 ? "." : "") + String(repeating: "0", count: scale - own)
    }

    /// Equal by value, ignoring scale: `1.5` == `1.50`.
    public static func == (a: ExactDecimal, b: ExactDecimal) -> Bool { a.value == b.value }
    /// Ordered by value; scale plays no part.
    public static func < (a: ExactDecimal, b: ExactDecimal) -> Bool { a.value < b.value }
    /// Hashes the value only, so `1.5` and `1.50` hash alike, as `==` requires.
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

extension ExactDecimal: ExpressibleByIntegerLiteral {
    /// An integer literal, with scale 0.
    public init(integerLiteral value: Int) {
        self.init(Decimal(value))
    }
}

// Event payloads (order_events.payload: Order, Placement, Allocation,
// FillRecord, OrderChanges) hold decimals as JSON strings, like everywhere on
// the wire: a JSON reader may parse a number into a binary float
// (150.123456789012345678901 loses digits), and a string keeps the scale.
extension ExactDecimal: Codable {
    /// Read from a string (as written, scale kept) or, for payloads stored
    /// before decimals were strings, from a JSON number (shortest form).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = ExactDecimal(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a decimal: \(text)")
            }
            self = value
        } else {
            self.init(try container.decode(Decimal.self))
        }
    }

    /// Written as a string, so no JSON reader takes it for a binary float.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
