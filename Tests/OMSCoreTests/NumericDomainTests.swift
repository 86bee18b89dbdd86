import Foundation
@testable import OMSCore
import Testing

private let epoch = Date(timeIntervalSince1970: 0)

private func d(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }
private func e(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

/// The largest quantity and price of the domain, and the smallest.
private let maxQuantity = d("99999999999999.999999")
private let maxPrice = d("999999999999.99999999")
private let minQuantity = d("0.000001")
private let minPrice = d("0.00000001")

private func rule(_ definition: RuleDefinition, severity: Severity = .hard) -> ComplianceRule {
    ComplianceRule(ruleId: "R-\(definition.ruleType.rawValue)", name: definition.ruleType.rawValue, definition: definition,
                   targetAccounts: ["PORT-001"], severity: severity, active: true, createdBy: "compliance",
                   createdAt: epoch, updatedAt: epoch)
}

private func proposal(_ quantity: Decimal, limit: Decimal? = nil, _ direction: Direction = .buy,
                      instrument: String = "INS-1") -> ProposedOrder {
    ProposedOrder(portfolioId: "PORT-001", instrumentId: instrument, direction: direction, orderedQuantity: quantity,
                  limitPrice: limit)
}

/// A book at the domain's edges: the largest cash, the largest position at the largest price.
private let edgeBook = PortfolioSnapshot(
    portfolioId: "PORT-001", cash: d("99999999999999999999.99999999"), positions: ["INS-1": maxQuantity],
    working: ["INS-1": maxQuantity], instruments: ["INS-1": .init(issuer: "ACME", sector: "Tech"), "INS-2": .init()],
    prices: ["INS-1": maxPrice, "INS-2": minPrice])

/// A book whose stored figures lie far outside the domain (as rows stored
/// before migration 0011 may):
/// NAV overflows.
private let poisonedBook = PortfolioSnapshot(
    portfolioId: "PORT-001", cash: 0, positions: ["INS-1": d("1e100")],
    instruments: ["INS-1": .init(issuer: "ACME", sector: "Tech")], prices: ["INS-1": d("1e100")])

@Suite("Numeric domain")
struct NumericDomainTests {
    func problem(_ domain: NumericDomain, _ text: String) -> Bool { domain.problem(d(text)) != nil }

    @Test("quantities have at most 14 integer digits and 6 decimal places, by value")
    func quantityBounds() {
        for ok in ["1", "0.000001", "99999999999999.999999", "1.5000000", "150.20"] {
            #expect(!problem(.quantity, ok), "\(ok)")
        }
        for bad in ["0", "-5", "-0", "-1e-30", "1e-70", "1e-127", "1.0000001", "100000000000000", "1e64", "1e127"] {
            #expect(problem(.quantity, bad), "\(bad)")
        }
        #expect(!problem(.position, "-99999999999999.999999"))
        #expect(!problem(.position, "0"))
        #expect(problem(.position, "-100000000000000"))
    }

    @Test("prices are above 0, below 10^12, with at most 8 decimal places; money below 10^20")
    func priceAndMoneyBounds() {
        #expect(!problem(.price, "999999999999.99999999"))
        #expect(!problem(.price, "0.00000001"))
        #expect(problem(.price, "1000000000000"))
        #expect(problem(.price, "0.000000001"))
        #expect(problem(.price, "0"))
        #expect(!problem(.money, "-99999999999999999999.99999999"))
        #expect(problem(.money, "1e20"))
        #expect(!problem(.fraction, "1"))
        #expect(problem(.fraction, "1.00000001"))
        #expect(problem(.fraction, "0.000000001"))
    }

    @Test("out-of-domain values are INVALID_ARGUMENT naming the field")
    func fieldsNamed() {
        func field(_ body: () throws(OMSError) -> Void) -> String? {
            do { try body(); return nil } catch {
                #expect(error.code == .invalidArgument)
                return error.details["field"]
            }
        }
        #expect(field { () throws(OMSError) in try proposal(d("1e-70"), limit: d("1e-70")).validate(field: "proposed_orders[0]") }
                == "proposed_orders[0].ordered_quantity")
        #expect(field { () throws(OMSError) in try proposal(1, limit: d("1e64")).validate(field: "proposed_orders[2]") }
                == "proposed_orders[2].limit_price")
        for (quantity, price, expected) in [("0", "1", "quantity"), ("-5", "1", "quantity"), ("-0", "1", "quantity"),
                                            ("-1e-30", "1", "quantity"), ("1", "0", "price"), ("1", "-5", "price"),
                                            ("1", "-1e-30", "price")] {
            #expect(field { () throws(OMSError) in try Execution.checkFill(quantity: e(quantity), price: e(price)) }
                    == expected)
        }
        #expect(field { () throws(OMSError) in try OrderChanges(limitPrice: .set(e("1e13"))).checkDomain() }
                == "changes.limit_price")
        #expect(field { () throws(OMSError) in
            _ = try RuleDefinition(.maxOrderNotional, RuleParameters(maxNotional: d("1e20")))
        } == "parameters.max_notional")
        #expect(field { () throws(OMSError) in
            _ = try RuleDefinition(.maxOrderQuantity, RuleParameters(maxQuantity: d("0.0000001")))
        } == "parameters.max_quantity")
    }

    @Test("checked arithmetic neither traps nor returns NaN")
    func checkedArithmetic() throws {
        #expect(try CheckedDecimal.multiply(d("1e-70"), d("1e-70")) == 0)
        #expect(try CheckedDecimal.multiply(d("1e-127"), d("1e-127")) == 0)
        #expect(throws: CheckedDecimal.Failure.self) { try CheckedDecimal.multiply(d("1e64"), d("1e64")) }
        #expect(throws: CheckedDecimal.Failure.self) { try CheckedDecimal.multiply(d("1e100"), d("1e100")) }
        #expect(throws: CheckedDecimal.Failure.self) {
            try CheckedDecimal.add(.greatestFiniteMagnitude, .greatestFiniteMagnitude)
        }
        #expect(throws: CheckedDecimal.Failure.self) { try CheckedDecimal.divide(1, 0) }
        // Every combination of extreme values is a value or a Failure: no trap, no NaN.
        let extremes = ["1e-127", "-1e-127", "1e127", "-1e127", "12345678901234567890123456789012345678e-127",
                        "12345678901234567890123456789012345678e89", "0.000001", "99999999999999.999999", "0"].map(d)
        for a in extremes {
            for b in extremes {
                let results = [try? CheckedDecimal.multiply(a, b), try? CheckedDecimal.add(a, b),
                               try? CheckedDecimal.subtract(a, b), try? CheckedDecimal.divide(a, b)]
                #expect(!results.contains { $0?.isNaN == true }, "\(a), \(b)")
            }
        }
        // 40 significant digits: rounded to Decimal's 38, never NaN.
        let largest = try CheckedDecimal.multiply(maxQuantity, maxPrice)
        #expect(largest > d("99999999999999999997999999") && largest < d("1e26"))
    }
}

@Suite("Compliance fails closed at the domain's edges")
struct FailClosedTests {
    func outcome(_ proposal: ProposedOrder, _ definition: RuleDefinition, severity: Severity = .hard,
                 in snapshot: PortfolioSnapshot = edgeBook) -> ComplianceOutcome {
        RuleEngine.evaluate(proposal, snapshot: snapshot, rules: [rule(definition, severity: severity)])
    }

    @Test("max_order_notional: the largest order is measured and fails; 1e64 at 1e64 fails, never passes")
    func maxOrderNotional() {
        let limit = RuleDefinition.maxOrderNotional(maxNotional: 1_000_000)
        let largest = outcome(proposal(maxQuantity, limit: maxPrice), limit)
        #expect(!largest.passed)
        #expect(largest.violations.first?.description?.contains("exceeds the maximum") == true)
        #expect(outcome(proposal(minQuantity, limit: minPrice), limit).passed)
        // Out of domain (stored before the domain): fails, rather than passing on a NaN.
        let overflow = outcome(proposal(d("1e64"), limit: d("1e64")), limit)
        #expect(!overflow.passed)
        #expect(overflow.violations.map(\.ruleId) == [RuleEngine.domainRuleId])
        // 1e-70 at 1e-70 traps in Foundation's Decimal multiplication; CheckedDecimal makes it an answer.
        #expect(!outcome(proposal(d("1e-70"), limit: d("1e-70")), limit).passed)
        // Post-trade measures what executed, which may be nothing: 0 is measured, not refused.
        #expect(outcome(proposal(0, limit: maxPrice), limit).violations.isEmpty)
        // No price to measure a market order: HARD fails, SOFT warns.
        let unpriced = proposal(1, instrument: "INS-3")
        #expect(!outcome(unpriced, limit).passed)
        let soft = outcome(unpriced, limit, severity: .soft)
        #expect(soft.passed && soft.violations.first?.severity == .soft)
        #expect(soft.violations.first?.description?.contains("no last price") == true)
    }

    @Test("concentration_limit: the largest book is measured; an overflowing NAV fails HARD and warns SOFT")
    func concentrationLimit() throws {
        let limit = RuleDefinition.concentrationLimit(maxPct: 0.05, scope: .singleName)
        #expect(!outcome(proposal(maxQuantity, limit: maxPrice), limit).passed)
        #expect(outcome(proposal(minQuantity, limit: minPrice, instrument: "INS-2"), limit).passed)
        let hard = outcome(proposal(1, limit: 1), limit, in: poisonedBook)
        #expect(!hard.passed)
        #expect(hard.violations.first?.description?.contains("cannot be measured") == true)
        let soft = outcome(proposal(1, limit: 1), limit, severity: .soft, in: poisonedBook)
        #expect(soft.passed && soft.violations.count == 1)
        #expect(!outcome(proposal(d("1e-127"), limit: d("1e-127")), limit).passed)
        // Headroom answers an error with a code instead of NaN or a crash.
        #expect(throws: OMSError.self) { try RuleEngine.headroom(rule(limit), snapshot: poisonedBook) }
        let edge = try RuleEngine.headroom(rule(limit), snapshot: edgeBook)
        #expect(edge.currentValue > edge.limitValue && edge.headroomPct != nil)
    }

    @Test("max_order_quantity at the edges")
    func maxOrderQuantity() {
        let limit = RuleDefinition.maxOrderQuantity(maxQuantity: minQuantity)
        #expect(outcome(proposal(minQuantity), limit).passed)
        #expect(!outcome(proposal(maxQuantity), limit).passed)
        #expect(outcome(proposal(maxQuantity), .maxOrderQuantity(maxQuantity: maxQuantity)).passed)
    }

    @Test("restricted_list at the edges")
    func restrictedList() {
        let limit = RuleDefinition.restrictedList(instrumentIds: ["INS-1"], directions: nil)
        #expect(!outcome(proposal(maxQuantity, limit: maxPrice), limit).passed)
        #expect(outcome(proposal(minQuantity, limit: minPrice, instrument: "INS-2"), limit).passed)
    }

    @Test("no_short_sales measures the largest sale against the largest short")
    func noShortSales() {
        var short = edgeBook
        short.positions["INS-1"] = -maxQuantity
        short.working["INS-1"] = -maxQuantity
        #expect(!outcome(proposal(maxQuantity, .sell), .noShortSales, in: short).passed)
        #expect(outcome(proposal(maxQuantity, .sell), .noShortSales).passed)
        var poisoned = poisonedBook
        poisoned.positions["INS-1"] = -.greatestFiniteMagnitude
        poisoned.working["INS-1"] = -.greatestFiniteMagnitude
        #expect(!outcome(proposal(1, .sell), .noShortSales, in: poisoned).passed)
    }

    @Test("max_position_quantity: position, working and proposal at the edges are summed exactly")
    func maxPositionQuantity() {
        let limit = RuleDefinition.maxPositionQuantity(maxQuantity: maxQuantity, instrumentId: nil)
        let result = outcome(proposal(maxQuantity), limit)
        #expect(!result.passed)
        #expect(result.violations.first?.description?.contains("299999999999999.999997") == true)
        var poisoned = poisonedBook
        poisoned.working["INS-1"] = .greatestFiniteMagnitude
        poisoned.positions["INS-1"] = .greatestFiniteMagnitude
        let overflow = outcome(proposal(1), limit, in: poisoned)
        #expect(!overflow.passed)
        #expect(overflow.violations.first?.description?.contains("cannot be measured") == true)
    }
}

@Suite("Event payload decimals")
struct EventPayloadDecimalTests {
    @Test("payload decimals are stored as strings and read back from strings or from numbers stored before")
    func storedAsStrings() throws {
        let fill = FillRecord(execId: "EX-1", quantity: e("1.234567"), price: e("150.123456789012345678901"),
                              executedAt: epoch)
        let changes = OrderChanges(orderedQuantity: e("10.5"), limitPrice: .set(e("99.12345678")), stopPrice: .clear)
        let json = EventPayload(changes: changes, fill: fill).jsonString()
        #expect(json.contains(#""price":"150.123456789012345678901""#))
        #expect(json.contains(#""quantity":"1.234567""#))
        #expect(json.contains(#""limit_price":"99.12345678""#))
        #expect(json.contains(#""ordered_quantity":"10.5""#))
        #expect(json.contains(#""stop_price":null"#))
        let parsed = try EventPayload.parse(json)
        #expect(parsed.fill == fill)
        #expect(parsed.changes == changes)
        let old = try EventPayload.parse("""
            {"fill":{"exec_id":"EX-1","quantity":1.234567,"price":150.12345678,"executed_at":"1970-01-01T00:00:00Z"},
             "changes":{"limit_price":99.5}}
            """)
        #expect(old.fill?.price == e("150.12345678"))
        #expect(old.changes?.limitPrice == .set(e("99.5")))
        #expect(throws: (any Error).self) { try EventPayload.parse(#"{"changes":{"limit_price":"abc"}}"#) }
    }
}
