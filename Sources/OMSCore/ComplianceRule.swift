import Foundation

/// A compliance rule of the built-in engine, as stored.
///
/// rule_id, deployment_id, created_by and created_at never change; delete is
/// soft (`active = false`); every change bumps `version`.
public struct ComplianceRule: Sendable, Equatable {
    /// The rule's identifier (`RULE-…`).
    public var ruleId: String
    /// The compliance deployment (plugin release) that owns the rule, if named.
    public var deploymentId: String?
    /// A name for people, shown with violations.
    public var name: String
    /// The rule's type with its checked parameters.
    public var definition: RuleDefinition
    /// Portfolio ids the rule applies to.
    public var targetAccounts: [String]
    /// HARD violations fail an order; SOFT ones are reported and pass.
    public var severity: Severity
    /// Whether the rule is applied; a soft delete or an update turns it off and keeps the row.
    public var active: Bool
    /// Bumped by every change, starting at 1.
    public var version: Int
    /// The principal who created the rule.
    public var createdBy: String
    /// When the rule was created.
    public var createdAt: Date
    /// When the rule last changed.
    public var updatedAt: Date

    /// A rule with every field given; `NewRule.makeRule` makes checked ones.
    public init(ruleId: String, deploymentId: String? = nil, name: String, definition: RuleDefinition,
                targetAccounts: [String], severity: Severity = .hard, active: Bool = true, version: Int = 1,
                createdBy: String, createdAt: Date, updatedAt: Date) {
        self.ruleId = ruleId
        self.deploymentId = deploymentId
        self.name = name
        self.definition = definition
        self.targetAccounts = targetAccounts
        self.severity = severity
        self.active = active
        self.version = version
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The rule's type.
    public var ruleType: RuleType { definition.ruleType }
    /// The rule's parameters as checked.
    public var parameters: RuleParameters { definition.parameters }

    /// Whether the rule is in force for a portfolio.
    public func applies(to portfolioId: String) -> Bool {
        active && targetAccounts.contains(portfolioId)
    }

    /// Roles that create, change and delete rules; every role reads them.
    public static let writers: Set<Role> = [.compliance, .admin]

    /// Fields no update may name.
    public static let immutableFields = ["rule_id", "deployment_id", "created_by", "created_at"]
}

/// What `create_rule` gives, before the kernel assigns an id.
public struct NewRule: Sendable, Equatable {
    /// The type of rule to create.
    public var ruleType: RuleType
    /// The type's parameters, checked by `makeRule`.
    public var parameters: RuleParameters
    /// Portfolio ids the rule applies to.
    public var targetAccounts: [String]
    /// Whether the rule applies from creation.
    public var active: Bool
    /// Defaults to the rule type's name.
    public var name: String?
    /// HARD fails an order; SOFT reports and passes.
    public var severity: Severity
    /// The compliance deployment that owns the rule, if named.
    public var deploymentId: String?

    /// A draft rule; HARD and active unless given.
    public init(ruleType: RuleType, parameters: RuleParameters = RuleParameters(), targetAccounts: [String],
                active: Bool = true, name: String? = nil, severity: Severity = .hard, deploymentId: String? = nil) {
        self.ruleType = ruleType
        self.parameters = parameters
        self.targetAccounts = targetAccounts
        self.active = active
        self.name = name
        self.severity = severity
        self.deploymentId = deploymentId
    }

    /// The rule this becomes, checked, or INVALID_ARGUMENT naming the field.
    public func makeRule(ruleId: String, createdBy: String, at now: Date) throws(OMSError) -> ComplianceRule {
        if let deploymentId { try OrderValidation.requireIdentifier(deploymentId, field: "deployment_id") }
        return ComplianceRule(
            ruleId: ruleId, deploymentId: deploymentId, name: try RuleChecks.name(name ?? ruleType.rawValue),
            definition: try RuleDefinition(ruleType, parameters),
            targetAccounts: try RuleChecks.targets(targetAccounts), severity: severity, active: active,
            createdBy: createdBy, createdAt: now, updatedAt: now)
    }
}

/// What `update_rule` may change. `parameters` replaces the whole set (left-out
/// optional parameters take their defaults); naming an immutable field is FIELD_LOCKED.
public struct RuleChanges: Sendable, Equatable {
    /// A new rule type (its parameters must then fit it).
    public var ruleType: RuleType?
    /// A new parameter set, replacing the whole set.
    public var parameters: RuleParameters?
    /// New target portfolios.
    public var targetAccounts: [String]?
    /// A new name.
    public var name: String?
    /// A new severity.
    public var severity: Severity?
    /// Activate or soft-delete.
    public var active: Bool?
    /// Immutable fields (`ComplianceRule.immutableFields`) the change named.
    public var immutableFieldsNamed: [String]

    /// A change of the given fields; those left nil stay as they are.
    public init(ruleType: RuleType? = nil, parameters: RuleParameters? = nil, targetAccounts: [String]? = nil,
                name: String? = nil, severity: Severity? = nil, active: Bool? = nil, immutableFieldsNamed: [String] = []) {
        self.ruleType = ruleType
        self.parameters = parameters
        self.targetAccounts = targetAccounts
        self.name = name
        self.severity = severity
        self.active = active
        self.immutableFieldsNamed = immutableFieldsNamed
    }

    /// Whether the change names nothing, which `update_rule` refuses.
    public var isEmpty: Bool {
        ruleType == nil && parameters == nil && targetAccounts == nil && name == nil && severity == nil && active == nil
            && immutableFieldsNamed.isEmpty
    }
}

extension ComplianceRule {
    /// The rule after `changes` (version + 1), or the refusal: FIELD_LOCKED for
    /// an immutable field, INVALID_ARGUMENT naming a bad one. A new rule_type
    /// with no new parameters keeps the old ones, which must then fit the new type.
    public func applying(_ changes: RuleChanges, at now: Date) throws(OMSError) -> ComplianceRule {
        if !changes.immutableFieldsNamed.isEmpty {
            let fields = changes.immutableFieldsNamed.joined(separator: ",")
            throw OMSError(.fieldLocked, "\(changes.immutableFieldsNamed.joined(separator: ", ")) cannot change",
                           details: ["fields": fields, "field": changes.immutableFieldsNamed[0], "rule_id": ruleId])
        }
        guard !changes.isEmpty else {
            throw .invalidArgument(
                "changes", "names no field to change (rule_type, parameters, target_accounts, name, severity, active)")
        }
        var rule = self
        if changes.ruleType != nil || changes.parameters != nil {
            rule.definition = try RuleDefinition(changes.ruleType ?? ruleType, changes.parameters ?? parameters)
        }
        if let targets = changes.targetAccounts { rule.targetAccounts = try RuleChecks.targets(targets) }
        if let name = changes.name { rule.name = try RuleChecks.name(name) }
        if let severity = changes.severity { rule.severity = severity }
        if let active = changes.active { rule.active = active }
        rule.version = version + 1
        rule.updatedAt = max(now, updatedAt)
        return rule
    }

    /// The rule soft-deleted (inactive, version + 1).
    public func deleted(at now: Date) -> ComplianceRule {
        var rule = self
        rule.active = false
        rule.version = version + 1
        rule.updatedAt = max(now, updatedAt)
        return rule
    }
}

/// Field checks shared by create and update.
enum RuleChecks {
    static func name(_ name: String) throws(OMSError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw .invalidArgument("name", "must be 1 to 200 characters") }
        return trimmed
    }

    /// Non-empty, valid identifiers; duplicates dropped, order kept.
    static func targets(_ ids: [String]) throws(OMSError) -> [String] {
        guard !ids.isEmpty else { throw .invalidArgument("target_accounts", "must list at least one portfolio") }
        var kept: [String] = []
        for id in ids where !kept.contains(id) {
            try OrderValidation.requireIdentifier(id, field: "target_accounts")
            kept.append(id)
        }
        return kept
    }
}
