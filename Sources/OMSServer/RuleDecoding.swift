import Foundation
import OMSCore
import OMSProtocol

/// Reads the nested objects of the rule and compliance methods: rule
/// `parameters`, `update_rule`'s `changes`, and what-if `proposed_orders`.
/// Shapes and JSON types are checked here; values by the kernel.
enum RuleDecoding {
    /// Rule parameters: each a known name of the right JSON type. Problems are
    /// INVALID_ARGUMENT naming `parameters.<name>`, like the kernel's checks.
    static func parameters(_ object: [String: JSON]) throws(OMSError) -> RuleParameters {
        if let unknown = object.keys.sorted().first(where: { !RuleParameters.names.contains($0) }) {
            throw OMSError(.invalidArgument, "parameters.\(unknown): is not a parameter of any rule type",
                           details: ["field": "parameters.\(unknown)"])
        }
        func value<T>(_ name: String, _ what: String, _ read: (JSON) -> T?) throws(OMSError) -> T? {
            guard let json = object[name], !json.isNull else { return nil }
            guard let value = read(json) else {
                throw OMSError(.invalidArgument, "parameters.\(name): must be \(what)",
                               details: ["field": "parameters.\(name)"])
            }
            return value
        }
        let strings: (JSON) -> [String]? = { json in
            json.arrayValue.flatMap { items in
                let strings = items.compactMap(\.stringValue)
                return strings.count == items.count ? strings : nil
            }
        }
        return RuleParameters(
            maxPct: try value("max_pct", "a decimal", \.decimalValue),
            scope: try value("scope", "a string", \.stringValue),
            maxQuantity: try value("max_quantity", "a decimal", \.decimalValue),
            maxNotional: try value("max_notional", "a decimal", \.decimalValue),
            instrumentIds: try value("instrument_ids", "an array of strings", strings),
            directions: try value("directions", "an array of strings", strings),
            instrumentId: try value("instrument_id", "a string", \.stringValue))
    }

    static let changeableFields = ["rule_type", "parameters", "target_accounts", "name", "severity", "active"]

    /// `update_rule`'s changes. Immutable fields are passed on for the kernel
    /// to refuse (FIELD_LOCKED); any other unknown name is invalid params.
    static func changes(_ object: [String: JSON]) throws -> RuleChanges {
        if let refusal = RPCError.unknownChange(in: object, known: changeableFields + ComplianceRule.immutableFields,
                                                changeable: changeableFields) {
            throw refusal
        }
        func value<T>(_ name: String, _ type: ParamType, _ read: (JSON) -> T?) throws -> T? {
            guard let json = object[name] else { return nil }
            guard type.accepts(json), let value = read(json) else {
                throw RPCError.invalidParams("changes.\(name) must be \(type.name)", field: "changes.\(name)")
            }
            if let (field, why) = type.contentProblem(json, at: "changes.\(name)") {
                throw OMSError(.invalidArgument, "\(field): \(why)", details: ["field": field])
            }
            return value
        }
        return RuleChanges(
            ruleType: try value("rule_type", ParamSpec.ruleType) { $0.stringValue.flatMap(RuleType.init(rawValue:)) },
            parameters: try value("parameters", .object, \.objectValue).map(parameters),
            targetAccounts: try value("target_accounts", .array(.identifier)) { $0.arrayValue?.compactMap(\.stringValue) },
            name: try value("name", .text, \.stringValue),
            severity: try value("severity", ParamSpec.severity) { $0.stringValue.flatMap(Severity.init(rawValue:)) },
            active: try value("active", .boolean, \.boolValue),
            immutableFieldsNamed: ComplianceRule.immutableFields.filter { object[$0] != nil })
    }
}

/// One element of what-if `proposed_orders`, checked like a method's params
/// (names, types, content) with errors naming `proposed_orders[i].<field>`.
struct WhatIfProposal: Decodable, Sendable {
    var order: ProposedOrder

    /// The fields of a proposal.
    struct Fields: MethodParams {
        var portfolioId: String
        var instrumentId: String
        var direction: Direction
        var orderedQuantity: Decimal
        var limitPrice: Decimal?

        static let specs: [ParamSpec] = [
            ParamSpec("portfolio_id", .identifier), ParamSpec("instrument_id", .identifier),
            ParamSpec("direction", ParamSpec.direction), ParamSpec("ordered_quantity", .decimal),
            .optional("limit_price", .decimal, "else the instrument's last price"),
        ]
    }

    init(from decoder: any Decoder) throws {
        let prefix = decoder.codingPath.fieldName
        let item = try JSON(from: decoder)
        guard item.objectValue != nil else {
            throw RPCError.invalidParams("\(prefix) must be an object", field: prefix)
        }
        let fields: Fields
        do {
            fields = try Params(item, specs: Fields.specs).decode(Fields.self)
        } catch let error as RPCError {
            // The inner error keeps its code (INVALID_PARAMS or INVALID_ARGUMENT); its field gets the prefix.
            let field = error.data?["field"]?.stringValue.map { "\(prefix).\($0)" } ?? prefix
            var data = error.data?.objectValue ?? [:]
            data["field"] = .string(field)
            throw RPCError(code: error.code, message: "\(prefix): \(error.message)", data: .object(data))
        }
        order = ProposedOrder(portfolioId: fields.portfolioId, instrumentId: fields.instrumentId,
                              direction: fields.direction, orderedQuantity: fields.orderedQuantity,
                              limitPrice: fields.limitPrice)
    }
}

extension ParamSpec {
    static let ruleType = ParamType.oneOf(RuleType.allCases.map(\.rawValue))
    static let severity = ParamType.oneOf(Severity.allCases.map(\.rawValue))
}
