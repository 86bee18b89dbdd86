import Foundation
import Logging
import OMSCore
import OMSPostgres

/// Allocations of an order's executed quantity to accounts. Every write is one
/// SERIALIZABLE transaction holding the order's row lock, so the sum of an
/// order's allocations is read and changed by one writer at a time; each write
/// also appends an event to the order's history (version + 1, state unchanged).
/// `AllocationRules` decides; this type only executes.
public struct AllocationStore: Sendable {
    /// The pool and transaction runner every call goes through.
    public let database: Database

    /// A store over `database`; stateless, so make one wherever needed.
    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// Books `quantity` of the order's executed quantity to `accountId`, which
    /// must belong to `portfolioId`, the order's portfolio.
    public func create(
        orderId: String, accountId: String, portfolioId: String, quantity: ExactDecimal, actor: Principal
    ) async throws -> Allocation {
        try NumericDomain.quantity.check(quantity, field: "quantity")
        return try await database.runner.transaction(actor.scope) { connection in
            let rows = try await connection.rows(prepared: OrderRow.select(orderId, actor: actor, adding: """
                (SELECT coalesce(sum(a.quantity), 0) FROM allocations a
                 WHERE a.tenant_id = o.tenant_id AND a.order_id = o.order_id) AS allocated,
                (SELECT ac.portfolio_id FROM accounts ac
                 WHERE ac.tenant_id = o.tenant_id AND ac.account_id = \(accountId)) AS account_portfolio_id
                """, locked: true))
            guard let row = rows.first else {
                throw OMSError(.orderNotFound, "order \(orderId) not found", details: ["order_id": orderId])
            }
            let order = try OrderRow.decode(row)
            let r = row
            try AllocationRules.decide(quantity: quantity, order: order,
                                       allocatedElsewhere: try r["allocated"].decode(Decimal.self), role: actor.role)
            try Self.checkBooking(accountId: accountId, accountPortfolioId: try r["account_portfolio_id"].decode(String?.self),
                                  portfolioId: portfolioId, order: order)
            let now = Timestamp.microseconds(Date())
            // `now` is whole microseconds and numeric keeps the scale it is
            // given, so this equals what a later `get` reads back.
            let allocation = Allocation(
                allocationId: Identifier.make("ALC", at: now), orderId: orderId, accountId: accountId,
                portfolioId: portfolioId, quantity: quantity, createdBy: actor.principalId, version: 1,
                createdAt: now, updatedAt: now)
            // The insert, the event and COMMIT: the second round trip.
            let written = try await connection.finish([
                """
                INSERT INTO allocations AS a (tenant_id, allocation_id, order_id, account_id, portfolio_id, quantity,
                    created_by, created_at, updated_at, version)
                VALUES (\(actor.tenantId), \(allocation.allocationId), \(orderId), \(accountId),
                    \(portfolioId), \(quantity), \(actor.principalId), \(now), \(now), 1)
                RETURNING 1
                """,
                Self.appendEvent(.createAllocation, allocation, order: order, at: now, actor: actor),
            ], prepared: true)
            guard written.allSatisfy({ $0.count == 1 }) else { throw RetryTransaction() }
            return allocation
        }
    }

    /// Changes an allocation's quantity and/or account. A new quantity is checked
    /// against the order's other allocations; a new account must belong to the
    /// allocation's portfolio.
    public func update(
        _ allocationId: String, quantity: ExactDecimal? = nil, accountId: String? = nil, actor: Principal
    ) async throws -> Allocation {
        guard quantity != nil || accountId != nil else {
            throw OMSError(.invalidArgument, "changes names no field to change (quantity, account_id)",
                           details: ["field": "changes"])
        }
        try NumericDomain.quantity.check(quantity, field: "changes.quantity")
        return try await database.runner.transaction(actor.scope) { connection in
            let rows = try await connection.rows("""
                SELECT \(unescaped: OrderRow.columns), \(unescaped: Self.columns),
                    (SELECT coalesce(sum(x.quantity), 0) FROM allocations x
                     WHERE x.tenant_id = a.tenant_id AND x.order_id = a.order_id
                       AND x.allocation_id <> a.allocation_id) AS allocated_elsewhere,
                    (SELECT ac.portfolio_id FROM accounts ac
                     WHERE ac.tenant_id = a.tenant_id AND ac.account_id = \(accountId)) AS account_portfolio_id
                FROM allocations a JOIN orders o ON o.tenant_id = a.tenant_id AND o.order_id = a.order_id
                WHERE a.tenant_id = \(actor.tenantId) AND a.allocation_id = \(allocationId)
                  AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))
                FOR UPDATE OF o, a
                """)
            guard let row = rows.first else {
                throw Self.notFound(allocationId)
            }
            let order = try OrderRow.decode(row)
            let current = try Self.decode(row)
            let r = row
            let newQuantity = quantity ?? current.quantity
            try AllocationRules.decide(quantity: newQuantity, order: order,
                                       allocatedElsewhere: try r["allocated_elsewhere"].decode(Decimal.self),
                                       role: actor.role)
            if let accountId {
                try Self.checkBooking(accountId: accountId,
                                      accountPortfolioId: try r["account_portfolio_id"].decode(String?.self),
                                      portfolioId: current.portfolioId, order: order)
            }
            let now = Timestamp.microseconds(Date())
            var changed = current
            changed.quantity = newQuantity
            changed.accountId = accountId ?? current.accountId
            changed.version = current.version + 1
            changed.updatedAt = now
            let written = try await connection.finish([
                """
                UPDATE allocations a SET quantity = \(newQuantity), account_id = \(changed.accountId),
                    version = \(changed.version), updated_at = \(now)
                WHERE a.tenant_id = \(actor.tenantId) AND a.allocation_id = \(allocationId)
                RETURNING 1
                """,
                Self.appendEvent(.updateAllocation, changed, order: order, at: now, actor: actor),
            ])
            guard written.allSatisfy({ $0.count == 1 }) else { throw RetryTransaction() }
            return changed
        }
    }

    /// The allocation, if its order is in the actor's tenant and portfolios; else NOT_FOUND.
    public func get(_ allocationId: String, actor: Principal) async throws -> Allocation {
        let rows = try await database.rows(actor.scope, """
            SELECT \(unescaped: Self.columns)
            FROM allocations a JOIN orders o ON o.tenant_id = a.tenant_id AND o.order_id = a.order_id
            WHERE a.tenant_id = \(actor.tenantId) AND a.allocation_id = \(allocationId)
              AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))
            """)
        guard let row = rows.first else { throw Self.notFound(allocationId) }
        return try Self.decode(row)
    }

    /// The allocations of an order, oldest first; ORDER_NOT_FOUND if the order is out of reach.
    public func list(orderId: String, actor: Principal) async throws -> [Allocation] {
        _ = try await OrderStore(database: database).getOrder(orderId, actor: actor)
        return try await database.rows(actor.scope, """
            SELECT \(unescaped: Self.columns) FROM allocations a
            WHERE a.tenant_id = \(actor.tenantId) AND a.order_id = \(orderId)
            ORDER BY a.created_at, a.allocation_id
            """).map(Self.decode)
    }
}

extension AllocationStore {
    /// The allocation columns, for `SELECT \(unescaped: AllocationStore.columns) FROM allocations a`.
    static let columns = """
        a.allocation_id, a.order_id, a.account_id, a.portfolio_id AS allocation_portfolio_id, \
        a.quantity AS allocation_quantity, a.created_by AS allocation_created_by, \
        a.version AS allocation_version, a.created_at AS allocation_created_at, \
        a.updated_at AS allocation_updated_at
        """

    /// Decodes the columns of `columns` (aliased so they can share a row with an order's).
    static func decode(_ row: Row) throws -> Allocation {
        let r = row
        return Allocation(
            allocationId: try r["allocation_id"].decode(String.self),
            orderId: try r["order_id"].decode(String.self),
            accountId: try r["account_id"].decode(String.self),
            portfolioId: try r["allocation_portfolio_id"].decode(String.self),
            quantity: try r["allocation_quantity"].decode(ExactDecimal.self),
            createdBy: try r["allocation_created_by"].decode(String.self),
            version: Int(try r["allocation_version"].decode(Int32.self)),
            createdAt: try r["allocation_created_at"].decode(Date.self),
            updatedAt: try r["allocation_updated_at"].decode(Date.self))
    }

    /// The account must exist, belong to the named portfolio, and that portfolio
    /// must be the order's: an allocation books the order's own portfolio's shares.
    static func checkBooking(
        accountId: String, accountPortfolioId: String?, portfolioId: String, order: Order
    ) throws(OMSError) {
        guard portfolioId == order.portfolioId else {
            throw OMSError(.invalidPortfolio,
                           "portfolio \(portfolioId) is not the portfolio of order \(order.orderId) (\(order.portfolioId))",
                           details: ["portfolio_id": portfolioId])
        }
        guard let accountPortfolioId else {
            throw OMSError(.invalidAccount, "unknown account \(accountId)", details: ["account_id": accountId])
        }
        guard accountPortfolioId == portfolioId else {
            throw OMSError(.invalidAccount,
                           "account \(accountId) belongs to portfolio \(accountPortfolioId), not \(portfolioId)",
                           details: ["account_id": accountId, "portfolio_id": portfolioId])
        }
    }

    /// Records an allocation command in the order's history: version + 1, the
    /// state unchanged (from_state = to_state), the allocation as the payload.
    static func appendEvent(
        _ command: OrderCommand, _ allocation: Allocation, order: Order, at now: Date, actor: Principal
    ) -> SQL {
        let payload = EventPayload(allocation: allocation).jsonString()
        return """
            WITH upd AS (
                UPDATE orders SET version = version + 1, updated_at = \(now)
                WHERE tenant_id = \(actor.tenantId) AND order_id = \(order.orderId)
                RETURNING tenant_id, order_id, version, state
            )
            \(OrderEventRow.insert(command, from: "upd", fromState: "state", actor: actor, payload: payload, at: now))
            RETURNING 1
            """
    }

    /// The one row a write returned.
    static func single(_ rows: [Row]) throws -> Row {
        guard let row = rows.first else { throw OMSError(.internalError, "allocation write returned no row") }
        return row
    }

    static func notFound(_ allocationId: String) -> OMSError {
        OMSError(.notFound, "allocation \(allocationId) not found", details: ["allocation_id": allocationId])
    }
}

