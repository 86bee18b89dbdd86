@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSProtocol
import OMSServer

/// A seeded generator (SplitMix64): the same seed makes the same calls, so a
/// failure printed with its seed can be replayed with `OMS_DOMAIN_FUZZ_SEED`.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates params for any method of the catalogue from its specs: mostly
/// plausible values drawn from what the run has seen (ids of real orders,
/// placements, rules…), mixed with values at and past the domain's edges,
/// wrong types, odd strings, missing required and unknown fields, and ids of
/// another tenant.
struct DomainFuzzGenerator {
    var random: SeededGenerator
    /// Values seen per field name (`order_id` → order ids the server returned).
    var seen: [String: [String]] = [
        "portfolio_id": ["PORT-001"], "instrument_id": ["INS-1", "INS-2"], "account_id": ["ACCT-001"],
        "principal_id": ["pm", "trader", "ops", "compliance", "system", "admin"],
        "venue": ["XNYS", "XLON"], "currency": ["USD", "EUR"],
    ]
    /// Ids that exist in the other tenant: using them must change nothing here.
    let foreign: [String: [String]]

    init(seed: UInt64, foreign: [String: [String]]) {
        random = SeededGenerator(seed: seed)
        self.foreign = foreign
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    /// Decimals in the domain, at its edges and outside it, as strings and numbers.
    static let edgeDecimals = [
        "0", "-0", "-5", "-1e-30", "1e-70", "1e-127", "1e-128", "1e64", "1e100", "1e127", "1e128",
        "0.000001", "0.0000001", "0.00000001", "0.000000001", "99999999999999.999999", "100000000000000",
        "999999999999.99999999", "1000000000000", "99999999999999999999.99999999", "1.0000001",
        "12345678901234567890123456789012345678", "123456789012345678901234567890123456789",
        "150.123456789012345678901", "NaN", "Infinity", "-Infinity", "1e", "", " 1", "0x10", "1,5",
    ]
    static let plainDecimals = ["1", "10", "100", "250", "1000", "0.5", "150.25", "99.99", "2500.125"]
    static let oddStrings = [
        "", " ", "A\u{0}B", "PORT-001\u{200B}", "PORT\u{202E}100-", "\u{7}", "😀", "Ω", "a b", "'; DROP TABLE orders;--",
        "%s%n", "\\", "\"", String(repeating: "x", count: 129), String(repeating: "é", count: 5000), "\u{FEFF}PORT-001",
        "null", "0", "-1", "true",
    ]

    mutating func decimal() -> JSON {
        let text = chance(0.6) ? pick(Self.plainDecimals) : pick(Self.edgeDecimals)
        return chance(0.5) && JSONNumberProbe.isNumber(text) ? .number(text) : .string(text)
    }

    mutating func identifier(for name: String) -> JSON {
        if chance(0.08), let ids = foreign[name] ?? foreign["order_id"], !ids.isEmpty { return .string(pick(ids)) }
        if chance(0.1) { return .string(pick(Self.oddStrings)) }
        let key = name.hasSuffix("s") ? String(name.dropLast()) : name
        if let values = seen[key] ?? seen[name], !values.isEmpty, chance(0.85) { return .string(pick(values)) }
        return .string("\(name.uppercased().prefix(4))-\(Int.random(in: 0..<1_000, using: &random))")
    }

    /// A value of the wrong JSON type, or a hostile shape.
    mutating func wrongValue() -> JSON {
        pick([.null, .bool(true), .number("1"), .number("-1e400"), .string("x"), .array([]), .object([:]),
              .array([.null, .number("1")]), .object(["a": .object(["b": .array([.string("c")])])]),
              .string(String(repeating: "9", count: 400))])
    }

    mutating func value(_ type: ParamType, name: String) -> JSON {
        if chance(0.07) { return wrongValue() }
        switch type {
        case .identifier, .string: return identifier(for: name)
        case .text: return chance(0.8) ? .string(pick(["fuzz", "Croissance — 成長", "reason \(Int.random(in: 0..<99, using: &random))"]))
                                       : .string(pick(Self.oddStrings))
        case .decimal: return decimal()
        case .integer: return .number(pick(["0", "1", "5", "100", "-1", "1000", "1001", "99999999999999999999", "1.5", "1e3"]))
        case .boolean: return .bool(chance(0.5))
        case .timestamp: return .string(pick(["2026-12-04T10:00:00Z", "2026-12-04", "0001-01-01T00:00:00Z",
                                              "9999-12-31T23:59:59.999999Z", "2026-02-30T00:00:00Z", "yesterday"]))
        case .oneOf(let values): return .string(chance(0.9) ? pick(values) : pick(["", "buy", "LIMIT", "x"]))
        case .object: return object(name)
        case .array(let element): return array(element, name: name)
        }
    }

    mutating func array(_ element: ParamType, name: String) -> JSON {
        switch name {
        case "proposed_orders": return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in proposal() })
        case "violations": return .array((0..<Int.random(in: 0...2, using: &random)).map { _ in
            .object(["rule_id": identifier(for: "rule_id"), "severity": .string(pick(["HARD", "SOFT", "x"])),
                     "description": value(.text, name: "description")])
        })
        default:
            if chance(0.03) {
                // A long array of a short element: 1,200 copies of the 10 KB string
                // would pass the line limit, which another test covers (-32600, id null).
                var one = value(element, name: name)
                if case .string(let text) = one, text.utf8.count > 200 { one = .string(String(text.prefix(50))) }
                return .array(Array(repeating: one, count: 1_200))
            }
            return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in value(element, name: name) })
        }
    }

    mutating func proposal() -> JSON {
        var fields: [String: JSON] = ["portfolio_id": identifier(for: "portfolio_id"),
                                      "instrument_id": identifier(for: "instrument_id"),
                                      "direction": .string(pick(Direction.allCases.map(\.rawValue))),
                                      "ordered_quantity": decimal()]
        if chance(0.7) { fields["limit_price"] = decimal() }
        if chance(0.05) { fields["extra"] = .bool(true) }
        return .object(fields)
    }

    mutating func object(_ name: String) -> JSON {
        switch name {
        case "parameters":
            var fields: [String: JSON] = [:]
            for key in ["max_pct", "max_quantity", "max_notional"] where chance(0.4) { fields[key] = decimal() }
            if chance(0.3) { fields["scope"] = .string(pick(["single_name", "issuer", "sector", "x"])) }
            if chance(0.3) { fields["instrument_ids"] = .array([identifier(for: "instrument_id")]) }
            if chance(0.2) { fields["instrument_id"] = identifier(for: "instrument_id") }
            return .object(fields)
        case "changes":
            var fields: [String: JSON] = [:]
            for key in ["ordered_quantity", "limit_price", "stop_price", "quantity"] where chance(0.3) { fields[key] = decimal() }
            if chance(0.2) { fields["counterparty_id"] = identifier(for: "counterparty_id") }
            if chance(0.2) { fields["account_id"] = identifier(for: "account_id") }
            if chance(0.2) { fields["metadata"] = object("metadata") }
            if chance(0.15) { fields["time_in_force"] = .string(pick(TimeInForce.allCases.map(\.rawValue))) }
            if chance(0.1) { fields["name"] = value(.text, name: "name") }
            if chance(0.1) { fields["active"] = .bool(chance(0.5)) }
            if chance(0.05) { fields["rule_id"] = .string("R-x") }
            return .object(fields)
        default:
            return .object(["desk": .string(pick(["EQ", "A\u{0}B", "é"])), "n": .number(pick(["1", "12345678901234567890.5", "1e308"])),
                            "deep": .array([.object(["x": .null])])])
        }
    }

    /// Params for `spec`: each known param present (required ones almost
    /// always), sometimes one missing or an unknown one added.
    mutating func params(for spec: MethodSpec) -> JSON {
        var fields: [String: JSON] = [:]
        for param in spec.params {
            let present = param.required ? !chance(0.04) : chance(param.name == "idempotency_key" ? 0.3 : 0.5)
            if present { fields[param.name] = value(param.type, name: param.name) }
        }
        if chance(0.03) { fields["unknown_field"] = .number("1") }
        if chance(0.01) { return pick([.array([.number("1")]), .string("x")]) }
        return .object(fields)
    }

    /// Remembers every id-like string in an answer, by its field name.
    mutating func harvest(_ json: JSON, under name: String = "") {
        switch json {
        case .string(let text) where name.hasSuffix("_id") || name.hasSuffix("_ids"):
            let key = name.hasSuffix("_ids") ? String(name.dropLast()) : name
            var values = seen[key, default: []]
            if !values.contains(text) {
                values.append(text)
                if values.count > 200 { values.removeFirst() }
                seen[key] = values
            }
        case .array(let items): for item in items { harvest(item, under: name) }
        case .object(let members): for (key, member) in members { harvest(member, under: key) }
        default: break
        }
    }
}

/// Whether a text is a JSON number (so it can be sent unquoted).
enum JSONNumberProbe {
    static func isNumber(_ text: String) -> Bool {
        (try? JSONParser.parse(Array(text.utf8)))?.isNumberValue ?? false
    }
}

extension JSON {
    var isNumberValue: Bool {
        if case .number = self { return true }
        return false
    }
}
