extension JSON {
    /// The bytes of ``serialized()`` once every number is written out as
    /// PostgreSQL writes it back from jsonb: a jsonb number is a `numeric`,
    /// and `numeric` output has no exponent, so `1e131071` (8 bytes sent)
    /// reads back as 131,072 digits, and `1e-16383` as `0.` and 16,383 more.
    /// This is the size of the metadata every later read of the order gives
    /// back, which is what a size limit has to bound. Computed from each
    /// number's text (digits and exponent) without writing the digits out.
    public var writtenOutSize: Int {
        serialized().count + numberGrowth
    }

    /// Written-out length minus literal length, summed over the numbers.
    private var numberGrowth: Int {
        switch self {
        case .number(let text):
            guard JSONNumber.isValid(text) else { return 0 }  // the writer sends it as a string, as written
            return JSONNumber.writtenLength(text) - text.utf8.count
        case .array(let items):
            return items.reduce(0) { $0 + $1.numberGrowth }
        case .object(let members):
            return members.values.reduce(0) { $0 + $1.numberGrowth }
        case .null, .bool, .string:
            return 0
        }
    }
}

extension JSONNumber {
    /// Exponents are clamped here: far beyond any length a limit allows, far
    /// below where the arithmetic on them could overflow.
    private static let exponentBound = 1 << 40

    /// The length of the text PostgreSQL's `numeric` output gives for the
    /// valid JSON number `text` (jsonb stores numbers as `numeric`).
    ///
    /// `numeric_in` keeps every digit as written and a display scale of
    /// (fraction digits − exponent), at least 0; `numeric_out` writes the
    /// integer part (at least `0`), then the scale's digits after a point,
    /// with no exponent. So with k digits from the first nonzero one on and
    /// the last digit worth 10^p: max(1, k + p) integer digits, and −p
    /// fraction digits when p < 0; a minus sign unless the value is zero.
    /// `1e3` is `1000`, `1.50e1` `15.0`, `1.5e-3` `0.0015`, `0e-2` `0.00`.
    static func writtenLength(_ text: String) -> Int {
        var integerDigits = 0, fractionDigits = 0, leadingZeros = 0
        var negative = false, seenNonzero = false, inFraction = false
        var exponent = 0, exponentSign = 1, inExponent = false
        for byte in text.utf8 {
            if inExponent {
                if byte == ASCII.minus {
                    exponentSign = -1
                } else if byte.isASCIIDigit {
                    exponent = min(exponent * 10 + Int(byte - ASCII.zero), exponentBound)
                }
            } else if byte == ASCII.minus {
                negative = true
            } else if byte == ASCII.dot {
                inFraction = true
            } else if byte | 0x20 == ASCII.lowercaseE {
                inExponent = true
            } else if byte.isASCIIDigit {
                if inFraction { fractionDigits += 1 } else { integerDigits += 1 }
                if byte != ASCII.zero { seenNonzero = true } else if !seenNonzero { leadingZeros += 1 }
            }
        }
        let scale = max(0, fractionDigits - exponentSign * exponent)
        let fraction = scale > 0 ? 1 + scale : 0
        let significant = integerDigits + fractionDigits - leadingZeros
        guard significant > 0 else { return 1 + fraction }  // zero: `0`, `0.00`; no sign
        let lastDigitPower = exponentSign * exponent - fractionDigits
        return (negative ? 1 : 0) + max(1, significant + lastDigitPower) + fraction
    }
}
