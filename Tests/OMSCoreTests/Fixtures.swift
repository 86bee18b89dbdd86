import Foundation
@testable import OMSCore

/// An order in a given state with the given executed quantity.
func order(_ state: OrderState, executed: ExactDecimal = 0, ordered: ExactDecimal = 1000,
           type: OrderType = .limit, limit: ExactDecimal? = ExactDecimal("150.25")) -> Order {
    Order(
        tenantId: "t1", orderId: "ORD-1", portfolioId: "PORT-001", instrumentId: "INS-1",
        direction: .buy, orderType: type, timeInForce: .day, orderedQuantity: ordered,
        limitPrice: limit, executedQuantity: executed, state: state, createdBy: "pm",
        createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))
}
