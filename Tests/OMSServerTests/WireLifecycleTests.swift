@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSTesting
import Testing

@Suite("Order lifecycle over the wire")
struct WireLifecycleTests {
    @Test("a full lifecycle from create to RECONCILED, each step by its role")
    func fullLifecycle() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await c.pm.createOrder()
                _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
                _ = try await c.compliance.step("oms.pass_pre_trade_compliance", id)
                _ = try await c.pm.step("oms.send_to_trader", id)
                let placement = try await c.trader.call("ems.create_placement", [
                    "order_id": .string(id), "venue": .string("XNYS"), "quantity": .string("1000")])
                let placementId = try #require(placement["placement_id"]?.stringValue)
                let partial = try await c.trader.call("ems.record_fill", [
                    "order_id": .string(id), "exec_id": .string("EX-1"), "quantity": .number("750"),
                    "price": .string("150.25"), "placement_id": .string(placementId)])
                #expect(partial["state"]?.stringValue == "PARTIALLY_FILLED")
                #expect(partial["executed_quantity"] == .string("750"))
                let closed = try await c.trader.step("oms.close_order", id)
                #expect(closed["executed_quantity"] == .string("750"))
                #expect(closed["unfilled_quantity"] == .string("250"))
                _ = try await c.trader.step("oms.send_to_operations", id)
                _ = try await c.ops.step("oms.request_post_trade_compliance", id)
                _ = try await c.compliance.step("oms.pass_post_trade_compliance", id)
                let allocated = try await c.ops.call("oms.create_allocation", [
                    "order_id": .string(id), "account_id": .string("ACCT-001"), "portfolio_id": .string("PORT-001"),
                    "quantity": .number("750")])
                #expect(allocated["allocation"]?["quantity"] == .string("750"))
                _ = try await c.ops.step("oms.confirm_order", id)
                _ = try await c.ops.step("oms.settle_order", id)
                let done = try await c.ops.step("oms.reconcile_order", id)
                #expect(done["state"]?.stringValue == "RECONCILED")
                #expect(done["owner"]?.stringValue == "None")
                #expect(done["limit_price"] == .string("150.25"))

                let history = try await c.pm.step("oms.get_order_history", id)
                let events = try #require(history["events"]?.arrayValue)
                #expect(events.count == 14)
                #expect(events.last?["to_state"]?.stringValue == "RECONCILED")
                let listed = try await c.pm.call("oms.list_orders", ["state": .string("RECONCILED")])
                #expect(listed["orders"]?.arrayValue?.compactMap { $0["order_id"]?.stringValue } == [id])
            }
        }
    }

    @Test("cancel authority and field locking answer with their codes")
    func cancelAuthorityAndLocking() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await c.pm.createOrder()
                _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
                _ = try await c.compliance.step("oms.pass_pre_trade_compliance", id)
                let locked = await expectCode(.fieldLocked) {
                    _ = try await c.pm.call("oms.update_order", ["order_id": .string(id),
                                                             "changes": .object(["limit_price": .number("151")])])
                }
                #expect(locked?.details["state"] == "PRE_TRADE_COMPLIANCE_PASSED")
                let booked = try await c.pm.call("oms.update_order", [
                    "order_id": .string(id), "changes": .object(["counterparty_id": .string("CP-1")])])
                #expect(booked["counterparty_id"] == .string("CP-1"))
                let refusal1 = await expectCode(.cancelNotAuthorized) { _ = try await c.ops.step("oms.cancel_order", id) }
                #expect(refusal1 != nil)
                let refusal2 = await expectCode(.cancelNotAuthorized) { _ = try await c.trader.step("oms.cancel_order", id) }
                #expect(refusal2 != nil)
                _ = try await c.pm.step("oms.send_to_trader", id)
                let refusal3 = await expectCode(.cancelNotAuthorized) { _ = try await c.pm.step("oms.cancel_order", id) }
                #expect(refusal3 != nil)
                let canceled = try await c.trader.step("oms.cancel_order", id, ["reason": .string("client pulled")])
                #expect(canceled["state"]?.stringValue == "CANCELED")
                let absorbed = await expectCode(.invalidState) { _ = try await c.trader.step("oms.cancel_order", id) }
                #expect(absorbed?.details["state"] == "CANCELED")
                let refusal4 = await expectCode(.permissionDenied) { _ = try await c.trader.createOrder() }
                #expect(refusal4 != nil)
                let refusal5 = await expectCode(.orderNotFound) { _ = try await c.pm.step("oms.get_order", "ORD-missing") }
                #expect(refusal5 != nil)
                let badType = await expectCode(.invalidOrderType) {
                    _ = try await c.pm.createOrder(["order_type": .string("Market")])
                }
                #expect(badType != nil)
            }
        }
    }

    @Test("tenants and portfolio entitlements isolate orders")
    func isolation() async throws {
        try await TestServer.with { server in
            let pm = try await server.client("pm")
            let outsider = try await server.client("pm", tenant: TestDatabase.otherTenant)
            let limited = try await server.client("pm-p2")
            let id = try await pm.createOrder()
            let refusal6 = await expectCode(.orderNotFound) { _ = try await outsider.step("oms.get_order", id) }
            #expect(refusal6 != nil)
            let refusal7 = await expectCode(.orderNotFound) { _ = try await outsider.step("oms.cancel_order", id) }
            #expect(refusal7 != nil)
            let refusal8 = await expectCode(.orderNotFound) { _ = try await limited.step("oms.get_order", id) }
            #expect(refusal8 != nil)
            let refusal9 = await expectCode(.permissionDenied) { _ = try await limited.createOrder() }
            #expect(refusal9 != nil)
            let outsiderList = try await outsider.call("oms.list_orders", [:])
            #expect(outsiderList["orders"]?.arrayValue?.isEmpty == true)
            let mine = try await limited.createOrder(["portfolio_id": .string("PORT-002")])
            let listed = try await limited.call("oms.list_orders", [:])
            #expect(listed["orders"]?.arrayValue?.compactMap { $0["order_id"]?.stringValue } == [mine])
            for client in [pm, outsider, limited] { await client.close() }
        }
    }

    @Test("an idempotency_key replays the first answer and changes nothing")
    func idempotencyOverTheWire() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let first = try await c.pm.createOrder(["idempotency_key": .string("k-1")])
                let again = try await c.pm.createOrder(["idempotency_key": .string("k-1")])
                #expect(first == again)
                // The key means that one request: other params are another request (WireIdempotencyTests).
                #expect(await expectCode(.idempotencyKeyReused) {
                    _ = try await c.pm.createOrder(["idempotency_key": .string("k-1"), "ordered_quantity": .number("5")])
                } != nil)
                _ = try await c.pm.step("oms.request_pre_trade_compliance", first, ["idempotency_key": .string("k-2")])
                let replay = try await c.pm.step("oms.request_pre_trade_compliance", first, ["idempotency_key": .string("k-2")])
                #expect(replay["version"] == .number("2"))
                let history = try await c.pm.step("oms.get_order_history", first)
                #expect(history["events"]?.arrayValue?.count == 2)
                let listed = try await c.pm.call("oms.list_orders", [:])
                #expect(listed["orders"]?.arrayValue?.count == 1)
                let reused = await expectCode(.idempotencyKeyReused) {
                    _ = try await c.pm.step("oms.cancel_order", first, ["idempotency_key": .string("k-2")])
                }
                #expect(reused != nil)
            }
        }
    }

    @Test("1,000 pipelined requests on one connection are each answered once")
    func pipelining() async throws {
        try await TestServer.with { server in
            let pm = try await server.client("pm")
            let id = try await pm.createOrder()
            let answers = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<1000 {
                    group.addTask { try await pm.step("oms.get_order", id)["order_id"]?.stringValue }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(answers.count == 1000)
            #expect(answers.allSatisfy { $0 == id })
            await pm.close()
        }
    }
}
