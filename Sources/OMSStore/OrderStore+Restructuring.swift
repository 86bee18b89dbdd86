import Foundation
import OMSCore
import OMSPostgres

/// A group of orders executed together.
public struct Basket: Sendable, Equatable {
    /// The basket's identifier.
    public var basketId: String
    /// A name given by the PM.
    public var name: String
    /// The principal who created it.
    public var createdBy: String
    /// When it was created.
    public var createdAt: Date
    /// The orders in the basket.
    public var orderIds: [String]
}

extension OrderStore {
    /// Locks several orders in one fixed order (by id), so two restructurings of
    /// overlapping orders wait for each other instead of deadlocking forever.
    func lockOrders(_ orderIds: [String], actor: Principal, on connection: Transaction) async throws -> [Order] {
        let ids = Array(Set(orderIds)).sorted()
        let orders = try await connection.rows("""
            SELECT \(unescaped: OrderRow.columns) FROM orders o
            WHERE o.tenant_id = \(actor.tenantId) AND o.order_id = ANY(\(ids))
              AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))
            ORDER BY o.order_id FOR UPDATE
            """).map(OrderRow.decode)
        if let missing = ids.first(where: { id in !orders.contains { $0.orderId == id } }) {
            throw OMSError(.orderNotFound, "order \(missing) not found", details: ["order_id": missing])
        }
        let byId = Dictionary(uniqueKeysWithValues: orders.map { ($0.orderId, $0) })
        return orderIds.compactMap { byId[$0] }
    }

    /// Writes a decided change to a locked order (state, basket, cancel reason)
    /// with its event, version + 1.
    static func write(_ after: Order, from before: Order, command: OrderCommand, payload: EventPayload, at now: Date,
                      actor: Principal) -> SQL {
        """
            WITH upd AS (
                UPDATE orders SET state = \(after.state.rawValue), basket_id = \(after.basketId),
                    cancel_reason = \(after.cancelReason), version = \(before.version + 1), updated_at = \(now)
                WHERE tenant_id = \(actor.tenantId) AND order_id = \(before.orderId)
                RETURNING tenant_id, order_id, version, state
            )
            \(OrderEventRow.insert(command, from: "upd", fromState: "\(before.state.rawValue)", actor: actor,
                                   payload: payload.jsonString(), at: now))
            """
    }

    /// Cancels locked sources of a restructuring with `reason` (MERGED, SPLIT).
    static func cancelSources(_ sources: [Order], reason: String, at now: Date, actor: Principal) throws -> [SQL] {
        try sources.map { source in
            _ = try Lifecycle.decide(.cancelOrder, order: source, role: actor.role)
            var canceled = source
            canceled.state = .canceled
            canceled.cancelReason = reason
            return write(canceled, from: source, command: .cancelOrder, payload: EventPayload(reason: reason),
                         at: now, actor: actor)
        }
    }

    /// New orders from `drafts` and the statements that insert them.
    static func insertOrders(_ drafts: [NewOrder], reason: String, at now: Date, actor: Principal) throws
        -> (orders: [Order], statements: [SQL])
    {
        let orders = drafts.map { draft in
            draft.makeOrder(tenantId: actor.tenantId, orderId: Identifier.make("ORD", at: now),
                            createdBy: actor.principalId, at: now)
        }
        return (orders, try orders.map { try insertQuery($0, idempotencyKey: nil, actor: actor, reason: reason) })
    }

    static func link(sources: [String], targets: [String], kind: String, at now: Date, tenantId: String) -> SQL {
        """
            INSERT INTO order_links (tenant_id, source_order_id, target_order_id, kind, created_at)
            SELECT \(tenantId), s, t, \(kind), \(now) FROM unnest(\(sources)::text[]) s, unnest(\(targets)::text[]) t
            """
    }

    // Restructurings are two round trips: lock and read the orders (with
    // BEGIN), then every write with the claim and COMMIT.

    /// Merges orders that agree on their economics into one new CREATED order;
    /// the sources end CANCELED (MERGED), linked MERGE to it.
    public func mergeOrders(_ orderIds: [String], actor: Principal) async throws -> Order {
        try await database.runner.transaction(actor.scope) { connection in
            let sources = try await lockOrders(orderIds, actor: actor, on: connection)
            let draft = try Restructuring.decideMerge(sources, role: actor.role)
            let now = Timestamp.microseconds(Date())
            let inserted = try Self.insertOrders([draft], reason: Restructuring.mergedReason, at: now, actor: actor)
            let merged = inserted.orders[0]
            try await connection.finish(
                inserted.statements
                    + Self.cancelSources(sources, reason: Restructuring.mergedReason, at: now, actor: actor)
                    + [Self.link(sources: sources.map(\.orderId), targets: [merged.orderId], kind: "MERGE", at: now,
                                 tenantId: actor.tenantId)])
            return merged
        }
    }

    /// Splits an order into new CREATED orders of the given quantities (summing
    /// exactly to it); the source ends CANCELED (SPLIT), linked SPLIT to each.
    public func splitOrder(_ orderId: String, quantities: [ExactDecimal], actor: Principal) async throws -> [Order] {
        try await database.runner.transaction(actor.scope) { connection in
            let source = try await lockOrders([orderId], actor: actor, on: connection)[0]
            let drafts = try Restructuring.decideSplit(source, quantities: quantities, role: actor.role)
            let now = Timestamp.microseconds(Date())
            let parts = try Self.insertOrders(drafts, reason: Restructuring.splitReason, at: now, actor: actor)
            try await connection.finish(
                parts.statements
                    + Self.cancelSources([source], reason: Restructuring.splitReason, at: now, actor: actor)
                    + [Self.link(sources: [orderId], targets: parts.orders.map(\.orderId), kind: "SPLIT", at: now,
                                 tenantId: actor.tenantId)])
            return parts.orders
        }
    }

    /// Closes an order and, when something is unfilled, creates a CREATED order
    /// for the rest, linked REMAINDER, in the same transaction.
    public func closeOrderWithRemainder(_ orderId: String, actor: Principal) async throws -> (CloseOutcome, Order?) {
        try await database.runner.transaction(actor.scope) { connection in
            let order = try await lockOrders([orderId], actor: actor, on: connection)[0]
            guard case .state(let to) = try Lifecycle.decide(.closeOrder, order: order, role: actor.role) else {
                throw OMSError(.internalError, "close_order has a fixed target")
            }
            let now = Timestamp.microseconds(Date())
            var closed = order
            closed.state = to
            let close = Self.write(closed, from: order, command: .closeOrder, payload: EventPayload(), at: now,
                                   actor: actor)
            closed.version += 1
            closed.updatedAt = now
            guard closed.unfilledQuantity > 0 else {
                try await connection.finish([close])
                return (CloseOutcome(order: closed), nil)
            }
            // The remainder is a PM's order again; the trader closing this one creates it on their behalf.
            let draft = Restructuring.remainder(of: order, quantity: closed.unfilledQuantity)
            let inserted = try Self.insertOrders([draft], reason: "REMAINDER", at: now, actor: actor)
            let remainder = inserted.orders[0]
            try await connection.finish(
                [close] + inserted.statements
                    + [Self.link(sources: [orderId], targets: [remainder.orderId], kind: "REMAINDER", at: now,
                                 tenantId: actor.tenantId)])
            return (CloseOutcome(order: closed), remainder)
        }
    }
}
