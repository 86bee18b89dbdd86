import Foundation

/// A booking of part of an order's executed quantity to an account.
public struct Allocation: Sendable, Equatable, Codable {
    /// The allocation's identifier (`ALC-…`).
    public var allocationId: String
    /// The order whose executed quantity is booked.
    public var orderId: String
    /// The account booked to.
    public var accountId: String
    /// The order's portfolio, which the account must belong to.
    public var portfolioId: String
    /// The quantity booked, scale as given.
    public var quantity: ExactDecimal
    /// The principal who created it.
    public var createdBy: String
    /// Bumped by every change, starting at 1.
    public var version: Int
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case allocationId = "allocation_id", orderId = "order_id", accountId = "account_id"
        case portfolioId = "portfolio_id", quantity, createdBy = "created_by", version
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    /// An allocation with every field given.
    public init(allocationId: String, orderId: String, accountId: String, portfolioId: String, quantity: ExactDecimal,
                createdBy: String, version: Int = 1, createdAt: Date, updatedAt: Date) {
        self.allocationId = allocationId
        self.orderId = orderId
        self.accountId = accountId
        self.portfolioId = portfolioId
        self.quantity = quantity
        self.createdBy = createdBy
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The kernel's rules for allocations.
public enum AllocationRules {
    /// Roles that allocate.
    public static let roles: Set<Role> = [.ops, .trader]

    /// States in which allocations may be created or changed (`OrderState.acceptsAllocations`).
    public static let openStates = Set(OrderState.allCases.filter(\.acceptsAllocations))

    /// Checks a new or changed allocation of `quantity` given what the order's
    /// other allocations already hold.
    public static func decide(
        quantity: ExactDecimal, order: Order, allocatedElsewhere: Decimal, role: Role
    ) throws(OMSError) {
        if !order.state.acceptsAllocations {
            throw OMSError(.invalidState, "allocations are open from the first fill until CONFIRMED; order is \(order.state.rawValue)",
                           details: ["state": order.state.rawValue, "order_id": order.orderId])
        }
        guard roles.contains(role) else {
            throw OMSError(.permissionDenied, "role \(role.rawValue) may not allocate", details: ["role": role.rawValue])
        }
        guard order.executedQuantity > 0 else {
            throw OMSError(.invalidState, "order has no fills to allocate", details: ["state": order.state.rawValue])
        }
        try NumericDomain.quantity.check(quantity, field: "quantity")
        guard try CheckedDecimal.add(allocatedElsewhere, quantity.value, field: "quantity") <= order.executedQuantity.value else {
            throw OMSError(
                .overAllocation,
                "allocating \(quantity) with \(allocatedElsewhere) already allocated exceeds executed \(order.executedQuantity)",
                details: ["executed_quantity": "\(order.executedQuantity)", "allocated_quantity": "\(allocatedElsewhere)"])
        }
    }

    /// CONFIRMED requires the allocations to equal the executed quantity.
    public static func checkConfirm(order: Order, allocated: Decimal) throws(OMSError) {
        guard allocated == order.executedQuantity.value else {
            throw OMSError(
                .allocationIncomplete,
                "allocations total \(allocated) of executed \(order.executedQuantity); allocate the rest before confirming",
                details: ["executed_quantity": "\(order.executedQuantity)", "allocated_quantity": "\(allocated)"])
        }
    }
}
