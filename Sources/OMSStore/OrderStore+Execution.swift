import Foundation
import OMSCore
import OMSPostgres

extension OrderStore {
    package static let placementColumns = """
        p.placement_id, p.order_id, p.venue, p.broker_id, p.strategy, p.quantity, p.filled_quantity, \
        p.state, p.created_at
        """

    static func decodePlacement(_ row: Row) throws -> Placement {
        let r = row
        return Placement(
            placementId: try r["placement_id"].decode(String.self),
            orderId: try r["order_id"].decode(String.self),
            venue: try r["venue"].decode(String.self),
            brokerId: try r["broker_id"].decode(String?.self),
            strategy: try r["strategy"].decode(String?.self),
            quantity: try r["quantity"].decode(ExactDecimal.self),
            filledQuantity: try r["filled_quantity"].decode(ExactDecimal.self),
            state: PlacementState(rawValue: try r["state"].decode(String.self)) ?? .open,
            createdAt: try r["created_at"].decode(Date.self))
    }

    /// Sends part of an order to a venue. The first placement moves the order to
    /// ROUTED; open placements never exceed the unfilled quantity.
    public func createPlacement(
        orderId: String, venue: String, quantity: ExactDecimal, brokerId: String? = nil, strategy: String? = nil,
        actor: Principal
    ) async throws -> Placement {
        try await database.runner.transaction(actor.scope) { connection in
            let rows = try await connection.rows(prepared: OrderRow.select(orderId, actor: actor, adding: """
                (SELECT coalesce(sum(p.quantity - p.filled_quantity), 0) FROM placements p
                 WHERE p.tenant_id = o.tenant_id AND p.order_id = o.order_id AND p.state = 'OPEN') AS open_quantity
                """, locked: true))
            guard let row = rows.first else {
                throw OMSError(.orderNotFound, "order \(orderId) not found", details: ["order_id": orderId])
            }
            let order = try OrderRow.decode(row)
            let open = try row["open_quantity"].decode(Decimal.self)
            let newState = try Execution.decidePlacement(
                quantity: quantity, venue: venue, order: order, openPlacements: open, role: actor.role)
            let now = Timestamp.microseconds(Date())
            let placement = Placement(
                placementId: Identifier.make("PLC", at: now), orderId: orderId, venue: venue, brokerId: brokerId,
                strategy: strategy, quantity: quantity, createdAt: now)
            let payload = EventPayload(placement: placement).jsonString()
            // The writes, the claim and COMMIT: the second round trip.
            try await connection.finish(prepared: """
                WITH pl AS (
                    INSERT INTO placements (tenant_id, placement_id, order_id, venue, broker_id, strategy, quantity,
                        filled_quantity, state, created_by, created_at, updated_at)
                    VALUES (\(actor.tenantId), \(placement.placementId), \(orderId), \(venue), \(brokerId),
                        \(strategy), \(quantity), 0, 'OPEN', \(actor.principalId), \(now), \(now))
                ), upd AS (
                    UPDATE orders SET state = \(newState.rawValue), version = version + 1, updated_at = \(now)
                    WHERE tenant_id = \(actor.tenantId) AND order_id = \(orderId)
                    RETURNING tenant_id, order_id, version, state
                )
                \(OrderEventRow.insert(.createPlacement, from: "upd", fromState: "\(order.state.rawValue)",
                                       actor: actor, payload: payload, at: now))
                """)
            return placement
        }
    }

    /// Cancels an open placement; the order keeps its state.
    public func cancelPlacement(_ placementId: String, actor: Principal) async throws -> Placement {
        guard actor.role == .trader else {
            throw OMSError(.permissionDenied, "only a Trader may cancel placements", details: ["role": actor.role.rawValue])
        }
        let now = Timestamp.microseconds(Date())
        let visible: SQL = """
            SELECT \(unescaped: Self.placementColumns) FROM placements p JOIN orders o
              ON o.tenant_id = p.tenant_id AND o.order_id = p.order_id
            WHERE p.tenant_id = \(actor.tenantId) AND p.placement_id = \(placementId)
              AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))
            """
        let updated = try await database.rows(actor.scope, """
            UPDATE placements p SET state = 'CANCELED', updated_at = \(now)
            FROM orders o
            WHERE p.tenant_id = \(actor.tenantId) AND p.placement_id = \(placementId) AND p.state = 'OPEN'
              AND o.tenant_id = p.tenant_id AND o.order_id = p.order_id
              AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))
            RETURNING \(unescaped: Self.placementColumns)
            """)
        if let row = updated.first { return try Self.decodePlacement(row) }
        guard let row = try await database.rows(actor.scope, visible).first else {
            throw OMSError(.placementNotFound, "placement \(placementId) not found", details: ["placement_id": placementId])
        }
        let placement = try Self.decodePlacement(row)
        throw OMSError(.invalidState, "placement \(placementId) is \(placement.state.rawValue)",
                       details: ["state": placement.state.rawValue, "placement_id": placementId])
    }

    /// The placements of an order, oldest first.
    public func placements(orderId: String, actor: Principal) async throws -> [Placement] {
        let rows = try await database.rows(actor.scope, """
            SELECT \(unescaped: Self.placementColumns)
            FROM orders o LEFT JOIN placements p ON p.tenant_id = o.tenant_id AND p.order_id = o.order_id
            WHERE \(Self.visible(orderId, actor: actor))
            ORDER BY p.created_at, p.placement_id
            """)
        return try Self.joined(rows, orderId: orderId, key: "placement_id").map(Self.decodePlacement)
    }
}

