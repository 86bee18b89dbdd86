import Foundation
import OMSCore
import OMSProtocol

extension Catalogue {
    static let executionMethods: [MethodSpec] = [
        MethodSpec(.createPlacement, "Send part of an order to a venue; the first moves it to ROUTED.",
                   params: CreatePlacementParams.self, result: "{placement_id, placement}") { p, ctx in
            let placement = try await ctx.services.orders.createPlacement(
                orderId: p.orderId, venue: p.venue, quantity: p.quantity, brokerId: p.brokerId, strategy: p.strategy,
                actor: ctx.principal)
            return .object(["placement_id": .string(placement.placementId), "placement": Wire.placement(placement)])
        },
        MethodSpec("ems.cancel_placement", "Cancel an open placement.", params: PlacementIdParams.self,
                   roles: [.trader], result: "placement", mutating: true) { p, ctx in
            Wire.placement(try await ctx.services.orders.cancelPlacement(p.placementId, actor: ctx.principal))
        },
        MethodSpec(.recordFill, "Record an execution; idempotent by exec_id.", params: RecordFillParams.self,
                   result: "order") { p, ctx in
            Wire.order(try await ctx.services.orders.recordFill(
                orderId: p.orderId, execId: p.execId, quantity: p.quantity, price: p.price, placementId: p.placementId,
                executedAt: p.executedAt, actor: ctx.principal))
        },
        MethodSpec("ems.list_placements", "The placements of an order.", params: OrderIdParams.self,
                   result: "{placements: [placement]}", mutating: false) { p, ctx in
            let placements = try await ctx.services.orders.placements(orderId: p.orderId, actor: ctx.principal)
            return .object(["placements": .array(placements.map(Wire.placement))])
        },
    ]
}

/// `ems.create_placement`.
struct CreatePlacementParams: MethodParams {
    var orderId: String
    var venue: String
    var quantity: ExactDecimal
    var brokerId: String?
    var strategy: String?

    static let specs: [ParamSpec] = [
        .orderId, ParamSpec("venue", .identifier), ParamSpec("quantity", .decimal),
        .optional("broker_id", .identifier), .optional("strategy", .text),
    ]
}

/// `ems.cancel_placement`.
struct PlacementIdParams: MethodParams {
    var placementId: String
    static let specs = [ParamSpec("placement_id", .identifier)]
}

/// `ems.record_fill`.
struct RecordFillParams: MethodParams {
    var orderId: String
    var execId: String
    var quantity: ExactDecimal
    var price: ExactDecimal
    var placementId: String?
    var executedAt: Date?

    static let specs: [ParamSpec] = [
        .orderId, ParamSpec("exec_id", .identifier), ParamSpec("quantity", .decimal), ParamSpec("price", .decimal),
        .optional("placement_id", .identifier), .optional("executed_at", .timestamp),
    ]
}
