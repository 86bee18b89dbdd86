/// Where a lifecycle row sends the order.
public enum TransitionTarget: Sendable, Equatable {
    /// A fixed state.
    case state(OrderState)
    /// The order keeps its state (a placement on a partially filled order).
    case unchanged
    /// PARTIALLY_FILLED or FILLED, depending on the executed quantity after the fill.
    case byFill
}

/// One row of the lifecycle table: `command` moves an order from any of
/// `from` to `target` when run by one of `roles`.
public struct LifecycleRule: Sendable {
    /// The command the row allows.
    public let command: OrderCommand
    /// The states the command may start from.
    public let from: Set<OrderState>
    /// Where the command leaves the order.
    public let target: TransitionTarget
    /// The roles that may run the command from these states.
    public let roles: Set<Role>
    /// The row applies only while nothing has been executed.
    public let requiresNoFills: Bool

    init(_ command: OrderCommand, _ from: Set<OrderState>, _ target: TransitionTarget,
         _ roles: Set<Role>, requiresNoFills: Bool = false) {
        self.command = command
        self.from = from
        self.target = target
        self.roles = roles
        self.requiresNoFills = requiresNoFills
    }

    /// Whether this row lets `role` run its command on `order`.
    public func admits(_ order: Order, role: Role) -> Bool {
        roles.contains(role) && from.contains(order.state)
            && (!requiresNoFills || order.executedQuantity == 0)
    }
}

/// The order lifecycle as data (DESIGN.md section 2). Every transition the
/// service performs is decided here and nowhere else.
public enum Lifecycle {
    /// The lifecycle table.
    public static let rules: [LifecycleRule] = [
        .init(.requestPreTradeCompliance, [.created], .state(.pendingPreTradeCompliance), [.pm]),
        .init(.passPreTradeCompliance, [.pendingPreTradeCompliance], .state(.preTradeCompliancePassed), [.compliance]),
        .init(.failPreTradeCompliance, [.pendingPreTradeCompliance], .state(.preTradeComplianceFailed), [.compliance]),
        .init(.overridePreTradeCompliance, [.preTradeComplianceFailed], .state(.preTradeCompliancePassed), [.compliance]),
        .init(.sendToTrader, [.preTradeCompliancePassed], .state(.sentToTrader), [.pm]),
        .init(.createPlacement, [.sentToTrader, .routed], .state(.routed), [.trader]),
        .init(.createPlacement, [.partiallyFilled], .unchanged, [.trader]),
        .init(.recordFill, [.routed, .partiallyFilled], .byFill, [.trader, .system]),
        .init(.closeOrder, [.routed, .partiallyFilled, .filled], .state(.closed), [.trader]),
        .init(.sendToOperations, [.closed], .state(.sentToOperations), [.trader]),
        .init(.requestPostTradeCompliance, [.sentToOperations], .state(.pendingPostTradeCompliance), [.ops]),
        .init(.passPostTradeCompliance, [.pendingPostTradeCompliance], .state(.postTradeCompliancePassed), [.compliance]),
        .init(.failPostTradeCompliance, [.pendingPostTradeCompliance], .state(.postTradeComplianceFailed), [.compliance]),
        .init(.overridePostTradeCompliance, [.postTradeComplianceFailed], .state(.postTradeCompliancePassed), [.compliance]),
        .init(.confirmOrder, [.postTradeCompliancePassed], .state(.confirmed), [.ops]),
        .init(.settleOrder, [.confirmed], .state(.settled), [.ops]),
        .init(.reconcileOrder, [.settled], .state(.reconciled), [.ops]),
        .init(.cancelOrder,
              [.created, .pendingPreTradeCompliance, .preTradeCompliancePassed, .preTradeComplianceFailed],
              .state(.canceled), [.pm]),
        .init(.cancelOrder, [.sentToTrader, .routed], .state(.canceled), [.trader], requiresNoFills: true),
        .init(.rejectOrder,
              [.created, .pendingPreTradeCompliance, .preTradeCompliancePassed, .preTradeComplianceFailed,
               .sentToTrader, .routed],
              .state(.rejected), [.system], requiresNoFills: true),
    ]

    /// The rows for one command.
    public static func rules(for command: OrderCommand) -> [LifecycleRule] {
        rules.filter { $0.command == command }
    }

    /// Decides where `command`, run by `role`, takes `order`, or why it is refused.
    ///
    /// Precedence: a terminal order absorbs everything (INVALID_STATE); a role
    /// that never runs the command is PERMISSION_DENIED (for cancel,
    /// CANCEL_NOT_AUTHORIZED, as is every cancel refused on a live order);
    /// otherwise a state outside the row is INVALID_STATE.
    public static func decide(_ command: OrderCommand, order: Order, role: Role) throws(OMSError) -> TransitionTarget {
        if order.state.isTerminal {
            throw .invalidState(order, command)
        }
        let rows = rules(for: command)
        if let row = rows.first(where: { $0.admits(order, role: role) }) {
            return row.target
        }
        if command == .cancelOrder {
            throw OMSError(
                .cancelNotAuthorized,
                "\(role.rawValue) may not cancel an order in state \(order.state.rawValue)",
                details: ["state": order.state.rawValue, "order_id": order.orderId, "role": role.rawValue])
        }
        guard rows.contains(where: { $0.roles.contains(role) }) else {
            throw OMSError(
                .permissionDenied, "role \(role.rawValue) may not \(command.rawValue)",
                details: ["role": role.rawValue])
        }
        throw .invalidState(order, command)
    }

    /// The states from which a single fixed-target row lets `role` run `command`,
    /// with that target and whether the row needs no fills. The store uses this
    /// for a guarded one-statement update; `nil` when the command has no such row.
    public static func guardedTransition(_ command: OrderCommand, role: Role)
        -> (from: Set<OrderState>, to: OrderState, requiresNoFills: Bool)?
    {
        let rows = rules(for: command).filter { $0.roles.contains(role) }
        guard rows.count == 1, case .state(let to) = rows[0].target else { return nil }
        return (rows[0].from, to, rows[0].requiresNoFills)
    }
}
