import Foundation
import OMSCore
import OMSPostgres


extension OrderStore {
    private enum FillOutcome: Sendable {
        case recorded(Order)
        case repeated(version: Int)
    }

    /// Records an execution. Idempotent by `execId`: a repeat returns the order
    /// as the first call left it and changes nothing.
    public func recordFill(
        orderId: String, execId: String, quantity: ExactDecimal, price: ExactDecimal, placementId: String? = nil,
        executedAt: Date? = nil, actor: Principal
    ) async throws -> Order {
        try OrderValidation.requireIdentifier(execId, field: "exec_id")
        try Execution.checkFill(quantity: quantity, price: price)
        let now = Timestamp.microseconds(Date())
        let fill = FillRecord(execId: execId, quantity: quantity, price: price, placementId: placementId,
                              executedAt: Timestamp.microseconds(executedAt ?? now))
        let outcome: FillOutcome = try await database.runner.transaction(actor.scope) { connection in
            // Lock the order and claim the exec_id in one statement. The claim is
            // an insert that does nothing on conflict, not a read: under
            // SERIALIZABLE a read of fills_pkey would predicate-lock the index
            // page where the exec_id would go, which every concurrent fill
            // inserts into (exec ids of one feed are sequential), and each
            // fill then aborted others as a pivot. A refusal below rolls the
            // claimed row back with the rest.
            // One round trip: BEGIN, the scope, the lock-and-claim and the
            // order's open placements (locked too; the fill may move them).
            let rows: [Row], open: [Placement]
            do {
                let results = try await connection.batch([
                    """
                        WITH o AS (
                            \(OrderRow.select(orderId, actor: actor, locked: true))
                        ), claim AS (
                            INSERT INTO fills (tenant_id, exec_id, order_id, placement_id, quantity, price, executed_at,
                                order_version, recorded_by)
                            SELECT o.tenant_id, \(execId), o.order_id, \(placementId), \(quantity), \(price),
                                \(fill.executedAt), o.version + 1, \(actor.principalId) FROM o
                            ON CONFLICT (tenant_id, exec_id) DO NOTHING
                            RETURNING exec_id
                        )
                        SELECT o.*, EXISTS (SELECT 1 FROM claim) AS claimed FROM o
                        """,
                    Self.openPlacementsSQL(orderId, actor: actor),
                ], prepared: true)
                rows = results[0]
                open = try results[1].map(Self.decodePlacement)
            } catch let error as PostgresError where error.sqlState == SQLState.foreignKeyViolation {
                throw OMSError(.placementNotFound, "placement \(placementId ?? "") not found",
                               details: ["placement_id": placementId ?? ""])
            }
            guard let row = rows.first else {
                throw OMSError(.orderNotFound, "order \(orderId) not found", details: ["order_id": orderId])
            }
            let order = try OrderRow.decode(row)
            guard try row["claimed"].decode(Bool.self) else {
                let first = try await connection.rows("""
                    SELECT order_id, order_version FROM fills WHERE tenant_id = \(actor.tenantId) AND exec_id = \(execId)
                    """)
                guard let (fillOrderId, version) = try first.first?.decode((String, Int32).self) else { throw RetryTransaction() }
                guard fillOrderId == orderId else {
                    throw OMSError(.duplicateFill, "exec_id \(execId) was recorded for another order",
                                   details: ["exec_id": execId])
                }
                return .repeated(version: Int(version))
            }
            var named: Placement?
            if let placementId {
                if let match = open.first(where: { $0.placementId == placementId }) {
                    named = match
                } else {
                    named = try await placement(placementId, actor: actor, on: connection)
                }
            }
            let decided = try Execution.decideFill(
                quantity: quantity, price: price, order: order, placement: named, openPlacements: open, role: actor.role)
            try await write(fill, decided.order, from: order.state, placements: decided.placements, at: now,
                            actor: actor, on: connection)
            var result = decided.order
            result.version = order.version + 1
            result.updatedAt = now
            return .recorded(result)
        }
        switch outcome {
        case .recorded(let order):
            return order
        case .repeated(let version):
            return try OrderReplay.replay(try await events(orderId, tenantId: actor.tenantId, upToVersion: version))
        }
    }

    /// The order's open placements, oldest first, locked.
    private static func openPlacementsSQL(_ orderId: String, actor: Principal) -> SQL {
        """
            SELECT \(unescaped: Self.placementColumns) FROM placements p
            WHERE p.tenant_id = \(actor.tenantId) AND p.order_id = \(orderId) AND p.state = 'OPEN'
            ORDER BY p.created_at, p.placement_id FOR UPDATE
            """
    }

    /// A placement that is not open: the kernel then names why the fill is refused.
    private func placement(_ placementId: String, actor: Principal, on connection: Transaction)
        async throws -> Placement
    {
        let rows = try await connection.rows("""
            SELECT \(unescaped: Self.placementColumns) FROM placements p
            WHERE p.tenant_id = \(actor.tenantId) AND p.placement_id = \(placementId)
            """)
        guard let row = rows.first else {
            throw OMSError(.placementNotFound, "placement \(placementId) not found", details: ["placement_id": placementId])
        }
        return try Self.decodePlacement(row)
    }

    private func write(
        _ fill: FillRecord, _ order: Order, from state: OrderState, placements: [Placement], at now: Date,
        actor: Principal, on connection: Transaction
    ) async throws {
        let payload = EventPayload(fill: fill).jsonString()
        // The last statement: sent with the idempotency claim and COMMIT, the second round trip.
        _ = try await connection.finish(prepared: """
            WITH upd AS (
                UPDATE orders SET executed_quantity = \(order.executedQuantity), state = \(order.state.rawValue),
                    version = version + 1, updated_at = \(now)
                WHERE tenant_id = \(actor.tenantId) AND order_id = \(order.orderId)
                RETURNING tenant_id, order_id, version, state
            ), ids AS (
                SELECT \(placements.map(\.placementId))::text[] AS placement_ids
            ), pl AS (
                -- Found by order and key, not joined: a prepared statement's
                -- generic plan joined an unnest() to, or filtered, every
                -- placement of the tenant, and under SERIALIZABLE that read
                -- conflicted with every other fill (docs/performance.md).
                UPDATE placements p
                SET filled_quantity = (\(placements.map { "\($0.filledQuantity)" })::text[])
                        [array_position(ids.placement_ids, p.placement_id)]::numeric,
                    state = (\(placements.map(\.state.rawValue))::text[])[array_position(ids.placement_ids, p.placement_id)],
                    updated_at = \(now)
                FROM ids
                WHERE p.tenant_id = \(actor.tenantId) AND p.order_id = \(order.orderId)
                  AND p.placement_id = ANY(ids.placement_ids)
            )
            \(OrderEventRow.insert(.recordFill, from: "upd", fromState: "\(state.rawValue)", actor: actor,
                                   payload: payload, at: now))
            """)
    }

    /// What `close_order` answers: the closed order and how much was and was not executed.
    public struct CloseOutcome: Sendable, Equatable {
        /// The order as closing left it (CLOSED).
        public var order: Order
        /// How much was executed before the close.
        public var executedQuantity: ExactDecimal { order.executedQuantity }
        /// How much of the ordered quantity was never executed.
        public var unfilledQuantity: ExactDecimal { order.unfilledQuantity }
    }

    /// Closes an order whose execution is complete (fully or partly).
    public func closeOrder(_ orderId: String, actor: Principal) async throws -> CloseOutcome {
        CloseOutcome(order: try await transition(.closeOrder, orderId: orderId, actor: actor).order)
    }
}
