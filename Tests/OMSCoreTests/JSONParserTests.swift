import Testing
@testable import OMSCore

@Suite("JSON parser")
struct JSONParserTests {
    @Test("parses every kind of value and keeps numbers as written")
    func parsesValues() throws {
        let json = try JSONParser.parse(#" {"a": [1, -0, 1.5e-3, 123456789.123456789, true, false, null, "x"], "b": {}} "#)
        #expect(json == .object([
            "a": .array([.number("1"), .number("-0"), .number("1.5e-3"), .number("123456789.123456789"),
                         .bool(true), .bool(false), .null, .string("x")]),
            "b": .object([:]),
        ]))
    }

    @Test("accepts top-level scalars and surrounding whitespace", arguments: [
        ("42", JSON.number("42")), ("\"s\"", .string("s")), ("null", .null), (" \t\r\n true \n", .bool(true)),
        ("[]", .array([])), ("1E+2", .number("1E+2")), ("0.0", .number("0.0")),
    ])
    func acceptsScalars(text: String, expected: JSON) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("rejects malformed documents", arguments: [
        "", " ", "01", "-", "1.", ".5", "+1", "1e", "1e+", "--1", "0x10", "NaN", "Infinity", "tru", "nul",
        "[1,]", "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}", "[", "{", "\"abc", "\"a\\x\"",
        "\"\\u12\"", "\"\\uZZZZ\"", "1 2", "{} x", "'a'", "\"tab\there\"", "[1]]", "\u{FEFF}1",
    ])
    func rejectsMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("rejects invalid UTF-8 inside strings", arguments: [
        [0xC3, 0x28], [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ] as [[UInt8]])
    func rejectsInvalidUTF8(sequence: [UInt8]) {
        let document = [UInt8(ascii: "\"")] + sequence + [UInt8(ascii: "\"")]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(document) }
    }

    @Test("rejects stray non-ASCII bytes outside strings")
    func rejectsBytesOutsideStrings() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x5B, 0xFF, 0x5D] as [UInt8]) }
    }

    @Test("accepts valid multi-byte UTF-8 and decodes escapes")
    func decodesUnicode() throws {
        #expect(try JSONParser.parse("\"héllo €𝄞\"") == .string("héllo €𝄞"))
        #expect(try JSONParser.parse(#""\u00e9\u20AC\ud834\udd1e""#) == .string("é€𝄞"))
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0000""#) == .string("\"\\/\u{8}\u{C}\n\r\t\u{0}"))
    }

    @Test("rejects unpaired surrogates in escapes", arguments: [
        #""\uD800""#, #""\uD800x""#, #""\uDC00""#, #""\uD800\u0041""#, #""\uD800\n""#, #""a\uDBFF""#,
    ])
    func rejectsLoneSurrogates(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("accepts 64 levels of nesting and rejects 65")
    func limitsDepth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let deepObjects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        _ = try JSONParser.parse(ok)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deepObjects) }
    }

    @Test("keeps the last of duplicate keys")
    func duplicateKeys() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == .object(["a": .number("2")]))
    }

    @Test("reports the offset of the problem")
    func reportsOffset() {
        #expect(throws: JSONParseError(message: "unexpected data after the JSON value", offset: 4)) {
            try JSONParser.parse("[1] x")
        }
    }

    @Test("parses from non-contiguous collections too")
    func parsesAnyCollection() throws {
        let bytes = Array(#"{"k":"v"}"#.utf8)
        #expect(try JSONParser.parse(bytes.lazy.map { $0 }) == .object(["k": .string("v")]))
    }
}
