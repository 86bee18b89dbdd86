import Foundation
@testable import OMSCore
import Testing

private let epoch = Date(timeIntervalSince1970: 0)

private func rule(_ definition: RuleDefinition, id: String = "R-1", severity: Severity = .hard, active: Bool = true,
                  targets: [String] = ["PORT-001"]) -> ComplianceRule {
    ComplianceRule(ruleId: id, name: "\(definition.ruleType.rawValue) rule", definition: definition,
                   targetAccounts: targets, severity: severity, active: active, createdBy: "compliance",
                   createdAt: epoch, updatedAt: epoch)
}

private func buy(_ quantity: Decimal, _ instrument: String = "INS-1", limit: Decimal? = nil,
                 _ direction: Direction = .buy) -> ProposedOrder {
    ProposedOrder(portfolioId: "PORT-001", instrumentId: instrument, direction: direction, orderedQuantity: quantity,
                  limitPrice: limit)
}

/// Cash 1,000,000 and 1,000 INS-1 at 100: NAV 1,100,000.
private let book = PortfolioSnapshot(
    portfolioId: "PORT-001", cash: 1_000_000, positions: ["INS-1": 1000],
    instruments: ["INS-1": .init(issuer: "ACME", sector: "Tech"), "INS-2": .init(issuer: "ACME", sector: "Tech"),
                  "INS-3": .init(issuer: "Other")],
    prices: ["INS-1": 100, "INS-2": 50, "INS-3": 10])

private func check(_ proposal: ProposedOrder, _ rules: [ComplianceRule], in snapshot: PortfolioSnapshot = book)
    -> ComplianceOutcome
{
    RuleEngine.evaluate(proposal, snapshot: snapshot, rules: rules)
}

@Suite("Rule parameters and rule changes")
struct RuleDefinitionTests {
    func field(_ type: RuleType, _ parameters: RuleParameters) -> String? {
        do {
            _ = try RuleDefinition(type, parameters)
            return nil
        } catch {
            #expect(error.code == .invalidArgument)
            return error.details["field"]
        }
    }

    @Test("each rule type checks its parameters and names the bad one")
    func parameterChecks() throws {
        #expect(field(.concentrationLimit, RuleParameters()) == "parameters.max_pct")
        #expect(field(.concentrationLimit, RuleParameters(maxPct: 0)) == "parameters.max_pct")
        #expect(field(.concentrationLimit, RuleParameters(maxPct: Decimal(string: "1.0001")!)) == "parameters.max_pct")
        #expect(field(.concentrationLimit, RuleParameters(maxPct: 1)) == nil)
        #expect(field(.concentrationLimit, RuleParameters(maxPct: 0.05, scope: "country")) == "parameters.scope")
        #expect(field(.concentrationLimit, RuleParameters(maxPct: 0.05, maxQuantity: 5)) == "parameters.max_quantity")
        #expect(try RuleDefinition(.concentrationLimit, RuleParameters(maxPct: 0.05))
                == .concentrationLimit(maxPct: 0.05, scope: .singleName))
        #expect(field(.maxOrderQuantity, RuleParameters()) == "parameters.max_quantity")
        #expect(field(.maxOrderQuantity, RuleParameters(maxQuantity: 0)) == "parameters.max_quantity")
        #expect(field(.maxOrderNotional, RuleParameters(maxNotional: -1)) == "parameters.max_notional")
        #expect(field(.restrictedList, RuleParameters()) == "parameters.instrument_ids")
        #expect(field(.restrictedList, RuleParameters(instrumentIds: [])) == "parameters.instrument_ids")
        #expect(field(.restrictedList, RuleParameters(instrumentIds: ["INS-1"], directions: ["Up"])) == "parameters.directions")
        #expect(field(.restrictedList, RuleParameters(instrumentIds: ["INS-1"], directions: [])) == "parameters.directions")
        #expect(field(.noShortSales, RuleParameters(maxPct: 0.1)) == "parameters.max_pct")
        #expect(field(.noShortSales, RuleParameters()) == nil)
        #expect(field(.maxPositionQuantity, RuleParameters(instrumentId: "INS-1")) == "parameters.max_quantity")
        #expect(field(.maxPositionQuantity, RuleParameters(maxQuantity: 10, instrumentId: "INS 1")) == "parameters.instrument_id")
    }

    @Test("parameters round-trip through their stored JSON exactly, decimals as strings")
    func storedForm() throws {
        let parameters = RuleParameters(maxPct: Decimal(string: "0.0512345678901234567890123")!, scope: "issuer")
        let json = try JSONEncoder().encode(parameters)
        #expect(String(decoding: json, as: UTF8.self).contains("\"0.0512345678901234567890123\""))
        #expect(try JSONDecoder().decode(RuleParameters.self, from: json) == parameters)
    }

    @Test("a new rule is checked and named; immutable fields in an update are FIELD_LOCKED")
    func createAndUpdate() throws {
        let created = try NewRule(ruleType: .maxOrderQuantity, parameters: RuleParameters(maxQuantity: 100),
                                  targetAccounts: ["PORT-001", "PORT-001"], deploymentId: "DEP-1")
            .makeRule(ruleId: "R-1", createdBy: "compliance", at: epoch)
        #expect(created.name == "max_order_quantity" && created.targetAccounts == ["PORT-001"] && created.version == 1)
        let noTargets = #expect(throws: OMSError.self) {
            try NewRule(ruleType: .noShortSales, targetAccounts: []).makeRule(ruleId: "R", createdBy: "c", at: epoch)
        }
        #expect(noTargets?.details["field"] == "target_accounts")

        let later = epoch.addingTimeInterval(60)
        let updated = try created.applying(RuleChanges(parameters: RuleParameters(maxQuantity: 200), severity: .soft), at: later)
        #expect(updated.definition == .maxOrderQuantity(maxQuantity: 200) && updated.severity == .soft)
        #expect(updated.version == 2 && updated.updatedAt == later && updated.createdAt == epoch && updated.deploymentId == "DEP-1")
        let retyped = try created.applying(RuleChanges(ruleType: .maxPositionQuantity), at: later)
        #expect(retyped.definition == .maxPositionQuantity(maxQuantity: 100, instrumentId: nil))

        let locked = #expect(throws: OMSError.self) {
            try created.applying(RuleChanges(name: "x", immutableFieldsNamed: ["deployment_id", "created_at"]), at: later)
        }
        #expect(locked?.code == .fieldLocked && locked?.details["fields"] == "deployment_id,created_at")
        let empty = #expect(throws: OMSError.self) { try created.applying(RuleChanges(), at: later) }
        #expect(empty?.code == .invalidArgument)
        let misfit = #expect(throws: OMSError.self) { try created.applying(RuleChanges(ruleType: .noShortSales), at: later) }
        #expect(misfit?.details["field"] == "parameters.max_quantity")
        #expect(created.deleted(at: later).active == false && created.deleted(at: later).version == 2)
    }
}

@Suite("Rule engine")
struct RuleEngineTests {
    @Test("concentration: NAV is cash plus positions at last price; the proposal is valued at its limit price")
    func singleName() {
        let limit = [rule(.concentrationLimit(maxPct: 0.1, scope: .singleName))]  // 10% of 1,100,000 = 110,000
        #expect(check(buy(200, limit: 50), limit).passed)                         // 100,000 + 10,000
        let over = check(buy(201, limit: 50), limit)
        #expect(!over.passed)
        #expect(over.violations.first?.description?.contains("110000") == true)
        #expect(check(buy(100), limit).passed)                                     // at last price 100
        #expect(!check(buy(101), limit).passed)
        #expect(check(buy(2200, "INS-2"), limit).passed)                           // 110,000 of INS-2
        #expect(!check(buy(2201, "INS-2"), limit).passed)
    }

    @Test("working orders count in the projected position; NAV counts positions only")
    func workingOrders() {
        var snapshot = book
        snapshot.working = ["INS-1": 100]  // 110,000 already projected
        let limit = [rule(.concentrationLimit(maxPct: 0.1, scope: .singleName))]
        #expect(!check(buy(1), limit, in: snapshot).passed)
        #expect(check(buy(1, "INS-2"), limit, in: snapshot).passed)
        #expect(check(buy(1, "INS-1", limit: 1, .sell), limit, in: snapshot).passed)
    }

    @Test("issuer and sector limits add up the group; an instrument without the attribute is a violation")
    func groups() {
        var snapshot = book
        snapshot.positions["INS-2"] = 200  // NAV 1,110,000; ACME 100,000 + 10,000
        let issuer = [rule(.concentrationLimit(maxPct: 0.1, scope: .issuer))]  // limit 111,000
        #expect(check(buy(20, "INS-2"), issuer, in: snapshot).passed)
        #expect(!check(buy(21, "INS-2"), issuer, in: snapshot).passed)
        #expect(check(buy(100, "INS-3"), issuer, in: snapshot).passed)
        let sector = [rule(.concentrationLimit(maxPct: 0.1, scope: .sector))]
        let unclassified = check(buy(1, "INS-3"), sector, in: snapshot)
        #expect(!unclassified.passed)
        #expect(unclassified.violations.first?.description?.contains("INS-3 has no sector") == true)
    }

    @Test("a missing price needed for a rule is a violation that says so, never a zero")
    func missingPrice() {
        var snapshot = book
        snapshot.prices["INS-1"] = nil
        let concentration = check(buy(1, "INS-2"), [rule(.concentrationLimit(maxPct: 0.5, scope: .singleName))], in: snapshot)
        #expect(!concentration.passed)
        #expect(concentration.violations.first?.description?.contains("no last price for INS-1") == true)
        let notional = [rule(.maxOrderNotional(maxNotional: 1_000_000))]
        #expect(!check(buy(1, "INS-4"), notional).passed)
        #expect(check(buy(1, "INS-4", limit: 5), notional).passed)
        #expect(check(buy(1, "INS-1"), [rule(.maxOrderQuantity(maxQuantity: 5))], in: snapshot).passed)
        let headroom = #expect(throws: OMSError.self) {
            try RuleEngine.headroom(rule(.concentrationLimit(maxPct: 0.5, scope: .singleName)), snapshot: snapshot)
        }
        #expect(headroom?.code == .notFound && headroom?.details["instrument_id"] == "INS-1")
    }

    @Test("order quantity and notional limits: equal passes, above fails")
    func orderLimits() {
        let quantity = [rule(.maxOrderQuantity(maxQuantity: 1000))]
        #expect(check(buy(1000), quantity).passed)
        #expect(!check(buy(Decimal(string: "1000.5")!), quantity).passed)
        let notional = [rule(.maxOrderNotional(maxNotional: 10_000))]
        #expect(check(buy(100), notional).passed)
        #expect(!check(buy(101), notional).passed)
        #expect(check(buy(200, limit: 50), notional).passed)
        #expect(!check(buy(201, limit: 50), notional).passed)
    }

    @Test("restricted list: listed instruments fail, for the listed directions only when given")
    func restrictedList() {
        let any = [rule(.restrictedList(instrumentIds: ["INS-2"], directions: nil))]
        #expect(!check(buy(1, "INS-2"), any).passed)
        #expect(check(buy(1, "INS-1"), any).passed)
        let buys = [rule(.restrictedList(instrumentIds: ["INS-2"], directions: [.buy]))]
        #expect(!check(buy(1, "INS-2"), buys).passed)
        #expect(check(buy(1, "INS-2", limit: nil, .sell), buys).passed)
    }

    @Test("no short sales: SellShort fails; a Sell fails only below a zero projected position")
    func noShortSales() {
        let rules = [rule(.noShortSales)]
        #expect(!check(buy(1, "INS-1", limit: nil, .sellShort), rules).passed)
        #expect(check(buy(1000, "INS-1", limit: nil, .sell), rules).passed)
        #expect(!check(buy(1001, "INS-1", limit: nil, .sell), rules).passed)
        var snapshot = book
        snapshot.working = ["INS-1": -600]
        #expect(check(buy(400, "INS-1", limit: nil, .sell), rules, in: snapshot).passed)
        #expect(!check(buy(401, "INS-1", limit: nil, .sell), rules, in: snapshot).passed)
        #expect(check(buy(5, "INS-1", limit: nil, .buyToCover), rules).passed)
    }

    @Test("max position quantity: projected position, optionally for one instrument")
    func maxPosition() {
        let any = [rule(.maxPositionQuantity(maxQuantity: 1500, instrumentId: nil))]
        #expect(check(buy(500), any).passed)
        #expect(!check(buy(501), any).passed)
        #expect(check(buy(1500, "INS-2"), any).passed)
        let only = [rule(.maxPositionQuantity(maxQuantity: 1500, instrumentId: "INS-2"))]
        #expect(check(buy(5000), only).passed)
        #expect(!check(buy(1501, "INS-2"), only).passed)
    }

    @Test("SOFT violations are reported and pass; HARD ones fail; rules not in force are ignored")
    func severities() {
        let soft = rule(.maxOrderQuantity(maxQuantity: 10), id: "R-SOFT", severity: .soft)
        let hard = rule(.maxOrderQuantity(maxQuantity: 100), id: "R-HARD")
        let reportedOnly = check(buy(50), [soft, hard])
        #expect(reportedOnly.passed && reportedOnly.violations.map(\.ruleId) == ["R-SOFT"])
        #expect(reportedOnly.violations.first?.severity == .soft && reportedOnly.violations.first?.ruleName != nil)
        let both = check(buy(500), [soft, hard])
        #expect(!both.passed && both.violations.map(\.ruleId) == ["R-SOFT", "R-HARD"])
        let inactive = rule(.maxOrderQuantity(maxQuantity: 1), active: false)
        let elsewhere = rule(.maxOrderQuantity(maxQuantity: 1), targets: ["PORT-002"])
        #expect(check(buy(50), [inactive, elsewhere]).violations.isEmpty)
    }
}

@Suite("Headroom")
struct HeadroomTests {
    @Test("concentration headroom: an order of exactly headroom / price passes, one unit more fails")
    func concentrationEdge() throws {
        let limit = rule(.concentrationLimit(maxPct: 0.1, scope: .singleName))
        let headroom = try RuleEngine.headroom(limit, snapshot: book)
        #expect(headroom.currentValue == 100_000 && headroom.limitValue == 110_000 && headroom.headroom == 10_000)
        #expect(headroom.headroomPct == Decimal(string: "0.0909090909") && headroom.measured == "INS-1")
        for price: Decimal in [100, 40, 125] {
            let quantity = headroom.headroom / price
            let limitPrice: Decimal? = price == 100 ? nil : price
            #expect(check(buy(quantity, limit: limitPrice), [limit]).passed, "at \(price)")
            #expect(!check(buy(quantity + 1, limit: limitPrice), [limit]).passed, "at \(price)")
        }
        let other = try RuleEngine.headroom(limit, snapshot: book, instrumentId: "INS-2")
        #expect(other.currentValue == 0 && other.headroom == 110_000 && other.measured == "INS-2")
        #expect(check(buy(2200, "INS-2"), [limit]).passed && !check(buy(2201, "INS-2"), [limit]).passed)
    }

    @Test("the most concentrated issuer is measured by default; nothing held measures 0")
    func mostConcentrated() throws {
        var snapshot = book
        snapshot.positions = ["INS-1": 100, "INS-2": 300, "INS-3": 2000]  // ACME 25,000, Other 20,000
        let issuer = rule(.concentrationLimit(maxPct: 0.5, scope: .issuer))
        let headroom = try RuleEngine.headroom(issuer, snapshot: snapshot)
        #expect(headroom.measured == "ACME" && headroom.currentValue == 25_000)
        #expect(headroom.limitValue == Decimal(1_045_000) / 2)
        let empty = PortfolioSnapshot(portfolioId: "PORT-001", cash: 1000)
        let none = try RuleEngine.headroom(issuer, snapshot: empty)
        #expect(none.currentValue == 0 && none.limitValue == 500 && none.measured == nil && none.headroomPct == 1)
    }

    @Test("quantity limits: headroom in quantity, consistent with the what-if")
    func quantityLimits() throws {
        let position = rule(.maxPositionQuantity(maxQuantity: 1500, instrumentId: nil))
        let headroom = try RuleEngine.headroom(position, snapshot: book)
        #expect(headroom.unit == .quantity && headroom.currentValue == 1000 && headroom.headroom == 500)
        #expect(check(buy(headroom.headroom), [position]).passed && !check(buy(headroom.headroom + 1), [position]).passed)
        let order = try RuleEngine.headroom(rule(.maxOrderQuantity(maxQuantity: 70)), snapshot: book)
        #expect(order.currentValue == 0 && order.headroom == 70 && order.headroomPct == 1)
        let notional = try RuleEngine.headroom(rule(.maxOrderNotional(maxNotional: 5000)), snapshot: book)
        #expect(notional.unit == .value && notional.headroom == 5000)
        let pinned = rule(.maxPositionQuantity(maxQuantity: 10, instrumentId: "INS-2"))
        let mismatch = #expect(throws: OMSError.self) { try RuleEngine.headroom(pinned, snapshot: book, instrumentId: "INS-1") }
        #expect(mismatch?.details["field"] == "instrument_id")
    }

    @Test("rules without a numeric limit have no headroom")
    func noNumericLimit() {
        for definition: RuleDefinition in [.noShortSales, .restrictedList(instrumentIds: ["INS-1"], directions: nil)] {
            let error = #expect(throws: OMSError.self) { try RuleEngine.headroom(rule(definition), snapshot: book) }
            #expect(error?.code == .invalidArgument && error?.details["field"] == "rule_id")
        }
    }
}
