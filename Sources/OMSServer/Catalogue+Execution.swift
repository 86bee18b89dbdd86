import OMSCore
import OMSProtocol

extension Catalogue {
    static let executionMethods: [MethodSpec] = [
        MethodSpec(
            .createPlacement, "Send part of an order to a venue; the first moves it to ROUTED.",
            params: [.orderId, ParamSpec("venue", .identifier), ParamSpec("quantity", .decimal),
                     .optional("broker_id", .identifier), .optional("strategy", .text)],
            result: "{placement_id, placement}"
        ) { p, ctx in
            let placement = try await ctx.services.orders.createPlacement(
                orderId: p.string("order_id"), venue: p.string("venue"), quantity: p.exactDecimal("quantity"),
                brokerId: p.optionalString("broker_id"), strategy: p.optionalString("strategy"), actor: ctx.principal)
            return .object(["placement_id": .string(placement.placementId), "placement": Wire.placement(placement)])
        },
        MethodSpec(
            "ems.cancel_placement", "Cancel an open placement.", params: [ParamSpec("placement_id", .identifier)],
            roles: [.trader], result: "placement", mutating: true
        ) { p, ctx in
            Wire.placement(try await ctx.services.orders.cancelPlacement(p.string("placement_id"), actor: ctx.principal))
        },
        MethodSpec(
            .recordFill, "Record an execution; idempotent by exec_id.",
            params: [.orderId, ParamSpec("exec_id", .identifier), ParamSpec("quantity", .decimal), ParamSpec("price", .decimal),
                     .optional("placement_id", .identifier), .optional("executed_at", .timestamp)],
            result: "order"
        ) { p, ctx in
            Wire.order(try await ctx.services.orders.recordFill(
                orderId: p.string("order_id"), execId: p.string("exec_id"), quantity: p.exactDecimal("quantity"),
                price: p.exactDecimal("price"), placementId: p.optionalString("placement_id"),
                executedAt: p.optionalDate("executed_at"), actor: ctx.principal))
        },
        MethodSpec("ems.list_placements", "The placements of an order.", params: [.orderId],
                   result: "{placements: [placement]}", mutating: false) { p, ctx in
            let placements = try await ctx.services.orders.placements(orderId: p.string("order_id"), actor: ctx.principal)
            return .object(["placements": .array(placements.map(Wire.placement))])
        },
    ]
}
