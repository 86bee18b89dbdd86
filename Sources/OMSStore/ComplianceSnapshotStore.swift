import Foundation
import Logging
import OMSCore
import OMSPostgres

/// Reads what the rule engine needs about a portfolio, and runs the engine's
/// read-only checks (what-if, headroom) on it. Every read runs in a READ ONLY
/// transaction, so a check can never change anything.
public struct ComplianceSnapshotStore: Sendable {
    /// The pool and transaction runner the snapshot reads run on.
    public let database: Database

    /// A store over `database`; cheap to make, so callers make one where they need it.
    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// A portfolio's snapshot with the active rules that target it.
    public struct Loaded: Sendable, Equatable {
        /// What the engine needs to know about the portfolio.
        public var snapshot: PortfolioSnapshot
        /// The active rules that target the portfolio.
        public var rules: [ComplianceRule]
    }

    /// Most proposals one what-if may carry.
    public static let maximumProposals = 1_000

    /// Loads one portfolio: cash (net of recorded fills' cost), positions
    /// (opening positions plus fills), the signed unfilled quantity of working
    /// orders, reference data and last prices of every instrument held or
    /// worked and of `instrumentIds`, and the active rules targeting it.
    public func load(portfolioId: String, instrumentIds: [String] = [], actor: Principal) async throws -> Loaded {
        try RuleStore.requireEntitled(actor, to: [portfolioId])
        return try await database.runner.transaction(actor.scope, readOnly: true) { connection in
            try await load(portfolioId: portfolioId, instrumentIds: instrumentIds, actor: actor, on: connection,
                           finishing: true)
        }
    }

    /// Evaluates each proposal on its own against its portfolio as it stands
    /// (proposals do not see each other). Changes nothing.
    public func checkWhatIf(_ proposals: [ProposedOrder], actor: Principal) async throws -> [ComplianceOutcome] {
        guard (1...Self.maximumProposals).contains(proposals.count) else {
            throw OMSError(.invalidArgument, "proposed_orders must list 1 to \(Self.maximumProposals) orders",
                           details: ["field": "proposed_orders"])
        }
        for (index, proposal) in proposals.enumerated() {
            try proposal.validate(field: "proposed_orders[\(index)]")
            try RuleStore.requireEntitled(actor, to: [proposal.portfolioId])
        }
        let portfolios = Dictionary(grouping: proposals, by: \.portfolioId).mapValues { Set($0.map(\.instrumentId)).sorted() }
        let loaded = try await database.runner.transaction(actor.scope, readOnly: true) { connection in
            var loaded: [String: Result<Loaded, Unreadable>] = [:]
            let ordered = portfolios.sorted(by: { $0.key < $1.key })
            for (index, (portfolioId, instruments)) in ordered.enumerated() {
                do {
                    // The last portfolio's reads carry the COMMIT: one round trip per portfolio.
                    loaded[portfolioId] = .success(try await load(
                        portfolioId: portfolioId, instrumentIds: instruments, actor: actor, on: connection,
                        finishing: index == ordered.count - 1))
                } catch {
                    // Contained: the portfolio's proposals fail, the others are answered.
                    guard let unreadable = Unreadable(error) else { throw error }
                    loaded[portfolioId] = .failure(unreadable)
                }
            }
            return loaded
        }
        return try proposals.map { proposal throws(OMSError) in
            switch try loaded[proposal.portfolioId].orThrow("portfolio \(proposal.portfolioId) was not loaded") {
            case .success(let portfolio):
                return RuleEngine.evaluate(proposal, snapshot: portfolio.snapshot, rules: portfolio.rules)
            case .failure(let unreadable):
                return ComplianceOutcome(violations: [Violation(
                    ruleId: ComplianceEvaluator.unevaluableRuleId, ruleName: "compliance evaluation", severity: .hard,
                    description: "the order could not be evaluated: \(unreadable.reason)")])
            }
        }
    }

    /// Why a portfolio's snapshot or rules could not be read, when that is
    /// the stored data's fault (a row the engine cannot decode) rather than the
    /// request's (an unknown portfolio or instrument, no entitlement) or the
    /// database's (a PostgreSQL error, which the transaction runner retries or
    /// reports).
    struct Unreadable: Error {
        var reason: String

        init?(_ error: any Error) {
            switch error {
            case is PostgresError, is CancellationError:
                return nil
            case let error as OMSError:
                guard ![.invalidPortfolio, .invalidInstrument, .permissionDenied, .unavailable, .conflict]
                    .contains(error.code) else { return nil }
                reason = error.message
            default:
                reason = String(String(describing: error).prefix(500))
            }
        }
    }

    /// The headroom an active rule targeting the portfolio leaves it.
    public func headroom(portfolioId: String, ruleId: String, instrumentId: String? = nil, actor: Principal)
        async throws -> Headroom
    {
        let loaded: Loaded
        do {
            loaded = try await load(portfolioId: portfolioId, instrumentIds: instrumentId.map { [$0] } ?? [], actor: actor)
        } catch {
            // A clear code rather than INTERNAL, as the what-if fails such a portfolio's proposals.
            guard let unreadable = Unreadable(error) else { throw error }
            throw OMSError(.invalidArgument, "portfolio \(portfolioId) cannot be measured: \(unreadable.reason)",
                           details: ["field": "portfolio_id"])
        }
        guard let rule = loaded.rules.first(where: { $0.ruleId == ruleId }) else {
            let rule = try await RuleStore(database: database).get(ruleId, actor: actor)  // NOT_FOUND if unseen
            throw rule.active
                ? OMSError(.invalidArgument, "rule \(ruleId) does not apply to portfolio \(portfolioId)",
                           details: ["field": "portfolio_id", "rule_id": ruleId])
                : OMSError(.invalidArgument, "rule \(ruleId) is inactive", details: ["field": "rule_id", "rule_id": ruleId])
        }
        return try RuleEngine.headroom(rule, snapshot: loaded.snapshot, instrumentId: instrumentId)
    }
}

extension ComplianceSnapshotStore {
    /// Reads the portfolio in `connection`; `finishing` sends its `COMMIT`
    /// in the same round trip as the reads, when they are the transaction's last.
    func load(
        portfolioId: String, instrumentIds: [String], actor: Principal, on connection: Transaction,
        finishing: Bool = false
    ) async throws -> Loaded {
        let working = PortfolioSnapshot.workingStates.map(\.rawValue).sorted()
        let adding = Direction.allCases.filter { $0.sign > 0 }.map(\.rawValue)
        // One row per instrument (or one row with a NULL instrument when there
        // are none), each carrying the portfolio's cash; and the portfolio's
        // active rules. Both in one round trip.
        let queries: [SQL] = ["""
            WITH quantities AS (
                SELECT instrument_id, quantity AS position, 0::numeric AS working FROM positions
                WHERE tenant_id = \(actor.tenantId) AND portfolio_id = \(portfolioId)
                UNION ALL
                SELECT instrument_id,
                    CASE WHEN direction = ANY(\(adding)) THEN 1 ELSE -1 END * executed_quantity,
                    CASE WHEN state = ANY(\(working)) THEN
                        CASE WHEN direction = ANY(\(adding)) THEN 1 ELSE -1 END * (ordered_quantity - executed_quantity)
                    ELSE 0 END
                FROM orders
                WHERE tenant_id = \(actor.tenantId) AND portfolio_id = \(portfolioId)
                  AND (executed_quantity > 0 OR state = ANY(\(working)))
                UNION ALL
                SELECT unnest(\(instrumentIds)::text[]), 0, 0
            ), per_instrument AS (
                SELECT instrument_id, sum(position) AS position, sum(working) AS working
                FROM quantities GROUP BY instrument_id
            )
            SELECT p.cash - coalesce((
                    SELECT sum(CASE WHEN o.direction = ANY(\(adding)) THEN 1 ELSE -1 END * f.quantity * f.price)
                    FROM fills f JOIN orders o ON o.tenant_id = f.tenant_id AND o.order_id = f.order_id
                    WHERE f.tenant_id = \(actor.tenantId) AND o.portfolio_id = \(portfolioId)), 0) AS cash,
                q.instrument_id, q.position, q.working, i.instrument_id IS NOT NULL AS known, i.issuer, i.sector, pr.price
            FROM portfolios p
            LEFT JOIN per_instrument q ON true
            LEFT JOIN instruments i ON i.tenant_id = p.tenant_id AND i.instrument_id = q.instrument_id
            LEFT JOIN prices pr ON pr.tenant_id = p.tenant_id AND pr.instrument_id = q.instrument_id
            WHERE p.tenant_id = \(actor.tenantId) AND p.portfolio_id = \(portfolioId)
            ORDER BY q.instrument_id
            """, """
            SELECT \(unescaped: RuleRow.columns) FROM rules r
            WHERE r.tenant_id = \(actor.tenantId) AND r.active AND r.target_accounts @> ARRAY[\(portfolioId)::text]
            ORDER BY r.created_at, r.rule_id
            """]
        let results = finishing ? try await connection.finish(queries) : try await connection.batch(queries)
        let rows = results[0]
        guard let first = rows.first else {
            throw OMSError(.invalidPortfolio, "unknown portfolio \(portfolioId)", details: ["portfolio_id": portfolioId])
        }
        let cash = try first["cash"].decode(Decimal.self)
        var snapshot = PortfolioSnapshot(portfolioId: portfolioId, cash: cash)
        for row in rows {
            let r = row
            guard let id = try r["instrument_id"].decode(String?.self) else { continue }
            guard try r["known"].decode(Bool.self) else {
                throw OMSError(.invalidInstrument, "unknown instrument \(id)", details: ["instrument_id": id])
            }
            snapshot.positions[id] = try r["position"].decode(Decimal.self)
            snapshot.working[id] = try r["working"].decode(Decimal.self)
            snapshot.instruments[id] = PortfolioSnapshot.InstrumentReference(
                issuer: try r["issuer"].decode(String?.self), sector: try r["sector"].decode(String?.self))
            snapshot.prices[id] = try r["price"].decode(Decimal?.self)
        }
        let rules = try results[1].map(RuleRow.decode)
        return Loaded(snapshot: snapshot, rules: rules)
    }
}
