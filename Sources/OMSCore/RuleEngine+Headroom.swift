import Foundation

/// How much room a rule leaves: `headroom = limit_value − current_value`,
/// in the rule's own unit. An order adding exactly `headroom` (in quantity,
/// or in value at the order's price) passes the rule; a unit more fails.
public struct Headroom: Sendable, Equatable {
    /// What the figures count.
    public enum Unit: String, Sendable {
        /// Money in base currency (concentration, notional).
        case value
        /// Instrument quantity (order and position quantity limits).
        case quantity
    }

    /// The rule's measured figure now, with no proposal.
    public var currentValue: Decimal
    /// The rule's limit in the same unit.
    public var limitValue: Decimal
    /// Whether the figures are money or quantity.
    public var unit: Unit
    /// The instrument, issuer or sector measured; nil when the rule measures
    /// one order (quantity, notional) or nothing is held.
    public var measured: String?

    /// A headroom answer; `measured` names the instrument or group when there is one.
    public init(currentValue: Decimal, limitValue: Decimal, unit: Unit, measured: String? = nil) {
        self.currentValue = currentValue
        self.limitValue = limitValue
        self.unit = unit
        self.measured = measured
    }

    /// limit − current. The engine only returns a Headroom whose difference
    /// it checked (`RuleEngine.measure`), so this cannot fail for one of those.
    public var headroom: Decimal { (try? CheckedDecimal.subtract(limitValue, currentValue)) ?? 0 }

    /// headroom / limit, to 10 decimal places; nil when the limit is zero.
    public var headroomPct: Decimal? {
        guard limitValue != 0,
              let headroom = try? CheckedDecimal.subtract(limitValue, currentValue),
              let exact = try? CheckedDecimal.divide(headroom, limitValue)
        else { return nil }
        return CheckedDecimal.rounded(exact, places: 10)
    }
}

extension RuleEngine {
    /// The headroom a rule leaves a portfolio. For a concentration limit the
    /// current value is the market value of the most concentrated name (or
    /// issuer / sector), unless `instrumentId` names one; for a position limit,
    /// the largest projected position unless the rule or `instrumentId` names
    /// the instrument. Per-order limits measure 0 now. restricted_list and
    /// no_short_sales have no numeric limit: INVALID_ARGUMENT. A missing price
    /// or issuer / sector is NOT_FOUND naming the instrument.
    public static func headroom(
        _ rule: ComplianceRule, snapshot: PortfolioSnapshot, instrumentId: String? = nil
    ) throws(OMSError) -> Headroom {
        if case .maxPositionQuantity(_, let only?) = rule.definition, let instrumentId, instrumentId != only {
            throw .invalidArgument("instrument_id", "rule \(rule.ruleId) applies only to \(only)")
        }
        let measured: Headroom?
        do throws(Unmeasurable) {
            measured = try measure(rule.definition, Market(snapshot: snapshot), instrumentId: instrumentId)
            if let measured {
                _ = try Unmeasurable.arithmetic("the headroom") { () throws(CheckedDecimal.Failure) in
                    try CheckedDecimal.subtract(measured.limitValue, measured.currentValue)
                }
            }
        } catch {
            throw error.omsError
        }
        guard let measured else {
            throw .invalidArgument("rule_id", "a \(rule.ruleType.rawValue) rule has no numeric limit, so no headroom")
        }
        return measured
    }

    /// The rule's headroom, or nil for rules without a numeric limit.
    static func measure(
        _ definition: RuleDefinition, _ market: Market, instrumentId: String?
    ) throws(Unmeasurable) -> Headroom? {
        let snapshot = market.snapshot
        switch definition {
        case .concentrationLimit(let maxPct, let scope):
            let nav = try market.nav()
            let limit = try Unmeasurable.arithmetic("the limit (max_pct × NAV)") { () throws(CheckedDecimal.Failure) in
                try CheckedDecimal.multiply(maxPct, nav)
            }
            if let instrumentId {
                let group = try market.group(of: instrumentId, scope: scope)
                return Headroom(currentValue: try market.value(of: group, with: nil), limitValue: limit, unit: .value,
                                measured: group.key)
            }
            // A name not held measures 0, so the largest is at least 0.
            var largest: (value: Decimal, key: String)?
            for group in try heldGroups(market, scope) {
                let value = try market.value(of: group, with: nil)
                if value > (largest?.value ?? 0) { largest = (value, group.key) }
            }
            return Headroom(currentValue: largest?.value ?? 0, limitValue: limit, unit: .value, measured: largest?.key)
        case .maxOrderQuantity(let maximum):
            return Headroom(currentValue: 0, limitValue: maximum, unit: .quantity)
        case .maxOrderNotional(let maximum):
            return Headroom(currentValue: 0, limitValue: maximum, unit: .value)
        case .maxPositionQuantity(let maximum, let only):
            if let target = only ?? instrumentId {
                return Headroom(currentValue: try market.projected(target, with: nil), limitValue: maximum,
                                unit: .quantity, measured: target)
            }
            var largest: (value: Decimal, key: String)?
            for id in snapshot.projectedInstruments {
                let quantity = try market.projected(id, with: nil)
                if quantity > (largest?.value ?? 0) { largest = (quantity, id) }
            }
            return Headroom(currentValue: largest?.value ?? 0, limitValue: maximum, unit: .quantity, measured: largest?.key)
        case .restrictedList, .noShortSales:
            return nil
        }
    }

    /// The groups of every instrument with a projected quantity. For issuer and
    /// sector scope, instruments without that attribute belong to no group
    /// (evaluating an order in one reports it instead).
    static func heldGroups(_ market: Market, _ scope: ConcentrationScope) throws(Unmeasurable) -> [InstrumentGroup] {
        var seen: Set<String> = []
        var groups: [InstrumentGroup] = []
        for id in market.snapshot.projectedInstruments {
            guard scope == .singleName || Market.key(market.snapshot.instruments[id], scope) != nil else { continue }
            let group = try market.group(of: id, scope: scope)
            if seen.insert(group.key).inserted { groups.append(group) }
        }
        return groups
    }
}
