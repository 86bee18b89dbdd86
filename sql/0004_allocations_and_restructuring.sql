-- Allocations of executed quantity to accounts, and what restructuring needs.

CREATE TABLE allocations (
    tenant_id      text NOT NULL,
    allocation_id  text NOT NULL,
    order_id       text NOT NULL,
    account_id     text NOT NULL,
    portfolio_id   text NOT NULL,
    quantity       numeric NOT NULL CHECK (quantity > 0),
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    PRIMARY KEY (tenant_id, allocation_id),
    CONSTRAINT allocations_order_fk FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id),
    CONSTRAINT allocations_account_fk FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, account_id)
);
COMMENT ON TABLE allocations IS 'Per-account allocations of an order''s executed quantity; their sum never exceeds it (checked under the order''s row lock). CONFIRMED requires the sum to equal it.';
CREATE INDEX allocations_by_order ON allocations (tenant_id, order_id);

COMMENT ON COLUMN orders.basket_id IS 'Basket the order belongs to (at most one).';
COMMENT ON COLUMN orders.cancel_reason IS 'Why the order was canceled: free text, or MERGED / SPLIT for restructuring.';
