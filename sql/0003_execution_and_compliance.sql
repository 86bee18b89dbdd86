-- Placements, fills and compliance verdicts.

CREATE TABLE placements (
    tenant_id        text NOT NULL,
    placement_id     text NOT NULL,
    order_id         text NOT NULL,
    venue            text NOT NULL,
    broker_id        text,
    strategy         text,
    quantity         numeric NOT NULL CHECK (quantity > 0),
    filled_quantity  numeric NOT NULL DEFAULT 0 CHECK (filled_quantity >= 0),
    state            text NOT NULL CHECK (state IN ('OPEN', 'FILLED', 'CANCELED')),
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, placement_id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id),
    CONSTRAINT placement_filled_within_quantity CHECK (filled_quantity <= quantity)
);
COMMENT ON TABLE placements IS 'Slices of an order at venues; open placements never exceed the order''s unfilled quantity.';
CREATE INDEX placements_by_order ON placements (tenant_id, order_id);

CREATE TABLE fills (
    tenant_id      text NOT NULL,
    exec_id        text NOT NULL,
    order_id       text NOT NULL,
    placement_id   text,
    quantity       numeric NOT NULL CHECK (quantity > 0),
    price          numeric NOT NULL CHECK (price > 0),
    executed_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    order_version  integer NOT NULL,
    recorded_by    text NOT NULL,
    PRIMARY KEY (tenant_id, exec_id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id),
    FOREIGN KEY (tenant_id, placement_id) REFERENCES placements (tenant_id, placement_id)
);
COMMENT ON TABLE fills IS 'Executions; exec_id is unique per tenant, so a repeated fill is recognised and changes nothing.';
COMMENT ON COLUMN fills.order_version IS 'The order version the fill produced; a repeat answers with the order as of then.';
CREATE INDEX fills_by_order ON fills (tenant_id, order_id);

CREATE TABLE compliance_results (
    tenant_id    text NOT NULL,
    result_id    text NOT NULL,
    order_id     text NOT NULL,
    phase        text NOT NULL CHECK (phase IN ('PRE_TRADE', 'POST_TRADE')),
    verdict      text NOT NULL CHECK (verdict IN ('PASSED', 'FAILED', 'OVERRIDDEN')),
    violations   jsonb NOT NULL DEFAULT '[]',
    reason       text,
    approver_id  text,
    decided_by   text NOT NULL,
    decided_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, result_id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id),
    CONSTRAINT override_names_reason_and_approver CHECK (
        verdict <> 'OVERRIDDEN' OR (reason IS NOT NULL AND approver_id IS NOT NULL))
);
COMMENT ON TABLE compliance_results IS 'Every pre/post-trade verdict: violations on failure, reason and approver on override.';
CREATE INDEX compliance_results_by_order ON compliance_results (tenant_id, order_id);

CREATE TABLE idempotency_keys (
    tenant_id        text NOT NULL,
    idempotency_key  text NOT NULL,
    method           text NOT NULL,
    principal_id     text NOT NULL,
    result           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);
COMMENT ON TABLE idempotency_keys IS 'First answer of a mutating call made with an idempotency_key; a retry returns it unchanged.';
