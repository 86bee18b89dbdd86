import Foundation

/// Field rules every order must satisfy, whether created or updated.
public enum OrderValidation {
    /// Checks the economic fields of an order; the first broken rule is reported.
    public static func validate(
        orderType: OrderType, timeInForce: TimeInForce, orderedQuantity: ExactDecimal,
        limitPrice: ExactDecimal?, stopPrice: ExactDecimal?, expireAt: Date?
    ) throws(OMSError) {
        try NumericDomain.quantity.check(orderedQuantity, field: "ordered_quantity")
        try NumericDomain.price.check(limitPrice, field: "limit_price")
        try NumericDomain.price.check(stopPrice, field: "stop_price")
        if orderType.requiresLimitPrice, limitPrice == nil {
            throw OMSError(
                .invalidOrderType, "limit_price is required for \(orderType.rawValue) orders",
                details: ["field": "limit_price"])
        }
        if !orderType.requiresLimitPrice, limitPrice != nil {
            throw OMSError(
                .invalidOrderType, "limit_price is not allowed for \(orderType.rawValue) orders",
                details: ["field": "limit_price"])
        }
        if orderType.requiresStopPrice, stopPrice == nil {
            throw OMSError(
                .invalidOrderType, "stop_price is required for \(orderType.rawValue) orders",
                details: ["field": "stop_price"])
        }
        if !orderType.requiresStopPrice, stopPrice != nil {
            throw OMSError(
                .invalidOrderType, "stop_price is not allowed for \(orderType.rawValue) orders",
                details: ["field": "stop_price"])
        }
        if timeInForce == .gtd, expireAt == nil {
            throw .invalidArgument("expire_at", "is required for GTD orders")
        }
        if timeInForce != .gtd, expireAt != nil {
            throw .invalidArgument("expire_at", "is allowed only for GTD orders")
        }
    }

    /// Validates a new order's fields.
    public static func validate(_ draft: NewOrder) throws(OMSError) {
        try requireIdentifier(draft.portfolioId, field: "portfolio_id")
        try requireIdentifier(draft.instrumentId, field: "instrument_id")
        try validate(
            orderType: draft.orderType, timeInForce: draft.timeInForce,
            orderedQuantity: draft.orderedQuantity, limitPrice: draft.limitPrice,
            stopPrice: draft.stopPrice, expireAt: draft.expireAt)
        if let clientOrderId = draft.clientOrderId { try requireIdentifier(clientOrderId, field: "client_order_id") }
    }

    /// Identifiers are 1–128 visible ASCII characters (`InputText.isIdentifier`).
    public static func requireIdentifier(_ value: String, field: String) throws(OMSError) {
        if let problem = InputText.identifierProblem(value) { throw .invalidArgument(field, problem) }
    }
}
