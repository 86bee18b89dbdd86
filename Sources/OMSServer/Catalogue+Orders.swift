import Foundation
import OMSCore
import OMSProtocol
import OMSStore

extension Catalogue {
    static let orderMethods: [MethodSpec] = [
        MethodSpec(.createOrder, "Create an order in CREATED.", params: CreateOrderParams.self, result: "{order_id}") { p, ctx in
            let draft = NewOrder(
                portfolioId: p.portfolioId, instrumentId: p.instrumentId, direction: p.direction, orderType: p.orderType,
                timeInForce: p.timeInForce, orderedQuantity: p.orderedQuantity, limitPrice: p.limitPrice,
                stopPrice: p.stopPrice, expireAt: p.expireAt, basketId: p.basketId, counterpartyId: p.counterpartyId,
                metadata: try checkedMetadata(p.metadata, field: "metadata", ctx),
                clientOrderId: p.clientOrderId)
            let order = try await ctx.services.orders.createOrder(draft, actor: ctx.principal, idempotencyKey: p.idempotencyKey)
            return .object(["order_id": .string(order.orderId)])
        },
        MethodSpec(
            .updateOrder,
            "Change economic fields (CREATED, PRE_TRADE_COMPLIANCE_FAILED) or booking fields (any live state).",
            params: UpdateOrderParams.self, result: "order"
        ) { p, ctx in
            _ = try checkedMetadata(OrderChangesDecoder.metadata(in: p.changes), field: "changes.metadata", ctx)
            let changes = try OrderChangesDecoder.decode(p.changes)
            return Wire.order(try await ctx.services.orders.updateOrder(p.orderId, changes: changes, actor: ctx.principal))
        },
        transition(.cancelOrder, "Cancel an order, subject to cancel authority.", params: CancelOrderParams.self),
        MethodSpec(
            .closeOrder, "Close an order whose execution is complete; returns executed and unfilled quantities.",
            params: CloseOrderParams.self,
            result: "{order_id, executed_quantity, unfilled_quantity, [remainder_order_id], order}"
        ) { p, ctx in
            let createRemainder = p.createRemainder ?? false
            var remainder: Order?
            let closed: OrderStore.CloseOutcome
            if createRemainder {
                (closed, remainder) = try await ctx.services.orders.closeOrderWithRemainder(p.orderId, actor: ctx.principal)
            } else {
                closed = try await ctx.services.orders.closeOrder(p.orderId, actor: ctx.principal)
            }
            var result: [String: JSON] = [
                "order_id": .string(closed.order.orderId),
                "executed_quantity": .decimal(closed.executedQuantity),
                "unfilled_quantity": .decimal(closed.unfilledQuantity),
                "order": Wire.order(closed.order),
            ]
            if createRemainder {
                result["remainder_order_id"] = Wire.optional(remainder?.orderId)
            }
            return .object(result)
        },
        MethodSpec("oms.get_order", "One order by id.", params: OrderIdParams.self, result: "order", mutating: false) { p, ctx in
            Wire.order(try await ctx.services.orders.getOrder(p.orderId, actor: ctx.principal))
        },
        MethodSpec("oms.list_orders", "Orders matching the filters, newest first.", params: ListOrdersParams.self,
                   result: "{orders: [order]}", mutating: false) { p, ctx in
            let filter = OrderFilter(
                portfolioId: p.portfolioId, instrumentId: p.instrumentId, state: p.state, direction: p.direction,
                basketId: p.basketId, createdAfter: p.createdAfter, createdBefore: p.createdBefore,
                limit: p.limit ?? 100, offset: p.offset ?? 0)
            let orders = try await ctx.services.orders.listOrders(filter, actor: ctx.principal)
            return .object(["orders": .array(orders.map(Wire.order))])
        },
        MethodSpec("oms.get_order_history", "Every event of an order, oldest first.", params: OrderIdParams.self,
                   result: "{events: [event]}", mutating: false) { p, ctx in
            let events = try await ctx.services.orders.history(p.orderId, actor: ctx.principal)
            return .object(["events": .array(events.map { Wire.event($0) })])
        },
        MethodSpec("oms.list_order_links", "Lineage links where the order is source or target.", params: OrderIdParams.self,
                   result: "{links: [{source_order_id, target_order_id, kind}]}", mutating: false) { p, ctx in
            let links = try await ctx.services.orders.links(p.orderId, actor: ctx.principal)
            return .object(["links": .array(links.map(Wire.link))])
        },
        MethodSpec(
            .sendToTrader, "Hand an order, or every order of a basket (all or nothing), to the trading desk.",
            params: SendToTraderParams.self, result: "order, or {orders} for a basket"
        ) { p, ctx in
            switch (p.orderId, p.basketId) {
            case (let orderId?, nil):
                return Wire.order(try await ctx.services.orders.transition(.sendToTrader, orderId: orderId,
                                                                           actor: ctx.principal).order)
            case (nil, let basketId?):
                let orders = try await ctx.services.orders.sendBasketToTrader(basketId, actor: ctx.principal)
                return .object(["basket_id": .string(basketId), "orders": .array(orders.map(Wire.order))])
            default:
                throw RPCError.invalidParams("give exactly one of order_id and basket_id", field: "order_id")
            }
        },
        transition(.sendToOperations, "Hand a closed order to operations."),
        transition(.confirmOrder, "Middle office confirms the order."),
        transition(.settleOrder, "Custodian settled the order."),
        transition(.reconcileOrder, "Reconcile the order (terminal)."),
        transition(.rejectOrder, "System rejects an order before its first fill (terminal).", params: RejectOrderParams.self),
    ]

    /// A lifecycle transition method: order_id (+ what the command records) in, the order out.
    static func transition<P: TransitionParams>(_ command: OrderCommand, _ summary: String,
                                                params: P.Type = OrderIdParams.self) -> MethodSpec {
        MethodSpec(command, summary, params: params, result: "order") { p, ctx in
            let outcome = try await ctx.services.orders.transition(
                command, orderId: p.orderId, actor: ctx.principal, details: p.details)
            if command.complianceVerdict?.verdict == .overridden {
                return .object(["override_id": Wire.optional(outcome.complianceResultId), "order": Wire.order(outcome.order)])
            }
            return Wire.order(outcome.order)
        }
    }
}

extension Catalogue {
    /// `metadata` if its compact JSON, with every number written out as
    /// PostgreSQL gives it back (`1e131071` is 131,072 digits), fits the
    /// server's limit: the limit bounds what every later read of the order
    /// (get_order, list_orders, history, subscriptions) returns, not only the
    /// request. Checked before anything is read or written, so a refused call
    /// changes nothing; the limit keeps one client from filling order rows,
    /// events and every subscriber's feed with megabytes of free-form data.
    static func checkedMetadata(_ metadata: [String: JSON]?, field: String,
                                _ ctx: RequestContext) throws -> [String: JSON]? {
        guard let metadata else { return nil }
        let size = JSON.object(metadata).writtenOutSize
        let limit = ctx.services.maximumMetadataBytes
        guard size <= limit else {
            let message = "\(field) is too large once its numbers are written out in full (as stored and read back): "
                + "\(size) bytes of JSON; at most \(limit) are allowed"
            throw RPCError(code: -32602, message: message,
                           data: .object(["code": .string("INVALID_PARAMS"), "field": .string(field),
                                          "limit": .int(limit), "size": .int(size)]))
        }
        return metadata
    }
}
