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

    public var tenantId: String
    public var orderId: String
    public var portfolioId: String
    public var instrumentId: String
    public var direction: Direction
    public var orderType: OrderType
    public var timeInForce: TimeInForce
    public var orderedQuantity: ExactDecimal
    public var limitPrice: ExactDecimal?
    public var stopPrice: ExactDecimal?
    public var expireAt: Date?
    /// The sum of the fills, with the largest scale among them.
    public var executedQuantity: ExactDecimal
    public var state: OrderState
    public var basketId: String?
    public var counterpartyId: String?
    public var metadata: [String: JSON]?
    public var clientOrderId: String?
    public var cancelReason: String?
    public var createdBy: String
    /// Number of events recorded for the order (the create event is version 1).
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

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
