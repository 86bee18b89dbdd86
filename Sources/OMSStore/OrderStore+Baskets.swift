import Foundation
import OMSCore
import OMSPostgres

extension OrderStore {
    /// Groups live orders, none already in a basket, into a new basket.
    public func createBasket(name: String, orderIds: [String], actor: Principal) async throws -> Basket {
        try await database.runner.transaction(actor.scope) { connection in
            let orders = try await lockOrders(orderIds, actor: actor, on: connection)
            try Restructuring.decideBasket(name: name, orders: orders, role: actor.role)
            let now = Timestamp.microseconds(Date())
            let basketId = Identifier.make("BSK", at: now)
            let changes = OrderChanges(basketId: .set(basketId))
            let joins = orders.map { order in
                var joined = order
                joined.basketId = basketId
                return Self.write(joined, from: order, command: .updateOrder, payload: EventPayload(changes: changes),
                                  at: now, actor: actor)
            }
            // The basket, every order's change, the claim and COMMIT: the second round trip.
            try await connection.finish(["""
                INSERT INTO baskets (tenant_id, basket_id, name, created_by, created_at)
                VALUES (\(actor.tenantId), \(basketId), \(name), \(actor.principalId), \(now))
                """] + joins)
            return Basket(basketId: basketId, name: name, createdBy: actor.principalId, createdAt: now,
                          orderIds: orders.map(\.orderId))
        }
    }

    /// A basket with the orders in it (those the principal may see).
    public func basket(_ basketId: String, actor: Principal) async throws -> Basket {
        let rows = try await database.rows(actor.scope, """
            SELECT name, created_by, created_at FROM baskets WHERE tenant_id = \(actor.tenantId) AND basket_id = \(basketId)
            """)
        guard let row = rows.first else {
            throw OMSError(.notFound, "basket \(basketId) not found", details: ["basket_id": basketId])
        }
        let (name, createdBy, createdAt) = try row.decode((String, String, Date).self)
        let orders = try await database.rows(actor.scope, """
            SELECT order_id FROM orders
            WHERE tenant_id = \(actor.tenantId) AND basket_id = \(basketId)
              AND \(SQL.entitled(actor, portfolio: "portfolio_id"))
            ORDER BY order_id
            """).map { try $0.decode(String.self) }
        return Basket(basketId: basketId, name: name, createdBy: createdBy, createdAt: createdAt, orderIds: orders)
    }

    /// Sends every order of a basket to the trader, all or nothing: one order
    /// that may not go refuses the whole basket, naming it.
    public func sendBasketToTrader(_ basketId: String, actor: Principal) async throws -> [Order] {
        let ids = try await basket(basketId, actor: actor).orderIds
        let everyOrder = try await database.rows(actor.scope, """
            SELECT count(*) FROM orders WHERE tenant_id = \(actor.tenantId) AND basket_id = \(basketId)
            """).first?.decode(Int.self) ?? 0
        guard !ids.isEmpty, ids.count == everyOrder else {
            // All or nothing: orders the principal may not touch block the whole basket.
            throw OMSError(.permissionDenied, "basket \(basketId) holds orders outside your portfolios or none at all",
                           details: ["basket_id": basketId])
        }
        return try await database.runner.transaction(actor.scope) { connection in
            let orders = try await lockOrders(ids, actor: actor, on: connection)
            let now = Timestamp.microseconds(Date())
            var sent: [Order] = [], writes: [SQL] = []
            for order in orders {
                let target: TransitionTarget
                do {
                    target = try Lifecycle.decide(.sendToTrader, order: order, role: actor.role)
                } catch let error as OMSError {
                    var named = error
                    named.message = "basket \(basketId): order \(order.orderId): \(error.message)"
                    named.details["order_id"] = order.orderId
                    throw named
                }
                var after = order
                after.state = Execution.resolve(target, order: order)
                writes.append(Self.write(after, from: order, command: .sendToTrader, payload: EventPayload(), at: now,
                                         actor: actor))
                after.version += 1
                after.updatedAt = now
                sent.append(after)
            }
            try await connection.finish(writes)
            return sent
        }
    }
}
