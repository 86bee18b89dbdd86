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

    /// Commands that appear in the lifecycle table (all but create and update).
    public static var transitions: [OrderCommand] {
        allCases.filter { $0 != .createOrder && $0 != .updateOrder }
    }
}
