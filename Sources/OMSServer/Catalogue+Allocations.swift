import OMSCore
import OMSProtocol

extension Catalogue {
    static let allocationMethods: [MethodSpec] = [
        MethodSpec(
            .createAllocation,
            "Book part of an order's executed quantity to an account of the order's portfolio (first fill until CONFIRMED).",
            params: CreateAllocationParams.self, result: "{allocation_id, allocation}"
        ) { p, ctx in
            let allocation = try await ctx.services.allocations.create(
                orderId: p.orderId, accountId: p.accountId, portfolioId: p.portfolioId, quantity: p.quantity,
                actor: ctx.principal)
            return .object(["allocation_id": .string(allocation.allocationId), "allocation": Wire.allocation(allocation)])
        },
        MethodSpec(.updateAllocation, "Change an allocation's quantity or account; the sum stays within executed.",
                   params: UpdateAllocationParams.self, result: "allocation") { p, ctx in
            Wire.allocation(try await ctx.services.allocations.update(
                p.allocationId, quantity: p.changes.quantity, accountId: p.changes.accountId, actor: ctx.principal))
        },
        MethodSpec("oms.get_allocation", "One allocation.", params: AllocationIdParams.self,
                   result: "allocation", mutating: false) { p, ctx in
            Wire.allocation(try await ctx.services.allocations.get(p.allocationId, actor: ctx.principal))
        },
        MethodSpec("oms.list_allocations", "The allocations of an order, oldest first.", params: OrderIdParams.self,
                   result: "{allocations: [allocation]}", mutating: false) { p, ctx in
            let allocations = try await ctx.services.allocations.list(orderId: p.orderId, actor: ctx.principal)
            return .object(["allocations": .array(allocations.map(Wire.allocation))])
        },
    ]
}

/// `oms.create_allocation`.
struct CreateAllocationParams: MethodParams {
    var orderId: String
    var accountId: String
    var portfolioId: String
    var quantity: ExactDecimal

    static let specs: [ParamSpec] = [
        .orderId, ParamSpec("account_id", .identifier, "must belong to portfolio_id"),
        ParamSpec("portfolio_id", .identifier, "must be the order's portfolio"), ParamSpec("quantity", .decimal),
    ]
}

/// `oms.update_allocation`.
struct UpdateAllocationParams: MethodParams {
    var allocationId: String
    var changes: AllocationChanges

    static let specs = [ParamSpec("allocation_id", .identifier), ParamSpec("changes", .object, "quantity, account_id")]
}

/// `oms.get_allocation`.
struct AllocationIdParams: MethodParams {
    var allocationId: String
    static let specs = [ParamSpec("allocation_id", .identifier)]
}

/// `update_allocation`'s `changes`: only `quantity` and `account_id`, neither
/// null; problems are INVALID_PARAMS naming `changes.<field>` (an identifier's
/// content, INVALID_ARGUMENT).
struct AllocationChanges: Decodable, Sendable {
    var quantity: ExactDecimal?
    var accountId: String?

    static let fields = ["quantity", "account_id"]

    init(from decoder: any Decoder) throws {
        let changes = try JSON(from: decoder).objectValue ?? [:]
        if let refusal = RPCError.unknownChange(in: changes, known: AllocationChanges.fields) { throw refusal }
        if let value = changes["quantity"] {
            guard let quantity = value.exactDecimalValue else {
                throw RPCError.invalidParams("changes.quantity must be a decimal", field: "changes.quantity")
            }
            self.quantity = quantity
        }
        if let value = changes["account_id"] {
            guard let accountId = value.stringValue else {
                throw RPCError.invalidParams("changes.account_id must be a string", field: "changes.account_id")
            }
            try OrderValidation.requireIdentifier(accountId, field: "changes.account_id")
            self.accountId = accountId
        }
    }
}
