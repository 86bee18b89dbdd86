import Foundation
import Logging
import OMSCore
import OMSPostgres

/// The kernel's commands carried out on PostgreSQL: each one SERIALIZABLE
/// transaction that holds the order's row lock, writes the row (version + 1)
/// and appends its event. `OMSCore` decides; this type only executes.
public struct OrderStore: Sendable {
    /// The pool and transaction runner every command runs on.
    public let database: Database

    /// A store over `database`; cheap to make, so callers make one where they need it.
    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// What a transition command carries besides the order id.
    public struct TransitionDetails: Sendable, Equatable {
        /// Why the order is cancelled, rejected or overridden, as the client gave it.
        public var reason: String?
        /// The violations a compliance verdict records.
        public var violations: [Violation]?
        /// The principal who approved an override.
        public var approverId: String?

        /// Details for a transition; every field is optional because commands carry different ones.
        public init(reason: String? = nil, violations: [Violation]? = nil, approverId: String? = nil) {
            self.reason = reason
            self.violations = violations
            self.approverId = approverId
        }
    }

    /// The order after a transition, with what the transition recorded.
    public struct TransitionOutcome: Sendable, Equatable {
        /// The order as the transition left it.
        public var order: Order
        /// The state the order was in before the transition.
        public var fromState: OrderState
        /// The id of the event the transition appended, for callers that answer with it.
        public var eventId: Int64
        /// The compliance result recorded by a pass / fail / override (the override id).
        public var complianceResultId: String?
    }

    /// Creates an order in CREATED. A repeated `idempotencyKey` returns the
    /// first order; a repeated `clientOrderId` is DUPLICATE_ORDER.
    public func createOrder(_ draft: NewOrder, actor: Principal, idempotencyKey: String? = nil) async throws -> Order {
        guard OrderCommand.createOrder.roles.contains(actor.role) else {
            throw OMSError(.permissionDenied, "only a PM may create orders", details: ["role": actor.role.rawValue])
        }
        try OrderValidation.validate(draft)
        guard actor.isEntitled(to: draft.portfolioId) else {
            throw OMSError(.permissionDenied, "not entitled to portfolio \(draft.portfolioId)",
                           details: ["portfolio_id": draft.portfolioId])
        }
        let now = Timestamp.microseconds(Date())
        let order = draft.makeOrder(
            tenantId: actor.tenantId, orderId: Identifier.make("ORD", at: now), createdBy: actor.principalId, at: now)
        let query = try Self.insertQuery(order, idempotencyKey: idempotencyKey, actor: actor)
        do {
            _ = try await database.rows(actor.scope, prepared: query)
            return order
        } catch let error as PostgresError where error.sqlState == SQLState.uniqueViolation
            && error.constraint == "orders_idempotency_key_unique"
        {
            guard let key = idempotencyKey, let first = try await self.order(idempotencyKey: key, actor: actor) else {
                throw OMSError(.conflict, "idempotency_key was used by an order you cannot see")
            }
            return first
        } catch let error as PostgresError {
            throw Self.mapCreateError(error, draft: draft)
        }
    }

    /// Inserts a new order and its create event in one statement. `reason`
    /// records why it was created (MERGED, SPLIT, REMAINDER) when it was not a plain create.
    static func insertQuery(_ order: Order, idempotencyKey: String?, actor: Principal, reason: String? = nil) throws
        -> SQL
    {
        let payload = EventPayload(order: order, reason: reason).jsonString()
        return """
            WITH ins AS (
                INSERT INTO orders (tenant_id, order_id, portfolio_id, instrument_id, direction, order_type,
                    time_in_force, ordered_quantity, limit_price, stop_price, expire_at, executed_quantity, state,
                    basket_id, counterparty_id, metadata, client_order_id, idempotency_key, created_by, version,
                    created_at, updated_at)
                VALUES (\(order.tenantId), \(order.orderId), \(order.portfolioId), \(order.instrumentId),
                    \(order.direction.rawValue), \(order.orderType.rawValue), \(order.timeInForce.rawValue),
                    \(order.orderedQuantity), \(order.limitPrice), \(order.stopPrice), \(order.expireAt), 0,
                    'CREATED', \(order.basketId), \(order.counterpartyId), \(order.metadata.jsonText)::text::jsonb,
                    \(order.clientOrderId), \(idempotencyKey), \(order.createdBy), 1, \(order.createdAt),
                    \(order.createdAt))
                RETURNING tenant_id, order_id, version, state
            )
            \(OrderEventRow.insert(.createOrder, from: "ins", fromState: "NULL", actor: actor, payload: payload,
                                   at: order.createdAt))
            """
    }

    static func mapCreateError(_ error: PostgresError, draft: NewOrder) -> any Error {
        switch (error.sqlState, error.constraint) {
        case (SQLState.foreignKeyViolation, "orders_portfolio_fk"):
            OMSError(.invalidPortfolio, "unknown portfolio \(draft.portfolioId)", details: ["portfolio_id": draft.portfolioId])
        case (SQLState.foreignKeyViolation, "orders_instrument_fk"):
            OMSError(.invalidInstrument, "unknown instrument \(draft.instrumentId)",
                     details: ["instrument_id": draft.instrumentId])
        case (SQLState.foreignKeyViolation, "orders_basket_fk"):
            OMSError(.invalidArgument, "unknown basket \(draft.basketId ?? "")", details: ["field": "basket_id"])
        case (SQLState.uniqueViolation, "orders_client_order_id_unique"):
            OMSError(.duplicateOrder, "client_order_id \(draft.clientOrderId ?? "") is already used",
                     details: ["client_order_id": draft.clientOrderId ?? ""])
        default:
            error
        }
    }

    /// Runs one lifecycle transition as a single guarded statement: lock the row
    /// if its state allows the command, update it, append the event (and the
    /// compliance result for a verdict). Reads back only on refusal, to name the
    /// reason the kernel gives.
    public func transition(
        _ command: OrderCommand, orderId: String, actor: Principal, details: TransitionDetails = .init()
    ) async throws -> TransitionOutcome {
        try Self.validate(command, details)
        guard let guarded = Lifecycle.guardedTransition(command, role: actor.role) else {
            try await refusal(command, orderId: orderId, actor: actor)
        }
        let verdict = command.complianceVerdict
        let now = Timestamp.microseconds(Date())
        let resultId = verdict.map { Identifier.make($0.verdict == .overridden ? "OVR" : "CR", at: now) }
        let payload = EventPayload(
            reason: details.reason, violations: details.violations, approverId: details.approverId,
            complianceResultId: resultId
        ).jsonString()
        let violationsJSON = verdict == nil ? nil : Self.json(details.violations ?? [])
        let fromStates = guarded.from.map(\.rawValue).sorted()
        let query: SQL = """
            WITH prev AS (
                SELECT state FROM orders
                WHERE tenant_id = \(actor.tenantId) AND order_id = \(orderId) AND state = ANY(\(fromStates))
                  AND (NOT \(guarded.requiresNoFills) OR executed_quantity = 0)
                  AND (NOT \(command == .confirmOrder) OR executed_quantity =
                       (SELECT coalesce(sum(a.quantity), 0) FROM allocations a
                        WHERE a.tenant_id = orders.tenant_id AND a.order_id = orders.order_id))
                  AND \(SQL.entitled(actor, portfolio: "portfolio_id"))
                FOR UPDATE
            ), upd AS (
                UPDATE orders o SET state = \(guarded.to.rawValue), version = o.version + 1, updated_at = \(now),
                    cancel_reason = CASE WHEN \(command == .cancelOrder) THEN \(details.reason) ELSE o.cancel_reason END
                FROM prev WHERE o.tenant_id = \(actor.tenantId) AND o.order_id = \(orderId)
                RETURNING \(unescaped: OrderRow.returning), prev.state AS from_state
            ), ev AS (
                \(OrderEventRow.insert(command, from: "upd", fromState: "from_state", actor: actor, payload: payload,
                                       at: now))
                RETURNING event_id
            ), cr AS (
                INSERT INTO compliance_results (tenant_id, result_id, order_id, phase, verdict, violations,
                    reason, approver_id, decided_by, decided_at)
                SELECT tenant_id, \(resultId), order_id, \(verdict?.phase.rawValue), \(verdict?.verdict.rawValue),
                    \(violationsJSON)::text::jsonb, \(details.reason), \(details.approverId), \(actor.principalId), \(now)
                FROM upd WHERE \(resultId)::text IS NOT NULL
            )
            SELECT upd.*, (SELECT event_id FROM ev) AS event_id FROM upd
            """
        return try await database.runner.retrying {
            guard let row = try await database.rows(actor.scope, prepared: query).first else {
                try await refusal(command, orderId: orderId, actor: actor)
            }
            let r = row
            return TransitionOutcome(
                order: try OrderRow.decode(row),
                fromState: OrderState(rawValue: try r["from_state"].decode(String.self)) ?? .created,
                eventId: try r["event_id"].decode(Int64.self),
                complianceResultId: resultId)
        }
    }

    /// Explains why a guarded write matched nothing: the order is missing or
    /// out of reach, or the kernel refuses. If the kernel would now allow it,
    /// the order changed in between and the command runs again.
    func refusal(_ command: OrderCommand, orderId: String, actor: Principal) async throws -> Never {
        guard let order = try await order(orderId, actor: actor) else {
            throw OMSError(.orderNotFound, "order \(orderId) not found", details: ["order_id": orderId])
        }
        _ = try Lifecycle.decide(command, order: order, role: actor.role)
        if command == .confirmOrder {
            try AllocationRules.checkConfirm(order: order, allocated: try await allocatedQuantity(orderId, actor: actor))
        }
        throw RetryTransaction()
    }

    /// Sum of an order's allocations.
    func allocatedQuantity(_ orderId: String, actor: Principal) async throws -> Decimal {
        try await database.rows(actor.scope, """
            SELECT coalesce(sum(quantity), 0)::numeric FROM allocations
            WHERE tenant_id = \(actor.tenantId) AND order_id = \(orderId)
            """).first?.decode(Decimal.self) ?? 0
    }

    static func validate(_ command: OrderCommand, _ details: TransitionDetails) throws(OMSError) {
        func require(_ value: String?, _ field: String) throws(OMSError) {
            guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .init(.invalidArgument, "\(field) is required for \(command.rawValue)", details: ["field": field])
            }
        }
        switch command {
        case .overridePreTradeCompliance, .overridePostTradeCompliance:
            try require(details.reason, "reason")
            try require(details.approverId, "approver_id")
        case .failPreTradeCompliance, .failPostTradeCompliance:
            guard let violations = details.violations, !violations.isEmpty else {
                throw .init(.invalidArgument, "violations must list at least one violation",
                            details: ["field": "violations"])
            }
            for violation in violations { try require(violation.ruleId, "violations.rule_id") }
        case .rejectOrder:
            try require(details.reason, "reason")
        case .createOrder, .updateOrder, .requestPreTradeCompliance, .passPreTradeCompliance, .sendToTrader,
             .createPlacement, .recordFill, .closeOrder, .sendToOperations, .requestPostTradeCompliance,
             .passPostTradeCompliance, .confirmOrder, .settleOrder, .reconcileOrder, .cancelOrder,
             .createAllocation, .updateAllocation:
            break
        }
    }

    static func json<T: Encodable>(_ value: T) -> String {
        (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

