import OMSCore
import OMSProtocol
import OMSStore

extension Catalogue {
    static let ruleMethods: [MethodSpec] = [
        MethodSpec(
            "oms.create_rule", "Create a compliance rule of the built-in engine (version 1).",
            params: [
                ParamSpec("rule_type", ParamSpec.ruleType),
                ParamSpec("parameters", .object, "per rule_type, e.g. {max_pct, scope} (docs/compliance.md)"),
                ParamSpec("target_accounts", .array(.identifier), "portfolio ids the rule applies to"),
                .optional("active", .boolean, "default true"), .optional("name", .text, "default the rule_type"),
                .optional("severity", ParamSpec.severity, "default HARD"),
                .optional("deployment_id", .identifier, "the owning compliance deployment; immutable"),
            ],
            roles: [.compliance, .admin], result: "{rule_id, rule}", mutating: true
        ) { p, ctx in
            let draft = NewRule(
                ruleType: try p.enumValue("rule_type", RuleType.self).orInvalid(field: "rule_type"),
                parameters: try RuleDecoding.parameters(p.object("parameters") ?? [:]),
                targetAccounts: p.optionalStrings("target_accounts") ?? [], active: p.optionalBool("active") ?? true,
                name: p.optionalString("name"), severity: p.enumValue("severity", Severity.self) ?? .hard,
                deploymentId: p.optionalString("deployment_id"))
            let rule = try await ctx.services.rules.create(draft, actor: ctx.principal)
            return .object(["rule_id": .string(rule.ruleId), "rule": Wire.rule(rule)])
        },
        MethodSpec(
            "oms.update_rule",
            "Change a rule (version + 1). rule_id, deployment_id, created_by and created_at are FIELD_LOCKED.",
            params: [ParamSpec("rule_id", .identifier),
                     ParamSpec("changes", .object,
                               "rule_type, parameters (replaces the set), target_accounts, name, severity, active")],
            roles: [.compliance, .admin], result: "rule", mutating: true
        ) { p, ctx in
            let changes = try RuleDecoding.changes(p.object("changes") ?? [:])
            return Wire.rule(try await ctx.services.rules.update(p.string("rule_id"), changes: changes, actor: ctx.principal))
        },
        MethodSpec(
            "oms.delete_rule", "Soft-delete a rule: active = false, the record and its versions kept.",
            params: [ParamSpec("rule_id", .identifier)], roles: [.compliance, .admin], result: "rule", mutating: true
        ) { p, ctx in
            Wire.rule(try await ctx.services.rules.delete(p.string("rule_id"), actor: ctx.principal))
        },
        MethodSpec(
            "oms.list_rules", "Rules matching the filters, oldest first.",
            params: [.optional("portfolio_id", .identifier, "rules whose target_accounts contain it"),
                     .optional("rule_type", ParamSpec.ruleType), .optional("active", .boolean)],
            result: "{rules: [rule]}", mutating: false
        ) { p, ctx in
            let filter = RuleFilter(portfolioId: p.optionalString("portfolio_id"),
                                    ruleType: p.enumValue("rule_type", RuleType.self), active: p.optionalBool("active"))
            let rules = try await ctx.services.rules.list(filter, actor: ctx.principal)
            return .object(["rules": .array(rules.map(Wire.rule))])
        },
        MethodSpec(
            "oms.check_compliance_what_if",
            "Evaluate proposed orders against the active rules of their portfolios; records nothing.",
            params: [ParamSpec("proposed_orders", .array(.object),
                               "[{portfolio_id, instrument_id, direction, ordered_quantity, [limit_price]}]")],
            result: "{results: [{passed, violations}]} in proposal order", mutating: false
        ) { p, ctx in
            let proposals = try RuleDecoding.proposals(p.values["proposed_orders"]?.arrayValue ?? [])
            let outcomes = try await ComplianceSnapshotStore(database: ctx.services.database)
                .checkWhatIf(proposals, actor: ctx.principal)
            return .object(["results": .array(outcomes.map(Wire.outcome))])
        },
        MethodSpec(
            "oms.query_compliance_headroom", "How much room an active rule leaves a portfolio before its limit.",
            params: [ParamSpec("portfolio_id", .identifier), ParamSpec("rule_id", .identifier),
                     .optional("instrument_id", .identifier, "measure this name (default: the most concentrated)")],
            result: "{current_value, limit_value, headroom, headroom_pct, unit, measured}", mutating: false
        ) { p, ctx in
            let portfolioId = p.string("portfolio_id"), ruleId = p.string("rule_id")
            let headroom = try await ComplianceSnapshotStore(database: ctx.services.database).headroom(
                portfolioId: portfolioId, ruleId: ruleId, instrumentId: p.optionalString("instrument_id"),
                actor: ctx.principal)
            return Wire.headroom(headroom, portfolioId: portfolioId, ruleId: ruleId)
        },
    ]
}
