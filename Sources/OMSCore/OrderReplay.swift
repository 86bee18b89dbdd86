/// Rebuilds an order's current row from its events, the proof that the event
/// log is complete.
public enum OrderReplay {
    /// Replays events oldest first. The first must be the create event.
    public static func replay(_ events: [OrderEvent]) throws(OMSError) -> Order {
        guard let first = events.first, first.command == .createOrder, var order = first.payload.order else {
            throw OMSError(.internalError, "event log does not start with create_order")
        }
        order.createdAt = first.occurredAt
        order.updatedAt = first.occurredAt
        order.version = first.sequence
        order.state = first.toState
        for event in events.dropFirst() {
            apply(event, to: &order)
        }
        return order
    }

    static func apply(_ event: OrderEvent, to order: inout Order) {
        event.payload.changes?.apply(to: &order)
        if let fill = event.payload.fill, event.command == .recordFill {
            // As the kernel computed it: the sum with the larger scale.
            order.executedQuantity = ExactDecimal(order.executedQuantity.value + fill.quantity.value,
                                                  scaleOf: order.executedQuantity, fill.quantity)
        }
        if event.command == .cancelOrder {
            order.cancelReason = event.payload.reason
        }
        order.state = event.toState
        order.version = event.sequence
        order.updatedAt = event.occurredAt
    }
}
