import Foundation
import OMSCore
import OMSProtocol
import OMSStore

/// Rules, verdicts and headroom as wire JSON.
extension Wire {
    static func rule(_ rule: ComplianceRule) -> JSON {
        .object([
            "rule_id": .string(rule.ruleId),
            "deployment_id": optional(rule.deploymentId),
            "rule_type": .string(rule.ruleType.rawValue),
            "name": .string(rule.name),
            "parameters": parameters(rule.parameters),
            "target_accounts": .array(rule.targetAccounts.map(JSON.string)),
            "severity": .string(rule.severity.rawValue),
            "active": .bool(rule.active),
            "version": .int(rule.version),
            "created_by": .string(rule.createdBy),
            "created_at": .date(rule.createdAt),
            "updated_at": .date(rule.updatedAt),
        ])
    }

    /// The parameters that are set; decimals as strings.
    static func parameters(_ parameters: RuleParameters) -> JSON {
        var object: [String: JSON] = [:]
        object["max_pct"] = parameters.maxPct.map(JSON.decimal)
        object["scope"] = parameters.scope.map(JSON.string)
        object["max_quantity"] = parameters.maxQuantity.map(JSON.decimal)
        object["max_notional"] = parameters.maxNotional.map(JSON.decimal)
        object["instrument_ids"] = parameters.instrumentIds.map { .array($0.map(JSON.string)) }
        object["directions"] = parameters.directions.map { .array($0.map(JSON.string)) }
        object["instrument_id"] = parameters.instrumentId.map(JSON.string)
        return .object(object)
    }

    static func violation(_ violation: Violation) -> JSON {
        .object([
            "rule_id": .string(violation.ruleId),
            "rule_name": optional(violation.ruleName),
            "severity": .string(violation.severity.rawValue),
            "description": optional(violation.description),
        ])
    }

    static func outcome(_ outcome: ComplianceOutcome) -> JSON {
        .object(["passed": .bool(outcome.passed), "violations": .array(outcome.violations.map(violation))])
    }

    /// Decimals as strings, except `headroom_pct`: a JSON number (as the SDK
    /// page shows it), null when the limit is zero.
    static func headroom(_ headroom: Headroom, portfolioId: String, ruleId: String) -> JSON {
        .object([
            "portfolio_id": .string(portfolioId),
            "rule_id": .string(ruleId),
            "measured": optional(headroom.measured),
            "unit": .string(headroom.unit.rawValue),
            "current_value": .decimal(headroom.currentValue),
            "limit_value": .decimal(headroom.limitValue),
            "headroom": .decimal(headroom.headroom),
            "headroom_pct": headroom.headroomPct.map { .number($0.description) } ?? .null,
        ])
    }
}

extension Wire {
    /// An event of either stream as a subscriber receives it.
    static func feedEvent(_ event: FeedEvent) -> JSON {
        switch event.body {
        case .order(let orderEvent, let portfolioId):
            let encoded = Wire.event(orderEvent, storedPayload: event.payloadJSON)
            guard case .object(var object) = encoded else { return encoded }
            object["portfolio_id"] = .string(portfolioId)
            return .object(object)
        case .compliance(let e):
            return .object([
                "event_id": .int(Int(e.eventId)),
                "event_type": .string(e.eventType.rawValue),
                "severity": optional(e.severity?.rawValue),
                "portfolio_id": e.portfolioIds.count == 1 ? .string(e.portfolioIds[0]) : .null,
                "portfolio_ids": .array(e.portfolioIds.map(JSON.string)),
                "rule_id": optional(e.ruleId),
                "order_id": optional(e.orderId),
                "details": (try? JSONParser.parse(e.detailsJSON)) ?? .object([:]),
                "occurred_at": .date(e.occurredAt),
                "recorded_at": .date(e.recordedAt),
            ])
        }
    }
}
