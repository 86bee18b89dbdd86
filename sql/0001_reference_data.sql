-- Tenants, principals, API keys and reference data.
-- Every table carries tenant_id and it leads every key, so a tenant's rows
-- never join another's and the schema can be sharded by tenant later.

CREATE TABLE tenants (
    tenant_id   text PRIMARY KEY CHECK (tenant_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenants IS 'Isolated books of business; every other row belongs to one.';

CREATE TABLE principals (
    tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
    principal_id  text NOT NULL CHECK (length(principal_id) BETWEEN 1 AND 128),
    role          text NOT NULL CHECK (role IN ('PM', 'Trader', 'Ops', 'Compliance', 'System', 'Admin')),
    portfolio_ids text[],
    display_name  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, principal_id)
);
COMMENT ON TABLE principals IS 'Users and plugins; one role each.';
COMMENT ON COLUMN principals.portfolio_ids IS 'Portfolios the principal may see and touch; NULL means all of the tenant''s.';

CREATE TABLE api_keys (
    tenant_id     text NOT NULL,
    key_id        text NOT NULL,
    principal_id  text NOT NULL,
    key_hash      bytea NOT NULL CHECK (length(key_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    PRIMARY KEY (tenant_id, key_id),
    FOREIGN KEY (tenant_id, principal_id) REFERENCES principals (tenant_id, principal_id)
);
COMMENT ON TABLE api_keys IS 'API keys, stored only as SHA-256 hashes; the key itself is shown once at creation.';
COMMENT ON COLUMN api_keys.key_hash IS 'SHA-256 of the full key string. The key embeds tenant and key id, so lookup is by primary key.';

CREATE TABLE portfolios (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    portfolio_id   text NOT NULL CHECK (length(portfolio_id) BETWEEN 1 AND 128),
    name           text NOT NULL,
    base_currency  text NOT NULL DEFAULT 'USD',
    cash           numeric NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, portfolio_id)
);
COMMENT ON COLUMN portfolios.cash IS 'Cash balance in base currency; part of NAV for compliance.';

CREATE TABLE accounts (
    tenant_id     text NOT NULL,
    account_id    text NOT NULL CHECK (length(account_id) BETWEEN 1 AND 128),
    portfolio_id  text NOT NULL,
    name          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, account_id),
    FOREIGN KEY (tenant_id, portfolio_id) REFERENCES portfolios (tenant_id, portfolio_id)
);
COMMENT ON TABLE accounts IS 'Custody accounts of a portfolio; allocations book executed quantity to them.';

CREATE TABLE instruments (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    instrument_id  text NOT NULL CHECK (length(instrument_id) BETWEEN 1 AND 128),
    symbol         text NOT NULL,
    currency       text NOT NULL DEFAULT 'USD',
    issuer         text,
    sector         text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, instrument_id)
);

CREATE TABLE prices (
    tenant_id      text NOT NULL,
    instrument_id  text NOT NULL,
    price          numeric NOT NULL CHECK (price > 0),
    as_of          timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, instrument_id),
    FOREIGN KEY (tenant_id, instrument_id) REFERENCES instruments (tenant_id, instrument_id)
);
COMMENT ON TABLE prices IS 'Last price per instrument (market.set_price).';

CREATE TABLE positions (
    tenant_id      text NOT NULL,
    portfolio_id   text NOT NULL,
    instrument_id  text NOT NULL,
    quantity       numeric NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, portfolio_id, instrument_id),
    FOREIGN KEY (tenant_id, portfolio_id) REFERENCES portfolios (tenant_id, portfolio_id),
    FOREIGN KEY (tenant_id, instrument_id) REFERENCES instruments (tenant_id, instrument_id)
);
COMMENT ON TABLE positions IS 'Opening positions (admin.set_position); fills add to them for compliance.';
