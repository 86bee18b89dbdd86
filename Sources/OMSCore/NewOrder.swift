import Foundation

/// The fields a PM gives to create an order, before the kernel assigns an id.
public struct NewOrder: Sendable, Equatable {
    /// The portfolio the order trades for.
    public var portfolioId: String
    /// The instrument to trade.
    public var instrumentId: String
    /// Which side the order trades (Buy, Sell, SellShort, BuyToCover).
    public var direction: Direction
    /// How the order is priced (market, limit, stop, …).
    public var orderType: OrderType
    /// How long the order stays working.
    public var timeInForce: TimeInForce
    /// The quantity asked for, scale as given.
    public var orderedQuantity: ExactDecimal
    /// The limit price, for limit and stop-limit orders.
    public var limitPrice: ExactDecimal?
    /// The stop price, for stop and stop-limit orders.
    public var stopPrice: ExactDecimal?
    /// When a GTD order expires.
    public var expireAt: Date?
    /// A basket to put the order in, if any.
    public var basketId: String?
    /// The counterparty, if known yet.
    public var counterpartyId: String?
    /// The client's own data, kept exactly as sent.
    public var metadata: [String: JSON]?
    /// The client's own id for the order, if any.
    public var clientOrderId: String?

    /// A draft with the fields a PM gives; the kernel checks them when it makes the order.
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
