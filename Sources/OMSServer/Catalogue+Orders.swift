import Foundation
import OMSCore
import OMSProtocol
import OMSStore

extension Catalogue {
    static let orderMethods: [MethodSpec] = [
        MethodSpec(
            .createOrder, "Create an order in CREATED.",
            params: [
                ParamSpec("portfolio_id", .identifier), ParamSpec("instrument_id", .identifier),
                ParamSpec("direction", ParamSpec.direction), ParamSpec("ordered_quantity", .decimal),
                ParamSpec("order_type", ParamSpec.orderType), ParamSpec("time_in_force", ParamSpec.timeInForce),
                .optional("limit_price", .decimal, "required for Limit, StopLimit, PreviouslyQuoted"),
                .optional("stop_price", .decimal, "required for Stop, StopLimit"),
                .optional("expire_at", .timestamp, "required for GTD, only for GTD"),
                .optional("basket_id", .identifier), .optional("counterparty_id", .identifier), .optional("metadata", .object),
                .optional("client_order_id", .identifier, "unique per tenant; a repeat is DUPLICATE_ORDER"),
            ],
            result: "{order_id}"
        ) { p, ctx in
            let draft = NewOrder(
                portfolioId: p.string("portfolio_id"), instrumentId: p.string("instrument_id"),
                direction: p.enumValue("direction", Direction.self)!, orderType: p.enumValue("order_type", OrderType.self)!,
                timeInForce: p.enumValue("time_in_force", TimeInForce.self)!, orderedQuantity: p.exactDecimal("ordered_quantity"),
                limitPrice: p.optionalExactDecimal("limit_price"), stopPrice: p.optionalExactDecimal("stop_price"),
                expireAt: p.optionalDate("expire_at"), basketId: p.optionalString("basket_id"),
                counterpartyId: p.optionalString("counterparty_id"),
                metadata: try checkedMetadata(p.object("metadata"), field: "metadata", ctx),
                clientOrderId: p.optionalString("client_order_id"))
            let order = try await ctx.services.orders.createOrder(
                draft, actor: ctx.principal, idempotencyKey: p.optionalString("idempotency_key"))
            return .object(["order_id": .string(order.orderId)])
        },
        MethodSpec(
            .updateOrder,
            "Change economic fields (CREATED, PRE_TRADE_COMPLIANCE_FAILED) or booking fields (any live state).",
            params: [.orderId, ParamSpec("changes", .object,
                "ordered_quantity, limit_price, stop_price, time_in_force, expire_at, counterparty_id, metadata; null clears")],
            result: "order"
        ) { p, ctx in
            let changes = p.object("changes") ?? [:]
            _ = try checkedMetadata(changes["metadata"]?.objectValue, field: "changes.metadata", ctx)
            let decoded = try OrderChangesDecoder.decode(changes)
            return Wire.order(try await ctx.services.orders.updateOrder(p.string("order_id"), changes: decoded,
                                                                        actor: ctx.principal))
        },
        transition(.cancelOrder, "Cancel an order, subject to cancel authority.", extra: [.optional("reason", .text)]),
        MethodSpec(
            .closeOrder, "Close an order whose execution is complete; returns executed and unfilled quantities.",
            params: [.orderId, .optional("create_remainder", .boolean,
                                         "also create a CREATED order for the unfilled quantity, linked REMAINDER")],
            result: "{order_id, executed_quantity, unfilled_quantity, [remainder_order_id], order}"
        ) { p, ctx in
            let orderId = p.string("order_id")
            var remainder: Order?
            let closed: OrderStore.CloseOutcome
            if p.optionalBool("create_remainder") == true {
                (closed, remainder) = try await ctx.services.orders.closeOrderWithRemainder(orderId, actor: ctx.principal)
            } else {
                closed = try await ctx.services.orders.closeOrder(orderId, actor: ctx.principal)
            }
            var result: [String: JSON] = [
                "order_id": .string(closed.order.orderId),
                "executed_quantity": .decimal(closed.executedQuantity),
                "unfilled_quantity": .decimal(closed.unfilledQuantity),
                "order": Wire.order(closed.order),
            ]
            if p.optionalBool("create_remainder") == true {
                result["remainder_order_id"] = Wire.optional(remainder?.orderId)
            }
            return .object(result)
        },
        MethodSpec("oms.get_order", "One order by id.", params: [.orderId], result: "order", mutating: false) { p, ctx in
            Wire.order(try await ctx.services.orders.getOrder(p.string("order_id"), actor: ctx.principal))
        },
        MethodSpec(
            "oms.list_orders", "Orders matching the filters, newest first.",
            params: [
                .optional("portfolio_id", .identifier), .optional("instrument_id", .identifier),
                .optional("state", ParamSpec.state), .optional("direction", ParamSpec.direction),
                .optional("basket_id", .identifier), .optional("created_after", .timestamp),
                .optional("created_before", .timestamp), .optional("limit", .integer, "1-1000, default 100"),
                .optional("offset", .integer, "default 0"),
            ],
            result: "{orders: [order]}", mutating: false
        ) { p, ctx in
            let filter = OrderFilter(
                portfolioId: p.optionalString("portfolio_id"), instrumentId: p.optionalString("instrument_id"),
                state: p.enumValue("state", OrderState.self), direction: p.enumValue("direction", Direction.self),
                basketId: p.optionalString("basket_id"), createdAfter: p.optionalDate("created_after"),
                createdBefore: p.optionalDate("created_before"), limit: p.optionalInt("limit") ?? 100,
                offset: p.optionalInt("offset") ?? 0)
            let orders = try await ctx.services.orders.listOrders(filter, actor: ctx.principal)
            return .object(["orders": .array(orders.map(Wire.order))])
        },
        MethodSpec("oms.get_order_history", "Every event of an order, oldest first.", params: [.orderId],
                   result: "{events: [event]}", mutating: false) { p, ctx in
            let events = try await ctx.services.orders.history(p.string("order_id"), actor: ctx.principal)
            return .object(["events": .array(events.map { Wire.event($0) })])
        },
        MethodSpec("oms.list_order_links", "Lineage links where the order is source or target.", params: [.orderId],
                   result: "{links: [{source_order_id, target_order_id, kind}]}", mutating: false) { p, ctx in
            let links = try await ctx.services.orders.links(p.string("order_id"), actor: ctx.principal)
            return .object(["links": .array(links.map(Wire.link))])
        },
        MethodSpec(
            .sendToTrader, "Hand an order, or every order of a basket (all or nothing), to the trading desk.",
            params: [.optional("order_id", .identifier), .optional("basket_id", .identifier, "instead of order_id")],
            result: "order, or {orders} for a basket"
        ) { p, ctx in
            switch (p.optionalString("order_id"), p.optionalString("basket_id")) {
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
        transition(.rejectOrder, "System rejects an order before its first fill (terminal).",
                   extra: [ParamSpec("reason", .text)]),
    ]

    /// A lifecycle transition method: order_id (+ extras) in, the order out.
    static func transition(_ command: OrderCommand, _ summary: String, extra: [ParamSpec] = []) -> MethodSpec {
        MethodSpec(command, summary, params: [.orderId] + extra, result: "order") { p, ctx in
            let details = OrderStore.TransitionDetails(
                reason: p.optionalString("reason"), violations: try violations(p), approverId: p.optionalString("approver_id"))
            let outcome = try await ctx.services.orders.transition(
                command, orderId: p.string("order_id"), actor: ctx.principal, details: details)
            if command.complianceVerdict?.verdict == .overridden {
                return .object(["override_id": .string(outcome.complianceResultId ?? ""), "order": Wire.order(outcome.order)])
            }
            return Wire.order(outcome.order)
        }
    }

    static func violations(_ p: Params) throws -> [Violation]? {
        guard let list = p.values["violations"]?.arrayValue else { return nil }
        return try list.enumerated().map { index, item in
            guard let object = item.objectValue, let ruleId = object["rule_id"]?.stringValue else {
                throw RPCError.invalidParams("violations[\(index)].rule_id is required", field: "violations")
            }
            let severity = object["severity"]?.stringValue.map { Severity(rawValue: $0) } ?? .hard
            guard let severity else {
                throw RPCError.invalidParams("violations[\(index)].severity must be HARD or SOFT", field: "violations")
            }
            let field = "violations[\(index)]"
            try OrderValidation.requireIdentifier(ruleId, field: "\(field).rule_id")
            for name in ["rule_name", "description"] {
                if let problem = object[name]?.stringValue.flatMap(InputText.textProblem) {
                    throw OMSError(.invalidArgument, "\(field).\(name): \(problem)", details: ["field": "\(field).\(name)"])
                }
            }
            return Violation(ruleId: ruleId, ruleName: object["rule_name"]?.stringValue, severity: severity,
                             description: object["description"]?.stringValue)
        }
    }
}

extension Catalogue {
    /// `metadata` if its compact JSON fits the server's limit. Checked before
    /// anything is read or written, so a refused call changes nothing; the
    /// limit keeps one client from filling order rows, events and every
    /// subscriber's feed with megabytes of free-form data.
    static func checkedMetadata(_ metadata: [String: JSON]?, field: String,
                                _ ctx: RequestContext) throws -> [String: JSON]? {
        guard let metadata else { return nil }
        let size = JSON.object(metadata).serialized().count
        let limit = ctx.services.maximumMetadataBytes
        guard size <= limit else {
            throw RPCError(code: -32602, message: "\(field) is \(size) bytes of JSON; at most \(limit) are allowed",
                           data: .object(["code": .string("INVALID_PARAMS"), "field": .string(field),
                                          "limit": .int(limit), "size": .int(size)]))
        }
        return metadata
    }
}
