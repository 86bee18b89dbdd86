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
        allCases.filter(\.isTransition)
    }

    /// Whether the lifecycle table (`Lifecycle.rules`) has rows for this command.
    public var isTransition: Bool {
        switch self {
        case .createOrder, .updateOrder, .createAllocation, .updateAllocation: false
        case .requestPreTradeCompliance, .passPreTradeCompliance, .failPreTradeCompliance,
             .overridePreTradeCompliance, .sendToTrader, .createPlacement, .recordFill, .closeOrder,
             .sendToOperations, .requestPostTradeCompliance, .passPostTradeCompliance, .failPostTradeCompliance,
             .overridePostTradeCompliance, .confirmOrder, .settleOrder, .reconcileOrder, .cancelOrder, .rejectOrder:
            true
        }
    }

    /// The API surface that serves the command: execution (placements and
    /// fills) is `ems`, the rest `oms` (DESIGN.md, the wire).
    public var surface: String {
        switch self {
        case .createPlacement, .recordFill: "ems"
        case .createOrder, .updateOrder, .requestPreTradeCompliance, .passPreTradeCompliance,
             .failPreTradeCompliance, .overridePreTradeCompliance, .sendToTrader, .closeOrder, .sendToOperations,
             .requestPostTradeCompliance, .passPostTradeCompliance, .failPostTradeCompliance,
             .overridePostTradeCompliance, .confirmOrder, .settleOrder, .reconcileOrder, .cancelOrder, .rejectOrder,
             .createAllocation, .updateAllocation:
            "oms"
        }
    }

    /// The JSON-RPC method that runs the command (`oms.cancel_order`).
    public var method: String { "\(surface).\(rawValue)" }

    /// The roles that may run the command on some order: for a transition,
    /// every role of its rows in the lifecycle table; otherwise the kernel's
    /// rule for that command.
    public var roles: Set<Role> {
        switch self {
        case .createOrder: [.pm]
        case .updateOrder: OrderUpdate.bookingRoles
        case .createAllocation, .updateAllocation: AllocationRules.roles
        case .requestPreTradeCompliance, .passPreTradeCompliance, .failPreTradeCompliance,
             .overridePreTradeCompliance, .sendToTrader, .createPlacement, .recordFill, .closeOrder,
             .sendToOperations, .requestPostTradeCompliance, .passPostTradeCompliance, .failPostTradeCompliance,
             .overridePostTradeCompliance, .confirmOrder, .settleOrder, .reconcileOrder, .cancelOrder, .rejectOrder:
            Lifecycle.rules(for: self).reduce(into: Set<Role>()) { $0.formUnion($1.roles) }
        }
    }
}
