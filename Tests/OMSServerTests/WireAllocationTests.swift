@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSTesting
import Testing

@Suite("Allocations over the wire")
struct WireAllocationTests {
    /// An order of 1,000 with 100 filled, driven over the wire.
    func partiallyFilledOrder(_ c: Clients) async throws -> String {
        let id = try await c.pm.createOrder()
        _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
        _ = try await c.compliance.step("oms.pass_pre_trade_compliance", id)
        _ = try await c.pm.step("oms.send_to_trader", id)
        _ = try await c.trader.call("ems.create_placement", [
            "order_id": .string(id), "venue": .string("XNYS"), "quantity": .number("1000")])
        _ = try await c.trader.call("ems.record_fill", [
            "order_id": .string(id), "exec_id": .string("EX-\(id)"), "quantity": .number("100"),
            "price": .string("150.25")])
        return id
    }

    func allocate(_ client: OMSClient, _ orderId: String, _ quantity: String, account: String = "ACCT-001",
                  portfolio: String = "PORT-001", extra: [String: JSON] = [:]) async throws -> JSON {
        try await client.call("oms.create_allocation", extra.merging([
            "order_id": .string(orderId), "account_id": .string(account), "portfolio_id": .string(portfolio),
            "quantity": .string(quantity)]) { $1 })
    }

    @Test("create, update, get and list allocations; each write shows in the order's history")
    func methods() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await partiallyFilledOrder(c)
                let created = try await allocate(c.ops, id, "60")
                let allocationId = try #require(created["allocation_id"]?.stringValue)
                let allocation = try #require(created["allocation"])
                #expect(allocation["allocation_id"] == .string(allocationId))
                #expect(allocation["order_id"] == .string(id))
                #expect(allocation["account_id"] == .string("ACCT-001"))
                #expect(allocation["portfolio_id"] == .string("PORT-001"))
                #expect(allocation["quantity"] == .string("60"))
                #expect(allocation["created_by"] == .string("ops"))
                #expect(allocation["version"] == .number("1"))
                #expect(allocation["created_at"]?.stringValue.flatMap(Timestamp.parse) != nil)

                let updated = try await c.trader.call("oms.update_allocation", [
                    "allocation_id": .string(allocationId), "changes": .object(["quantity": .number("99.5")])])
                #expect(updated["quantity"] == .string("99.5"))
                #expect(updated["version"] == .number("2"))
                let fetched = try await c.compliance.call("oms.get_allocation", ["allocation_id": .string(allocationId)])
                #expect(fetched == updated)
                let listed = try await c.pm.step("oms.list_allocations", id)
                #expect(listed["allocations"]?.arrayValue == [updated])

                let history = try await c.pm.step("oms.get_order_history", id)
                let events = try #require(history["events"]?.arrayValue)
                #expect(events.suffix(2).compactMap { $0["command"]?.stringValue } == ["create_allocation", "update_allocation"])
                #expect(events.last?["from_state"] == .string("PARTIALLY_FILLED"))
                #expect(events.last?["to_state"] == .string("PARTIALLY_FILLED"))
                #expect(events.last?["payload"]?["allocation"]?["allocation_id"] == .string(allocationId))
                let order = try await c.pm.step("oms.get_order", id)
                #expect(order["version"] == .number("\(events.count)"))
            }
        }
    }

    @Test("refusals answer with their codes and change nothing")
    func refusals() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let fresh = try await c.pm.createOrder()
                let unfilled = await expectCode(.invalidState) { _ = try await allocate(c.ops, fresh, "1") }
                #expect(unfilled?.details["state"] == "CREATED")

                let id = try await partiallyFilledOrder(c)
                let denied = await expectCode(.permissionDenied) { _ = try await allocate(c.pm, id, "1") }
                #expect(denied != nil)
                let account = await expectCode(.invalidAccount) { _ = try await allocate(c.ops, id, "1", account: "ACCT-002") }
                #expect(account?.details["account_id"] == "ACCT-002")
                let portfolio = await expectCode(.invalidPortfolio) {
                    _ = try await allocate(c.ops, id, "1", account: "ACCT-002", portfolio: "PORT-002")
                }
                #expect(portfolio?.details["portfolio_id"] == "PORT-002")
                let over = await expectCode(.overAllocation) { _ = try await allocate(c.ops, id, "100.01") }
                #expect(over?.details["executed_quantity"] == "100")
                let missing = await expectCode(.orderNotFound) { _ = try await allocate(c.ops, "ORD-missing", "1") }
                #expect(missing != nil)
                let unknown = await expectCode(.notFound) {
                    _ = try await c.ops.call("oms.get_allocation", ["allocation_id": .string("ALC-missing")])
                }
                #expect(unknown != nil)

                let created = try await allocate(c.ops, id, "100")
                let allocationId = try #require(created["allocation_id"]?.stringValue)
                let overUpdate = await expectCode(.overAllocation) {
                    _ = try await c.ops.call("oms.update_allocation", [
                        "allocation_id": .string(allocationId), "changes": .object(["quantity": .number("101")])])
                }
                #expect(overUpdate != nil)
                let badAccount = await expectCode(.invalidAccount) {
                    _ = try await c.ops.call("oms.update_allocation", [
                        "allocation_id": .string(allocationId), "changes": .object(["account_id": .string("ACCT-002")])])
                }
                #expect(badAccount != nil)
                let empty = await expectCode(.invalidArgument) {
                    _ = try await c.ops.call("oms.update_allocation", [
                        "allocation_id": .string(allocationId), "changes": .object([:])])
                }
                #expect(empty?.details["field"] == "changes")
                do {
                    _ = try await c.ops.call("oms.update_allocation", [
                        "allocation_id": .string(allocationId), "changes": .object(["portfolio_id": .string("PORT-002")])])
                    Issue.record("changing portfolio_id was accepted")
                } catch let error as RPCError {
                    #expect(error.code == -32602)
                    #expect(error.data?["field"] == .string("changes.portfolio_id"))
                }
                let listed = try await c.ops.step("oms.list_allocations", id)
                #expect(listed["allocations"]?.arrayValue == [try #require(created["allocation"])])
            }
        }
    }

    @Test("other tenants and unentitled principals see neither the order's allocations nor the allocation")
    func isolation() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await partiallyFilledOrder(c)
                let created = try await allocate(c.ops, id, "10")
                let allocationId = try #require(created["allocation_id"]?.stringValue)
                let outsider = try await server.client("ops", tenant: TestDatabase.otherTenant)
                let limited = try await server.client("pm-p2")
                for client in [outsider, limited] {
                    let get = await expectCode(.notFound) {
                        _ = try await client.call("oms.get_allocation", ["allocation_id": .string(allocationId)])
                    }
                    #expect(get != nil)
                    let list = await expectCode(.orderNotFound) { _ = try await client.step("oms.list_allocations", id) }
                    #expect(list != nil)
                }
                let foreign = await expectCode(.orderNotFound) { _ = try await allocate(outsider, id, "1") }
                #expect(foreign != nil)
                let update = await expectCode(.notFound) {
                    _ = try await outsider.call("oms.update_allocation", [
                        "allocation_id": .string(allocationId), "changes": .object(["quantity": .number("5")])])
                }
                #expect(update != nil)
                for client in [outsider, limited] { await client.close() }
            }
        }
    }

    @Test("a create_allocation retried with its idempotency_key allocates once")
    func idempotency() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await partiallyFilledOrder(c)
                let first = try await allocate(c.ops, id, "60", extra: ["idempotency_key": .string("alloc-1")])
                let again = try await allocate(c.ops, id, "60", extra: ["idempotency_key": .string("alloc-1")])
                #expect(first == again)
                let listed = try await c.ops.step("oms.list_allocations", id)
                #expect(listed["allocations"]?.arrayValue?.count == 1)
            }
        }
    }
}
