import Foundation
import OMSCore
import OMSStore
import OMSTesting
import Testing

@Suite("Queries, tenants and entitlements")
struct QueryTests {
    @Test("list_orders filters by portfolio, state, instrument and direction, newest first, with paging")
    func listOrders() async throws {
        try await TestDatabase.with { db in
            var ids: [String] = []
            for i in 0..<6 {
                var draft = limitOrder(ExactDecimal(integerLiteral: 100 + i), portfolio: i.isMultiple(of: 2) ? "PORT-001" : "PORT-002")
                if i == 5 { draft.instrumentId = "INS-2"; draft.direction = .sell }
                ids.append(try await db.orders.createOrder(draft, actor: pm).orderId)
            }
            try await db.run(.requestPreTradeCompliance, ids[0], as: pm)
            let all = try await db.orders.listOrders(OrderFilter(), actor: pm)
            #expect(all.map(\.orderId) == ids.reversed())
            #expect(try await db.orders.listOrders(OrderFilter(portfolioId: "PORT-002"), actor: pm).count == 3)
            let pending = try await db.orders.listOrders(OrderFilter(state: .pendingPreTradeCompliance), actor: pm)
            #expect(pending.map(\.orderId) == [ids[0]])
            #expect(try await db.orders.listOrders(OrderFilter(instrumentId: "INS-2"), actor: pm).map(\.orderId) == [ids[5]])
            #expect(try await db.orders.listOrders(OrderFilter(direction: .sell), actor: pm).count == 1)
            let page = try await db.orders.listOrders(OrderFilter(limit: 2, offset: 2), actor: pm)
            #expect(page.map(\.orderId) == Array(ids.reversed()[2..<4]))
            let future = try await db.orders.listOrders(OrderFilter(createdAfter: Date().addingTimeInterval(60)), actor: pm)
            #expect(future.isEmpty)
            #expect(try await db.orders.listOrders(OrderFilter(createdBefore: Date().addingTimeInterval(60)), actor: pm).count == 6)
            await #expect(throws: OMSError.self) { try await db.orders.listOrders(OrderFilter(limit: 0), actor: pm) }
        }
    }

    @Test("another tenant's order is ORDER_NOT_FOUND and untouchable")
    func tenantIsolation() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .created)
            let outsider = TestDatabase.principal(.pm, tenant: TestDatabase.otherTenant)
            let read = await #expect(throws: OMSError.self) { try await db.orders.getOrder(order.orderId, actor: outsider) }
            #expect(read?.code == .orderNotFound)
            let write = await #expect(throws: OMSError.self) {
                try await db.orders.transition(.cancelOrder, orderId: order.orderId, actor: outsider)
            }
            #expect(write?.code == .orderNotFound)
            #expect(try await db.orders.listOrders(OrderFilter(), actor: outsider).isEmpty)
            #expect(try await db.orders.getOrder(order.orderId, actor: pm) == order)
        }
    }

    @Test("a principal limited to some portfolios neither sees nor touches the others")
    func portfolioEntitlements() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .created)  // PORT-001
            let limited = TestDatabase.restrictedPM
            let read = await #expect(throws: OMSError.self) { try await db.orders.getOrder(order.orderId, actor: limited) }
            #expect(read?.code == .orderNotFound)
            let cancel = await #expect(throws: OMSError.self) {
                try await db.orders.transition(.cancelOrder, orderId: order.orderId, actor: limited)
            }
            #expect(cancel?.code == .orderNotFound)
            let create = await #expect(throws: OMSError.self) { try await db.orders.createOrder(limitOrder(), actor: limited) }
            #expect(create?.code == .permissionDenied)
            let own = try await db.orders.createOrder(limitOrder(portfolio: "PORT-002"), actor: limited)
            #expect(try await db.orders.listOrders(OrderFilter(), actor: limited).map(\.orderId) == [own.orderId])
        }
    }

    @Test("API keys authenticate by hash and stop working when revoked")
    func apiKeys() async throws {
        try await TestDatabase.with { db in
            let issued = try await db.keys.createKey(principalId: "trader", actor: admin)
            let principal = try await db.keys.authenticate(apiKey: issued.apiKey)
            #expect(principal == Principal(tenantId: "t1", principalId: "trader", role: .trader))
            let stored = try await db.owner.query(
                "SELECT count(*) FROM api_keys WHERE key_hash::text LIKE '%' || \(issued.apiKey) || '%'")
            #expect(try stored.first?.decode(Int.self) == 0)
            for bad in [issued.apiKey + "x", "nonsense", "omsk.t1.\(issued.keyId).00"] {
                let error = await #expect(throws: OMSError.self) { try await db.keys.authenticate(apiKey: bad) }
                #expect(error?.code == .unauthenticated)
            }
            try await db.keys.revoke(keyId: issued.keyId, actor: admin)
            await #expect(throws: OMSError.self) { try await db.keys.authenticate(apiKey: issued.apiKey) }
            await #expect(throws: OMSError.self) { try await db.keys.createKey(principalId: "pm", actor: pm) }
        }
    }

    @Test("bootstrap creates a tenant whose Admin key works, once")
    func bootstrap() async throws {
        try await TestDatabase.with { db in
            let key = try await db.reference.bootstrapTenant("acme")
            let admin = try await db.keys.authenticate(apiKey: key.apiKey)
            #expect(admin.role == .admin)
            #expect(admin.tenantId == "acme")
            let again = await #expect(throws: OMSError.self) { try await db.reference.bootstrapTenant("acme") }
            #expect(again?.code == .alreadyExists)
            let bad = await #expect(throws: OMSError.self) { try await db.reference.bootstrapTenant("a.b") }
            #expect(bad?.code == .invalidArgument)
        }
    }
}
