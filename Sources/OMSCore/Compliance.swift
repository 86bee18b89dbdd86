/// A rule a compliance check found broken.
public struct Violation: Sendable, Equatable, Codable {
    /// The rule broken.
    public var ruleId: String
    /// The rule's name, for people.
    public var ruleName: String?
    /// Whether the violation fails the order (HARD) or is only reported (SOFT).
    public var severity: Severity
    /// Why the rule counts as broken, for people; nil when the rule gives no reason.
    public var description: String?

    /// A violation of `ruleId`, HARD unless given.
    public init(ruleId: String, ruleName: String? = nil, severity: Severity = .hard, description: String? = nil) {
        self.ruleId = ruleId
        self.ruleName = ruleName
        self.severity = severity
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case ruleId = "rule_id", ruleName = "rule_name", severity, description
    }
}

/// HARD violations block an order; SOFT ones are reported only.
public enum Severity: String, Sendable, CaseIterable, Codable {
    case hard = "HARD"
    case soft = "SOFT"
}

/// Which compliance gate a verdict belongs to.
public enum CompliancePhase: String, Sendable, CaseIterable, Codable {
    case preTrade = "PRE_TRADE"
    case postTrade = "POST_TRADE"
}

/// A compliance decision on an order.
public enum ComplianceVerdict: String, Sendable, CaseIterable, Codable {
    case passed = "PASSED"
    case failed = "FAILED"
    case overridden = "OVERRIDDEN"
}

extension OrderCommand {
    /// The compliance phase and verdict this command records, if it is a verdict.
    public var complianceVerdict: (phase: CompliancePhase, verdict: ComplianceVerdict)? {
        switch self {
        case .passPreTradeCompliance: (.preTrade, .passed)
        case .failPreTradeCompliance: (.preTrade, .failed)
        case .overridePreTradeCompliance: (.preTrade, .overridden)
        case .passPostTradeCompliance: (.postTrade, .passed)
        case .failPostTradeCompliance: (.postTrade, .failed)
        case .overridePostTradeCompliance: (.postTrade, .overridden)
        case .createOrder, .updateOrder, .requestPreTradeCompliance, .sendToTrader, .createPlacement, .recordFill,
             .closeOrder, .sendToOperations, .requestPostTradeCompliance, .confirmOrder, .settleOrder, .reconcileOrder,
             .cancelOrder, .rejectOrder, .createAllocation, .updateAllocation:
            nil
        }
    }
}
