import Foundation

/// PostgreSQL's text forms, both ways: parameters are sent as text and results
/// come back as text, so these are the whole codec.
public enum PostgresText {
    /// `t` or `f`.
    public static func bool(_ value: Bool) -> String { value ? "t" : "f" }

    /// A `Decimal` in plain notation (`Decimal.description` never uses an exponent or a locale).
    public static func decimal(_ value: Decimal) -> String { value.description }

    /// `\x` and the bytes in hex, the `bytea` input form that needs no escaping.
    public static func bytea(_ data: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]("\\x".utf8)
        text.reserveCapacity(2 + data.count * 2)
        for byte in data {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A one-dimensional array literal, every element quoted (so commas, braces,
    /// spaces and the word NULL are data), `nil` as NULL: `{"a","b c",NULL}`.
    public static func array(_ elements: [String?]) -> String {
        var text = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { text += "," }
            guard let element else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in element {
                if character == "\"" || character == "\\" { text += "\\" }
                text.append(character)
            }
            text += "\""
        }
        return text + "}"
    }

    /// Parses a one-dimensional array's text output; nil for anything else
    /// (multi-dimensional arrays, explicit bounds, malformed text).
    public static func array(_ text: String) -> [String?]? {
        let chars = Array(text.utf8)
        guard chars.first == UInt8(ascii: "{"), chars.last == UInt8(ascii: "}") else { return nil }
        var elements: [String?] = []
        var index = 1
        let end = chars.count - 1
        if index == end { return [] }
        while index <= end {
            var bytes: [UInt8] = []
            var quoted = false
            if chars[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < end, chars[index] != UInt8(ascii: "\"") {
                    if chars[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { return nil }
                    bytes.append(chars[index])
                    index += 1
                }
                guard index < end else { return nil }
                index += 1  // closing quote
            } else {
                while index < end, chars[index] != UInt8(ascii: ",") {
                    if chars[index] == UInt8(ascii: "{") { return nil }
                    if chars[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { return nil }
                    bytes.append(chars[index])
                    index += 1
                }
            }
            let value = String(decoding: bytes, as: UTF8.self)
            elements.append(!quoted && value.uppercased() == "NULL" ? nil : value)
            guard index == end || chars[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return elements
    }

    /// Parses `bytea` hex output (`\x4869`); nil for the escape format or bad hex.
    public static func bytes(_ text: String) -> Data? {
        let chars = Array(text.utf8)
        guard chars.count >= 2, chars[0] == UInt8(ascii: "\\"), chars[1] == UInt8(ascii: "x"), chars.count % 2 == 0 else {
            return nil
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var data = Data(capacity: (chars.count - 2) / 2)
        var index = 2
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    /// True for numeric output: optional sign, digits, optional fraction (or `NaN`, `Infinity`).
    static func isNumericLiteral(_ text: String) -> Bool {
        if text == "NaN" || text == "Infinity" || text == "-Infinity" { return true }
        var sawDigit = false
        var sawPoint = false
        for (offset, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if offset != 0 { return false }
            case UInt8(ascii: "."): if sawPoint { return false } else { sawPoint = true }
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            default: return false
            }
        }
        return sawDigit
    }

    /// A numeric's text as a `Decimal`, or nil unless it converts exactly:
    /// `Decimal` holds 38 significant digits with a decimal exponent in -128...127,
    /// and `Decimal(string:)` would round silently beyond that.
    static func decimal(_ text: String) -> Decimal? {
        guard isNumericLiteral(text), text.utf8.allSatisfy({ $0 != UInt8(ascii: "N") && $0 != UInt8(ascii: "I") }) else {
            return nil
        }
        let unsigned = text.drop(while: { $0 == "-" || $0 == "+" })
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        let integer = parts[0].drop(while: { $0 == "0" })
        var fraction = parts.count > 1 ? Substring(parts[1]) : ""
        while fraction.last == "0" { fraction.removeLast() }
        let significant = integer.isEmpty
            ? fraction.drop(while: { $0 == "0" }).count
            : integer.count + fraction.count
        guard significant <= 38, fraction.count <= 128, integer.count <= 127 + 38 else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }
}
