import OMSCore

extension SQL {
    /// Whether `actor` may see a row whose portfolio is in `column`:
    /// `AND \(SQL.entitled(actor, portfolio: "o.portfolio_id"))`. A principal
    /// with no portfolio list is entitled to every portfolio of its tenant
    /// (`Principal.isEntitled(to:)` in Swift). The list is sent typed, also
    /// when NULL, so a prepared statement plans one way for every principal.
    package static func entitled(_ actor: Principal, portfolio column: String) -> SQL {
        "(\(actor.portfolioIds)::text[] IS NULL OR \(unescaped: column) = ANY(\(actor.portfolioIds)::text[]))"
    }

    /// Whether `actor` may see a row that targets any of the portfolios in
    /// the array `column` (a compliance rule's `target_accounts`).
    package static func entitled(_ actor: Principal, anyPortfolioIn column: String) -> SQL {
        "(\(actor.portfolioIds)::text[] IS NULL OR \(unescaped: column) && \(actor.portfolioIds)::text[])"
    }
}
