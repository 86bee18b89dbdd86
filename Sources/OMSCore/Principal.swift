/// The authenticated principal a command runs as: tenant, identity, role and entitlements.
public struct Principal: Sendable, Equatable {
    /// The tenant whose rows the principal may touch.
    public var tenantId: String
    /// The principal's identifier, recorded as the actor of its commands.
    public var principalId: String
    /// What the principal may do.
    public var role: Role
    /// Portfolios the principal may see and touch; `nil` means all of the tenant's.
    public var portfolioIds: [String]?

    /// A principal of `role`, unrestricted unless `portfolioIds` is given.
    public init(tenantId: String, principalId: String, role: Role, portfolioIds: [String]? = nil) {
        self.tenantId = tenantId
        self.principalId = principalId
        self.role = role
        self.portfolioIds = portfolioIds
    }

    /// Whether the principal is entitled to a portfolio.
    public func isEntitled(to portfolioId: String) -> Bool {
        portfolioIds.map { $0.contains(portfolioId) } ?? true
    }
}
