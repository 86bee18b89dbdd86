-- Compliance events, market-driven breach state, and the NOTIFY wake-up that
-- lets every sidecar fan committed events out to its subscribers.
--
-- Events are appended in the transaction of their cause: verdicts and
-- overrides by a trigger on compliance_results, rule changes by a trigger on
-- rule_versions, BREACH / BREACH_CLEARED by the kernel in the transaction of
-- the price or position change. Subscribers read them in (xact_id, event_id)
-- order and only below pg_snapshot_xmin(pg_current_snapshot()), so a cursor
-- never passes an event whose transaction commits later (docs/compliance.md).

CREATE TABLE compliance_events (
    tenant_id      text NOT NULL,
    event_id       bigint GENERATED ALWAYS AS IDENTITY,
    event_type     text NOT NULL CHECK (event_type IN (
                       'PRE_TRADE_PASSED', 'PRE_TRADE_FAILED', 'PRE_TRADE_OVERRIDDEN',
                       'POST_TRADE_PASSED', 'POST_TRADE_FAILED', 'POST_TRADE_OVERRIDDEN',
                       'RULE_CREATED', 'RULE_UPDATED', 'RULE_DELETED', 'BREACH', 'BREACH_CLEARED')),
    severity       text CHECK (severity IN ('HARD', 'SOFT')),
    portfolio_ids  text[] NOT NULL DEFAULT '{}',
    rule_id        text,
    order_id       text,
    details        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    xact_id        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, event_id)
);
COMMENT ON TABLE compliance_events IS 'Append-only stream of verdicts, overrides, rule changes and market-driven breaches.';
COMMENT ON COLUMN compliance_events.portfolio_ids IS 'Portfolios the event concerns: the order''s, the breached one, or a rule''s target accounts.';
COMMENT ON COLUMN compliance_events.xact_id IS 'Writing transaction, for gap-free subscription cursors.';
CREATE INDEX compliance_events_by_xact ON compliance_events (tenant_id, xact_id, event_id);
-- Each sidecar's fan-out reads every tenant's new events in cursor order.
CREATE INDEX compliance_events_feed ON compliance_events (xact_id, event_id);
CREATE INDEX order_events_feed ON order_events (xact_id, event_id);
CREATE TRIGGER compliance_events_append_only BEFORE UPDATE OR DELETE ON compliance_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER compliance_events_no_truncate BEFORE TRUNCATE ON compliance_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A verdict becomes events: one per violation of a failure (each names its
-- rule and severity), one for a pass or an override.
CREATE FUNCTION compliance_result_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text := NEW.phase || '_' || NEW.verdict;
    portfolio text;
BEGIN
    SELECT o.portfolio_id INTO portfolio FROM orders o
    WHERE o.tenant_id = NEW.tenant_id AND o.order_id = NEW.order_id;
    IF NEW.verdict = 'FAILED' AND jsonb_array_length(NEW.violations) > 0 THEN
        INSERT INTO compliance_events (tenant_id, event_type, severity, portfolio_ids, rule_id, order_id, details,
            occurred_at)
        SELECT NEW.tenant_id, kind, v->>'severity', ARRAY[portfolio], v->>'rule_id', NEW.order_id,
            jsonb_build_object('result_id', NEW.result_id, 'rule_name', v->>'rule_name',
                               'description', v->>'description', 'decided_by', NEW.decided_by),
            NEW.decided_at
        FROM jsonb_array_elements(NEW.violations) AS v;
    ELSE
        INSERT INTO compliance_events (tenant_id, event_type, severity, portfolio_ids, rule_id, order_id, details,
            occurred_at)
        VALUES (NEW.tenant_id, kind, NULL, ARRAY[portfolio], NULL, NEW.order_id,
            jsonb_strip_nulls(jsonb_build_object('result_id', NEW.result_id, 'reason', NEW.reason,
                'approver_id', NEW.approver_id, 'decided_by', NEW.decided_by)),
            NEW.decided_at);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER compliance_results_events AFTER INSERT ON compliance_results
    FOR EACH ROW EXECUTE FUNCTION compliance_result_events();

CREATE FUNCTION rule_version_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO compliance_events (tenant_id, event_type, severity, portfolio_ids, rule_id, details, occurred_at)
    VALUES (NEW.tenant_id, 'RULE_' || NEW.change, NEW.snapshot->>'severity',
        ARRAY(SELECT jsonb_array_elements_text(NEW.snapshot->'target_accounts')), NEW.rule_id,
        jsonb_build_object('version', NEW.version, 'changed_by', NEW.changed_by,
            'name', NEW.snapshot->'name', 'rule_type', NEW.snapshot->'rule_type',
            'parameters', NEW.snapshot->'parameters', 'active', NEW.snapshot->'active'),
        NEW.changed_at);
    RETURN NULL;
END;
$$;
CREATE TRIGGER rule_versions_events AFTER INSERT ON rule_versions
    FOR EACH ROW EXECUTE FUNCTION rule_version_events();

-- Whether each active portfolio-level rule is over its limit for a
-- portfolio, as last measured after a price or position change; a change of
-- this flag is a BREACH or BREACH_CLEARED event.
CREATE TABLE rule_breaches (
    tenant_id      text NOT NULL,
    rule_id        text NOT NULL,
    portfolio_id   text NOT NULL,
    breached       boolean NOT NULL,
    current_value  numeric NOT NULL,
    limit_value    numeric NOT NULL,
    measured       text,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, rule_id, portfolio_id),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES rules (tenant_id, rule_id),
    FOREIGN KEY (tenant_id, portfolio_id) REFERENCES portfolios (tenant_id, portfolio_id)
);
COMMENT ON TABLE rule_breaches IS 'Last measured breach state of each (rule, portfolio); flips emit BREACH / BREACH_CLEARED.';

-- One small wake-up per statement that appended events; subscribers then
-- read the events tables, which are the source of truth.
CREATE FUNCTION notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM appended) THEN
        PERFORM pg_notify('oms_events', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER order_events_notify AFTER INSERT ON order_events
    REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION notify_events();
CREATE TRIGGER compliance_events_notify AFTER INSERT ON compliance_events
    REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION notify_events();
