import Foundation
import OMSCore
import OMSPostgres

extension OrderStore {
    /// Applies `update_order` under the row lock: the kernel checks field
    /// locking and roles; the row and its event are written in one statement.
    public func updateOrder(_ orderId: String, changes: OrderChanges, actor: Principal) async throws -> Order {
        try await database.runner.transaction(actor.scope) { connection in
            let current = try await lockOrder(orderId, actor: actor, on: connection)
            var updated = try OrderUpdate.decide(changes, order: current, role: actor.role)
            let now = Timestamp.microseconds(Date())
            updated.version = current.version + 1
            updated.updatedAt = now
            let payload = EventPayload(changes: changes).jsonString()
            // The write, the claim and COMMIT: the second round trip.
            let rows = try await connection.finish("""
                WITH upd AS (
                    UPDATE orders o SET ordered_quantity = \(updated.orderedQuantity),
                        limit_price = \(updated.limitPrice), stop_price = \(updated.stopPrice),
                        time_in_force = \(updated.timeInForce.rawValue), expire_at = \(updated.expireAt),
                        counterparty_id = \(updated.counterpartyId), metadata = \(updated.metadata.jsonText)::jsonb,
                        state = \(updated.state.rawValue), version = \(updated.version), updated_at = \(now)
                    WHERE o.tenant_id = \(actor.tenantId) AND o.order_id = \(orderId)
                    RETURNING \(unescaped: OrderRow.returning)
                ), ev AS (
                    \(OrderEventRow.insert(.updateOrder, from: "upd", fromState: "\(current.state.rawValue)",
                                           actor: actor, payload: payload, at: now))
                )
                SELECT * FROM upd
                """)
            guard let row = rows.first else { throw RetryTransaction() }
            return try OrderRow.decode(row)
        }
    }
}
