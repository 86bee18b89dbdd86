import Foundation

/// The fields a PM gives to create an order, before the kernel assigns an id.
public struct NewOrder: Sendable, Equatable {
    public var portfolioId: String
    public var instrumentId: String
    public var direction: Direction
    public var orderType: OrderType
    public var timeInForce: TimeInForce
    public var orderedQuantity: ExactDecimal
    public var limitPrice: ExactDecimal?
    public var stopPrice: ExactDecimal?
    public var expireAt: Date?
    public var basketId: String?
    public var counterpartyId: String?
    public var metadata: [String: JSON]?
    public var clientOrderId: String?

    public init(
        portfolioId: String, instrumentId: String, direction: Direction, orderType: OrderType,
        timeInForce: TimeInForce, orderedQuantity: ExactDecimal, limitPrice: ExactDecimal? = nil,
        stopPrice: ExactDecimal? = nil, expireAt: Date? = nil, basketId: String? = nil,
        counterpartyId: String? = nil, metadata: [String: JSON]? = nil, clientOrderId: String? = nil
    ) {
        self.portfolioId = portfolioId
        self.instrumentId = instrumentId
        self.direction = direction
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.orderedQuantity = orderedQuantity
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.expireAt = expireAt
        self.basketId = basketId
        self.counterpartyId = counterpartyId
        self.metadata = metadata
        self.clientOrderId = clientOrderId
    }

    /// The order this draft becomes once the kernel assigns its identity.
    public func makeOrder(tenantId: String, orderId: String, createdBy: String, at now: Date) -> Order {
        Order(
            tenantId: tenantId, orderId: orderId, portfolioId: portfolioId, instrumentId: instrumentId,
            direction: direction, orderType: orderType, timeInForce: timeInForce,
            orderedQuantity: orderedQuantity, limitPrice: limitPrice, stopPrice: stopPrice,
            expireAt: expireAt, basketId: basketId, counterpartyId: counterpartyId, metadata: metadata,
            clientOrderId: clientOrderId, createdBy: createdBy, createdAt: now, updatedAt: now
        )
    }
}
