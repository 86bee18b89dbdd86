import Foundation
import Testing
@testable import OMSCore

@Suite("JSON value accessors")
struct JSONTests {
    @Test("reads exact decimals from numbers and numeric strings", arguments: [
        (JSON.number("150.25"), "150.25"), (.string("150.25"), "150.25"), (.number("1000"), "1000"),
        (.string("1000"), "1000"), (.number("1e3"), "1000"), (.string("1E-2"), "0.01"), (.number("-0"), "0"),
        (.number("123456789.123456789"), "123456789.123456789"), (.string("-7.5"), "-7.5"),
        (.string("12345678901234567890123456789012345678"), "12345678901234567890123456789012345678"),
    ])
    func decimals(value: JSON, expected: String) {
        #expect(value.decimalValue == Decimal(string: expected, locale: Locale(identifier: "en_US_POSIX")))
    }

    @Test("refuses decimals that are not exactly one finite number", arguments: [
        JSON.string("12abc"), .string(""), .string(" 1"), .string("1 "), .string("NaN"), .string("inf"),
        .string("Infinity"), .string("+1"), .string("1."), .string(".5"), .string("0x10"), .string("1,5"),
        .string("1e400"), .string("1e-400"), .string("123456789012345678901234567890123456789"),
        .number("12abc"), .bool(true), .null, .array([]), .object([:]),
    ])
    func decimalRejections(value: JSON) {
        #expect(value.decimalValue == nil)
    }

    @Test("reads integers from integral numbers that fit", arguments: [
        (JSON.number("12"), 12), (.number("-0"), 0), (.number("1e2"), 100), (.number("100.0"), 100),
        (.number("1.5e1"), 15), (.number("-9223372036854775808"), Int.min), (.number("9223372036854775807"), Int.max),
        (.number("0.0e5"), 0), (.number("120e-1"), 12),
    ])
    func integers(value: JSON, expected: Int) {
        #expect(value.intValue == expected)
    }

    @Test("refuses integers from fractions, overflow and strings", arguments: [
        JSON.number("1.5"), .number("9223372036854775808"), .number("1e20"), .number("1e-1"), .number("1e999999999"),
        .string("12"), .bool(false), .null,
    ])
    func integerRejections(value: JSON) {
        #expect(value.intValue == nil)
    }

    @Test("typed accessors return nil for other types")
    func accessors() {
        let object = JSON.object(["s": .string("x"), "b": .bool(true), "a": .array([]), "n": .null])
        #expect(object["s"]?.stringValue == "x")
        #expect(object["b"]?.boolValue == true)
        #expect(object["a"]?.arrayValue == [])
        #expect(object["n"]?.isNull == true)
        #expect(object["missing"] == nil)
        #expect(object.objectValue?.count == 4)
        #expect(JSON.string("x")["s"] == nil)
        #expect(JSON.number("1").stringValue == nil)
        #expect(JSON.string("true").boolValue == nil)
        #expect(JSON.null.objectValue == nil)
        #expect(!JSON.bool(false).isNull)
    }
}
