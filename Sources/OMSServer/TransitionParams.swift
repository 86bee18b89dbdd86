import OMSCore
import OMSProtocol
import OMSStore

/// The params of a lifecycle transition: the order, and what the command
/// records with it (a reason, violations, an approver).
protocol TransitionParams: MethodParams {
    var orderId: String { get }
    var details: OrderStore.TransitionDetails { get }
}

extension OrderIdParams: TransitionParams {
    var details: OrderStore.TransitionDetails { OrderStore.TransitionDetails() }
}

/// `oms.cancel_order`.
struct CancelOrderParams: TransitionParams {
    var orderId: String
    var reason: String?

    static let specs: [ParamSpec] = [.orderId, .optional("reason", .text)]
    var details: OrderStore.TransitionDetails { OrderStore.TransitionDetails(reason: reason) }
}

/// `oms.reject_order`.
struct RejectOrderParams: TransitionParams {
    var orderId: String
    var reason: String

    static let specs: [ParamSpec] = [.orderId, ParamSpec("reason", .text)]
    var details: OrderStore.TransitionDetails { OrderStore.TransitionDetails(reason: reason) }
}

/// `oms.fail_pre_trade_compliance`, `oms.fail_post_trade_compliance`.
struct FailComplianceParams: TransitionParams {
    var orderId: String
    var violations: [ReportedViolation]

    static let specs: [ParamSpec] = [
        .orderId,
        ParamSpec("violations", .array(.object), "[{rule_id, rule_name, severity (HARD|SOFT), description}]"),
    ]
    var details: OrderStore.TransitionDetails { OrderStore.TransitionDetails(violations: violations.map(\.violation)) }
}

/// `oms.override_pre_trade_compliance`, `oms.override_post_trade_compliance`.
struct OverrideComplianceParams: TransitionParams {
    var orderId: String
    var reason: String
    var approverId: String

    static let specs: [ParamSpec] = [.orderId, ParamSpec("reason", .text), ParamSpec("approver_id", .identifier)]
    var details: OrderStore.TransitionDetails { OrderStore.TransitionDetails(reason: reason, approverId: approverId) }
}

/// One element of `violations`. Its messages are the ones clients have
/// always had: a missing or non-string `rule_id` and an unknown `severity` are
/// INVALID_PARAMS with field `violations`; bad content of `rule_id`,
/// `rule_name` or `description` is INVALID_ARGUMENT naming the element's
/// field. An absent or null `severity` is HARD, an absent or null
/// `rule_name` or `description` is none. A member that is present with
/// another JSON type (`"severity": 5`, `"rule_name": true`) is INVALID_PARAMS
/// naming it: it is never read as the default, which would record a HARD
/// violation the caller did not send; so is a member of another name.
struct ReportedViolation: Decodable, Sendable {
    var violation: Violation

    /// The members a violation may have.
    static let members = ["rule_id", "rule_name", "severity", "description"]

    init(from decoder: any Decoder) throws {
        let field = decoder.codingPath.fieldName
        let entry = try JSON(from: decoder).objectValue ?? [:]
        guard let ruleId = entry["rule_id"]?.stringValue else {
            throw RPCError.invalidParams("\(field).rule_id is required", field: "violations")
        }
        // A misspelt member (`severty`) would otherwise leave its default in place.
        if let unknown = entry.keys.filter({ !Self.members.contains($0) }).min() {
            throw RPCError.invalidParams(
                "\(field).\(unknown) is not a member of a violation (\(Self.members.joined(separator: ", ")))",
                field: "violations")
        }
        /// The member's string; nil when absent or null; a refusal for any other type.
        func string(_ name: String, _ what: String) throws -> String? {
            guard let value = entry[name], !value.isNull else { return nil }
            guard let text = value.stringValue else {
                throw RPCError.invalidParams("\(field).\(name) must be \(what)", field: "violations")
            }
            return text
        }
        let severity = try string("severity", "HARD or SOFT").map(Severity.init(rawValue:)) ?? .hard
        guard let severity else {
            throw RPCError.invalidParams("\(field).severity must be HARD or SOFT", field: "violations")
        }
        let ruleName = try string("rule_name", "a string")
        let description = try string("description", "a string")
        try OrderValidation.requireIdentifier(ruleId, field: "\(field).rule_id")
        for (name, text) in [("rule_name", ruleName), ("description", description)] {
            if let text, let problem = InputText.textProblem(text) {
                throw OMSError(.invalidArgument, "\(field).\(name): \(problem)", details: ["field": "\(field).\(name)"])
            }
        }
        violation = Violation(ruleId: ruleId, ruleName: ruleName, severity: severity, description: description)
    }
}
