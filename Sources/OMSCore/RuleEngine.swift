import Foundation

/// The built-in compliance rule engine (DESIGN.md section 7): pure functions
/// of a portfolio snapshot, a proposed order and the rules.
///
/// NAV = cash + Σ position × last price. A projected position is position +
/// working quantity + the proposal. Held and working quantities are valued at
/// the last price, the proposal at its own price (limit, else last), and a
/// proposal leaves NAV unchanged (its cash leg offsets its market value), so
/// every measured figure is linear in the proposed quantity: an order of
/// exactly headroom / price passes, and one unit more fails.
public enum RuleEngine {
    /// Evaluates one proposal against the rules in force for its portfolio.
    /// Data a rule needs but lacks (a price, an issuer) is a violation of that
    /// rule saying so, never a silent zero.
    public static func evaluate(
        _ proposal: ProposedOrder, snapshot: PortfolioSnapshot, rules: [ComplianceRule]
    ) -> ComplianceOutcome {
        if let problem = proposal.domainProblem {
            // Fails closed whatever the rules: a figure outside the numeric
            // domain (an order stored before the domain was enforced) cannot
            // be measured by any rule.
            return ComplianceOutcome(violations: [
                Violation(ruleId: domainRuleId, ruleName: "numeric domain", severity: .hard,
                          description: "the order cannot be measured: \(problem)"),
            ])
        }
        let violations = rules.filter { $0.applies(to: proposal.portfolioId) }.compactMap { rule -> Violation? in
            breach(of: rule.definition, by: proposal, in: snapshot).map {
                Violation(ruleId: rule.ruleId, ruleName: rule.name, severity: rule.severity, description: $0)
            }
        }
        return ComplianceOutcome(violations: violations)
    }

    /// The rule id of the violation an order outside the numeric domain gets.
    public static let domainRuleId = "numeric_domain"

    /// Why the proposal breaks the rule, or nil when it does not.
    static func breach(of definition: RuleDefinition, by proposal: ProposedOrder, in snapshot: PortfolioSnapshot) -> String? {
        let market = Market(snapshot: snapshot)
        let id = proposal.instrumentId, quantity = proposal.orderedQuantity
        do throws(Unmeasurable) {
            switch definition {
            case .concentrationLimit(let maxPct, let scope):
                let group = try market.group(of: id, scope: scope)
                let nav = try market.nav()
                let limit = try Unmeasurable.arithmetic("the limit (max_pct × NAV)") { () throws(CheckedDecimal.Failure) in
                    try CheckedDecimal.multiply(maxPct, nav)
                }
                let value = try market.value(of: group, with: proposal)
                guard value > limit else { return nil }
                return "projected \(group.label) market value \(value) exceeds \(percent(maxPct)) of NAV \(nav) (\(limit))"
            case .maxOrderQuantity(let maximum):
                guard quantity > maximum else { return nil }
                return "ordered quantity \(quantity) exceeds the maximum \(maximum)"
            case .maxOrderNotional(let maximum):
                let price = try market.price(of: proposal)
                let notional = try Unmeasurable.arithmetic("the order notional") { () throws(CheckedDecimal.Failure) in
                    try CheckedDecimal.multiply(quantity, price)
                }
                guard notional > maximum else { return nil }
                return "order notional \(notional) (\(quantity) at \(price)) exceeds the maximum \(maximum)"
            case .restrictedList(let ids, let directions):
                guard ids.contains(id), directions?.contains(proposal.direction) ?? true else { return nil }
                return directions == nil
                    ? "\(id) is on the restricted list"
                    : "\(proposal.direction.rawValue) of \(id) is restricted"
            case .noShortSales:
                if proposal.direction == .sellShort { return "short sales are not allowed (SellShort of \(id))" }
                let projected = try market.projected(id, with: proposal)
                guard proposal.direction == .sell, projected < 0 else { return nil }
                return "selling \(quantity) of \(id) would take the projected position to \(projected)"
            case .maxPositionQuantity(let maximum, let only):
                if let only, only != id { return nil }
                let projected = try market.projected(id, with: proposal)
                guard projected > maximum else { return nil }
                return "projected position in \(id) \(projected) exceeds the maximum \(maximum)"
            }
        } catch {
            // Fails closed: the rule's severity decides (HARD fails, SOFT warns).
            return error.description
        }
    }

    /// `0.05` as `5%` (max_pct has at most 8 places, so × 100 is exact).
    static func percent(_ fraction: Decimal) -> String {
        "\((try? CheckedDecimal.multiply(fraction, 100)) ?? fraction)%"
    }
}

/// Why a rule cannot measure an order: a figure the snapshot lacks (a price,
/// an issuer) or arithmetic that cannot be carried out.
struct Unmeasurable: Error, CustomStringConvertible {
    var instrumentId: String?
    /// `price`, `issuer`, `sector`, or nil for arithmetic.
    var missing: String?
    var description: String

    init(instrumentId: String? = nil, missing: String? = nil, description: String) {
        self.instrumentId = instrumentId
        self.missing = missing
        self.description = description
    }

    /// Runs checked arithmetic for `what`, turning its failure into this error.
    static func arithmetic<T>(
        _ what: String, _ body: () throws(CheckedDecimal.Failure) -> T
    ) throws(Unmeasurable) -> T {
        do {
            return try body()
        } catch {
            throw Unmeasurable(description: "\(what) cannot be measured: \(error.description)")
        }
    }

    /// Missing data is NOT_FOUND naming the instrument; arithmetic that cannot
    /// be carried out is INVALID_ARGUMENT (the figures are out of range).
    var omsError: OMSError {
        guard let instrumentId, let missing else {
            return OMSError(.invalidArgument, description, details: ["field": "rule_id"])
        }
        return OMSError(.notFound, description, details: ["instrument_id": instrumentId, "missing": missing])
    }
}

/// A set of instruments measured together: one name, or an issuer or sector.
struct InstrumentGroup {
    var scope: ConcentrationScope
    /// The instrument id, issuer or sector.
    var key: String
    var members: [String]

    var label: String { scope == .singleName ? key : "\(scope.rawValue) \(key)" }
}

/// Valuation over a snapshot.
struct Market {
    let snapshot: PortfolioSnapshot

    func lastPrice(_ instrumentId: String, for purpose: String) throws(Unmeasurable) -> Decimal {
        guard let price = snapshot.prices[instrumentId] else {
            throw Unmeasurable(instrumentId: instrumentId, missing: "price",
                              description: "no last price for \(instrumentId): \(purpose) cannot be measured")
        }
        return price
    }

    /// The proposal's price: its limit price, else the last price.
    func price(of proposal: ProposedOrder) throws(Unmeasurable) -> Decimal {
        if let limit = proposal.limitPrice { return limit }
        return try lastPrice(proposal.instrumentId, for: "the order's value (no limit price)")
    }

    /// cash + Σ position × last price over recorded positions.
    func nav() throws(Unmeasurable) -> Decimal {
        var nav = snapshot.cash
        for (id, quantity) in snapshot.positions.sorted(by: { $0.key < $1.key }) where quantity != 0 {
            let price = try lastPrice(id, for: "NAV (position \(quantity))")
            nav = try Unmeasurable.arithmetic("NAV") { () throws(CheckedDecimal.Failure) in
                try CheckedDecimal.add(nav, try CheckedDecimal.multiply(quantity, price))
            }
        }
        return nav
    }

    /// The group `instrumentId` belongs to under `scope`.
    func group(of instrumentId: String, scope: ConcentrationScope) throws(Unmeasurable) -> InstrumentGroup {
        guard scope != .singleName else {
            return InstrumentGroup(scope: scope, key: instrumentId, members: [instrumentId])
        }
        guard let key = Self.key(snapshot.instruments[instrumentId], scope) else {
            throw Unmeasurable(instrumentId: instrumentId, missing: scope.rawValue,
                              description: "instrument \(instrumentId) has no \(scope.rawValue): "
                                  + "the \(scope.rawValue) limit cannot be measured")
        }
        let members = snapshot.instruments.filter { Self.key($0.value, scope) == key }.keys.sorted()
        return InstrumentGroup(scope: scope, key: key, members: members)
    }

    static func key(_ reference: PortfolioSnapshot.InstrumentReference?, _ scope: ConcentrationScope) -> String? {
        switch scope {
        case .singleName: nil
        case .issuer: reference?.issuer
        case .sector: reference?.sector
        }
    }

    /// Projected market value of a group: held and working quantity at the last
    /// price, plus the proposal (if in the group) at its own price.
    func value(of group: InstrumentGroup, with proposal: ProposedOrder?) throws(Unmeasurable) -> Decimal {
        let what = "the \(group.label) market value"
        var total: Decimal = 0
        for id in group.members {
            let quantity = try projected(id, with: nil)
            guard quantity != 0 else { continue }
            let price = try lastPrice(id, for: what)
            total = try Unmeasurable.arithmetic(what) { () throws(CheckedDecimal.Failure) in
                try CheckedDecimal.add(total, try CheckedDecimal.multiply(quantity, price))
            }
        }
        if let proposal, group.members.contains(proposal.instrumentId) {
            let price = try price(of: proposal)
            total = try Unmeasurable.arithmetic(what) { () throws(CheckedDecimal.Failure) in
                try CheckedDecimal.add(total, try CheckedDecimal.multiply(proposal.signedQuantity, price))
            }
        }
        return total
    }

    /// Position plus working quantity, plus the proposal when given.
    func projected(_ instrumentId: String, with proposal: ProposedOrder?) throws(Unmeasurable) -> Decimal {
        try Unmeasurable.arithmetic("the projected position in \(instrumentId)") { () throws(CheckedDecimal.Failure) in
            let held = try snapshot.checkedProjectedQuantity(instrumentId)
            return try CheckedDecimal.add(held, proposal?.signedQuantity ?? 0)
        }
    }
}
