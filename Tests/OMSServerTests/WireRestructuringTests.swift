@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSTesting
import Testing

@Suite("Baskets, merge, split and remainders over the wire")
struct WireRestructuringTests {
    func passed(_ c: Clients, _ overrides: [String: JSON] = [:]) async throws -> String {
        let id = try await c.pm.createOrder(overrides)
        _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
        _ = try await c.compliance.step("oms.pass_pre_trade_compliance", id)
        return id
    }

    @Test("create_basket, get_basket, list by basket, and send_to_trader by basket_id")
    func baskets() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let a = try await passed(c), b = try await passed(c)
                let created = try await c.pm.call("oms.create_basket", [
                    "name": .string("Tech Rebalance 2026-03-27"), "order_ids": .array([.string(a), .string(b)])])
                let basketId = try #require(created["basket_id"]?.stringValue)
                let basket = try await c.trader.call("oms.get_basket", ["basket_id": .string(basketId)])
                #expect(basket["order_ids"]?.arrayValue?.count == 2)
                let order = try await c.pm.step("oms.get_order", a)
                #expect(order["basket_id"] == .string(basketId))
                let listed = try await c.pm.call("oms.list_orders", ["basket_id": .string(basketId)])
                #expect(listed["orders"]?.arrayValue?.count == 2)
                let conflict = await expectCode(.basketConflict) {
                    _ = try await c.pm.call("oms.create_basket", ["name": .string("x"), "order_ids": .array([.string(a)])])
                }
                #expect(conflict?.details["basket_id"] == basketId)
                let sent = try await c.pm.call("oms.send_to_trader", ["basket_id": .string(basketId)])
                #expect(sent["orders"]?.arrayValue?.allSatisfy { $0["state"] == .string("SENT_TO_TRADER") } == true)
                let both = await #expect(throws: RPCError.self) {
                    try await c.pm.call("oms.send_to_trader", ["basket_id": .string(basketId), "order_id": .string(a)])
                }
                #expect(both?.code == -32602)
            }
        }
    }

    @Test("merge_orders and split_order answer with the new ids and conserve quantity")
    func mergeAndSplit() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let a = try await c.pm.createOrder(), b = try await c.pm.createOrder(["ordered_quantity": .string("500")])
                let merged = try await c.pm.call("oms.merge_orders", ["order_ids": .array([.string(a), .string(b)])])
                let mergedId = try #require(merged["order_id"]?.stringValue)
                #expect(merged["order"]?["ordered_quantity"] == .string("1500"))
                let source = try await c.pm.step("oms.get_order", a)
                #expect(source["state"] == .string("CANCELED") && source["cancel_reason"] == .string("MERGED"))
                let split = try await c.pm.call("oms.split_order", [
                    "order_id": .string(mergedId), "quantities": .array([.number("1000"), .string("500")])])
                #expect(split["order_ids"]?.arrayValue?.count == 2)
                let links = try await c.pm.step("oms.list_order_links", mergedId)
                let kinds = links["links"]?.arrayValue?.compactMap { $0["kind"]?.stringValue }.sorted()
                #expect(kinds == ["MERGE", "MERGE", "SPLIT", "SPLIT"])
                let mismatch = await expectCode(.invalidArgument) {
                    _ = try await c.pm.call("oms.merge_orders", ["order_ids": .array([
                        .string(try await c.pm.createOrder()),
                        .string(try await c.pm.createOrder(["limit_price": .string("151")]))])])
                }
                #expect(mismatch?.details["field"] == "limit_price")
            }
        }
    }

    @Test("close_order with create_remainder returns the remainder order id")
    func remainder() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await passed(c)
                _ = try await c.pm.step("oms.send_to_trader", id)
                _ = try await c.trader.call("ems.create_placement", ["order_id": .string(id), "venue": .string("XNYS"),
                                                                    "quantity": .number("1000")])
                _ = try await c.trader.call("ems.record_fill", ["order_id": .string(id), "exec_id": .string("E1"),
                                                               "quantity": .number("750"), "price": .number("150")])
                let closed = try await c.trader.step("oms.close_order", id, ["create_remainder": .bool(true)])
                #expect(closed["executed_quantity"] == .string("750"))
                #expect(closed["unfilled_quantity"] == .string("250"))
                let remainderId = try #require(closed["remainder_order_id"]?.stringValue)
                let remainder = try await c.pm.step("oms.get_order", remainderId)
                #expect(remainder["ordered_quantity"] == .string("250") && remainder["state"] == .string("CREATED"))
                let links = try await c.pm.step("oms.list_order_links", remainderId)
                #expect(links["links"]?.arrayValue?.first?["kind"] == .string("REMAINDER"))
            }
        }
    }
}
