import Foundation

/// The RFC 8259 number grammar, and exact conversions from a number's text.
///
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
enum JSONNumber {
    /// Scans a number starting at `start`. On success `end` is the index just
    /// past it; on failure it is the offset of the offending byte.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, valid: Bool) {
        var index = start
        let count = bytes.count
        if index < count, bytes[index] == ASCII.minus { index += 1 }
        guard index < count, bytes[index].isASCIIDigit else { return (index, false) }
        if bytes[index] == ASCII.zero {
            index += 1
        } else {
            while index < count, bytes[index].isASCIIDigit { index += 1 }
        }
        if index < count, bytes[index] == ASCII.dot {
            index += 1
            guard index < count, bytes[index].isASCIIDigit else { return (index, false) }
            while index < count, bytes[index].isASCIIDigit { index += 1 }
        }
        if index < count, bytes[index] | 0x20 == ASCII.lowercaseE {
            index += 1
            if index < count, bytes[index] == ASCII.plus || bytes[index] == ASCII.minus { index += 1 }
            guard index < count, bytes[index].isASCIIDigit else { return (index, false) }
            while index < count, bytes[index].isASCIIDigit { index += 1 }
        }
        return (index, true)
    }

    /// Whether all of `text` is one JSON number.
    static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let (end, valid) = scan(bytes, from: 0)
            return valid && end == bytes.count
        }
    }

    private static let posix = Locale(identifier: "en_US_POSIX")

    /// `Decimal` keeps at most 38 significant digits and truncates the rest
    /// without telling; refusing longer input keeps every accepted value exact.
    private static let maximumSignificantDigits = 38

    /// The exact decimal that `text` spells, or nil.
    static func decimal(_ text: String) -> Decimal? {
        guard let parts = Parts(text), parts.significantDigits <= maximumSignificantDigits,
              let value = Decimal(string: text, locale: posix), value.isFinite
        else { return nil }
        return value
    }

    /// The exact decimal that `text` spells with its scale as written, or nil.
    static func exactDecimal(_ text: String) -> ExactDecimal? {
        guard let value = decimal(text), let parts = Parts(text) else { return nil }
        return ExactDecimal(value, scale: max(0, parts.digits.count - parts.point))
    }

    /// The integer that `text` spells when it is integral and fits in `Int`, or nil.
    static func integer(_ text: String) -> Int? {
        if let value = Int(text) { return value }
        guard let parts = Parts(text) else { return nil }
        return parts.integer
    }

    /// A valid number split into sign, digits and where the decimal point falls.
    private struct Parts {
        var negative: Bool
        /// Integer and fraction digits run together, as ASCII.
        var digits: [UInt8]
        /// How many of `digits` stand before the decimal point once the
        /// exponent is applied (may be negative or beyond `digits.count`).
        var point: Int

        init?(_ text: String) {
            guard JSONNumber.isValid(text) else { return nil }
            var bytes = Array(text.utf8)[...]
            negative = bytes.first == ASCII.minus
            if negative { bytes = bytes.dropFirst() }
            let mantissa = bytes.prefix { $0 != ASCII.lowercaseE && $0 != ASCII.uppercaseE }
            let integerDigits = mantissa.prefix { $0 != ASCII.dot }
            digits = mantissa.filter { $0 != ASCII.dot }
            point = integerDigits.count + Parts.exponent(bytes.dropFirst(mantissa.count + 1))
        }

        /// The exponent's value, clamped so that arithmetic on it cannot overflow.
        private static func exponent(_ bytes: ArraySlice<UInt8>) -> Int {
            var bytes = bytes
            var sign = 1
            if bytes.first == ASCII.minus { sign = -1 }
            if bytes.first == ASCII.minus || bytes.first == ASCII.plus { bytes = bytes.dropFirst() }
            var value = 0
            for byte in bytes {
                value = min(value * 10 + Int(byte - ASCII.zero), 1_000_000)
            }
            return sign * value
        }

        var significantDigits: Int {
            let leading = digits.prefix { $0 == ASCII.zero }.count
            guard leading < digits.count else { return 0 }
            let trailing = digits.reversed().prefix { $0 == ASCII.zero }.count
            return digits.count - leading - trailing
        }

        var integer: Int? {
            if significantDigits == 0 { return 0 }
            let whole: [UInt8]
            if point <= 0 {
                return nil  // nonzero digits all after the point
            } else if point <= digits.count {
                guard digits[point...].allSatisfy({ $0 == ASCII.zero }) else { return nil }
                whole = Array(digits[..<point])
            } else {
                guard point <= 20 else { return nil }  // more digits than any Int has
                whole = digits + Array(repeating: ASCII.zero, count: point - digits.count)
            }
            return Int((negative ? "-" : "") + String(decoding: whole, as: UTF8.self))
        }
    }
}
