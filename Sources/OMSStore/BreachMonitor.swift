import Foundation
import Logging
import OMSCore
import OMSPostgres

/// Market-driven breach detection: after a price or position change, inside
/// the same transaction, re-measures the portfolio-level rules (concentration
/// limits, position limits) of every portfolio the change touches, and when a
/// portfolio crosses a rule's limit in either direction records the new state
/// and appends BREACH or BREACH_CLEARED to the compliance events.
struct BreachMonitor {
    let database: Database
    var logger: Logger { database.logger }

    /// Portfolios of the tenant holding or working the instrument.
    func portfolios(holding instrumentId: String, tenantId: String, on connection: Transaction) async throws
        -> [String]
    {
        let working = PortfolioSnapshot.workingStates.map(\.rawValue).sorted()
        return try await connection.rows("""
            SELECT portfolio_id FROM positions WHERE tenant_id = \(tenantId) AND instrument_id = \(instrumentId)
            UNION
            SELECT portfolio_id FROM orders WHERE tenant_id = \(tenantId) AND instrument_id = \(instrumentId)
              AND (executed_quantity > 0 OR state = ANY(\(working)))
            ORDER BY 1
            """).map { try $0.decode(String.self) }
    }

    /// Re-measures the portfolios' rules and records every crossing; returns
    /// the events appended as (rule, portfolio, breached).
    @discardableResult
    func check(portfolios: [String], tenantId: String, cause: String, at now: Date, on connection: Transaction)
        async throws -> [(ruleId: String, portfolioId: String, breached: Bool)]
    {
        let system = Principal(tenantId: tenantId, principalId: "oms-breach-monitor", role: .system)
        var crossings: [(ruleId: String, portfolioId: String, breached: Bool)] = []
        for portfolioId in portfolios {
            let loaded = try await ComplianceSnapshotStore(database: database)
                .load(portfolioId: portfolioId, instrumentIds: [], actor: system, on: connection)
            let measured = loaded.rules.compactMap { rule in
                RuleEngine.standing(rule, snapshot: loaded.snapshot).map { (rule, $0.breached, $0.measure) }
            }
            guard !measured.isEmpty else { continue }
            let known = try await connection.rows("""
                SELECT rule_id, breached FROM rule_breaches
                WHERE tenant_id = \(tenantId) AND portfolio_id = \(portfolioId) AND rule_id = ANY(\(measured.map(\.0.ruleId)))
                FOR UPDATE
                """)
            var before: [String: Bool] = [:]
            for row in known {
                let (ruleId, breached) = try row.decode((String, Bool).self)
                before[ruleId] = breached
            }
            for (rule, breached, measure) in measured where breached != (before[rule.ruleId] ?? false) {
                let details = Self.json([
                    "current_value": "\(measure.currentValue)", "limit_value": "\(measure.limitValue)",
                    "measured": measure.measured ?? "", "unit": measure.unit.rawValue, "cause": cause,
                    "rule_name": rule.name,
                ])
                try await connection.rows("""
                    WITH state AS (
                        INSERT INTO rule_breaches (tenant_id, rule_id, portfolio_id, breached, current_value, limit_value,
                            measured, updated_at)
                        VALUES (\(tenantId), \(rule.ruleId), \(portfolioId), \(breached), \(measure.currentValue),
                            \(measure.limitValue), \(measure.measured), \(now))
                        ON CONFLICT (tenant_id, rule_id, portfolio_id) DO UPDATE SET breached = excluded.breached,
                            current_value = excluded.current_value, limit_value = excluded.limit_value,
                            measured = excluded.measured, updated_at = excluded.updated_at
                    )
                    INSERT INTO compliance_events (tenant_id, event_type, severity, portfolio_ids, rule_id, details,
                        occurred_at)
                    VALUES (\(tenantId), \(breached ? "BREACH" : "BREACH_CLEARED"), \(rule.severity.rawValue),
                        ARRAY[\(portfolioId)]::text[], \(rule.ruleId), \(details)::jsonb, \(now))
                    """)
                crossings.append((rule.ruleId, portfolioId, breached))
            }
        }
        return crossings
    }

    static func json(_ object: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
