import Foundation
import OMSCore
import OMSPostgres

/// Filters of `list_orders`; every field optional.
public struct OrderFilter: Sendable, Equatable {
    /// Only orders of this portfolio.
    public var portfolioId: String?
    /// Only orders in this instrument.
    public var instrumentId: String?
    /// Only orders in this state.
    public var state: OrderState?
    /// Only orders of this direction.
    public var direction: Direction?
    /// Only orders in this basket.
    public var basketId: String?
    /// Only orders created at or after this instant.
    public var createdAfter: Date?
    /// Only orders created before this instant.
    public var createdBefore: Date?
    /// Page size, at most `maximumLimit`.
    public var limit: Int
    /// Orders to skip, for paging.
    public var offset: Int

    /// A filter; the defaults list the first page of every order the caller may see.
    public init(portfolioId: String? = nil, instrumentId: String? = nil, state: OrderState? = nil,
                direction: Direction? = nil, basketId: String? = nil, createdAfter: Date? = nil,
                createdBefore: Date? = nil, limit: Int = 100, offset: Int = 0) {
        self.portfolioId = portfolioId
        self.instrumentId = instrumentId
        self.state = state
        self.direction = direction
        self.basketId = basketId
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.limit = limit
        self.offset = offset
    }

    /// Largest page a caller may ask for.
    public static let maximumLimit = 1_000
}

/// A lineage link between two orders.
public struct OrderLink: Sendable, Equatable, Codable {
    /// The order the link starts from (a merged or split source).
    public var sourceOrderId: String
    /// The order the link leads to (the result of the merge or split).
    public var targetOrderId: String
    /// What made the link: MERGE, SPLIT or REMAINDER.
    public var kind: String
    /// When the restructuring committed.
    public var createdAt: Date
}

extension OrderStore {
    /// The order if it exists in the actor's tenant and the actor is entitled to its portfolio.
    public func order(_ orderId: String, actor: Principal) async throws -> Order? {
        try await database.rows(actor.scope, prepared: OrderRow.select(orderId, actor: actor, locked: false))
            .first.map(OrderRow.decode)
    }

    /// The order, or ORDER_NOT_FOUND.
    public func getOrder(_ orderId: String, actor: Principal) async throws -> Order {
        guard let order = try await order(orderId, actor: actor) else {
            throw OMSError(.orderNotFound, "order \(orderId) not found", details: ["order_id": orderId])
        }
        return order
    }

    func order(idempotencyKey: String, actor: Principal) async throws -> Order? {
        try await database.rows(actor.scope, """
            SELECT \(unescaped: OrderRow.columns) FROM orders o
            WHERE o.tenant_id = \(actor.tenantId) AND o.idempotency_key = \(idempotencyKey)
              AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))
            """).first.map(OrderRow.decode)
    }

    /// Locks and reads the order inside a transaction.
    func lockOrder(_ orderId: String, actor: Principal, on connection: Transaction) async throws -> Order {
        let rows = try await connection.rows(OrderRow.select(orderId, actor: actor, locked: true))
        guard let row = rows.first else {
            throw OMSError(.orderNotFound, "order \(orderId) not found", details: ["order_id": orderId])
        }
        return try OrderRow.decode(row)
    }

    /// Orders matching the filter, newest first.
    public func listOrders(_ filter: OrderFilter, actor: Principal) async throws -> [Order] {
        guard (1...OrderFilter.maximumLimit).contains(filter.limit) else {
            throw OMSError(.invalidArgument, "limit must be between 1 and \(OrderFilter.maximumLimit)",
                           details: ["field": "limit"])
        }
        guard filter.offset >= 0 else {
            throw OMSError(.invalidArgument, "offset must not be negative", details: ["field": "offset"])
        }
        return try await database.rows(actor.scope, """
            SELECT \(unescaped: OrderRow.columns) FROM orders o
            WHERE o.tenant_id = \(actor.tenantId)
              AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))
              AND (\(filter.portfolioId)::text IS NULL OR o.portfolio_id = \(filter.portfolioId))
              AND (\(filter.instrumentId)::text IS NULL OR o.instrument_id = \(filter.instrumentId))
              AND (\(filter.state?.rawValue)::text IS NULL OR o.state = \(filter.state?.rawValue))
              AND (\(filter.direction?.rawValue)::text IS NULL OR o.direction = \(filter.direction?.rawValue))
              AND (\(filter.basketId)::text IS NULL OR o.basket_id = \(filter.basketId))
              AND (\(filter.createdAfter)::timestamptz IS NULL OR o.created_at >= \(filter.createdAfter))
              AND (\(filter.createdBefore)::timestamptz IS NULL OR o.created_at < \(filter.createdBefore))
            ORDER BY o.created_at DESC, o.order_id DESC
            LIMIT \(filter.limit) OFFSET \(filter.offset)
            """).map(OrderRow.decode)
    }

    /// Every event of an order, oldest first, in one round trip: the events
    /// are joined to the order the actor may see, so no row at all means
    /// ORDER_NOT_FOUND.
    public func history(_ orderId: String, actor: Principal) async throws -> [OrderEvent] {
        let rows = try await database.rows(actor.scope, """
            SELECT e.event_id, e.order_id, e.sequence, e.command, e.from_state, e.to_state, e.actor_id, e.actor_role,
                   e.payload::text AS payload, e.occurred_at, e.recorded_at
            FROM orders o LEFT JOIN order_events e ON e.tenant_id = o.tenant_id AND e.order_id = o.order_id
            WHERE \(Self.visible(orderId, actor: actor))
            ORDER BY e.sequence
            """)
        return try Self.joined(rows, orderId: orderId, key: "event_id").map { try Self.decodeEvent($0) }
    }

    /// The predicate of the order `orderId` as `actor` may see it, as `o`.
    static func visible(_ orderId: String, actor: Principal) -> SQL {
        "o.tenant_id = \(actor.tenantId) AND o.order_id = \(orderId) AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))"
    }

    /// The rows of a read LEFT JOINed to a visible order: ORDER_NOT_FOUND
    /// when there is none, and without the all-NULL row of an order that has
    /// nothing joined (`key` NULL).
    static func joined(_ rows: [Row], orderId: String, key: String) throws -> [Row] {
        guard !rows.isEmpty else {
            throw OMSError(.orderNotFound, "order \(orderId) not found", details: ["order_id": orderId])
        }
        return rows.filter { !$0[key].isNull }
    }

    func events(_ orderId: String, tenantId: String, upToVersion: Int = .max) async throws -> [OrderEvent] {
        try await database.rows(.tenant(tenantId), """
            SELECT event_id, order_id, sequence, command, from_state, to_state, actor_id, actor_role,
                   payload::text AS payload, occurred_at, recorded_at
            FROM order_events
            WHERE tenant_id = \(tenantId) AND order_id = \(orderId) AND sequence <= \(Int32(clamping: upToVersion))
            ORDER BY sequence
            """).map { try Self.decodeEvent($0) }
    }

    /// An `order_events` row; with `decodingPayload: false` the payload is left
    /// empty (the event feed sends the stored text instead).
    static func decodeEvent(_ row: Row, decodingPayload: Bool = true) throws -> OrderEvent {
        let r = row
        func state(_ name: String) throws -> OrderState? {
            try r[name].decode(String?.self).flatMap(OrderState.init(rawValue:))
        }
        let command = try r["command"].decode(String.self)
        return OrderEvent(
            eventId: try r["event_id"].decode(Int64.self),
            orderId: try r["order_id"].decode(String.self),
            sequence: Int(try r["sequence"].decode(Int32.self)),
            command: OrderCommand(rawValue: command) ?? .updateOrder,
            fromState: try state("from_state"),
            toState: try state("to_state") ?? .created,
            actorId: try r["actor_id"].decode(String.self),
            actorRole: Role(rawValue: try r["actor_role"].decode(String.self)) ?? .system,
            payload: decodingPayload ? try EventPayload.parse(try r["payload"].decode(String.self)) : EventPayload(),
            occurredAt: try r["occurred_at"].decode(Date.self),
            recordedAt: try r["recorded_at"].decode(Date.self))
    }

    /// Links where the order is source or target.
    public func links(_ orderId: String, actor: Principal) async throws -> [OrderLink] {
        let rows = try await database.rows(actor.scope, """
            SELECT l.source_order_id, l.target_order_id, l.kind, l.created_at
            FROM orders o LEFT JOIN order_links l ON l.tenant_id = o.tenant_id
                AND (l.source_order_id = o.order_id OR l.target_order_id = o.order_id)
            WHERE \(Self.visible(orderId, actor: actor))
            ORDER BY l.created_at, l.source_order_id, l.target_order_id
            """)
        return try Self.joined(rows, orderId: orderId, key: "source_order_id").map { row in
            let (source, target, kind, createdAt) = try row.decode((String, String, String, Date).self)
            return OrderLink(sourceOrderId: source, targetOrderId: target, kind: kind, createdAt: createdAt)
        }
    }
}

