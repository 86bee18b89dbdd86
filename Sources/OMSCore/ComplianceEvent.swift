import Foundation

/// One entry of the compliance event stream (DESIGN.md section 7).
public struct ComplianceEvent: Sendable, Equatable {
    /// What happened: a verdict, a rule change, or a breach found or cleared.
    public enum EventType: String, Sendable, CaseIterable {
        case preTradePassed = "PRE_TRADE_PASSED", preTradeFailed = "PRE_TRADE_FAILED"
        case preTradeOverridden = "PRE_TRADE_OVERRIDDEN"
        case postTradePassed = "POST_TRADE_PASSED", postTradeFailed = "POST_TRADE_FAILED"
        case postTradeOverridden = "POST_TRADE_OVERRIDDEN"
        case ruleCreated = "RULE_CREATED", ruleUpdated = "RULE_UPDATED", ruleDeleted = "RULE_DELETED"
        case breach = "BREACH", breachCleared = "BREACH_CLEARED"
    }

    /// The event's id in the compliance stream.
    public var eventId: Int64
    /// What happened.
    public var eventType: EventType
    /// The rule's severity, for verdicts and breaches.
    public var severity: Severity?
    /// The order's portfolio, the breached portfolio, or a rule's target accounts.
    public var portfolioIds: [String]
    /// The rule concerned, if any.
    public var ruleId: String?
    /// The order concerned, for verdicts.
    public var orderId: String?
    /// The event's details as stored (a JSON object).
    public var detailsJSON: String
    /// When it happened.
    public var occurredAt: Date
    /// When the database recorded it.
    public var recordedAt: Date

    /// An event with every field given.
    public init(eventId: Int64, eventType: EventType, severity: Severity?, portfolioIds: [String], ruleId: String?,
                orderId: String?, detailsJSON: String, occurredAt: Date, recordedAt: Date) {
        self.eventId = eventId
        self.eventType = eventType
        self.severity = severity
        self.portfolioIds = portfolioIds
        self.ruleId = ruleId
        self.orderId = orderId
        self.detailsJSON = detailsJSON
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
    }
}

extension RuleEngine {
    /// Whether a portfolio is over a rule's limit as it stands (positions and
    /// working orders, no proposal), with the measurement; nil for rules that
    /// limit single orders or have no numeric limit, and when data the rule
    /// needs (a price, an issuer) is missing, so an unknown never flips a breach.
    public static func standing(_ rule: ComplianceRule, snapshot: PortfolioSnapshot) -> (breached: Bool, measure: Headroom)? {
        switch rule.definition {
        case .concentrationLimit, .maxPositionQuantity:
            guard let measure = try? headroom(rule, snapshot: snapshot) else { return nil }
            return (measure.currentValue > measure.limitValue, measure)
        case .maxOrderQuantity, .maxOrderNotional, .restrictedList, .noShortSales:
            return nil
        }
    }
}
