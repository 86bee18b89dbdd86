import Foundation
import OMSCore
import OMSProtocol

/// `oms.create_order`.
struct CreateOrderParams: MethodParams {
    var portfolioId: String
    var instrumentId: String
    var direction: Direction
    var orderedQuantity: ExactDecimal
    var orderType: OrderType
    var timeInForce: TimeInForce
    var limitPrice: ExactDecimal?
    var stopPrice: ExactDecimal?
    var expireAt: Date?
    var basketId: String?
    var counterpartyId: String?
    var metadata: [String: JSON]?
    var clientOrderId: String?
    /// Declared by `MethodSpec` for every mutating method; the store keeps it with the order.
    var idempotencyKey: String?

    static let specs: [ParamSpec] = [
        ParamSpec("portfolio_id", .identifier), ParamSpec("instrument_id", .identifier),
        ParamSpec("direction", ParamSpec.direction), ParamSpec("ordered_quantity", .decimal),
        ParamSpec("order_type", ParamSpec.orderType), ParamSpec("time_in_force", ParamSpec.timeInForce),
        .optional("limit_price", .decimal, "required for Limit, StopLimit, PreviouslyQuoted"),
        .optional("stop_price", .decimal, "required for Stop, StopLimit"),
        .optional("expire_at", .timestamp, "required for GTD, only for GTD"),
        .optional("basket_id", .identifier), .optional("counterparty_id", .identifier), .optional("metadata", .object),
        .optional("client_order_id", .identifier, "unique per tenant; a repeat is DUPLICATE_ORDER"),
    ]
}

/// `oms.update_order`. `changes` is read by `OrderChangesDecoder`, whose
/// messages name `changes.<field>`, after the metadata size check.
struct UpdateOrderParams: MethodParams {
    var orderId: String
    var changes: [String: JSON]

    static let specs: [ParamSpec] = [
        .orderId,
        ParamSpec("changes", .object,
                  "ordered_quantity, limit_price, stop_price, time_in_force, expire_at, counterparty_id, metadata; null clears"),
    ]
}

/// `oms.close_order`.
struct CloseOrderParams: MethodParams {
    var orderId: String
    var createRemainder: Bool?

    static let specs: [ParamSpec] = [
        .orderId,
        .optional("create_remainder", .boolean, "also create a CREATED order for the unfilled quantity, linked REMAINDER"),
    ]
}

/// The methods that take one order: reads, and transitions that record nothing more.
struct OrderIdParams: MethodParams {
    var orderId: String
    static let specs: [ParamSpec] = [.orderId]
}

/// `oms.list_orders`.
struct ListOrdersParams: MethodParams {
    var portfolioId: String?
    var instrumentId: String?
    var state: OrderState?
    var direction: Direction?
    var basketId: String?
    var createdAfter: Date?
    var createdBefore: Date?
    var limit: Int?
    var offset: Int?

    static let specs: [ParamSpec] = [
        .optional("portfolio_id", .identifier), .optional("instrument_id", .identifier),
        .optional("state", ParamSpec.state), .optional("direction", ParamSpec.direction),
        .optional("basket_id", .identifier), .optional("created_after", .timestamp),
        .optional("created_before", .timestamp), .optional("limit", .integer, "1-1000, default 100"),
        .optional("offset", .integer, "default 0"),
    ]
}

/// `oms.send_to_trader`: exactly one of the two (the handler refuses both or neither).
struct SendToTraderParams: MethodParams {
    var orderId: String?
    var basketId: String?

    static let specs: [ParamSpec] = [
        .optional("order_id", .identifier), .optional("basket_id", .identifier, "instead of order_id"),
    ]
}
