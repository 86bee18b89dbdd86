import Foundation

/// The kernel's rules for baskets, merges, splits and remainders.
public enum Restructuring {
    /// Merge and split act only on PM-owned orders not yet sent to the trader.
    public static let eligibleStates: Set<OrderState> = [
        .created, .preTradeCompliancePassed, .preTradeComplianceFailed,
    ]

    /// The cancel reason of a merged source (cancel reasons record why a restructured source ended).
    public static let mergedReason = "MERGED"
    /// The cancel reason of a split source.
    public static let splitReason = "SPLIT"

    static func requirePM(_ role: Role, _ what: String) throws(OMSError) {
        guard role == .pm else {
            throw OMSError(.permissionDenied, "only a PM may \(what)", details: ["role": role.rawValue])
        }
    }

    static func requireEligible(_ order: Order, _ what: String) throws(OMSError) {
        guard eligibleStates.contains(order.state) else {
            throw OMSError(
                .invalidState, "\(what) needs PM-owned orders not yet sent to the trader; \(order.orderId) is \(order.state.rawValue)",
                details: ["state": order.state.rawValue, "order_id": order.orderId])
        }
    }

    /// The fields merged orders must agree on, by wire name.
    static let mergeKeys: [(String, @Sendable (Order) -> String)] = [
        ("portfolio_id", { $0.portfolioId }), ("instrument_id", { $0.instrumentId }),
        ("direction", { $0.direction.rawValue }), ("order_type", { $0.orderType.rawValue }),
        // By value: 150.20 and 150.2 are one price.
        ("limit_price", { $0.limitPrice.map { "\($0.value)" } ?? "-" }),
        ("stop_price", { $0.stopPrice.map { "\($0.value)" } ?? "-" }),
        ("time_in_force", { $0.timeInForce.rawValue }), ("expire_at", { $0.expireAt.map { "\($0.timeIntervalSince1970)" } ?? "-" }),
    ]

    /// Decides a merge: the new order's fields, or the first disagreement named.
    public static func decideMerge(_ orders: [Order], role: Role) throws(OMSError) -> NewOrder {
        try requirePM(role, "merge orders")
        guard orders.count >= 2, Set(orders.map(\.orderId)).count == orders.count else {
            throw OMSError(.invalidArgument, "order_ids: name two or more distinct orders", details: ["field": "order_ids"])
        }
        for order in orders { try requireEligible(order, "merge") }
        let first = orders[0]
        for (field, value) in mergeKeys {
            if let other = orders.first(where: { value($0) != value(first) }) {
                throw OMSError(
                    .invalidArgument, "\(field) differs: \(first.orderId) has \(value(first)), \(other.orderId) has \(value(other))",
                    details: ["field": field, "order_id": other.orderId])
            }
        }
        let total: ExactDecimal
        do {
            total = ExactDecimal(try CheckedDecimal.sum(orders.map(\.orderedQuantity.value)),
                                 scale: orders.map(\.orderedQuantity.scale).max() ?? 0)
        } catch {
            throw .invalidArgument("order_ids", "the merged quantity cannot be computed: \(error.description)")
        }
        if let problem = NumericDomain.quantity.problem(total.value) {
            throw .invalidArgument("order_ids", "the merged quantity \(total) \(problem)")
        }
        let baskets = Set(orders.map { $0.basketId ?? "" })
        return NewOrder(
            portfolioId: first.portfolioId, instrumentId: first.instrumentId, direction: first.direction,
            orderType: first.orderType, timeInForce: first.timeInForce,
            orderedQuantity: total, limitPrice: first.limitPrice,
            stopPrice: first.stopPrice, expireAt: first.expireAt,
            basketId: baskets.count == 1 ? first.basketId : nil)
    }

    /// Decides a split into orders of `quantities`, which must sum exactly to the source's.
    public static func decideSplit(_ order: Order, quantities: [ExactDecimal], role: Role) throws(OMSError) -> [NewOrder] {
        try requirePM(role, "split orders")
        try requireEligible(order, "split")
        guard quantities.count >= 2 else {
            throw OMSError(.invalidArgument, "quantities: two or more quantities, each greater than 0",
                           details: ["field": "quantities"])
        }
        for (index, quantity) in quantities.enumerated() {
            try NumericDomain.quantity.check(quantity, field: "quantities[\(index)]")
        }
        // In the domain each is below 10^14, so the sum cannot fail.
        let total = (try? CheckedDecimal.sum(quantities.map(\.value))) ?? .nan
        guard total == order.orderedQuantity.value else {
            throw OMSError(.invalidArgument, "quantities sum to \(total), the order is for \(order.orderedQuantity)",
                           details: ["field": "quantities"])
        }
        return quantities.map { remainder(of: order, quantity: $0) }
    }

    /// A new order like `order` for `quantity`: same economics and booking, new identity.
    public static func remainder(of order: Order, quantity: ExactDecimal) -> NewOrder {
        NewOrder(
            portfolioId: order.portfolioId, instrumentId: order.instrumentId, direction: order.direction,
            orderType: order.orderType, timeInForce: order.timeInForce, orderedQuantity: quantity,
            limitPrice: order.limitPrice, stopPrice: order.stopPrice, expireAt: order.expireAt, basketId: order.basketId,
            counterpartyId: order.counterpartyId, metadata: order.metadata)
    }

    /// Decides which orders may form a basket: live orders in no other basket.
    public static func decideBasket(name: String, orders: [Order], role: Role) throws(OMSError) {
        try requirePM(role, "create baskets")
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OMSError(.invalidArgument, "name: must not be empty", details: ["field": "name"])
        }
        guard !orders.isEmpty, Set(orders.map(\.orderId)).count == orders.count else {
            throw OMSError(.invalidArgument, "order_ids: name one or more distinct orders", details: ["field": "order_ids"])
        }
        for order in orders {
            if let basketId = order.basketId {
                throw OMSError(.basketConflict, "order \(order.orderId) already belongs to basket \(basketId)",
                               details: ["order_id": order.orderId, "basket_id": basketId])
            }
            if order.state.isTerminal {
                throw OMSError(.invalidState, "order \(order.orderId) is \(order.state.rawValue)",
                               details: ["state": order.state.rawValue, "order_id": order.orderId])
            }
        }
    }
}
