@testable import OMSServerTestSupport
import Foundation
import Logging
import OMSClient
import OMSCore
import OMSProtocol
@testable import OMSStore
import OMSTesting
import Testing

/// Numbers at and past the numeric domain's edges, over a real server and
/// database: tiny and overflowing values, unreadable portfolios and rules,
/// non-positive fills, and decimals in event payloads. Each is answered with
/// a stable code and leaves the server serving.
@Suite("Numeric domain over the wire")
struct NumericDomainWireTests {
    static let instrument = "INS-1"

    func rule(_ c: Clients, _ type: String, _ parameters: [String: JSON], severity: String = "HARD") async throws -> String {
        let result = try await c.compliance.call("oms.create_rule", [
            "rule_type": .string(type), "parameters": .object(parameters), "severity": .string(severity),
            "target_accounts": .array([.string("PORT-001"), .string("PORT-002")]), "name": .string(type)])
        return result["rule_id"]?.stringValue ?? ""
    }

    func whatIf(_ client: OMSClient, _ quantity: String, at price: String) async throws -> JSON {
        try await client.call("oms.check_compliance_what_if", ["proposed_orders": .array([.object([
            "portfolio_id": .string("PORT-001"), "instrument_id": .string(Self.instrument), "direction": .string("Buy"),
            "ordered_quantity": .string(quantity), "limit_price": .string(price)])])])
    }

    func field(_ code: OMSError.Code = .invalidArgument, _ body: () async throws -> Void) async -> String? {
        await expectCode(code, body)?.details["field"]
    }

    @Test("tiny what-if values get an answer and the server answers the next call")
    func tinyWhatIf() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                _ = try await rule(c, "max_order_notional", ["max_notional": .string("1000000")])
                _ = try await rule(c, "concentration_limit", ["max_pct": .string("0.05")])
                // These trapped in Decimal multiplication and killed the process.
                #expect(await field { _ = try await whatIf(c.pm, "1e-70", at: "1e-70") }
                        == "proposed_orders[0].ordered_quantity")
                #expect(await field { _ = try await whatIf(c.compliance, "1e-127", at: "1e-127") }
                        == "proposed_orders[0].ordered_quantity")
                let next = try await whatIf(c.pm, "1", at: "1")
                #expect(next["results"]?.arrayValue?.first?["passed"] == .bool(true))
            }
        }
    }

    @Test("a what-if proposal whose portfolio cannot be read fails with the reason; the others are answered")
    func whatIfContainsUnreadablePortfolio() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                _ = try await rule(c, "max_order_quantity", ["max_quantity": .string("5")])
                try await server.db.owner.query("""
                    ALTER TABLE rules DROP CONSTRAINT rule_parameters_by_type, DROP CONSTRAINT IF EXISTS rules_parameters_domain
                    """)
                try await server.db.owner.query("""
                    UPDATE rules SET parameters = '{"max_quantity": "lots"}', target_accounts = ARRAY['PORT-002']
                    """)
                func proposal(_ portfolio: String) -> JSON {
                    .object(["portfolio_id": .string(portfolio), "instrument_id": .string("INS-1"),
                             "direction": .string("Buy"), "ordered_quantity": .string("1"), "limit_price": .string("1")])
                }
                let answer = try await c.compliance.call("oms.check_compliance_what_if", [
                    "proposed_orders": .array([proposal("PORT-001"), proposal("PORT-002")])])
                let results = try #require(answer["results"]?.arrayValue)
                #expect(results.map { $0["passed"] } == [.bool(true), .bool(false)])
                let violation = results.last?["violations"]?.arrayValue?.first
                #expect(violation?["rule_id"] == .string("evaluation"))
                #expect(violation?["description"]?.stringValue?.contains("could not be evaluated") == true)
                let next = try await whatIf(c.pm, "1", at: "1")
                #expect(next["results"]?.arrayValue?.count == 1)
                // Headroom answers a code naming the portfolio, not INTERNAL.
                let ruleId = try #require(try await server.db.owner.query("SELECT rule_id FROM rules")
                    .first?.decode(String.self))
                #expect(await field {
                    _ = try await c.pm.call("oms.query_compliance_headroom", [
                        "portfolio_id": .string("PORT-002"), "rule_id": .string(ruleId)])
                } == "portfolio_id")
            }
        }
    }

    @Test("overflowing orders are refused, the largest in-domain order is measured and fails")
    func overflowFailsClosed() async throws {
        try await TestServer.with(evaluate: true) { server in
            try await server.withClients { c in
                _ = try await c.system.call("market.set_price", ["instrument_id": .string(Self.instrument),
                                                                 "price": .string("100")])
                let notional = try await rule(c, "max_order_notional", ["max_notional": .string("1000000")])
                let concentration = try await rule(c, "concentration_limit", ["max_pct": .string("0.05")])
                #expect(await field { _ = try await whatIf(c.pm, "1e64", at: "1e64") } == "proposed_orders[0].ordered_quantity")
                #expect(await field { _ = try await whatIf(c.pm, "1e100", at: "1e100") } == "proposed_orders[0].ordered_quantity")
                let largest = try await whatIf(c.pm, "99999999999999", at: "999999999999.99999999")
                let result = try #require(largest["results"]?.arrayValue?.first)
                #expect(result["passed"] == .bool(false))
                let broken = Set(result["violations"]?.arrayValue?.compactMap { $0["rule_id"]?.stringValue } ?? [])
                #expect(broken == [notional, concentration])
                // With the evaluator on, such an order cannot even be created.
                #expect(await field {
                    _ = try await c.pm.createOrder(["ordered_quantity": .string("1e64"), "limit_price": .string("1e64")])
                } == "ordered_quantity")
                #expect(await field { _ = try await c.pm.createOrder(["limit_price": .string("1e64")]) } == "limit_price")
                let id = try await c.pm.createOrder()
                #expect(await field {
                    _ = try await c.pm.call("oms.update_order", ["order_id": .string(id),
                                                                 "changes": .object(["limit_price": .string("0.000000001")])])
                } == "changes.limit_price")
                #expect(await field {
                    _ = try await c.pm.call("oms.split_order", ["order_id": .string(id),
                                                                "quantities": .array([.string("999.5"), .string("0.5000001")])])
                } == "quantities[1]")
                #expect(await field {
                    _ = try await c.admin.call("admin.set_position", [
                        "portfolio_id": .string("PORT-001"), "instrument_id": .string(Self.instrument),
                        "quantity": .string("-1e14")])
                } == "quantity")
                let order = try await c.pm.step("oms.get_order", id)
                #expect(order["version"] == .number("1"))
            }
        }
    }

    @Test("fills of zero or negative quantity or price are INVALID_ARGUMENT and change nothing")
    func badFills() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await c.orderWithTrader()
                _ = try await c.trader.call("ems.create_placement", [
                    "order_id": .string(id), "venue": .string("XNYS"), "quantity": .string("1000")])
                for (index, (quantity, price, expected)) in [
                    ("0", "150", "quantity"), ("-5", "150", "quantity"), ("-0", "150", "quantity"),
                    ("-1e-30", "150", "quantity"), ("10", "0", "price"), ("10", "-5", "price"), ("10", "-0", "price"),
                    ("10", "-1e-30", "price"),
                ].enumerated() {
                    #expect(await field {
                        _ = try await c.trader.call("ems.record_fill", [
                            "order_id": .string(id), "exec_id": .string("BAD-\(index)"), "quantity": .string(quantity),
                            "price": .string(price)])
                    } == expected, "\(quantity) at \(price)")
                }
                let order = try await c.pm.step("oms.get_order", id)
                #expect(order["executed_quantity"] == .string("0"))
                #expect(order["state"] == .string("ROUTED"))
            }
        }
    }

    @Test("decimals in event payloads are strings, in history and in subscription events")
    func payloadDecimalsAreStrings() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let inbox = Inbox(c.ops)
                _ = try await c.ops.call("oms.subscribe_orders")
                let id = try await c.orderWithTrader(["ordered_quantity": .string("1000.123456"),
                                                      "limit_price": .string("150.12345678")])
                _ = try await c.trader.call("ems.create_placement", [
                    "order_id": .string(id), "venue": .string("XNYS"), "quantity": .string("10")])
                _ = try await c.trader.call("ems.record_fill", [
                    "order_id": .string(id), "exec_id": .string("EX-7"), "quantity": .string("1.234567"),
                    "price": .string("150.12345678")])
                let history = try await c.pm.step("oms.get_order_history", id)
                let events = try #require(history["events"]?.arrayValue)
                let created = try #require(events.first?["payload"]?["order"])
                #expect(created["ordered_quantity"] == .string("1000.123456"))
                #expect(created["limit_price"] == .string("150.12345678"))
                #expect(created["version"] == .number("1"))
                let fill = try #require(events.last?["payload"]?["fill"])
                #expect(fill["price"] == .string("150.12345678"))
                #expect(fill["quantity"] == .string("1.234567"))
                let arrived = await inbox.wait { await $0.events("oms.order_event").count >= 6 }
                #expect(arrived)
                let fed = await inbox.events("oms.order_event").last { $0["payload"]?["fill"] != nil }
                #expect(fed?["payload"]?["fill"]?["price"] == .string("150.12345678"))
                #expect(fed?["payload"]?["fill"]?["quantity"] == .string("1.234567"))
            }
        }
    }
}

@Suite("Evaluator poison containment")
struct EvaluatorPoisonTests {
    static let logger = Logger(label: "oms.test.poison", factory: { _ in SwiftLogNoOpLogHandler() })

    func state(_ db: TestDatabase, _ orderId: String) async throws -> OrderState? {
        try await db.orders.order(orderId, actor: TestDatabase.principal(.compliance))?.state
    }

    func violations(_ db: TestDatabase, _ orderId: String) async throws -> [Violation] {
        let events = try await db.orders.history(orderId, actor: TestDatabase.principal(.compliance))
        return events.last?.payload.violations ?? []
    }

    @Test("orders that cannot be measured fail with the reason; a restarted evaluator decides the rest and does not loop")
    func poisonedOrders() async throws {
        try await TestServer.with { server in
            let db = server.db
            let pm = TestDatabase.principal(.pm), compliance = TestDatabase.principal(.compliance)
            func create(_ portfolio: String, _ instrument: String, limit: ExactDecimal?) async throws -> String {
                let draft = NewOrder(
                    portfolioId: portfolio, instrumentId: instrument, direction: .buy, orderType: limit == nil ? .market : .limit,
                    timeInForce: .day, orderedQuantity: 100, limitPrice: limit)
                let order = try await db.orders.createOrder(draft, actor: pm)
                _ = try await db.orders.transition(.requestPreTradeCompliance, orderId: order.orderId, actor: pm)
                return order.orderId
            }
            _ = try await RuleStore(database: db.database).create(
                NewRule(ruleType: .maxOrderNotional, parameters: RuleParameters(maxNotional: 1_000_000),
                        targetAccounts: ["PORT-001", "PORT-002"], name: "Notional 1M"), actor: compliance)
            // INS-2 has no price: a market order on it cannot be measured.
            let unpriced = try await create("PORT-001", "INS-2", limit: nil)
            // Stored before the domain existed: 1e-70 at 1e-70, whose unchecked product would trap the evaluator.
            let tiny = try await create("PORT-001", "INS-1", limit: 10)
            // A rule row the engine cannot read makes PORT-002's order unevaluable.
            let unreadable = try await create("PORT-002", "INS-1", limit: 10)
            let fine = try await create("PORT-001", "INS-1", limit: 10)
            try await db.owner.query("""
                ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_ordered_quantity_domain, DROP CONSTRAINT IF EXISTS orders_limit_price_domain
                """)
            try await db.owner.query("""
                UPDATE orders SET ordered_quantity = 1e-70, limit_price = 1e-70 WHERE order_id = \(tiny)
                """)
            try await db.owner.query("ALTER TABLE rules DROP CONSTRAINT rule_parameters_by_type, DROP CONSTRAINT IF EXISTS rules_parameters_domain")
            _ = try await RuleStore(database: db.database).create(
                NewRule(ruleType: .maxOrderQuantity, parameters: RuleParameters(maxQuantity: 5),
                        targetAccounts: ["PORT-002"], name: "Broken"), actor: compliance)
            try await db.owner.query("""
                UPDATE rules SET parameters = '{"max_quantity": "lots"}' WHERE name = 'Broken'
                """)

            let hub = EventHub(url: db.url, logger: Self.logger)
            let first = ComplianceEvaluator(database: db.database, hub: hub, logger: Self.logger)
            try await first.sweep()
            #expect(await first.decided == 4)
            #expect(try await state(db, fine) == .preTradeCompliancePassed)
            for id in [unpriced, tiny, unreadable] {
                #expect(try await state(db, id) == .preTradeComplianceFailed, "\(id)")
            }
            #expect(try await violations(db, unpriced).first?.description?.contains("no last price for INS-2") == true)
            #expect(try await violations(db, tiny).map(\.ruleId) == [RuleEngine.domainRuleId])
            #expect(try await violations(db, unreadable).map(\.ruleId) == [ComplianceEvaluator.unevaluableRuleId])

            // A restarted evaluator finds nothing left to decide, and decides a new order.
            let later = try await create("PORT-001", "INS-1", limit: 10)
            let second = ComplianceEvaluator(database: db.database, hub: hub, logger: Self.logger)
            try await second.sweep()
            #expect(await second.decided == 1)
            #expect(try await state(db, later) == .preTradeCompliancePassed)
        }
    }
}
