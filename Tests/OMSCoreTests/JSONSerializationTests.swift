import Foundation
import Testing
@testable import OMSCore

@Suite("JSON serialization")
struct JSONSerializationTests {
    static let samples: [JSON] = [
        .null, .bool(true), .bool(false), .number("0"), .number("-12.5e+10"), .number("123456789.123456789"),
        .string(""), .string("plain"), .string("quote \" backslash \\ slash /"),
        .string("controls \u{0}\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}\u{7F}"), .string("non-ASCII é € 𝄞 \u{2028}"),
        .array([]), .array([.number("1"), .array([.null]), .object([:])]),
        .object(["b": .number("2"), "a": .string("x"), "nested": .object(["z": .array([.bool(false)])])]),
    ]

    @Test("round-trips through parse", arguments: samples)
    func roundTrips(value: JSON) throws {
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test("never writes a raw newline or control character", arguments: samples)
    func staysOnOneLine(value: JSON) {
        #expect(!value.serialized().contains { $0 < 0x20 })
    }

    @Test("writes compactly with sorted keys")
    func compactAndSorted() {
        let value = JSON.object(["b": .array([.number("1"), .null]), "a": .string("x"), "c": .bool(true)])
        #expect(value.serializedString == #"{"a":"x","b":[1,null],"c":true}"#)
    }

    @Test("escapes control characters, quotes and backslashes")
    func escapes() {
        #expect(JSON.string("a\"b\\c\nd\te\u{1}\u{1F}").serializedString == #""a\"b\\c\nd\te\u0001\u001f""#)
        #expect(JSON.string("\u{8}\u{C}\r").serializedString == #""\b\f\r""#)
    }

    @Test("writes a hand-built .number that is not a JSON number as a string")
    func invalidNumberText() {
        #expect(JSON.number("12abc").serializedString == #""12abc""#)
        #expect(JSON.number("1\n").serializedString == #""1\n""#)
    }

    @Test("builders send decimals as strings, dates as RFC 3339 and ints as numbers")
    func builders() throws {
        #expect(JSON.decimal(Decimal(string: "150.25")!) == .string("150.25"))
        #expect(JSON.decimal(Decimal(1000)) == .string("1000"))
        #expect(JSON.decimal(ExactDecimal("150.20")!) == .string("150.20"))
        #expect(JSON.int(-42) == .number("-42"))
        #expect(JSON.date(Date(timeIntervalSince1970: 0)) == .string("1970-01-01T00:00:00Z"))
    }
}
