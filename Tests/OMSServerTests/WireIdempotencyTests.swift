@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSTesting
import Testing

@Suite("Idempotency keys mean one request")
struct WireIdempotencyTests {
    static func update(_ orderId: String, quantity: Int, key: String) -> [String: JSON] {
        ["order_id": .string(orderId), "changes": .object(["ordered_quantity": .int(quantity)]),
         "idempotency_key": .string(key)]
    }

    @Test("the issue's example: update_order(o2, quantity 400) with o1's key is IDEMPOTENCY_KEY_REUSED and o2 is unchanged")
    func otherParamsAreRefused() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let o1 = try await c.pm.createOrder(), o2 = try await c.pm.createOrder()
                let first = try await c.pm.call("oms.update_order", Self.update(o1, quantity: 300, key: "upd-1"))
                #expect(first["order_id"] == .string(o1))
                #expect(first["ordered_quantity"] == .string("300"))
                let reused = await expectCode(.idempotencyKeyReused) {
                    _ = try await c.pm.call("oms.update_order", Self.update(o2, quantity: 400, key: "upd-1"))
                }
                #expect(reused?.details["idempotency_key"] == "upd-1")
                #expect(reused?.details["method"] == "oms.update_order")
                let untouched = try await c.pm.step("oms.get_order", o2)
                #expect(untouched["ordered_quantity"] == .string("1000"))
                #expect(untouched["version"] == .number("1"))
                // The same order with another quantity is another request too.
                #expect(await expectCode(.idempotencyKeyReused) {
                    _ = try await c.pm.call("oms.update_order", Self.update(o1, quantity: 301, key: "upd-1"))
                } != nil)
                #expect(try await c.pm.step("oms.get_order", o1)["version"] == .number("2"))
            }
        }
    }

    @Test("a key used by one method is IDEMPOTENCY_KEY_REUSED for another, which changes nothing")
    func otherMethodIsRefused() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let o1 = try await c.pm.createOrder(["idempotency_key": .string("k-create")])
                let cancel = await expectCode(.idempotencyKeyReused) {
                    _ = try await c.pm.step("oms.cancel_order", o1, ["idempotency_key": .string("k-create")])
                }
                #expect(cancel?.details["method"] == "oms.create_order")
                let order = try await c.pm.step("oms.get_order", o1)
                #expect(order["state"] == .string("CREATED"))
                #expect(order["version"] == .number("1"))
            }
        }
    }

    @Test("the same request repeated answers the first result, in whatever member order")
    func sameRequestAnswersFirst() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let o1 = try await c.pm.createOrder()
                let first = try await c.pm.call("oms.update_order", Self.update(o1, quantity: 300, key: "same-1"))
                let again = try await c.pm.call("oms.update_order", Self.update(o1, quantity: 300, key: "same-1"))
                #expect(again == first)
                let raw = try await rawSession(server, apiKey: server.keys["t1/pm"]!)
                let reordered = try await raw.roundTrip("""
                    {"jsonrpc":"2.0","id":9,"method":"oms.update_order","params":{"idempotency_key":"same-1",\
                    "changes":{"ordered_quantity":300},"order_id":"\(o1)"}}
                    """)
                #expect(reordered?["result"] == first)
                await raw.close()
                #expect(try await c.pm.step("oms.get_order", o1)["version"] == .number("2"))
            }
        }
    }

    @Test("two different requests racing with one key: exactly one runs, the other is IDEMPOTENCY_KEY_REUSED")
    func concurrentDifferentRequests() async throws {
        try await TestServer.with { server in
            let left = try await server.client("pm"), right = try await server.client("pm")
            let rounds = 12
            for round in 0..<rounds {
                let o1 = try await left.createOrder(), o2 = try await left.createOrder()
                let key = "race-\(round)"
                async let a = Self.outcome { _ = try await left.call("oms.update_order", Self.update(o1, quantity: 300, key: key)) }
                async let b = Self.outcome { _ = try await right.call("oms.update_order", Self.update(o2, quantity: 400, key: key)) }
                let outcomes = await [a, b]
                #expect(outcomes.filter { $0 == "ok" }.count == 1, "round \(round): \(outcomes)")
                #expect(outcomes.filter { $0 == "IDEMPOTENCY_KEY_REUSED" }.count == 1, "round \(round): \(outcomes)")
                var versions: [JSON?] = []
                for id in [o1, o2] { versions.append(try await left.step("oms.get_order", id)["version"]) }
                #expect(versions.filter { $0 == .number("2") }.count == 1, "round \(round): \(versions)")
                // create_order also dedups on the order's own key column: a different create must not get the first order.
                let createKey = "race-create-\(round)"
                async let c1 = Self.outcome { _ = try await left.createOrder(["idempotency_key": .string(createKey)]) }
                async let c2 = Self.outcome {
                    _ = try await right.createOrder(["idempotency_key": .string(createKey), "ordered_quantity": .int(5)])
                }
                let creates = await [c1, c2]
                #expect(creates.sorted() == ["IDEMPOTENCY_KEY_REUSED", "ok"], "round \(round): \(creates)")
            }
            let orders = try await left.call("oms.list_orders", ["limit": .int(1000)])
            #expect(orders["orders"]?.arrayValue?.count == rounds * 3)
            await left.close()
            await right.close()
        }
    }

    @Test("the same request racing with itself on one key runs once and both get its answer")
    func concurrentSameRequest() async throws {
        try await TestServer.with { server in
            let left = try await server.client("pm"), right = try await server.client("pm")
            for round in 0..<8 {
                let o1 = try await left.createOrder()
                let params = Self.update(o1, quantity: 300, key: "twin-\(round)")
                async let a = left.call("oms.update_order", params)
                async let b = right.call("oms.update_order", params)
                let (first, second) = try await (a, b)
                #expect(first == second)
                #expect(try await left.step("oms.get_order", o1)["version"] == .number("2"))
            }
            await left.close()
            await right.close()
        }
    }

    /// "ok", or the error's code name.
    static func outcome(_ body: @Sendable () async throws -> Void) async -> String {
        do {
            try await body()
            return "ok"
        } catch let error as OMSError {
            return error.code.rawValue
        } catch {
            return "\(error)"
        }
    }
}
