import OMSCore
import OMSProtocol
import OMSStore

extension Catalogue {
    static let restructuringMethods: [MethodSpec] = [
        MethodSpec("oms.create_basket", "Group live orders, none already in a basket, for coordinated execution.",
                   params: CreateBasketParams.self, roles: [.pm], result: "{basket_id, basket}", mutating: true) { p, ctx in
            let basket = try await ctx.services.orders.createBasket(name: p.name, orderIds: p.orderIds, actor: ctx.principal)
            return .object(["basket_id": .string(basket.basketId), "basket": Wire.basket(basket)])
        },
        MethodSpec("oms.get_basket", "A basket with its order ids.", params: BasketIdParams.self,
                   result: "basket {basket_id, name, order_ids, created_by, created_at}", mutating: false) { p, ctx in
            Wire.basket(try await ctx.services.orders.basket(p.basketId, actor: ctx.principal))
        },
        MethodSpec(
            "oms.merge_orders",
            "Merge PM-owned orders not yet sent to the trader that agree on portfolio, instrument, direction, type, "
                + "prices and time in force into one new CREATED order; the sources end CANCELED (MERGED).",
            params: MergeOrdersParams.self, roles: [.pm], result: "{order_id, order}", mutating: true
        ) { p, ctx in
            let merged = try await ctx.services.orders.mergeOrders(p.orderIds, actor: ctx.principal)
            return .object(["order_id": .string(merged.orderId), "order": Wire.order(merged)])
        },
        MethodSpec(
            "oms.split_order",
            "Split a PM-owned order not yet sent to the trader into new CREATED orders whose quantities sum to it; "
                + "the source ends CANCELED (SPLIT).",
            params: SplitOrderParams.self, roles: [.pm], result: "{order_ids, orders}", mutating: true
        ) { p, ctx in
            let parts = try await ctx.services.orders.splitOrder(p.orderId, quantities: p.quantities, actor: ctx.principal)
            return .object(["order_ids": .array(parts.map { .string($0.orderId) }), "orders": .array(parts.map(Wire.order))])
        },
    ]
}

/// `oms.create_basket`.
struct CreateBasketParams: MethodParams {
    var name: String
    var orderIds: [String]
    static let specs = [ParamSpec("name", .text), ParamSpec("order_ids", .array(.identifier))]
}

/// `oms.get_basket`.
struct BasketIdParams: MethodParams {
    var basketId: String
    static let specs = [ParamSpec("basket_id", .identifier)]
}

/// `oms.merge_orders`.
struct MergeOrdersParams: MethodParams {
    var orderIds: [String]
    static let specs = [ParamSpec("order_ids", .array(.identifier))]
}

/// `oms.split_order`.
struct SplitOrderParams: MethodParams {
    var orderId: String
    var quantities: [ExactDecimal]
    static let specs = [.orderId, ParamSpec("quantities", .array(.decimal))]
}
