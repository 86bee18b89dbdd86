@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSTesting
import Testing

/// Decimals round-trip with the scale as given, so a client reads back what it wrote
/// (`150.20` stays `"150.20"`), in answers, reads, history payloads and
/// subscription events.
@Suite("Decimal scale over the wire")
struct DecimalScaleWireTests {
    @Test("an order keeps 1000.00 and 150.20 in its answer, reads, history and subscription event")
    func orderKeepsScale() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let inbox = Inbox(c.ops)
                _ = try await c.ops.call("oms.subscribe_orders")
                let id = try await c.pm.createOrder(["ordered_quantity": .string("1000.00"),
                                                     "limit_price": .string("150.20")])
                let order = try await c.pm.step("oms.get_order", id)
                #expect(order["ordered_quantity"] == .string("1000.00"))
                #expect(order["limit_price"] == .string("150.20"))
                #expect(order["executed_quantity"] == .string("0"))
                #expect(order["unfilled_quantity"] == .string("1000.00"))
                let listed = try await c.pm.call("oms.list_orders", [:])["orders"]?.arrayValue?.first
                #expect(listed?["ordered_quantity"] == .string("1000.00"))
                #expect(listed?["limit_price"] == .string("150.20"))
                let history = try await c.pm.step("oms.get_order_history", id)
                let created = history["events"]?.arrayValue?.first?["payload"]?["order"]
                #expect(created?["ordered_quantity"] == .string("1000.00"))
                #expect(created?["limit_price"] == .string("150.20"))
                #expect(await inbox.wait { await !$0.events("oms.order_event").isEmpty })
                let fed = await inbox.events("oms.order_event").first?["payload"]?["order"]
                #expect(fed?["ordered_quantity"] == .string("1000.00"))
                #expect(fed?["limit_price"] == .string("150.20"))
                let updated = try await c.pm.call("oms.update_order", [
                    "order_id": .string(id), "changes": .object(["limit_price": .string("151.10")])])
                #expect(updated["limit_price"] == .string("151.10"))
                #expect(try await c.pm.step("oms.get_order", id)["limit_price"] == .string("151.10"))
            }
        }
    }

    @Test("a fill of 750.50 at 150.2000 keeps both; an allocation of 750.500 and a price of 150.20 keep theirs")
    func executionKeepsScale() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await c.pm.createOrder(["ordered_quantity": .string("1000.00")])
                _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
                _ = try await c.compliance.step("oms.pass_pre_trade_compliance", id)
                _ = try await c.pm.step("oms.send_to_trader", id)
                let placementId = try await c.trader.call("ems.create_placement", [
                    "order_id": .string(id), "venue": .string("XNYS"), "quantity": .string("800.0")])["placement_id"]
                let filled = try await c.trader.call("ems.record_fill", [
                    "order_id": .string(id), "exec_id": .string("EX-1"), "quantity": .string("750.50"),
                    "price": .string("150.2000"), "placement_id": placementId ?? .null])
                #expect(filled["executed_quantity"] == .string("750.50"))
                #expect(filled["unfilled_quantity"] == .string("249.50"))
                let fill = try await c.pm.step("oms.get_order_history", id)["events"]?.arrayValue?.last?["payload"]?["fill"]
                #expect(fill?["quantity"] == .string("750.50"))
                #expect(fill?["price"] == .string("150.2000"))
                let allocationId = try await c.ops.call("oms.create_allocation", [
                    "order_id": .string(id), "account_id": .string("ACCT-001"), "portfolio_id": .string("PORT-001"),
                    "quantity": .string("750.500")])["allocation_id"]
                let allocation = try await c.ops.call("oms.get_allocation", ["allocation_id": allocationId ?? .null])
                #expect(allocation["quantity"] == .string("750.500"))
                let price = try await c.system.call("market.set_price", [
                    "instrument_id": .string("INS-1"), "price": .string("150.20")])
                #expect(price["price"] == .string("150.20"))
            }
        }
    }

    @Test("a JSON number keeps its scale too: 150.20 is \"150.20\", 1.5e2 is \"150\", 1.5e-3 is \"0.0015\"")
    func numbersKeepScale() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await c.pm.createOrder(["ordered_quantity": .number("1.5e2"),
                                                     "limit_price": .number("150.20")])
                let order = try await c.pm.step("oms.get_order", id)
                #expect(order["ordered_quantity"] == .string("150"))
                #expect(order["limit_price"] == .string("150.20"))
                let small = try await c.pm.createOrder(["ordered_quantity": .number("1.5e-3")])
                #expect(try await c.pm.step("oms.get_order", small)["ordered_quantity"] == .string("0.0015"))
            }
        }
    }
}
