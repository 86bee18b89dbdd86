-- Row-level security: every table that carries tenant_id shows a connection
-- only the rows of the tenant it is scoped to, whatever the SQL says.
--
-- Roles (cluster-wide, created once; the migrating role owns the tables):
--   oms_app        what the service's pool runs as (`role=oms_app` at
--                  connection startup). Not the owner, so policies apply;
--                  FORCE applies them to the owner too.
--   oms_reporting  owns the reporting views; reads base tables only for the
--                  tenant of the BI login that queries the views.
--   oms_bi         group of BI logins (`oms admin create-bi-role`): may read
--                  the reporting views and nothing else.
--
-- Scope is the setting oms.tenant_id, bound on each pooled connection by the
-- TransactionRunner before it runs a transaction for another tenant than the
-- connection last served (docs/architecture.md). '*' is the sidecar's system
-- scope (the event fan-out, key lookup, the evaluator's sweep): it may read
-- every tenant and write none. Unset, a connection sees no rows at all.

DO $$
BEGIN
    CREATE ROLE oms_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE oms_reporting NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE oms_bi NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
-- The migrating role connects the pool as oms_app and hands views to oms_reporting.
GRANT oms_app, oms_reporting TO CURRENT_USER;

-- Which login is a BI role of which tenant; written by `oms admin create-bi-role`.
CREATE TABLE bi_roles (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    role_name   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, role_name)
);
COMMENT ON TABLE bi_roles IS 'BI login roles and the one tenant each may read through the reporting views.';

-- Every tenant table: RLS enabled and forced, the service's tenant policy and
-- its read-only system policy. The service may change every table except the
-- append-only ones (their triggers refuse changes as well).
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_rows ON %I TO oms_app
            USING (tenant_id = current_setting('oms.tenant_id', true))
            WITH CHECK (tenant_id = current_setting('oms.tenant_id', true))$p$, t);
        EXECUTE format($p$CREATE POLICY system_reads ON %I FOR SELECT TO oms_app
            USING (current_setting('oms.tenant_id', true) = '*')$p$, t);
        IF t IN ('order_events', 'compliance_events', 'rule_versions') THEN
            EXECUTE format('GRANT SELECT, INSERT ON %I TO oms_app', t);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO oms_app', t);
        END IF;
    END LOOP;
END $$;
GRANT SELECT ON schema_migrations TO oms_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO oms_app;

-- A BI login sees its own bi_roles row, and through it its tenant's rows.
CREATE POLICY own_role ON bi_roles FOR SELECT TO oms_reporting USING (role_name = session_user);
GRANT SELECT ON bi_roles TO oms_reporting;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['orders', 'order_events', 'fills', 'allocations', 'compliance_results',
                             'compliance_events', 'positions']
    LOOP
        EXECUTE format($p$CREATE POLICY bi_tenant_rows ON %I FOR SELECT TO oms_reporting
            USING (tenant_id = (SELECT b.tenant_id FROM bi_roles b WHERE b.role_name = session_user))$p$, t);
        EXECUTE format('GRANT SELECT ON %I TO oms_reporting', t);
    END LOOP;
END $$;

-- The reporting schema: stable views for BI tools (docs/reporting.md). Each
-- is owned by oms_reporting, so a BI login reads through it with that role's
-- policies, which admit only the login's tenant.
CREATE SCHEMA reporting;
COMMENT ON SCHEMA reporting IS 'Stable read-only views for BI tools; see docs/reporting.md.';

CREATE VIEW reporting.orders AS
SELECT o.tenant_id, o.order_id, o.portfolio_id, o.instrument_id, o.direction, o.order_type,
       o.time_in_force, o.state, o.ordered_quantity, o.executed_quantity,
       o.ordered_quantity - o.executed_quantity AS unfilled_quantity,
       (SELECT sum(f.quantity * f.price) / sum(f.quantity) FROM public.fills f
        WHERE f.tenant_id = o.tenant_id AND f.order_id = o.order_id) AS average_price,
       o.state IN ('RECONCILED', 'CANCELED', 'REJECTED') AS is_terminal,
       o.limit_price, o.stop_price, o.expire_at, o.basket_id, o.counterparty_id, o.client_order_id,
       o.cancel_reason, o.created_by, o.version, o.created_at, o.updated_at, o.metadata
FROM public.orders o;

CREATE VIEW reporting.order_events AS
SELECT e.tenant_id, e.event_id, e.order_id, e.sequence, e.command, e.from_state, e.to_state,
       e.actor_id, e.actor_role, e.payload, e.occurred_at, e.recorded_at
FROM public.order_events e;

CREATE VIEW reporting.fills AS
SELECT f.tenant_id, f.exec_id, f.order_id, o.portfolio_id, o.instrument_id, o.direction, f.placement_id,
       f.quantity, f.price, f.quantity * f.price AS notional, f.executed_at, f.recorded_at, f.recorded_by
FROM public.fills f
JOIN public.orders o ON o.tenant_id = f.tenant_id AND o.order_id = f.order_id;

CREATE VIEW reporting.allocations AS
SELECT a.tenant_id, a.allocation_id, a.order_id, a.account_id, a.portfolio_id, a.quantity, a.version,
       a.created_by, a.created_at, a.updated_at
FROM public.allocations a;

CREATE VIEW reporting.compliance_results AS
SELECT r.tenant_id, r.result_id, r.order_id, r.phase, r.verdict, r.violations, r.reason,
       r.approver_id, r.decided_by, r.decided_at
FROM public.compliance_results r;

CREATE VIEW reporting.compliance_events AS
SELECT e.tenant_id, e.event_id, e.event_type, e.severity, e.portfolio_ids, e.rule_id, e.order_id,
       e.details, e.occurred_at, e.recorded_at
FROM public.compliance_events e;

CREATE VIEW reporting.positions AS
SELECT p.tenant_id, p.portfolio_id, p.instrument_id, p.quantity, p.updated_at
FROM public.positions p;

DO $$
DECLARE
    v text;
BEGIN
    FOR v IN SELECT viewname FROM pg_views WHERE schemaname = 'reporting' LOOP
        EXECUTE format('ALTER VIEW reporting.%I OWNER TO oms_reporting', v);
        EXECUTE format('GRANT SELECT ON reporting.%I TO oms_bi', v);
    END LOOP;
END $$;
GRANT USAGE ON SCHEMA reporting TO oms_bi;
