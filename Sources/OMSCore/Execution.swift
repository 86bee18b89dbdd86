import Foundation

/// A placement's status at a venue.
public enum PlacementState: String, Sendable, CaseIterable, Codable {
    case open = "OPEN"
    case filled = "FILLED"
    case canceled = "CANCELED"
}

/// A slice of an order sent to a venue.
public struct Placement: Sendable, Equatable, Codable {
    enum CodingKeys: String, CodingKey {
        case placementId = "placement_id", orderId = "order_id", venue, brokerId = "broker_id", strategy
        case quantity, filledQuantity = "filled_quantity", state, createdAt = "created_at"
    }

    /// The placement's identifier, which fills name.
    public var placementId: String
    /// The order the placement works.
    public var orderId: String
    /// Where the quantity is sent.
    public var venue: String
    /// The executing broker, if any.
    public var brokerId: String?
    /// The trader's strategy label, if any.
    public var strategy: String?
    /// The quantity placed, scale as given.
    public var quantity: ExactDecimal
    /// The sum of the fills against it, with the largest scale among them.
    public var filledQuantity: ExactDecimal
    /// Whether fills may still arrive against it.
    public var state: PlacementState
    /// When the placement was recorded.
    public var createdAt: Date

    /// A placement, open and unfilled unless given.
    public init(placementId: String, orderId: String, venue: String, brokerId: String? = nil,
                strategy: String? = nil, quantity: ExactDecimal, filledQuantity: ExactDecimal = 0,
                state: PlacementState = .open, createdAt: Date) {
        self.placementId = placementId
        self.orderId = orderId
        self.venue = venue
        self.brokerId = brokerId
        self.strategy = strategy
        self.quantity = quantity
        self.filledQuantity = filledQuantity
        self.state = state
        self.createdAt = createdAt
    }

    /// Quantity still working at the venue.
    public var openQuantity: Decimal { state == .open ? quantity.value - filledQuantity.value : 0 }

    /// Records an execution against the placement; it is FILLED once nothing is open.
    public mutating func fill(_ executed: ExactDecimal) {
        // Both lie in the quantity domain, so the sum is exact.
        filledQuantity = ExactDecimal(filledQuantity.value + executed.value, scaleOf: filledQuantity, executed)
        if filledQuantity >= quantity { state = .filled }
    }
}

/// The kernel's rules for placements and fills.
public enum Execution {
    /// Decides a new placement: the order's state moves per the lifecycle table, and
    /// the open placements never exceed the unfilled quantity.
    public static func decidePlacement(
        quantity: ExactDecimal, venue: String, order: Order, openPlacements: Decimal, role: Role
    ) throws(OMSError) -> OrderState {
        let target = try Lifecycle.decide(.createPlacement, order: order, role: role)
        try OrderValidation.requireIdentifier(venue, field: "venue")
        try NumericDomain.quantity.check(quantity, field: "quantity")
        guard try CheckedDecimal.add(openPlacements, quantity.value, field: "quantity") <= order.unfilledQuantity.value else {
            throw OMSError(
                .placementExceedsUnfilled,
                "placement of \(quantity) with \(openPlacements) already open exceeds unfilled \(order.unfilledQuantity)",
                details: ["unfilled_quantity": "\(order.unfilledQuantity)", "open_quantity": "\(openPlacements)"])
        }
        return resolve(target, order: order)
    }

    /// Decides a fill: the order after it and the placements it fills, or why
    /// it is refused. A fill naming a placement must fit in that placement's open
    /// quantity; an unattributed fill consumes the oldest open placements first,
    /// so open placements never exceed the unfilled quantity.
    public static func decideFill(
        quantity: ExactDecimal, price: ExactDecimal, order: Order, placement: Placement?, openPlacements: [Placement] = [],
        role: Role
    ) throws(OMSError) -> (order: Order, placements: [Placement]) {
        try checkFill(quantity: quantity, price: price)
        let target = try Lifecycle.decide(.recordFill, order: order, role: role)
        let executed = ExactDecimal(
            try CheckedDecimal.add(order.executedQuantity.value, quantity.value, field: "quantity"),
            scaleOf: order.executedQuantity, quantity)
        guard executed <= order.orderedQuantity else {
            throw OMSError(
                .overfill,
                "fill of \(quantity) exceeds unfilled quantity \(order.unfilledQuantity)",
                details: ["unfilled_quantity": "\(order.unfilledQuantity)", "order_id": order.orderId])
        }
        var filledPlacements: [Placement] = []
        if var placement {
            guard placement.orderId == order.orderId else {
                throw OMSError(.placementNotFound, "placement \(placement.placementId) is not on this order")
            }
            guard placement.state == .open, quantity.value <= placement.openQuantity else {
                throw OMSError(
                    .overfill,
                    "fill of \(quantity) exceeds placement \(placement.placementId) open quantity \(placement.openQuantity)",
                    details: ["placement_id": placement.placementId, "open_quantity": "\(placement.openQuantity)"])
            }
            placement.fill(quantity)
            filledPlacements = [placement]
        } else {
            var remaining = quantity.value
            for var open in openPlacements.sorted(by: { $0.createdAt < $1.createdAt }) where remaining > 0 && open.openQuantity > 0 {
                let take = min(remaining, open.openQuantity)
                open.fill(ExactDecimal(take, scale: quantity.scale))
                remaining -= take
                filledPlacements.append(open)
            }
        }
        var filled = order
        filled.executedQuantity = executed
        filled.state = resolve(target, order: filled)
        return (filled, filledPlacements)
    }

    /// Refuses a fill's quantity or price outside the numeric domain (0 and
    /// negative values included) before anything is written.
    public static func checkFill(quantity: ExactDecimal, price: ExactDecimal) throws(OMSError) {
        try NumericDomain.quantity.check(quantity, field: "quantity")
        try NumericDomain.price.check(price, field: "price")
    }

    /// The state a decided target lands the order in.
    public static func resolve(_ target: TransitionTarget, order: Order) -> OrderState {
        switch target {
        case .state(let state): state
        case .unchanged: order.state
        case .byFill: order.executedQuantity == order.orderedQuantity ? .filled : .partiallyFilled
        }
    }
}
