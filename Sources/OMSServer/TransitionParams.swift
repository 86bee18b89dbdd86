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
/// field. An absent `severity` is HARD; a `severity`, `rule_name` or
/// `description` that is not a string is ignored, as it always was.
struct ReportedViolation: Decodable, Sendable {
    var violation: Violation

    private enum Key: CodingKey { case ruleId, ruleName, severity, description }

    init(from decoder: any Decoder) throws {
        let field = decoder.codingPath.fieldName
        let entry = try? decoder.container(keyedBy: Key.self)
        guard let entry, let ruleId = try? entry.decode(String.self, forKey: .ruleId) else {
            throw RPCError.invalidParams("\(field).rule_id is required", field: "violations")
        }
        let severity = ReportedViolation.string(entry, .severity).map(Severity.init(rawValue:)) ?? .hard
        guard let severity else {
            throw RPCError.invalidParams("\(field).severity must be HARD or SOFT", field: "violations")
        }
        try OrderValidation.requireIdentifier(ruleId, field: "\(field).rule_id")
        func text(_ key: Key) throws -> String? {
            guard let text = ReportedViolation.string(entry, key) else { return nil }
            if let problem = InputText.textProblem(text) {
                let name = "\(field).\(WireKey(member: key).stringValue)"
                throw OMSError(.invalidArgument, "\(name): \(problem)", details: ["field": name])
            }
            return text
        }
        let ruleName = try text(.ruleName)
        violation = Violation(ruleId: ruleId, ruleName: ruleName, severity: severity, description: try text(.description))
    }

    /// The member if it is a string; nil if absent, null or of another type.
    private static func string(_ entry: KeyedDecodingContainer<Key>, _ key: Key) -> String? {
        (try? entry.decodeIfPresent(String.self, forKey: key)) ?? nil
    }
}
