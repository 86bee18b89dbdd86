import Foundation

/// The kernel's rules for `update_order`: field locking and who may change what.
public enum OrderUpdate {
    /// Roles that may change booking fields.
    public static let bookingRoles: Set<Role> = [.pm, .trader, .ops]

    /// Returns the order after `changes`, or the reason they are refused.
    ///
    /// Economic fields change only in CREATED and PRE_TRADE_COMPLIANCE_FAILED
    /// (the latter returns the order to CREATED, so compliance runs again); from
    /// PRE_TRADE_COMPLIANCE_PASSED on they are FIELD_LOCKED.
    public static func decide(_ changes: OrderChanges, order: Order, role: Role) throws(OMSError) -> Order {
        if order.state.isTerminal {
            throw .invalidState(order, .updateOrder)
        }
        guard !changes.isEmpty else {
            throw .invalidArgument("changes", "names no field to change")
        }
        try changes.checkDomain()
        guard changes.basketId == nil else {
            throw .invalidArgument("changes.basket_id", "orders join baskets through create_basket")
        }
        var updated = order
        let economic = changes.economicFields
        if !economic.isEmpty {
            guard role == .pm else {
                throw OMSError(.permissionDenied, "only a PM may change economic fields",
                               details: ["role": role.rawValue, "fields": economic.joined(separator: ",")])
            }
            if order.state.locksEconomicFields {
                throw OMSError(
                    .fieldLocked,
                    "\(economic.joined(separator: ", ")) locked in state \(order.state.rawValue)",
                    details: ["state": order.state.rawValue, "fields": economic.joined(separator: ","),
                              "order_id": order.orderId])
            }
            guard order.state == .created || order.state == .preTradeComplianceFailed else {
                throw .invalidState(order, .updateOrder)
            }
            updated.state = .created
        } else if !bookingRoles.contains(role) {
            throw OMSError(.permissionDenied, "role \(role.rawValue) may not update orders",
                           details: ["role": role.rawValue])
        }
        changes.apply(to: &updated)
        try OrderValidation.validate(
            orderType: updated.orderType, timeInForce: updated.timeInForce,
            orderedQuantity: updated.orderedQuantity, limitPrice: updated.limitPrice,
            stopPrice: updated.stopPrice, expireAt: updated.expireAt)
        return updated
    }
}
