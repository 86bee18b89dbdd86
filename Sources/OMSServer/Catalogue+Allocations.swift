import OMSCore
import OMSProtocol

extension Catalogue {
    static let allocationMethods: [MethodSpec] = [
        MethodSpec(
            .createAllocation,
            "Book part of an order's executed quantity to an account of the order's portfolio (first fill until CONFIRMED).",
            params: [.orderId, ParamSpec("account_id", .identifier, "must belong to portfolio_id"),
                     ParamSpec("portfolio_id", .identifier, "must be the order's portfolio"), ParamSpec("quantity", .decimal)],
            result: "{allocation_id, allocation}"
        ) { p, ctx in
            let allocation = try await ctx.services.allocations.create(
                orderId: p.string("order_id"), accountId: p.string("account_id"), portfolioId: p.string("portfolio_id"),
                quantity: p.exactDecimal("quantity"), actor: ctx.principal)
            return .object(["allocation_id": .string(allocation.allocationId), "allocation": Wire.allocation(allocation)])
        },
        MethodSpec(
            .updateAllocation, "Change an allocation's quantity or account; the sum stays within executed.",
            params: [ParamSpec("allocation_id", .identifier), ParamSpec("changes", .object, "quantity, account_id")],
            result: "allocation"
        ) { p, ctx in
            let changes = p.object("changes") ?? [:]
            if let unknown = changes.keys.sorted().first(where: { !["quantity", "account_id"].contains($0) }) {
                throw RPCError.invalidParams("changes.\(unknown) cannot be changed", field: "changes.\(unknown)")
            }
            let quantity = changes["quantity"]
            guard quantity == nil || quantity?.decimalValue != nil else {
                throw RPCError.invalidParams("changes.quantity must be a decimal", field: "changes.quantity")
            }
            let accountId = changes["account_id"]
            guard accountId == nil || accountId?.stringValue != nil else {
                throw RPCError.invalidParams("changes.account_id must be a string", field: "changes.account_id")
            }
            if let accountId = accountId?.stringValue {
                try OrderValidation.requireIdentifier(accountId, field: "changes.account_id")
            }
            return Wire.allocation(try await ctx.services.allocations.update(
                p.string("allocation_id"), quantity: quantity?.exactDecimalValue, accountId: accountId?.stringValue,
                actor: ctx.principal))
        },
        MethodSpec("oms.get_allocation", "One allocation.", params: [ParamSpec("allocation_id", .identifier)],
                   result: "allocation", mutating: false) { p, ctx in
            Wire.allocation(try await ctx.services.allocations.get(p.string("allocation_id"), actor: ctx.principal))
        },
        MethodSpec("oms.list_allocations", "The allocations of an order, oldest first.", params: [.orderId],
                   result: "{allocations: [allocation]}", mutating: false) { p, ctx in
            let allocations = try await ctx.services.allocations.list(orderId: p.string("order_id"), actor: ctx.principal)
            return .object(["allocations": .array(allocations.map(Wire.allocation))])
        },
    ]
}
