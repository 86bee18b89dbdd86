import OMSCore
import OMSProtocol
import OMSStore

extension Catalogue {
    static let ruleMethods: [MethodSpec] = [
        MethodSpec("oms.create_rule", "Create a compliance rule of the built-in engine (version 1).",
                   params: CreateRuleParams.self, roles: [.compliance, .admin], result: "{rule_id, rule}",
                   mutating: true) { p, ctx in
            let draft = NewRule(
                ruleType: p.ruleType, parameters: try RuleDecoding.parameters(p.parameters),
                targetAccounts: p.targetAccounts, active: p.active ?? true, name: p.name, severity: p.severity ?? .hard,
                deploymentId: p.deploymentId)
            let rule = try await ctx.services.rules.create(draft, actor: ctx.principal)
            return .object(["rule_id": .string(rule.ruleId), "rule": Wire.rule(rule)])
        },
        MethodSpec(
            "oms.update_rule",
            "Change a rule (version + 1). rule_id, deployment_id, created_by and created_at are FIELD_LOCKED.",
            params: UpdateRuleParams.self, roles: [.compliance, .admin], result: "rule", mutating: true
        ) { p, ctx in
            let changes = try RuleDecoding.changes(p.changes)
            return Wire.rule(try await ctx.services.rules.update(p.ruleId, changes: changes, actor: ctx.principal))
        },
        MethodSpec("oms.delete_rule", "Soft-delete a rule: active = false, the record and its versions kept.",
                   params: RuleIdParams.self, roles: [.compliance, .admin], result: "rule", mutating: true) { p, ctx in
            Wire.rule(try await ctx.services.rules.delete(p.ruleId, actor: ctx.principal))
        },
        MethodSpec("oms.list_rules", "Rules matching the filters, oldest first.", params: ListRulesParams.self,
                   result: "{rules: [rule]}", mutating: false) { p, ctx in
            let filter = RuleFilter(portfolioId: p.portfolioId, ruleType: p.ruleType, active: p.active)
            let rules = try await ctx.services.rules.list(filter, actor: ctx.principal)
            return .object(["rules": .array(rules.map(Wire.rule))])
        },
        MethodSpec(
            "oms.check_compliance_what_if",
            "Evaluate proposed orders against the active rules of their portfolios; records nothing.",
            params: WhatIfParams.self, result: "{results: [{passed, violations}]} in proposal order", mutating: false
        ) { p, ctx in
            let outcomes = try await ComplianceSnapshotStore(database: ctx.services.database)
                .checkWhatIf(p.proposedOrders.map(\.order), actor: ctx.principal)
            return .object(["results": .array(outcomes.map(Wire.outcome))])
        },
        MethodSpec(
            "oms.query_compliance_headroom", "How much room an active rule leaves a portfolio before its limit.",
            params: HeadroomParams.self, result: "{current_value, limit_value, headroom, headroom_pct, unit, measured}",
            mutating: false
        ) { p, ctx in
            let headroom = try await ComplianceSnapshotStore(database: ctx.services.database).headroom(
                portfolioId: p.portfolioId, ruleId: p.ruleId, instrumentId: p.instrumentId, actor: ctx.principal)
            return Wire.headroom(headroom, portfolioId: p.portfolioId, ruleId: p.ruleId)
        },
    ]
}

/// `oms.create_rule`. `parameters` is read by `RuleDecoding.parameters`,
/// whose messages name `parameters.<name>`.
struct CreateRuleParams: MethodParams {
    var ruleType: RuleType
    var parameters: [String: JSON]
    var targetAccounts: [String]
    var active: Bool?
    var name: String?
    var severity: Severity?
    var deploymentId: String?

    static let specs: [ParamSpec] = [
        ParamSpec("rule_type", ParamSpec.ruleType),
        ParamSpec("parameters", .object, "per rule_type, e.g. {max_pct, scope} (docs/compliance.md)"),
        ParamSpec("target_accounts", .array(.identifier), "portfolio ids the rule applies to"),
        .optional("active", .boolean, "default true"), .optional("name", .text, "default the rule_type"),
        .optional("severity", ParamSpec.severity, "default HARD"),
        .optional("deployment_id", .identifier, "the owning compliance deployment; immutable"),
    ]
}

/// `oms.update_rule`. `changes` is read by `RuleDecoding.changes`.
struct UpdateRuleParams: MethodParams {
    var ruleId: String
    var changes: [String: JSON]

    static let specs = [
        ParamSpec("rule_id", .identifier),
        ParamSpec("changes", .object, "rule_type, parameters (replaces the set), target_accounts, name, severity, active"),
    ]
}

/// `oms.delete_rule`.
struct RuleIdParams: MethodParams {
    var ruleId: String
    static let specs = [ParamSpec("rule_id", .identifier)]
}

/// `oms.list_rules`.
struct ListRulesParams: MethodParams {
    var portfolioId: String?
    var ruleType: RuleType?
    var active: Bool?

    static let specs: [ParamSpec] = [
        .optional("portfolio_id", .identifier, "rules whose target_accounts contain it"),
        .optional("rule_type", ParamSpec.ruleType), .optional("active", .boolean),
    ]
}

/// `oms.check_compliance_what_if`.
struct WhatIfParams: MethodParams {
    var proposedOrders: [WhatIfProposal]

    static let specs = [
        ParamSpec("proposed_orders", .array(.object),
                  "[{portfolio_id, instrument_id, direction, ordered_quantity, [limit_price]}]"),
    ]
}

/// `oms.query_compliance_headroom`.
struct HeadroomParams: MethodParams {
    var portfolioId: String
    var ruleId: String
    var instrumentId: String?

    static let specs: [ParamSpec] = [
        ParamSpec("portfolio_id", .identifier), ParamSpec("rule_id", .identifier),
        .optional("instrument_id", .identifier, "measure this name (default: the most concentrated)"),
    ]
}
