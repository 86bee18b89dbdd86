import Foundation

/// An order as stored: every field plus its lifecycle state and version.
public struct Order: Sendable, Equatable, Codable {
    enum CodingKeys: String, CodingKey {
        case tenantId = "tenant_id", orderId = "order_id", portfolioId = "portfolio_id"
        case instrumentId = "instrument_id", direction, orderType = "order_type", timeInForce = "time_in_force"
        case orderedQuantity = "ordered_quantity", limitPrice = "limit_price", stopPrice = "stop_price"
        case expireAt = "expire_at", executedQuantity = "executed_quantity", state, basketId = "basket_id"
        case counterpartyId = "counterparty_id", metadata, clientOrderId = "client_order_id"
        case cancelReason = "cancel_reason", createdBy = "created_by", version
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    /// The tenant that owns the order; row-level security scopes on it.
    public var tenantId: String
    /// The order's identifier (`ORD-` and a UUIDv7).
    public var orderId: String
    /// The portfolio the order trades for.
    public var portfolioId: String
    /// The instrument traded.
    public var instrumentId: String
    /// Which side the order trades (Buy, Sell, SellShort, BuyToCover).
    public var direction: Direction
    /// How the order is priced (market, limit, stop, …).
    public var orderType: OrderType
    /// How long the order stays working.
    public var timeInForce: TimeInForce
    /// The quantity the PM asked for, scale as given.
    public var orderedQuantity: ExactDecimal
    /// The limit price, for limit and stop-limit orders.
    public var limitPrice: ExactDecimal?
    /// The stop price, for stop and stop-limit orders.
    public var stopPrice: ExactDecimal?
    /// When a GTD order expires.
    public var expireAt: Date?
    /// The sum of the fills, with the largest scale among them.
    public var executedQuantity: ExactDecimal
    /// Where the order is in its lifecycle.
    public var state: OrderState
    /// The basket the order belongs to, if any.
    public var basketId: String?
    /// The counterparty, a booking field that stays open until a terminal state.
    public var counterpartyId: String?
    /// The client's own data, kept exactly as sent.
    public var metadata: [String: JSON]?
    /// The client's own id for the order, if given.
    public var clientOrderId: String?
    /// Why the order was cancelled, once it is.
    public var cancelReason: String?
    /// The principal who created the order.
    public var createdBy: String
    /// Number of events recorded for the order (the create event is version 1).
    public var version: Int
    /// When the order was created.
    public var createdAt: Date
    /// When the order last changed.
    public var updatedAt: Date

    /// An order with every field given; the kernel makes new ones (`NewOrder.makeOrder`).
    public init(
        tenantId: String, orderId: String, portfolioId: String, instrumentId: String,
        direction: Direction, orderType: OrderType, timeInForce: TimeInForce,
        orderedQuantity: ExactDecimal, limitPrice: ExactDecimal? = nil, stopPrice: ExactDecimal? = nil,
        expireAt: Date? = nil, executedQuantity: ExactDecimal = 0, state: OrderState = .created,
        basketId: String? = nil, counterpartyId: String? = nil, metadata: [String: JSON]? = nil,
        clientOrderId: String? = nil, cancelReason: String? = nil, createdBy: String,
        version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.tenantId = tenantId
        self.orderId = orderId
        self.portfolioId = portfolioId
        self.instrumentId = instrumentId
        self.direction = direction
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.orderedQuantity = orderedQuantity
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.expireAt = expireAt
        self.executedQuantity = executedQuantity
        self.state = state
        self.basketId = basketId
        self.counterpartyId = counterpartyId
        self.metadata = metadata
        self.clientOrderId = clientOrderId
        self.cancelReason = cancelReason
        self.createdBy = createdBy
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Who holds the order now.
    public var owner: OrderOwner { state.owner }
    /// Quantity still to execute.
    public var unfilledQuantity: ExactDecimal {
        // Both lie in the quantity domain, so the difference is exact.
        ExactDecimal(orderedQuantity.value - executedQuantity.value, scaleOf: orderedQuantity, executedQuantity)
    }
}
