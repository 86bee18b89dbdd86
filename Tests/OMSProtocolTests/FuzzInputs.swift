import OMSCore
import OMSProtocol

/// SplitMix64: small, fast and fully determined by its seed, so a failing
/// fuzz input is reproduced by rerunning with the printed seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (bound > 0); a little biased, which a fuzzer does not mind.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// True with probability `1 / n`.
    mutating func oneIn(_ n: Int) -> Bool { below(n) == 0 }
}

/// One generated line for the request decoder, with what must come of it
/// when the generator knows (targeted mutations); nil for blind mutations,
/// which are held to the general properties only.
struct FuzzLine {
    enum Expectation: Equatable {
        /// Parses; the top level is a single request or a batch as valid as the template.
        case parses
        /// Must be a -32700 parse error.
        case parseError
    }

    var bytes: [UInt8]
    var expectation: Expectation?
}

/// Valid requests and batches to mutate, and the mutations.
enum FuzzInputs {
    static let templates: [[UInt8]] = [
        #"{"jsonrpc":"2.0","id":1,"method":"oms.list_orders"}"#,
        #"{"jsonrpc":"2.0","id":"a-1","method":"oms.get_order","params":{"order_id":"ORD-1"}}"#,
        #"{"jsonrpc":"2.0","method":"oms.list_orders","params":{"limit":5,"offset":0}}"#,
        #"{"jsonrpc":"2.0","id":7,"method":"oms.create_order","params":{"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":1000,"order_type":"Limit","time_in_force":"Day","limit_price":"150.25","metadata":{"desk":"é\u00e9\ud83d\ude00","n":[1,2.5e-3,-0,true,false,null]}}}"#,
        #"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":2,"method":"b","params":[1,"x"]}]"#,
        #"[{"jsonrpc":"2.0","method":"n"},7,{"id":3,"method":"m"}]"#,
        #"{"jsonrpc":"2.0","id":1e3,"method":"session.authenticate","params":{"api_key":"omsk.t1.K1.secret"}}"#,
        #" { "jsonrpc" : "2.0" , "id" : -12.5E+2 , "method" : "x\"\\\/\b\f\n\r\t" } "#,
    ].map { Array($0.utf8) }

    /// Bytes that break UTF-8: a lone continuation byte, a truncated
    /// sequence, an overlong encoding, an encoded surrogate, 0xFF, a code point past U+10FFFF.
    static let invalidUTF8: [[UInt8]] = [[0x80], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF],
                                         [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]
    static let loneSurrogates = [#"\ud800"#, #"\uDBFF"#, #"\udc00"#, #"\uDFFF x"#, #"\ud800\u0041"#, #"\udc00\ud800"#]
    static let validEscapes = [#"\ud83d\ude00"#, #"\u0000"#, #"\u00e9"#, #"\uFFFF"#, #"\n\t\"\\"#]
    static let hugeNumbers = ["1" + String(repeating: "0", count: 400), "-9223372036854775809", "1e999999999",
                              "123456789012345678901234567890.123456789", "-0.0000000000000000000000001e-400"]

    static func line(_ rng: inout SplitMix64) -> FuzzLine {
        let which = rng.below(templates.count)
        let template = templates[which]
        switch rng.below(16) {
        case 0: return FuzzLine(bytes: template, expectation: .parses)
        case 1, 2: return FuzzLine(bytes: flipBits(template, &rng), expectation: nil)
        case 3: return FuzzLine(bytes: truncate(template, &rng), expectation: .parseError)
        case 4: return FuzzLine(bytes: duplicate(template, &rng), expectation: nil)
        case 5: return FuzzLine(bytes: splice(template, templates[rng.below(templates.count)], &rng), expectation: nil)
        case 6: return nested(&rng)
        case 7: return FuzzLine(bytes: replaceId(template, with: hugeNumbers[rng.below(hugeNumbers.count)]),
                                expectation: .parses)
        case 8: return FuzzLine(bytes: intoString(which, invalidUTF8[rng.below(invalidUTF8.count)]),
                                expectation: .parseError)
        case 9: return FuzzLine(bytes: intoString(which, Array(loneSurrogates[rng.below(loneSurrogates.count)].utf8)),
                                expectation: .parseError)
        case 10: return FuzzLine(bytes: intoString(which, Array(validEscapes[rng.below(validEscapes.count)].utf8)),
                                 expectation: .parses)
        case 11: return FuzzLine(bytes: intoString(which, [UInt8(rng.below(0x20))]), expectation: .parseError)
        case 12: return FuzzLine(bytes: insertAnywhere(template, [0], &rng), expectation: .parseError)
        case 13: return FuzzLine(bytes: randomBytes(&rng), expectation: nil)
        default: return FuzzLine(bytes: stutter(template, &rng), expectation: nil)
        }
    }

    static func flipBits(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0...rng.below(3) { bytes[rng.below(bytes.count)] ^= 1 << UInt8(rng.below(8)) }
        return bytes
    }

    /// A strict prefix that drops at least the closing bracket (trailing whitespace does not count).
    static func truncate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let last = bytes.lastIndex { $0 != UInt8(ascii: " ") } ?? 0
        return Array(bytes.prefix(rng.below(last + 1)))
    }

    static func duplicate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let start = rng.below(bytes.count), end = start + rng.below(bytes.count - start) + 1
        let at = rng.below(bytes.count + 1)
        return Array(bytes[..<at]) + bytes[start..<end] + bytes[at...]
    }

    static func splice(_ a: [UInt8], _ b: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        Array(a.prefix(rng.below(a.count + 1))) + b.suffix(rng.below(b.count + 1))
    }

    /// Nesting around the parser's depth limit: parses exactly when the depth is within it.
    static func nested(_ rng: inout SplitMix64) -> FuzzLine {
        let depth = JSONParser.maximumDepth - 3 + rng.below(7)
        let inner = rng.oneIn(2) ? "[]" : "{}"
        let text = String(repeating: "[", count: depth - 1) + inner + String(repeating: "]", count: depth - 1)
        return FuzzLine(bytes: Array(text.utf8), expectation: depth <= JSONParser.maximumDepth ? .parses : .parseError)
    }

    /// The template with its id (or, lacking one, a new `"id"`) set to `number`'s literal text.
    static func replaceId(_ template: [UInt8], with number: String) -> [UInt8] {
        var text = String(decoding: template, as: UTF8.self)
        if text.hasPrefix("[") { return template }  // batches keep their ids; still must parse
        if let range = text.firstRange(of: #""id":"#) {
            let valueEnd = text[range.upperBound...].firstIndex { $0 == "," || $0 == "}" } ?? text.endIndex
            text.replaceSubrange(range.upperBound..<valueEnd, with: number)
        } else if let brace = text.firstIndex(of: "{") {
            text.insert(contentsOf: #""id":\#(number),"#, at: text.index(after: brace))
        }
        return Array(text.utf8)
    }

    /// `insert` placed right after the opening quote of template `which`'s `"method"` value (every template has one).
    static func intoString(_ which: Int, _ insert: [UInt8]) -> [UInt8] {
        let template = templates[which], quote = methodValueStarts[which]
        return Array(template[...quote]) + insert + template[(quote + 1)...]
    }

    /// Where each template's `"method"` value opens, found once.
    static let methodValueStarts: [Int] = templates.map { template in
        let key = Array(#""method""#.utf8)
        let keyAt = firstRange(of: key, in: template)!
        return template[(keyAt + key.count)...].firstIndex(of: UInt8(ascii: "\""))!
    }

    static func insertAnywhere(_ bytes: [UInt8], _ insert: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let at = rng.below(bytes.count + 1)
        return Array(bytes[..<at]) + insert + bytes[at...]
    }

    /// Random bytes, half the time drawn from JSON's own alphabet so they get past the first character.
    static func randomBytes(_ rng: inout SplitMix64) -> [UInt8] {
        let alphabet = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn"#.utf8)
        let jsonish = rng.oneIn(2)
        return (0..<rng.below(64)).map { _ in jsonish ? alphabet[rng.below(alphabet.count)] : UInt8(rng.below(256)) }
    }

    /// Repeats one random byte a few times (`{{{`, `"""`, `,,,`).
    static func stutter(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let at = rng.below(bytes.count)
        return Array(bytes[...at]) + Array(repeating: bytes[at], count: 1 + rng.below(4)) + bytes[(at + 1)...]
    }

    static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
