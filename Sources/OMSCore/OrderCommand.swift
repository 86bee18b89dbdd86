/// Every command that can change an order, spelled as on the wire (without the surface prefix).
public enum OrderCommand: String, Sendable, CaseIterable, Codable {
    case createOrder = "create_order"
    case updateOrder = "update_order"
    case requestPreTradeCompliance = "request_pre_trade_compliance"
    case passPreTradeCompliance = "pass_pre_trade_compliance"
    case failPreTradeCompliance = "fail_pre_trade_compliance"
    case overridePreTradeCompliance = "override_pre_trade_compliance"
    case sendToTrader = "send_to_trader"
    case createPlacement = "create_placement"
    case recordFill = "record_fill"
    case closeOrder = "close_order"
    case sendToOperations = "send_to_operations"
    case requestPostTradeCompliance = "request_post_trade_compliance"
    case passPostTradeCompliance = "pass_post_trade_compliance"
    case failPostTradeCompliance = "fail_post_trade_compliance"
    case overridePostTradeCompliance = "override_post_trade_compliance"
    case confirmOrder = "confirm_order"
    case settleOrder = "settle_order"
    case reconcileOrder = "reconcile_order"
    case cancelOrder = "cancel_order"
    case rejectOrder = "reject_order"
    /// Books part of the executed quantity to an account; the order's state does not change.
    case createAllocation = "create_allocation"
    /// Changes an allocation's quantity or account; the order's state does not change.
    case updateAllocation = "update_allocation"

    /// Commands that appear in the lifecycle table: all but create, update and
    /// the allocation commands, which record history without moving the state.
    public static var transitions: [OrderCommand] {
        let outside: Set<OrderCommand> = [.createOrder, .updateOrder, .createAllocation, .updateAllocation]
        return allCases.filter { !outside.contains($0) }
    }
}
