import Foundation
import OMSCore
import OMSPostgres

/// How an order row is selected and decoded; one place for the column list
/// (the benchmark's transcription of the store's statements uses it too).
package enum OrderRow {
    /// The order columns, for `SELECT \(unescaped: OrderRow.columns) FROM orders o`.
    package static let columns = """
        o.tenant_id, o.order_id, o.portfolio_id, o.instrument_id, o.direction, o.order_type, \
        o.time_in_force, o.ordered_quantity, o.limit_price, o.stop_price, o.expire_at, \
        o.executed_quantity, o.state, o.basket_id, o.counterparty_id, o.metadata::text AS metadata, \
        o.client_order_id, o.cancel_reason, o.created_by, o.version, o.created_at, o.updated_at
        """

    /// Same columns for `RETURNING` from an `UPDATE orders o`.
    static let returning = columns

    /// The order `orderId` as `actor` may see it (its tenant, a portfolio it
    /// is entitled to), with `extra` columns computed from the row `o`
    /// (`(SELECT …) AS name, …`); `locked` holds the row lock until the
    /// transaction ends.
    static func select(_ orderId: String, actor: Principal, adding extra: SQL? = nil, locked: Bool) -> SQL {
        let extra: SQL = extra.map { (more: SQL) -> SQL in ",\n    \(more)" } ?? ""
        return """
        SELECT \(unescaped: columns)\(extra)
        FROM orders o
        WHERE o.tenant_id = \(actor.tenantId) AND o.order_id = \(orderId)
          AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))\(unescaped: locked ? "\nFOR UPDATE OF o" : "")
        """
    }

    static func decode(_ row: Row) throws -> Order {
        let r = row
        func text(_ name: String) throws -> String { try r[name].decode(String.self) }
        func enumValue<E: RawRepresentable>(_ name: String, _: E.Type) throws -> E where E.RawValue == String {
            let raw = try text(name)
            guard let value = E(rawValue: raw) else {
                throw OMSError(.internalError, "unexpected \(name) '\(raw)' in orders")
            }
            return value
        }
        // jsonb keeps numbers as numeric, exactly; JSONParser keeps their text.
        let metadata = try r["metadata"].decode(String?.self).map { json -> [String: JSON] in
            (try? JSONParser.parse(json))?.objectValue ?? [:]
        }
        return Order(
            tenantId: try text("tenant_id"),
            orderId: try text("order_id"),
            portfolioId: try text("portfolio_id"),
            instrumentId: try text("instrument_id"),
            direction: try enumValue("direction", Direction.self),
            orderType: try enumValue("order_type", OrderType.self),
            timeInForce: try enumValue("time_in_force", TimeInForce.self),
            orderedQuantity: try r["ordered_quantity"].decode(ExactDecimal.self),
            limitPrice: try r["limit_price"].decode(ExactDecimal?.self),
            stopPrice: try r["stop_price"].decode(ExactDecimal?.self),
            expireAt: try r["expire_at"].decode(Date?.self),
            executedQuantity: try r["executed_quantity"].decode(ExactDecimal.self),
            state: try enumValue("state", OrderState.self),
            basketId: try r["basket_id"].decode(String?.self),
            counterpartyId: try r["counterparty_id"].decode(String?.self),
            metadata: metadata,
            clientOrderId: try r["client_order_id"].decode(String?.self),
            cancelReason: try r["cancel_reason"].decode(String?.self),
            createdBy: try text("created_by"),
            version: Int(try r["version"].decode(Int32.self)),
            createdAt: try r["created_at"].decode(Date.self),
            updatedAt: try r["updated_at"].decode(Date.self))
    }
}

extension Optional where Wrapped == [String: JSON] {
    /// Metadata as a jsonb parameter (text, cast in SQL), numbers as the client wrote them.
    var jsonText: String? {
        self.map { JSON.object($0).serializedString }
    }
}
