-- Orders, their immutable event log, baskets and lineage links.

CREATE TABLE baskets (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    basket_id   text NOT NULL,
    name        text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, basket_id)
);
COMMENT ON TABLE baskets IS 'Groups of orders executed together.';

CREATE TABLE orders (
    tenant_id          text NOT NULL,
    order_id           text NOT NULL,
    portfolio_id       text NOT NULL,
    instrument_id      text NOT NULL,
    direction          text NOT NULL CHECK (direction IN ('Buy', 'Sell', 'SellShort', 'BuyToCover')),
    order_type         text NOT NULL CHECK (order_type IN ('Market', 'Limit', 'Stop', 'StopLimit', 'PreviouslyQuoted')),
    time_in_force      text NOT NULL CHECK (time_in_force IN ('Day', 'GTC', 'IOC', 'FOK', 'GTD', 'AtTheOpen', 'AtTheClose')),
    ordered_quantity   numeric NOT NULL CHECK (ordered_quantity > 0),
    limit_price        numeric CHECK (limit_price > 0),
    stop_price         numeric CHECK (stop_price > 0),
    expire_at          timestamptz,
    executed_quantity  numeric NOT NULL DEFAULT 0 CHECK (executed_quantity >= 0),
    state              text NOT NULL CHECK (state IN (
                           'CREATED', 'PENDING_PRE_TRADE_COMPLIANCE', 'PRE_TRADE_COMPLIANCE_PASSED',
                           'PRE_TRADE_COMPLIANCE_FAILED', 'SENT_TO_TRADER', 'ROUTED', 'PARTIALLY_FILLED',
                           'FILLED', 'CLOSED', 'SENT_TO_OPERATIONS', 'PENDING_POST_TRADE_COMPLIANCE',
                           'POST_TRADE_COMPLIANCE_PASSED', 'POST_TRADE_COMPLIANCE_FAILED', 'CONFIRMED',
                           'SETTLED', 'RECONCILED', 'CANCELED', 'REJECTED')),
    basket_id          text,
    counterparty_id    text,
    metadata           jsonb,
    client_order_id    text,
    idempotency_key    text,
    cancel_reason      text,
    created_by         text NOT NULL,
    version            integer NOT NULL CHECK (version >= 1),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, order_id),
    CONSTRAINT orders_client_order_id_unique UNIQUE (tenant_id, client_order_id),
    CONSTRAINT orders_idempotency_key_unique UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT orders_portfolio_fk FOREIGN KEY (tenant_id, portfolio_id) REFERENCES portfolios (tenant_id, portfolio_id),
    CONSTRAINT orders_instrument_fk FOREIGN KEY (tenant_id, instrument_id) REFERENCES instruments (tenant_id, instrument_id),
    CONSTRAINT orders_basket_fk FOREIGN KEY (tenant_id, basket_id) REFERENCES baskets (tenant_id, basket_id),
    CONSTRAINT executed_within_ordered CHECK (executed_quantity <= ordered_quantity),
    CONSTRAINT limit_price_by_type CHECK (
        (order_type IN ('Limit', 'StopLimit', 'PreviouslyQuoted')) = (limit_price IS NOT NULL)),
    CONSTRAINT stop_price_by_type CHECK ((order_type IN ('Stop', 'StopLimit')) = (stop_price IS NOT NULL)),
    CONSTRAINT expire_at_only_for_gtd CHECK ((time_in_force = 'GTD') = (expire_at IS NOT NULL))
);
COMMENT ON TABLE orders IS 'Current row of every order; always equal to a replay of its order_events.';
COMMENT ON COLUMN orders.state IS 'One of the 18 lifecycle states (DESIGN.md section 2).';
COMMENT ON COLUMN orders.version IS 'Number of events recorded for the order; the create event is 1.';
COMMENT ON COLUMN orders.executed_quantity IS 'Sum of fills; never above ordered_quantity.';
COMMENT ON COLUMN orders.idempotency_key IS 'Optional client key: a create_order retried with it returns the first order.';
COMMENT ON COLUMN orders.client_order_id IS 'Optional client reference, unique per tenant (DUPLICATE_ORDER).';

-- list_orders: newest first, filtered by portfolio, state, instrument.
CREATE INDEX orders_by_created ON orders (tenant_id, created_at DESC, order_id DESC);
CREATE INDEX orders_by_portfolio ON orders (tenant_id, portfolio_id, created_at DESC);
CREATE INDEX orders_by_state ON orders (tenant_id, state, created_at DESC);
CREATE INDEX orders_by_instrument ON orders (tenant_id, instrument_id, created_at DESC);
CREATE INDEX orders_by_basket ON orders (tenant_id, basket_id) WHERE basket_id IS NOT NULL;

CREATE TABLE order_events (
    tenant_id    text NOT NULL,
    event_id     bigint GENERATED ALWAYS AS IDENTITY,
    order_id     text NOT NULL,
    sequence     integer NOT NULL CHECK (sequence >= 1),
    command      text NOT NULL,
    from_state   text,
    to_state     text NOT NULL,
    actor_id     text NOT NULL,
    actor_role   text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}',
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    xact_id      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, event_id),
    UNIQUE (tenant_id, order_id, sequence),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id)
);
COMMENT ON TABLE order_events IS 'Append-only log of every change to an order: who, what, when, from/to state, payload.';
COMMENT ON COLUMN order_events.sequence IS 'The order''s version after this event; gap-free per order.';
COMMENT ON COLUMN order_events.occurred_at IS 'Event time: when the change took effect.';
COMMENT ON COLUMN order_events.recorded_at IS 'Record time: when the database stored it.';
COMMENT ON COLUMN order_events.xact_id IS 'Writing transaction, for gap-free subscription cursors.';
CREATE INDEX order_events_by_xact ON order_events (tenant_id, xact_id, event_id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER order_events_no_truncate BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE order_links (
    tenant_id        text NOT NULL,
    source_order_id  text NOT NULL,
    target_order_id  text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('MERGE', 'SPLIT', 'REMAINDER')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source_order_id, target_order_id),
    FOREIGN KEY (tenant_id, source_order_id) REFERENCES orders (tenant_id, order_id),
    FOREIGN KEY (tenant_id, target_order_id) REFERENCES orders (tenant_id, order_id)
);
COMMENT ON TABLE order_links IS 'Lineage between orders: merges, splits and remainders (source -> target).';
CREATE INDEX order_links_by_target ON order_links (tenant_id, target_order_id);
