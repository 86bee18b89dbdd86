-- Compliance rules of the built-in rule engine, and every version of each.
-- The kernel validates parameters per rule type (OMSCore RuleDefinition); the
-- CHECKs below hold the same shape, so a row the engine cannot read is refused.
-- Decimal parameters are stored as JSON strings ("0.05"), exact like numeric.

CREATE TABLE rules (
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
    rule_id          text NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 128),
    deployment_id    text CHECK (length(deployment_id) BETWEEN 1 AND 128),
    rule_type        text NOT NULL CHECK (rule_type IN (
                         'concentration_limit', 'max_order_quantity', 'max_order_notional',
                         'restricted_list', 'no_short_sales', 'max_position_quantity')),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    parameters       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
    target_accounts  text[] NOT NULL CHECK (cardinality(target_accounts) >= 1
                                            AND array_position(target_accounts, NULL) IS NULL),
    severity         text NOT NULL DEFAULT 'HARD' CHECK (severity IN ('HARD', 'SOFT')),
    active           boolean NOT NULL DEFAULT true,
    version          integer NOT NULL CHECK (version >= 1),
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, rule_id),
    CONSTRAINT rules_updated_after_created CHECK (updated_at >= created_at),
    -- The parameters each type needs, with their ranges (DESIGN.md section 7).
    -- coalesce: a missing key makes the comparison NULL, which a CHECK would pass.
    CONSTRAINT rule_parameters_by_type CHECK (coalesce(CASE rule_type
        WHEN 'concentration_limit' THEN
            (parameters->>'max_pct')::numeric > 0 AND (parameters->>'max_pct')::numeric <= 1
            AND parameters->>'scope' IN ('single_name', 'issuer', 'sector')
        WHEN 'max_order_quantity' THEN (parameters->>'max_quantity')::numeric > 0
        WHEN 'max_order_notional' THEN (parameters->>'max_notional')::numeric > 0
        WHEN 'restricted_list' THEN
            jsonb_typeof(parameters->'instrument_ids') = 'array'
            AND jsonb_array_length(parameters->'instrument_ids') > 0
        WHEN 'no_short_sales' THEN parameters = '{}'::jsonb
        WHEN 'max_position_quantity' THEN (parameters->>'max_quantity')::numeric > 0
    END, false))
);
COMMENT ON TABLE rules IS 'Compliance rules of the built-in engine (what-if, headroom). Delete is soft: active = false, the row is kept.';
COMMENT ON COLUMN rules.deployment_id IS 'Optional id of the compliance deployment (plugin release) that owns the rule; immutable.';
COMMENT ON COLUMN rules.parameters IS 'Per-type parameters, e.g. {"max_pct": "0.05", "scope": "single_name"}; decimals as strings.';
COMMENT ON COLUMN rules.target_accounts IS 'Portfolio ids the rule applies to (the SDK calls them target accounts).';
COMMENT ON COLUMN rules.severity IS 'HARD violations fail an order; SOFT ones are reported only.';
COMMENT ON COLUMN rules.version IS 'Number of rule_versions rows of the rule; CREATED is 1.';
COMMENT ON COLUMN rules.created_by IS 'Principal that created the rule; rule_id, deployment_id, created_by and created_at never change.';
-- Rules per tenant are few (hundreds), so a portfolio's rules are found by
-- scanning the tenant's active rules; a GIN index on target_accounts could
-- not lead with tenant_id without the btree_gin extension.
CREATE INDEX rules_by_state ON rules (tenant_id, active, rule_type);

-- rule_id, deployment_id, created_by and created_at are immutable (the kernel
-- refuses an update naming them with FIELD_LOCKED; this holds it in the database).
CREATE FUNCTION refuse_rule_identity_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.rule_id IS DISTINCT FROM OLD.rule_id OR NEW.deployment_id IS DISTINCT FROM OLD.deployment_id
       OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'rules: rule_id, deployment_id, created_by and created_at are immutable'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER rules_identity_immutable BEFORE UPDATE ON rules
    FOR EACH ROW EXECUTE FUNCTION refuse_rule_identity_change();

CREATE TABLE rule_versions (
    tenant_id   text NOT NULL,
    rule_id     text NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    snapshot    jsonb NOT NULL CHECK (jsonb_typeof(snapshot) = 'object'),
    change      text NOT NULL CHECK (change IN ('CREATED', 'UPDATED', 'DELETED')),
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, rule_id, version),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES rules (tenant_id, rule_id),
    CONSTRAINT first_version_is_created CHECK ((version = 1) = (change = 'CREATED'))
);
COMMENT ON TABLE rule_versions IS 'Append-only history of every rule: the whole rules row after each change, written in the change''s transaction.';
COMMENT ON COLUMN rule_versions.snapshot IS 'to_jsonb of the rules row as the change left it.';
CREATE TRIGGER rule_versions_append_only BEFORE UPDATE OR DELETE ON rule_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER rule_versions_no_truncate BEFORE TRUNCATE ON rule_versions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
