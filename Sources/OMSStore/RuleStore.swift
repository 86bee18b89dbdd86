import Foundation
import Logging
import OMSCore
import OMSPostgres

/// Filters of `list_rules`; every field optional.
public struct RuleFilter: Sendable, Equatable {
    /// Rules whose target_accounts contain this portfolio.
    public var portfolioId: String?
    /// Only rules of this type.
    public var ruleType: RuleType?
    /// Only active (true) or inactive (false) rules.
    public var active: Bool?

    /// A filter; the defaults list every rule the caller may see.
    public init(portfolioId: String? = nil, ruleType: RuleType? = nil, active: Bool? = nil) {
        self.portfolioId = portfolioId
        self.ruleType = ruleType
        self.active = active
    }
}

/// One recorded version of a rule: the whole rule as a change left it.
public struct RuleVersion: Sendable, Equatable {
    /// What a version recorded: the rule's creation, an update or its soft delete.
    public enum Change: String, Sendable, CaseIterable {
        case created = "CREATED"
        case updated = "UPDATED"
        case deleted = "DELETED"
    }

    /// The rule's version this row records (1 for the creation).
    public var version: Int
    /// The kind of change that produced this version.
    public var change: Change
    /// The principal who made the change.
    public var changedBy: String
    /// When the change committed.
    public var changedAt: Date
    /// The whole rule as the change left it.
    public var rule: ComplianceRule
}

/// Compliance rules: create, update, soft delete, list, history. Every change
/// writes the row and its `rule_versions` row in one statement. Compliance
/// and Admin write; every role reads. A principal limited to some portfolios
/// sees the rules that target one of them, and changes only rules whose
/// targets are all theirs. `ComplianceRule` decides; this type only executes.
public struct RuleStore: Sendable {
    /// The pool and transaction runner every command runs on.
    public let database: Database

    /// A store over `database`; cheap to make, so callers make one where they need it.
    public init(database: Database) {
        self.database = database
    }

    var logger: Logger { database.logger }

    /// Creates a rule (version 1, change CREATED).
    public func create(_ draft: NewRule, actor: Principal) async throws -> ComplianceRule {
        try Self.requireWriter(actor)
        let now = Timestamp.microseconds(Date())
        let rule = try draft.makeRule(ruleId: Identifier.make("RULE", at: now), createdBy: actor.principalId, at: now)
        try Self.requireEntitled(actor, to: rule.targetAccounts)
        return try await database.runner.retrying {
            try await write(rule, .created, actor: actor, on: nil)
        }
    }

    /// Applies `changes` under the rule's row lock (version + 1, change UPDATED).
    public func update(_ ruleId: String, changes: RuleChanges, actor: Principal) async throws -> ComplianceRule {
        try Self.requireWriter(actor)
        return try await database.runner.transaction(actor.scope) { connection in
            let current = try await lock(ruleId, actor: actor, on: connection)
            let updated = try current.applying(changes, at: Timestamp.microseconds(Date()))
            try Self.requireEntitled(actor, to: updated.targetAccounts)
            return try await write(updated, .updated, actor: actor, on: connection)
        }
    }

    /// Soft-deletes a rule: inactive, kept, version + 1 (change DELETED). A
    /// rule already inactive is returned as it is, with no new version.
    public func delete(_ ruleId: String, actor: Principal) async throws -> ComplianceRule {
        try Self.requireWriter(actor)
        return try await database.runner.transaction(actor.scope) { connection in
            let current = try await lock(ruleId, actor: actor, on: connection)
            guard current.active else { return current }
            return try await write(current.deleted(at: Timestamp.microseconds(Date())), .deleted, actor: actor,
                                   on: connection)
        }
    }

    /// The rule, if the actor may see it; else NOT_FOUND.
    public func get(_ ruleId: String, actor: Principal) async throws -> ComplianceRule {
        let rows = try await database.rows(actor.scope, """
            SELECT \(unescaped: RuleRow.columns) FROM rules r
            WHERE r.tenant_id = \(actor.tenantId) AND r.rule_id = \(ruleId)
              AND \(SQL.entitled(actor, anyPortfolioIn: "r.target_accounts"))
            """)
        guard let row = rows.first else { throw Self.notFound(ruleId) }
        return try RuleRow.decode(row)
    }

    /// Rules matching the filter that the actor may see, oldest first.
    public func list(_ filter: RuleFilter, actor: Principal) async throws -> [ComplianceRule] {
        try await database.rows(actor.scope, """
            SELECT \(unescaped: RuleRow.columns) FROM rules r
            WHERE r.tenant_id = \(actor.tenantId)
              AND \(SQL.entitled(actor, anyPortfolioIn: "r.target_accounts"))
              AND (\(filter.portfolioId)::text IS NULL OR r.target_accounts @> ARRAY[\(filter.portfolioId)::text])
              AND (\(filter.ruleType?.rawValue)::text IS NULL OR r.rule_type = \(filter.ruleType?.rawValue))
              AND (\(filter.active)::boolean IS NULL OR r.active = \(filter.active))
            ORDER BY r.created_at, r.rule_id
            """).map(RuleRow.decode)
    }

    /// Every version of a rule, oldest first.
    public func history(_ ruleId: String, actor: Principal) async throws -> [RuleVersion] {
        _ = try await get(ruleId, actor: actor)
        return try await database.rows(actor.scope, """
            SELECT v.version AS recorded_version, v.change, v.changed_by, v.changed_at, \(unescaped: RuleRow.columns)
            FROM rule_versions v, jsonb_populate_record(NULL::rules, v.snapshot) r
            WHERE v.tenant_id = \(actor.tenantId) AND v.rule_id = \(ruleId)
            ORDER BY v.version
            """).map { row in
            let r = row
            let change = try r["change"].decode(String.self)
            return RuleVersion(
                version: Int(try r["recorded_version"].decode(Int32.self)),
                change: try RuleVersion.Change(rawValue: change).orThrow("unexpected change '\(change)' in rule_versions"),
                changedBy: try r["changed_by"].decode(String.self),
                changedAt: try r["changed_at"].decode(Date.self),
                rule: try RuleRow.decode(row))
        }
    }
}

extension RuleStore {
    /// Writes a rule and its version in one statement: an insert for a new
    /// rule, an update (guarded by the previous version) otherwise. The
    /// immutable columns are never in the update's SET list. Unknown target
    /// portfolios are INVALID_PORTFOLIO and write nothing.
    func write(
        _ rule: ComplianceRule, _ change: RuleVersion.Change, actor: Principal, on connection: Transaction?
    ) async throws -> ComplianceRule {
        let query: SQL = try """
            WITH missing AS (
                SELECT array_agg(t ORDER BY t) AS ids FROM unnest(\(rule.targetAccounts)::text[]) t
                WHERE NOT EXISTS (SELECT 1 FROM portfolios p WHERE p.tenant_id = \(actor.tenantId) AND p.portfolio_id = t)
            ), w AS (
                INSERT INTO rules AS r (tenant_id, rule_id, deployment_id, rule_type, name, parameters, target_accounts,
                    severity, active, version, created_by, created_at, updated_at)
                SELECT \(actor.tenantId), \(rule.ruleId), \(rule.deploymentId), \(rule.ruleType.rawValue), \(rule.name),
                    \(RuleRow.json(rule.parameters))::jsonb, \(rule.targetAccounts)::text[], \(rule.severity.rawValue),
                    \(rule.active), \(Int32(rule.version)), \(rule.createdBy), \(rule.createdAt), \(rule.updatedAt)
                WHERE (SELECT ids FROM missing) IS NULL
                ON CONFLICT (tenant_id, rule_id) DO UPDATE SET rule_type = excluded.rule_type, name = excluded.name,
                    parameters = excluded.parameters, target_accounts = excluded.target_accounts,
                    severity = excluded.severity, active = excluded.active, version = excluded.version,
                    updated_at = excluded.updated_at
                WHERE r.version = excluded.version - 1
                RETURNING r.*
            ), v AS (
                INSERT INTO rule_versions (tenant_id, rule_id, version, snapshot, change, changed_by, changed_at)
                SELECT tenant_id, rule_id, version, to_jsonb(w), \(change.rawValue), \(actor.principalId), updated_at
                FROM w
            )
            SELECT m.ids AS missing, \(unescaped: RuleRow.columns) FROM missing m LEFT JOIN w r ON true
            """
        let rows = if let connection {
            try await connection.rows(query)
        } else {
            try await database.rows(actor.scope, query)
        }
        guard let row = rows.first else { throw OMSError(.internalError, "rule write returned no row") }
        if let missing = try row["missing"].decode([String]?.self), let first = missing.first {
            throw OMSError(.invalidPortfolio, "unknown portfolio \(first) in target_accounts",
                           details: ["portfolio_id": first, "field": "target_accounts"])
        }
        // Nothing written: the rule changed since it was read (or its id was taken); start again.
        guard try row["rule_id"].decode(String?.self) != nil else { throw RetryTransaction() }
        return try RuleRow.decode(row)
    }

    /// Locks and reads a rule the actor may change: NOT_FOUND if they cannot
    /// see it, PERMISSION_DENIED if it also targets portfolios not theirs.
    func lock(_ ruleId: String, actor: Principal, on connection: Transaction) async throws -> ComplianceRule {
        let rows = try await connection.rows("""
            SELECT \(unescaped: RuleRow.columns) FROM rules r
            WHERE r.tenant_id = \(actor.tenantId) AND r.rule_id = \(ruleId)
              AND \(SQL.entitled(actor, anyPortfolioIn: "r.target_accounts"))
            FOR UPDATE
            """)
        guard let row = rows.first else { throw Self.notFound(ruleId) }
        let rule = try RuleRow.decode(row)
        try Self.requireEntitled(actor, to: rule.targetAccounts)
        return rule
    }

    static func requireWriter(_ actor: Principal) throws(OMSError) {
        guard ComplianceRule.writers.contains(actor.role) else {
            throw OMSError(.permissionDenied, "role \(actor.role.rawValue) may not change compliance rules",
                           details: ["role": actor.role.rawValue])
        }
    }

    static func requireEntitled(_ actor: Principal, to portfolioIds: [String]) throws(OMSError) {
        if let other = portfolioIds.first(where: { !actor.isEntitled(to: $0) }) {
            throw OMSError(.permissionDenied, "not entitled to portfolio \(other)", details: ["portfolio_id": other])
        }
    }

    static func notFound(_ ruleId: String) -> OMSError {
        OMSError(.notFound, "rule \(ruleId) not found", details: ["rule_id": ruleId])
    }
}

/// How a rule row is selected and decoded; one place for the column list.
enum RuleRow {
    /// The rule columns, for `SELECT \(unescaped: RuleRow.columns) FROM rules r`.
    static let columns = """
        r.rule_id, r.deployment_id, r.rule_type, r.name, r.parameters::text AS parameters, r.target_accounts, \
        r.severity, r.active, r.version, r.created_by, r.created_at, r.updated_at
        """

    static func decode(_ row: Row) throws -> ComplianceRule {
        let r = row
        let ruleType = try r["rule_type"].decode(String.self)
        let severity = try r["severity"].decode(String.self)
        let parametersJSON = Data(try r["parameters"].decode(String.self).utf8)
        let parameters = try JSONDecoder().decode(RuleParameters.self, from: parametersJSON)
        return ComplianceRule(
            ruleId: try r["rule_id"].decode(String.self),
            deploymentId: try r["deployment_id"].decode(String?.self),
            name: try r["name"].decode(String.self),
            definition: try RuleDefinition(
                try RuleType(rawValue: ruleType).orThrow("unexpected rule_type '\(ruleType)' in rules"), parameters),
            targetAccounts: try r["target_accounts"].decode([String].self),
            severity: try Severity(rawValue: severity).orThrow("unexpected severity '\(severity)' in rules"),
            active: try r["active"].decode(Bool.self),
            version: Int(try r["version"].decode(Int32.self)),
            createdBy: try r["created_by"].decode(String.self),
            createdAt: try r["created_at"].decode(Date.self),
            updatedAt: try r["updated_at"].decode(Date.self))
    }

    /// Parameters as a jsonb parameter (text, cast in SQL); decimals as strings.
    static func json(_ parameters: RuleParameters) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(parameters), as: UTF8.self)
    }
}

extension Optional {
    /// The value, or an INTERNAL error: for database values the schema rules out.
    func orThrow(_ message: @autoclosure () -> String) throws(OMSError) -> Wrapped {
        guard let value = self else { throw OMSError(.internalError, message()) }
        return value
    }
}
